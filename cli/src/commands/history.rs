//! `liucheng history`: the full timeline of an instance, for auditors.

use crate::session::{fail, print_json, table, DbArgs};

/// Show the full timeline of an instance, for auditors.
///
/// Every event: who did what as which role, when, from which states to which, the fields it
/// changed (old → new), comments, and its hash.
///
/// Example:
///   liucheng history 12
///   liucheng --json history 12 > instance-12.json
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The instance id.
    instance: i64,
}

fn changes(text: &str) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else {
        return String::new();
    };
    map.iter()
        .map(|(k, v)| match v.as_array().map(Vec::as_slice) {
            Some([old, new]) => format!("{k}: {old} → {new}"),
            _ => format!("{k}: {v}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let events = match service.events(args.instance) {
        Ok(e) => e,
        Err(e) => return fail(&e, json),
    };
    if json {
        let rows: Vec<serde_json::Value> = events
            .iter()
            .map(|e| {
                serde_json::json!({
                    "seq": e.seq, "at": e.at, "actor": e.actor, "role": e.role, "kind": e.kind,
                    "state": e.state, "action": e.action, "from": e.from_states, "to": e.to_states,
                    "changes": serde_json::from_str::<serde_json::Value>(&e.changes).unwrap_or_default(),
                    "comment": e.comment, "event": serde_json::from_str::<serde_json::Value>(&e.payload).unwrap_or_default(),
                    "prev_hash": e.prev_hash, "hash": e.hash,
                })
            })
            .collect();
        print_json(&rows);
        return super::EXIT_OK;
    }
    let mut t = table(&["#", "at", "who", "what", "from → to", "changed", "comment", "hash"]);
    for e in &events {
        let who = match &e.role {
            Some(r) => format!("{} ({r})", e.actor),
            None => e.actor.clone(),
        };
        let what = [Some(e.kind.clone()), e.action.clone(), e.state.as_ref().map(|s| format!("in {s}"))]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        t.add_row(vec![
            e.seq.to_string(),
            e.at.clone(),
            who,
            what,
            format!("{} → {}", e.from_states, e.to_states),
            changes(&e.changes),
            e.comment.clone().unwrap_or_default(),
            e.hash[..12].to_owned(),
        ]);
    }
    outln!("{t}");
    super::EXIT_OK
}
