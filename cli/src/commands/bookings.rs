//! `liucheng bookings`: which running instance holds which resource (a theatre, a meeting room)
//! when, as the org file declares them and actions book them (`books:`).

use chrono::NaiveDate;

use crate::session::{fail, print_json, table, DbArgs};

/// List the resources running instances hold, earliest first
///
/// A booking is made by an action with `books:` and held until its instance ends; an action
/// that would clash with one listed here is refused.
///
/// Example:
///   liucheng bookings --resource theatre --on 2026-03-10
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Only this kind of resource, e.g. `theatre`.
    #[arg(long, value_name = "KIND")]
    resource: Option<String>,
    /// Only bookings starting on this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    on: Option<NaiveDate>,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    match service.bookings(args.resource.as_deref(), args.on) {
        Ok(rows) if json => {
            print_json(&rows);
            super::EXIT_OK
        }
        Ok(rows) if rows.is_empty() => {
            outln!("no bookings held");
            super::EXIT_OK
        }
        Ok(rows) => {
            let mut t = table(&["resource", "name", "from", "until", "instance", "workflow"]);
            for r in &rows {
                t.add_row(vec![
                    r.resource.clone(),
                    r.value.clone(),
                    r.from.format("%Y-%m-%d %H:%M").to_string(),
                    r.until.format("%Y-%m-%d %H:%M").to_string(),
                    format!("#{}", r.instance),
                    r.workflow.clone(),
                ]);
            }
            outln!("{t}");
            super::EXIT_OK
        }
        Err(e) => fail(&e, json),
    }
}
