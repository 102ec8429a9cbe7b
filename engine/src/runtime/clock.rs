//! What expressions know of time: `now`, `instance.started_at`, `date(t)` and `days_between(a, b)`,
//! as RFC 3339 or `YYYY-MM-DD` text in the workflow's time zone, the way data already shows them.

use std::sync::Arc;

use cel::{Context, ExecutionError, Value as Cel};
use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::model::expr::{CelType, FunctionSig};

/// The time functions every expression may call.
#[must_use]
pub fn time_functions() -> Vec<FunctionSig> {
    vec![
        FunctionSig { name: "date", args: vec![CelType::String], result: CelType::String },
        FunctionSig { name: "days_between", args: vec![CelType::String, CelType::String], result: CelType::Int },
    ]
}

/// A moment as expressions see it: RFC 3339 in the workflow's zone, so it compares in time order
/// with datetime fields entered in that zone.
pub(crate) fn moment_text(at: DateTime<FixedOffset>, zone: FixedOffset) -> String {
    at.with_timezone(&zone).to_rfc3339()
}

/// The calendar day of `text` in `zone`: a `YYYY-MM-DD` date is itself, an RFC 3339 time is the
/// day it falls on there.
fn day_of(text: &str, zone: FixedOffset) -> Result<NaiveDate, String> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&zone).date_naive())
        .map_err(|_| format!("`{text}` is neither a date (`YYYY-MM-DD`) nor a time (RFC 3339)"))
}

/// Register `now`, `instance` and the time functions on `context`; `now` is the time of the event
/// being decided, never the clock, so replay reads the same value.
pub(crate) fn add_time(
    context: &mut Context,
    now: DateTime<FixedOffset>,
    started_at: DateTime<FixedOffset>,
    zone: FixedOffset,
) {
    context.add_variable_from_value("now", Cel::String(Arc::new(moment_text(now, zone))));
    let instance = std::collections::HashMap::from([(
        cel::objects::Key::String(Arc::new("started_at".to_owned())),
        Cel::String(Arc::new(moment_text(started_at, zone))),
    )]);
    context.add_variable_from_value("instance", Cel::Map(cel::objects::Map { map: Arc::new(instance) }));
    let _ = context.add_function("date", move |text: Arc<String>| -> Result<Cel, ExecutionError> {
        day_of(&text, zone)
            .map(|d| Cel::String(Arc::new(d.format("%Y-%m-%d").to_string())))
            .map_err(|e| ExecutionError::function_error("date", e))
    });
    let _ = context.add_function(
        "days_between",
        move |from: Arc<String>, to: Arc<String>| -> Result<Cel, ExecutionError> {
            let (from, to) = (day_of(&from, zone), day_of(&to, zone));
            match (from, to) {
                (Ok(from), Ok(to)) => Ok(Cel::Int((to - from).num_days())),
                (Err(e), _) | (_, Err(e)) => Err(ExecutionError::function_error("days_between", e)),
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beijing() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    #[test]
    fn a_time_falls_on_its_day_in_the_workflows_zone() {
        // 17:00 UTC on the 8th is 01:00 on the 9th in Beijing.
        assert_eq!(day_of("2026-03-08T17:00:00Z", beijing()), Ok(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()));
        assert_eq!(day_of("2026-03-10", beijing()), Ok(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()));
        assert!(day_of("tomorrow", beijing()).unwrap_err().contains("neither a date"));
        let utc = DateTime::parse_from_rfc3339("2026-03-08T17:00:00Z").unwrap();
        assert_eq!(moment_text(utc, beijing()), "2026-03-09T01:00:00+08:00");
    }

    const WORKFLOW: &str = "id: notice\ntitle: notice\nversion: 1\ntimezone: '+08:00'\nroles:\n  clerk: {title: clerk}\nfields:\n  operation_date: {type: date}\nstart: {to: check, by: [clerk]}\nstates:\n  check:\n    choice:\n      - {when: 'date(instance.started_at) < operation_date && days_between(now, operation_date) >= 1', to: in_time}\n    default: late\n  in_time: {end: in_time}\n  late: {end: late}\n";

    #[test]
    fn expressions_read_the_events_time_and_the_start_in_the_workflows_zone() {
        use crate::runtime::eval::Scope;
        let workflow = crate::validate::validate_one(std::path::Path::new("notice.yaml"), WORKFLOW).unwrap();
        let started = DateTime::parse_from_rfc3339("2026-03-08T16:30:00Z").unwrap();
        let data: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"operation_date": "2026-03-10"}"#).unwrap();
        let (counts, versions, params) =
            (crate::runtime::Counts::default(), crate::runtime::Versions::default(), serde_json::Map::new());
        let scope = |now: &str| Scope {
            workflow: &workflow,
            data: &data,
            requester: "someone",
            actor: serde_json::Value::Null,
            roster: None,
            reads: &[],
            at: DateTime::parse_from_rfc3339(now).unwrap(),
            counts: &counts,
            versions: &versions,
            params: &params,
            started_at: started,
        };
        use crate::model::expr::{Expr, Variable};
        let var =
            |name: &str, ty: CelType| Variable { name: name.into(), ty, enum_values: None, describe: name.into() };
        let vars = [
            var("now", CelType::String),
            var("requester", CelType::String),
            var("instance", CelType::Map(Box::new(CelType::String), Box::new(CelType::String))),
        ];
        let guard = Expr::compile_with(
            "[now, instance.started_at, date(now), string(days_between(instance.started_at, now))]",
            &vars,
            &time_functions(),
        )
        .unwrap();
        // 16:30 UTC on the 8th is 00:30 on the 9th in the workflow's zone.
        let seen = crate::runtime::eval::cel_to_json(&scope("2026-03-09T23:59:00+08:00").eval(&guard).unwrap());
        assert_eq!(
            seen,
            serde_json::json!(["2026-03-09T23:59:00+08:00", "2026-03-09T00:30:00+08:00", "2026-03-09", "0"])
        );
        let bad = Expr::compile_with("date(requester) == ''", &vars, &time_functions()).unwrap();
        let error = scope("2026-03-09T10:00:00+08:00").eval(&bad).unwrap_err();
        assert!(error.to_string().contains("neither a date"), "{error}");
    }
}
