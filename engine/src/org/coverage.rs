//! Whether the duty roster keeps a role staffed at every moment, and where it does not.
//! Workflows ask for it with `staffing:`; `org load` and `deploy` report the gaps found here.

use chrono::{DateTime, FixedOffset};

use crate::org::Org;

/// A stretch of time with too few people on duty as a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// Start, inclusive.
    pub from: DateTime<FixedOffset>,
    /// End, exclusive.
    pub until: DateTime<FixedOffset>,
    /// The fewest people on duty at any moment of it.
    pub on_duty: usize,
}

impl Org {
    /// The stretches, from the start of the first shift as `role` to the end of the last, with
    /// fewer than `at_least` people on duty; `None` when nobody is ever on duty as `role`.
    /// Outside that span the roster says nothing, so nothing is reported there.
    #[must_use]
    pub fn staffing_gaps(&self, role: &str, at_least: usize) -> Option<Vec<Gap>> {
        let shifts: Vec<_> = self.shifts.iter().filter(|s| s.role == role).collect();
        let mut edges: Vec<DateTime<FixedOffset>> = shifts.iter().flat_map(|s| [s.from, s.until]).collect();
        edges.sort_unstable();
        edges.dedup();
        if edges.is_empty() {
            return None;
        }
        let mut gaps: Vec<Gap> = Vec::new();
        for pair in edges.windows(2) {
            let (from, until) = (pair[0], pair[1]);
            let on_duty = self.on_duty_as(role, from).len();
            if on_duty >= at_least {
                continue;
            }
            match gaps.last_mut() {
                // One person leaving an already short stretch does not start a new gap.
                Some(last) if last.until == from => {
                    last.until = until;
                    last.on_duty = last.on_duty.min(on_duty);
                }
                _ => gaps.push(Gap { from, until, on_duty }),
            }
        }
        Some(gaps)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn org(roster: &str) -> Org {
        let text = format!(
            "people:\n  a: {{ name: 甲, roles: [or_staff] }}\n  b: {{ name: 乙, roles: [or_staff] }}\nroster:\n{roster}"
        );
        Org::read(Path::new("org.yaml"), text.as_bytes()).expect("a valid org")
    }

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn back_to_back_shifts_leave_no_gap() {
        let o = org("  - { person: a, role: or_staff, from: \"2026-03-10T08:00:00+08:00\", until: \"2026-03-10T20:00:00+08:00\" }\n  - { person: b, role: or_staff, from: \"2026-03-10T20:00:00+08:00\", until: \"2026-03-11T08:00:00+08:00\" }\n");
        assert_eq!(o.staffing_gaps("or_staff", 1), Some(vec![]));
    }

    #[test]
    fn an_hour_between_shifts_is_a_gap_and_two_people_are_asked_for_everywhere() {
        let o = org("  - { person: a, role: or_staff, from: \"2026-03-10T08:00:00+08:00\", until: \"2026-03-10T20:00:00+08:00\" }\n  - { person: b, role: or_staff, from: \"2026-03-10T21:00:00+08:00\", until: \"2026-03-11T08:00:00+08:00\" }\n");
        let gap = Gap { from: t("2026-03-10T20:00:00+08:00"), until: t("2026-03-10T21:00:00+08:00"), on_duty: 0 };
        assert_eq!(o.staffing_gaps("or_staff", 1), Some(vec![gap]));
        // With two required, the whole span is short, and the hour with nobody is its low point.
        let whole = Gap { from: t("2026-03-10T08:00:00+08:00"), until: t("2026-03-11T08:00:00+08:00"), on_duty: 0 };
        assert_eq!(o.staffing_gaps("or_staff", 2), Some(vec![whole]));
    }

    #[test]
    fn a_role_nobody_is_ever_on_duty_as_has_no_span() {
        let o = org("  - { person: a, role: or_staff, from: \"2026-03-10T08:00:00+08:00\", until: \"2026-03-10T20:00:00+08:00\" }\n");
        assert_eq!(o.staffing_gaps("duty_physician", 1), None);
    }
}
