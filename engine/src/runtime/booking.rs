//! Bookings of shared resources (a theatre, a meeting room): what an action books, read from the
//! instance's data, and whether it clashes with the org's reservations or other instances' bookings.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::workflow::{BookingSpan, Books, StateId, Workflow};
use crate::org::Org;
use crate::runtime::RuntimeError;

/// One booking, as the event that made it records it and the instance holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    /// The kind of resource, e.g. `theatre`.
    pub resource: String,
    /// Which one, e.g. `OR-1`.
    pub value: String,
    /// When it starts.
    pub from: DateTime<FixedOffset>,
    /// When it ends (exclusive).
    pub until: DateTime<FixedOffset>,
    /// For `last_of_day`: whether this booking must come after the day's others (contaminated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_of_day: Option<bool>,
    /// The step whose action booked it: withdrawing that action gives the booking up.
    pub state: StateId,
}

/// A booking another running instance holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The instance holding it.
    pub instance: i64,
    /// Its workflow.
    pub workflow: String,
    /// The booking.
    pub booking: Booking,
}

impl std::fmt::Display for Booking {
    /// "theatre OR-1 2026-03-10 08:00–11:00".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let until = if self.until.date_naive() == self.from.date_naive() {
            self.until.format("%H:%M").to_string()
        } else {
            self.until.format("%Y-%m-%d %H:%M").to_string()
        };
        write!(f, "{} {} {}–{until}", self.resource, self.value, self.from.format("%Y-%m-%d %H:%M"))
    }
}

/// The booking `books` makes from `data` (the instance's data after the action), in `state`.
///
/// # Errors
/// `BadInput` when a field the booking reads is unset or not what it should be.
pub fn booking_of(
    workflow: &Workflow,
    books: &Books,
    state: StateId,
    data: &Map<String, Value>,
) -> Result<Booking, RuntimeError> {
    let name = |id| workflow.field(id).name();
    let text = |id| -> Result<&str, RuntimeError> {
        data.get(name(id)).and_then(Value::as_str).ok_or_else(|| RuntimeError::BadInput {
            problems: vec![format!("`{}` is needed to book a {}", name(id), books.resource())],
        })
    };
    let time = |id| -> Result<DateTime<FixedOffset>, RuntimeError> {
        DateTime::parse_from_rfc3339(text(id)?)
            .map_err(|_| RuntimeError::BadInput { problems: vec![format!("`{}` is not a date and time", name(id))] })
    };
    let from = time(books.from())?;
    let until = match books.span() {
        BookingSpan::For(length) => from + chrono::Duration::from_std(length).unwrap_or(chrono::Duration::zero()),
        BookingSpan::Until(field) => time(field)?,
    };
    if until <= from {
        return Err(RuntimeError::BadInput {
            problems: vec![format!("the booking of {} must end after it starts", books.resource())],
        });
    }
    let last_of_day = books.last_of_day().map(|f| data.get(name(f)).and_then(Value::as_bool).unwrap_or(false));
    Ok(Booking {
        resource: books.resource().to_owned(),
        value: text(books.value())?.to_owned(),
        from,
        until,
        last_of_day,
        state,
    })
}

/// Whether instance of `workflow` may hold `booking`, given the bookings others hold.
///
/// # Errors
/// `BookingRefused` naming the reservation or the clashing instance and its times.
pub fn check_booking(
    org: &Org,
    workflow: &str,
    books: &Books,
    flag: Option<&str>,
    booking: &Booking,
    held: &[Held],
) -> Result<(), RuntimeError> {
    let refuse = |reason: String, hint: String| RuntimeError::BookingRefused {
        resource: books.resource().to_owned(),
        value: booking.value.clone(),
        reason,
        hint,
    };
    let Some(kind) = org.resources.get(books.resource()) else {
        return Err(refuse(
            format!("the org file declares no resources of kind `{}`", books.resource()),
            format!("declare them under `resources: {{{}: {{…}}}}` in the org file", books.resource()),
        ));
    };
    let Some(resource) = kind.get(&booking.value) else {
        let names: Vec<&str> = kind.keys().map(String::as_str).collect();
        let hint = match crate::diagnostic::suggest(&booking.value, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the org file declares {}", names.join(", ")),
        };
        return Err(refuse(format!("the org file declares no {} of that name", books.resource()), hint));
    };
    if !resource.reserved_for.is_empty() && !resource.reserved_for.iter().any(|w| w == workflow) {
        return Err(refuse(
            format!("it is reserved for {}", resource.reserved_for.join(", ")),
            "book another one".into(),
        ));
    }
    for other in held.iter().filter(|h| h.booking.resource == booking.resource && h.booking.value == booking.value) {
        let theirs = &other.booking;
        let who = format!("{} #{} holds {theirs}", other.workflow, other.instance);
        if theirs.from < booking.until && booking.from < theirs.until {
            return Err(refuse(format!("it is already booked: {who}"), "choose another time or another one".into()));
        }
        let same_day = theirs.from.with_timezone(&booking.from.timezone()).date_naive() == booking.from.date_naive();
        let out_of_order = match (booking.last_of_day, theirs.last_of_day) {
            (Some(false), Some(true)) => theirs.from < booking.from,
            (Some(true), Some(false)) => theirs.from > booking.from,
            _ => false,
        };
        if same_day && out_of_order {
            let flag = flag.unwrap_or("last_of_day");
            return Err(refuse(
                format!(
                    "bookings with `{flag}` true come after the day's others, and {who} with `{flag}` {}",
                    theirs.last_of_day == Some(true)
                ),
                "book a time before the day's first or after its last such booking, or another one".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workflow::FieldId;
    use crate::org::Resource;

    fn org() -> Org {
        let mut theatres = std::collections::BTreeMap::new();
        theatres.insert("OR-1".to_owned(), Resource { title: None, reserved_for: Vec::new() });
        theatres.insert("OR-9".to_owned(), Resource { title: None, reserved_for: vec!["emergency".into()] });
        let mut org = Org::default();
        org.resources.insert("theatre".into(), theatres);
        org
    }

    fn books() -> Books {
        Books {
            resource: "theatre".into(),
            value: FieldId(0),
            from: FieldId(1),
            span: BookingSpan::For(std::time::Duration::from_secs(3 * 3600)),
            last_of_day: Some(FieldId(2)),
        }
    }

    fn booking(value: &str, from: &str, hours: i64, contaminated: Option<bool>) -> Booking {
        let from = DateTime::parse_from_rfc3339(from).unwrap();
        Booking {
            resource: "theatre".into(),
            value: value.into(),
            from,
            until: from + chrono::Duration::hours(hours),
            last_of_day: contaminated,
            state: StateId(0),
        }
    }

    fn held(booking: Booking) -> Vec<Held> {
        vec![Held { instance: 7, workflow: "elective".into(), booking }]
    }

    fn reason(result: Result<(), RuntimeError>) -> String {
        match result {
            Err(RuntimeError::BookingRefused { reason, .. }) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn overlapping_times_clash_and_touching_ones_do_not() {
        let (org, books) = (org(), books());
        let theirs = held(booking("OR-1", "2026-03-10T08:00:00+08:00", 3, None));
        let mine = booking("OR-1", "2026-03-10T10:00:00+08:00", 2, None);
        assert_eq!(
            reason(check_booking(&org, "elective", &books, None, &mine, &theirs)),
            "it is already booked: elective #7 holds theatre OR-1 2026-03-10 08:00–11:00"
        );
        let after = booking("OR-1", "2026-03-10T11:00:00+08:00", 2, None);
        assert_eq!(check_booking(&org, "elective", &books, None, &after, &theirs), Ok(()));
        let elsewhere = booking("OR-1", "2026-03-11T09:00:00+08:00", 2, None);
        assert_eq!(check_booking(&org, "elective", &books, None, &elsewhere, &theirs), Ok(()));
    }

    #[test]
    fn a_reserved_or_unknown_resource_is_refused() {
        let (org, books) = (org(), books());
        let reserved = booking("OR-9", "2026-03-10T08:00:00+08:00", 1, None);
        assert_eq!(
            reason(check_booking(&org, "elective", &books, None, &reserved, &[])),
            "it is reserved for emergency"
        );
        assert_eq!(check_booking(&org, "emergency", &books, None, &reserved, &[]), Ok(()));
        let unknown = booking("OR-2", "2026-03-10T08:00:00+08:00", 1, None);
        match check_booking(&org, "elective", &books, None, &unknown, &[]) {
            Err(RuntimeError::BookingRefused { hint, .. }) => assert_eq!(hint, "did you mean `OR-1`?"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let mut other_kind = books.clone();
        other_kind.resource = "room".into();
        assert!(reason(check_booking(&org, "elective", &other_kind, None, &unknown, &[])).contains("kind `room`"));
    }

    #[test]
    fn a_clean_case_never_follows_a_contaminated_one_the_same_day() {
        let (org, books) = (org(), books());
        let flag = Some("contaminated");
        let dirty_morning = held(booking("OR-1", "2026-03-10T08:00:00+08:00", 2, Some(true)));
        let clean_noon = booking("OR-1", "2026-03-10T12:00:00+08:00", 2, Some(false));
        assert!(
            reason(check_booking(&org, "e", &books, flag, &clean_noon, &dirty_morning)).contains("`contaminated` true")
        );
        let clean_next_day = booking("OR-1", "2026-03-11T08:00:00+08:00", 2, Some(false));
        assert_eq!(check_booking(&org, "e", &books, flag, &clean_next_day, &dirty_morning), Ok(()));

        let clean_noon = held(booking("OR-1", "2026-03-10T12:00:00+08:00", 2, Some(false)));
        let dirty_morning = booking("OR-1", "2026-03-10T08:00:00+08:00", 2, Some(true));
        assert!(reason(check_booking(&org, "e", &books, flag, &dirty_morning, &clean_noon))
            .contains("`contaminated` false"));
        let dirty_evening = booking("OR-1", "2026-03-10T15:00:00+08:00", 2, Some(true));
        assert_eq!(check_booking(&org, "e", &books, flag, &dirty_evening, &clean_noon), Ok(()));
    }
}
