//! Queries over other instances that guards may ask (`count_instances`, `exists_instance`,
//! `sum_instances`), and the answers an event records so that replay reads what acting read.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::expr::{CelType, FunctionSig};

/// Counts the other instances of a workflow: `count_instances("staff-discipline", "done",
/// {"employee": employee})`.
pub const COUNT_INSTANCES: &str = "count_instances";
/// Whether another such instance exists: `exists_instance("after-sales-service", "any", {…})`.
pub const EXISTS_INSTANCE: &str = "exists_instance";
/// Adds up a number field over the other instances: `sum_instances("contract-signing",
/// ["signed"], {"plan_id": plan_id}, "amount")`.
pub const SUM_INSTANCES: &str = "sum_instances";

/// Whether `name` is one of the functions that ask about other instances.
#[must_use]
pub fn is_query_function(name: &str) -> bool {
    [COUNT_INSTANCES, EXISTS_INSTANCE, SUM_INSTANCES].contains(&name)
}

/// The statuses a query may ask for, as written in the second argument.
pub const QUERY_STATUSES: [&str; 4] = ["active", "done", "cancelled", "any"];

/// The calendar periods a query may be limited to, as written in its optional last argument:
/// only instances started in the current one count.
pub const QUERY_PERIODS: [&str; 4] = ["day", "week", "month", "year"];

/// Where the calendar `period` (one of `QUERY_PERIODS`) that holds `at` began, in `at`'s offset;
/// weeks begin on Monday. The step's own time fixes it, so replaying the step finds the same one.
#[must_use]
pub fn period_start(period: &str, at: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    let day = at.date_naive();
    let first = match period {
        "day" => day,
        "week" => day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday())),
        "month" => day.with_day(1)?,
        "year" => day.with_ordinal(1)?,
        _ => return None,
    };
    first.and_hms_opt(0, 0, 0)?.and_local_timezone(*at.offset()).single()
}

/// The query functions, for the type checker. The second argument is a status, or a list of
/// outcomes of finished instances; a sum's fourth names the field it adds up. Each may end with
/// a calendar period.
#[must_use]
pub fn query_functions() -> Vec<FunctionSig> {
    let args = vec![CelType::String, CelType::Dyn, CelType::Map(Box::new(CelType::String), Box::new(CelType::Dyn))];
    let with = |extra: usize| {
        let mut a = args.clone();
        a.extend(std::iter::repeat_n(CelType::String, extra));
        a
    };
    vec![
        FunctionSig { name: COUNT_INSTANCES, args: args.clone(), result: CelType::Int },
        FunctionSig { name: COUNT_INSTANCES, args: with(1), result: CelType::Int },
        FunctionSig { name: EXISTS_INSTANCE, args: args.clone(), result: CelType::Bool },
        FunctionSig { name: EXISTS_INSTANCE, args: with(1), result: CelType::Bool },
        FunctionSig { name: SUM_INSTANCES, args: with(1), result: CelType::Double },
        FunctionSig { name: SUM_INSTANCES, args: with(2), result: CelType::Double },
    ]
}

/// One question about other instances: those of `workflow` with `status` whose data has every
/// field of `filter` equal to the given value. The asking instance itself never counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// The workflow id.
    pub workflow: String,
    /// `active`, `done`, `cancelled` or `any`.
    pub status: String,
    /// For finished instances: only those that ended with one of these outcomes (all if empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<String>,
    /// Field name → the value it must have.
    pub filter: BTreeMap<String, Value>,
    /// For a sum: the number field added up over the matching instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<String>,
    /// Only instances started at or after this time (RFC 3339): the start of the calendar period
    /// the query was limited to, in the asking workflow's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// The answer to a query, as recorded on the event that needed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Read {
    /// The question.
    #[serde(flatten)]
    pub query: Query,
    /// How many instances matched.
    pub count: i64,
    /// For a sum: the total of its field over them (an unset field adds nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
}

impl Query {
    /// The answer among `reads`, if this query was asked before.
    #[must_use]
    pub fn answer<'r>(&self, reads: &'r [Read]) -> Option<&'r Read> {
        reads.iter().find(|r| &r.query == self)
    }
}

impl Query {
    fn describe(&self, f: &mut std::fmt::Formatter<'_>, plural: bool) -> std::fmt::Result {
        let filter: Vec<String> = self.filter.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let noun = if plural { "instances" } else { "instance" };
        write!(f, "{} {noun} of `{}`", self.status, self.workflow)?;
        if !self.outcomes.is_empty() {
            write!(f, " that ended {}", self.outcomes.join(" or "))?;
        }
        if !filter.is_empty() {
            write!(f, " where {}", filter.join(" and "))?;
        }
        if let Some(since) = &self.since {
            write!(f, " started since {since}")?;
        }
        Ok(())
    }
}

/// "done instances of `fine-ladder` where employee = "zhang_san"".
impl std::fmt::Display for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.describe(f, true)
    }
}

/// "1 done instance of `fine-ladder` where employee = "zhang_san"", or for a sum "amount
/// 1500000 over 2 done instances of `contract-signing` …".
impl std::fmt::Display for Read {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let (Some(field), Some(total)) = (&self.query.sum, self.total) {
            write!(f, "{field} {total} over ")?;
        }
        write!(f, "{} ", self.count)?;
        self.query.describe(f, self.count != 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(sum: Option<&str>) -> Query {
        Query {
            workflow: "contract-signing".into(),
            status: "done".into(),
            outcomes: vec!["signed".into()],
            filter: BTreeMap::from([("plan_id".to_owned(), Value::from("P-1"))]),
            sum: sum.map(str::to_owned),
            since: None,
        }
    }

    #[test]
    fn a_count_is_recorded_as_before_sums_were_known() {
        // Events recorded before sums keep their bytes, and so their hashes.
        let read = Read { query: query(None), count: 2, total: None };
        let json = serde_json::to_string(&read).unwrap();
        assert_eq!(
            json,
            r#"{"workflow":"contract-signing","status":"done","outcomes":["signed"],"filter":{"plan_id":"P-1"},"count":2}"#
        );
        assert_eq!(serde_json::from_str::<Read>(&json).unwrap(), read);
    }

    #[test]
    fn a_sum_says_what_it_added_up() {
        let read = Read { query: query(Some("amount")), count: 2, total: Some(650_000.5) };
        assert_eq!(
            read.to_string(),
            r#"amount 650000.5 over 2 done instances of `contract-signing` that ended signed where plan_id = "P-1""#
        );
        let json = serde_json::to_string(&read).unwrap();
        assert_eq!(serde_json::from_str::<Read>(&json).unwrap(), read, "the total survives the round trip");
        assert!(query(Some("amount")).answer(&[Read { query: query(None), count: 2, total: None }]).is_none());
    }

    #[test]
    fn a_period_begins_at_midnight_where_the_step_was_taken() {
        let at = DateTime::parse_from_rfc3339("2026-03-04T01:30:00+08:00").unwrap();
        let start = |p| period_start(p, at).map(|t| t.to_rfc3339());
        assert_eq!(start("day").as_deref(), Some("2026-03-04T00:00:00+08:00"));
        assert_eq!(start("week").as_deref(), Some("2026-03-02T00:00:00+08:00"), "Monday");
        assert_eq!(start("month").as_deref(), Some("2026-03-01T00:00:00+08:00"));
        assert_eq!(start("year").as_deref(), Some("2026-01-01T00:00:00+08:00"));
        assert_eq!(start("fortnight"), None);
        // Still February in UTC, already March where the step was taken.
        let early = DateTime::parse_from_rfc3339("2026-03-01T01:30:00+08:00").unwrap();
        assert_eq!(early.naive_utc().to_string(), "2026-02-28 17:30:00");
        assert_eq!(period_start("month", early).map(|t| t.to_rfc3339()).as_deref(), Some("2026-03-01T00:00:00+08:00"));
    }
}
