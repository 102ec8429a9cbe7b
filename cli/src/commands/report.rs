//! `liucheng report`: who did what in a period, how long steps took, which deadlines were missed.

use chrono::{DateTime, FixedOffset};
use liucheng_engine::service::{write_csv_record, Report, ReportRequest};

use crate::session::{fail, parse_time, print_json, table, DbArgs};

/// Who did what in a period, how long each step took, and which deadlines were missed
///
/// Weekly or monthly statistics, computed from the event log:
/// - actions: how often each person took each action, in which role and workflow;
/// - time in state: per workflow and state, the visits that ended in the period, with the median
///   and longest time spent (a state is entered and left by events);
/// - deadlines missed: deadlines that passed in the period, per workflow and state;
/// - overdue now: active states past their deadline at the report's clock (`--now`).
///
/// The period is [FROM, TO): events at or after FROM and before TO; either end may be left open.
///
/// Examples:
///   liucheng report --from 2026-11-01T00:00:00+08:00 --to 2026-12-01T00:00:00+08:00
///   liucheng report --workflow leave-request --format csv > leave.csv
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Events at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    from: Option<DateTime<FixedOffset>>,
    /// Events before this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    to: Option<DateTime<FixedOffset>>,
    /// Only instances of this workflow.
    #[arg(long)]
    workflow: Option<String>,
    /// Tables for people, CSV for spreadsheets (one table, its first column the section), or JSON.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Aligned tables.
    Table,
    /// One CSV table with a `section` column.
    Csv,
    /// One JSON document.
    Json,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let request = ReportRequest { from: args.from, to: args.to, workflow: args.workflow.clone() };
    let report = match service.report(&request, db.now()) {
        Ok(r) => r,
        Err(e) => return fail(&e, json),
    };
    match if json { Format::Json } else { args.format } {
        Format::Json => print_json(&report),
        Format::Csv => print_csv(&report),
        Format::Table => print_tables(&report),
    }
    super::EXIT_OK
}

/// A duration for people: the two largest units, e.g. `1d 4h`, `3h 20m`, `45s`.
fn duration(seconds: i64) -> String {
    let units = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)];
    let mut left = seconds.max(0);
    let mut parts = Vec::new();
    for (name, size) in units {
        if left >= size || (parts.is_empty() && size == 1) {
            parts.push(format!("{}{name}", left / size));
            left %= size;
        } else if !parts.is_empty() {
            break;
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" ")
}

fn print_tables(r: &Report) {
    let period = match (&r.from, &r.to) {
        (None, None) => "all time".to_owned(),
        (from, to) => format!("{} – {}", from.as_deref().unwrap_or("…"), to.as_deref().unwrap_or("…")),
    };
    let scope = r.workflow.as_ref().map(|w| format!(" · workflow {w}")).unwrap_or_default();
    outln!("report for {period}{scope}: {} events", r.events);
    outln!("\nactions:");
    let mut t = table(&["who", "role", "workflow", "action", "count"]);
    for a in &r.actions {
        t.add_row(vec![a.actor.clone(), a.role.clone(), a.workflow.clone(), a.action.clone(), a.count.to_string()]);
    }
    print_table(&t, r.actions.is_empty());
    outln!("\ntime in state (visits that ended in the period):");
    let mut t = table(&["workflow", "state", "visits", "median", "longest"]);
    for s in &r.states {
        t.add_row(vec![
            s.workflow.clone(),
            s.state.clone(),
            s.visits.to_string(),
            duration(s.median_seconds),
            duration(s.max_seconds),
        ]);
    }
    print_table(&t, r.states.is_empty());
    outln!("\ndeadlines missed:");
    let mut t = table(&["workflow", "state", "missed"]);
    for d in &r.deadlines {
        t.add_row(vec![d.workflow.clone(), d.state.clone(), d.missed.to_string()]);
    }
    print_table(&t, r.deadlines.is_empty());
    outln!("\noverdue at {}:", r.as_of);
    let mut t = table(&["instance", "workflow", "state", "due", "overdue by"]);
    for o in &r.overdue {
        t.add_row(vec![
            o.instance.to_string(),
            o.workflow.clone(),
            o.state.clone(),
            o.due.clone(),
            duration(o.overdue_seconds),
        ]);
    }
    print_table(&t, r.overdue.is_empty());
}

fn print_table(t: &comfy_table::Table, empty: bool) {
    if empty {
        outln!(" (none)");
    } else {
        outln!("{t}");
    }
}

fn print_csv(r: &Report) {
    let header = [
        "section",
        "workflow",
        "state",
        "actor",
        "role",
        "action",
        "instance",
        "count",
        "median_seconds",
        "max_seconds",
        "due",
        "overdue_seconds",
    ];
    let mut rows: Vec<[String; 12]> = Vec::new();
    let blank = || std::array::from_fn::<String, 12, _>(|_| String::new());
    for a in &r.actions {
        let mut row = blank();
        row[0] = "actions".into();
        row[1].clone_from(&a.workflow);
        row[3].clone_from(&a.actor);
        row[4].clone_from(&a.role);
        row[5].clone_from(&a.action);
        row[7] = a.count.to_string();
        rows.push(row);
    }
    for s in &r.states {
        let mut row = blank();
        row[0] = "time_in_state".into();
        row[1].clone_from(&s.workflow);
        row[2].clone_from(&s.state);
        row[7] = s.visits.to_string();
        row[8] = s.median_seconds.to_string();
        row[9] = s.max_seconds.to_string();
        rows.push(row);
    }
    for d in &r.deadlines {
        let mut row = blank();
        row[0] = "deadlines_missed".into();
        row[1].clone_from(&d.workflow);
        row[2].clone_from(&d.state);
        row[7] = d.missed.to_string();
        rows.push(row);
    }
    for o in &r.overdue {
        let mut row = blank();
        row[0] = "overdue".into();
        row[1].clone_from(&o.workflow);
        row[2].clone_from(&o.state);
        row[6] = o.instance.to_string();
        row[10].clone_from(&o.due);
        row[11] = o.overdue_seconds.to_string();
        rows.push(row);
    }
    let mut out = Vec::new();
    let _ = write_csv_record(&mut out, header.into_iter());
    for row in &rows {
        let _ = write_csv_record(&mut out, row.iter().map(String::as_str));
    }
    out!("{}", String::from_utf8_lossy(&out));
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_in_their_two_largest_units() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(3_600), "1h");
        assert_eq!(duration(3_660), "1h 1m");
        assert_eq!(duration(90_061), "1d 1h");
        assert_eq!(duration(86_400 + 61), "1d");
    }
}
