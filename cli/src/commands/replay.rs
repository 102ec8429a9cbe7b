//! `liucheng replay`: an instance rebuilt from its history alone, at any point in it.

use chrono::{DateTime, FixedOffset};
use liucheng_engine::service::ReplayUntil;

use crate::session::{fail, print_json, table, DbArgs};

/// Rebuild an instance from its events alone, as it stood at any point
///
/// Without `--upto` or `--at`, the state after the last event (which `verify` compares with the
/// stored state). `--step` prints the state after every event up to that point.
///
/// Examples:
///   liucheng replay 12 --at 2026-12-03T14:00:00+08:00    # what did it look like then?
///   liucheng replay 12 --upto 4 --step
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The instance id.
    instance: i64,
    /// Stop after this event (its sequence number).
    #[arg(long, value_name = "SEQ")]
    upto: Option<i64>,
    /// Stop at this time: every event at or before it (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    at: Option<DateTime<FixedOffset>>,
    /// Print the state after every event, not only the last.
    #[arg(long)]
    step: bool,
}

fn parse_time(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text)
        .map_err(|_| format!("`{text}` is not a time; write e.g. 2026-11-30T09:00:00+08:00"))
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let states = match service.replay(args.instance, ReplayUntil { seq: args.upto, at: args.at, every_step: args.step })
    {
        Ok(s) => s,
        Err(e) => return fail(&e, json),
    };
    let shown = &states;
    if json {
        print_json(&shown);
        return super::EXIT_OK;
    }
    if shown.is_empty() {
        outln!("instance {} had not started by then", args.instance);
        return super::EXIT_OK;
    }
    let mut t = table(&["after #", "at", "who", "event", "status", "active", "data"]);
    for s in shown {
        let data = s
            .data
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect::<Vec<_>>()
            .join(" ");
        t.add_row(vec![
            s.seq.to_string(),
            s.at.clone(),
            s.actor.clone(),
            s.event.clone(),
            s.status.clone(),
            s.active.join(", "),
            data,
        ]);
    }
    outln!("{t}");
    super::EXIT_OK
}
