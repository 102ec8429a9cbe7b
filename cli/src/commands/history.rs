//! `liucheng history`: the full timeline of an instance, for auditors.

use liucheng_engine::service::EventView;

use crate::session::{fail, print_json, DbArgs};

/// Show the full timeline of an instance, for auditors
///
/// Every event: who did what as which role, when, from which states to which, the fields it
/// changed (old → new), comments, and its hash. With --json, each event by a person also has
/// `actor_was`: that person as the org version the event records had them (roles, department,
/// attributes such as rank), so the authority they acted with stays visible after the org changes.
///
/// Example:
///   liucheng history 12
///   liucheng --json history 12 > instance-12.json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The instance id.
    instance: i64,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    if json {
        let events = match service.history_rows(args.instance) {
            Ok(e) => e,
            Err(e) => return fail(&e, json),
        };
        let rows: Vec<serde_json::Value> = events
            .iter()
            .map(|(e, view)| {
                let mut row = serde_json::json!({
                    "seq": e.seq, "at": e.at, "actor": e.actor, "role": e.role, "kind": e.kind,
                    "state": e.state, "action": e.action, "from": e.from_states, "to": e.to_states,
                    "changes": serde_json::from_str::<serde_json::Value>(&e.changes).unwrap_or_default(),
                    "comment": e.comment, "event": serde_json::from_str::<serde_json::Value>(&e.payload).unwrap_or_default(),
                    "prev_hash": e.prev_hash, "hash": e.hash,
                });
                if let Some(was) = &view.actor_was {
                    row["actor_was"] = was.clone();
                }
                row
            })
            .collect();
        print_json(&rows);
        return super::EXIT_OK;
    }
    let views: Vec<EventView> = match service.history(args.instance) {
        Ok(v) => v,
        Err(e) => return fail(&e, json),
    };
    let t = crate::session::events_table(&views, true);
    outln!("{t}");
    super::EXIT_OK
}
