//! Where a deadline `at` a datetime field falls relative to the field's time: a signed offset
//! (`meeting_start + 7d`), then a calendar day and a clock time in the workflow's time zone.

use chrono::{DateTime, Days, FixedOffset, NaiveTime, TimeZone};

/// How a deadline moves from the time held in its field; the default leaves it there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shift {
    /// Seconds added (negative: taken away) before the calendar moves.
    pub(crate) offset: i64,
    /// Calendar days from the (offset) date, in the workflow's time zone: -1 is the day before.
    pub(crate) day: i64,
    /// The clock time on that day; without it, the field's own time of day.
    pub(crate) time: Option<NaiveTime>,
}

impl Shift {
    /// Whether it leaves the field's time as it is.
    #[must_use]
    pub fn is_none(&self) -> bool {
        *self == Shift::default()
    }

    /// The due time for the field's time `t`, read in the time zone `zone`.
    #[must_use]
    pub fn apply(&self, t: DateTime<FixedOffset>, zone: FixedOffset) -> Option<DateTime<FixedOffset>> {
        let moved = t.checked_add_signed(chrono::Duration::try_seconds(self.offset)?)?.with_timezone(&zone);
        if self.day == 0 && self.time.is_none() {
            return Some(moved);
        }
        let date = moved.date_naive();
        let days = Days::new(self.day.unsigned_abs());
        let date = if self.day < 0 { date.checked_sub_days(days)? } else { date.checked_add_days(days)? };
        zone.from_local_datetime(&date.and_time(self.time.unwrap_or(moved.time()))).single()
    }

    /// The shift as the language writes it after the field, e.g. ` + 7d`, ` day -1 at 20:00`.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut text = String::new();
        if self.offset != 0 {
            let sign = if self.offset < 0 { '-' } else { '+' };
            let d = std::time::Duration::from_secs(self.offset.unsigned_abs());
            text.push_str(&format!(" {sign} {}", crate::model::workflow::format_duration(d)));
        }
        if self.day != 0 {
            text.push_str(&format!(" day {:+}", self.day));
        }
        if let Some(time) = self.time {
            text.push_str(&format!(" at {}", time.format("%H:%M")));
        }
        text
    }
}

/// Split `at: FIELD + DURATION` (or `-`) into the field and the signed duration text; a bare
/// field name has no offset.
#[must_use]
pub fn split_offset(text: &str) -> (&str, Option<(i64, &str)>) {
    match text.find(['+', '-']) {
        Some(i) => {
            let sign = if text[i..].starts_with('-') { -1 } else { 1 };
            (text[..i].trim(), Some((sign, text[i + 1..].trim())))
        }
        None => (text.trim(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn beijing() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    #[test]
    fn an_offset_moves_the_time_by_a_duration() {
        let week = Shift { offset: 7 * 86_400, ..Shift::default() };
        assert_eq!(week.apply(t("2026-12-07T08:30:00+08:00"), beijing()), Some(t("2026-12-14T08:30:00+08:00")));
        assert_eq!(week.describe(), " + 7d");
    }

    #[test]
    fn the_day_before_is_a_calendar_day_in_the_workflows_zone() {
        let evening_before = Shift { day: -1, time: NaiveTime::from_hms_opt(20, 0, 0), ..Shift::default() };
        // 01:00 Beijing time is still the previous day in UTC; the day before is taken in Beijing.
        assert_eq!(
            evening_before.apply(t("2026-12-08T17:00:00Z"), beijing()),
            Some(t("2026-12-08T20:00:00+08:00")),
            "an operation at 01:00 on the 9th: by 20:00 on the 8th"
        );
        assert_eq!(
            evening_before.apply(t("2026-12-09T15:00:00+08:00"), beijing()),
            Some(t("2026-12-08T20:00:00+08:00")),
            "an afternoon operation: the same evening before, not 24 hours earlier"
        );
        assert_eq!(evening_before.describe(), " day -1 at 20:00");
    }

    #[test]
    fn a_field_name_is_split_from_its_offset() {
        assert_eq!(split_offset("meeting_start + 7d"), ("meeting_start", Some((1, "7d"))));
        assert_eq!(split_offset("operation_start-1h 30m"), ("operation_start", Some((-1, "1h 30m"))));
        assert_eq!(split_offset(" arrival_time "), ("arrival_time", None));
    }
}
