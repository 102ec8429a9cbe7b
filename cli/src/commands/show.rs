//! `liucheng show`: one instance — where it is, who may act, deadlines, data, recent events.

use crate::session::{fail, print_json, table, DbArgs};

/// Show an instance: where it is, who may act, deadlines, data and recent events
///
/// Lists its active states, who may act there and with which actions (and the fields each
/// needs), deadlines and the time left, its data, its parent and children, and the last few
/// events. With `--as`, also what that person may do now.
///
/// Example:
///   liucheng show 12 --as wang_wu
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The instance id.
    instance: i64,
    /// Also list what this person may do now.
    #[arg(long = "as", value_name = "PERSON", env = "LIUCHENG_ACTOR")]
    actor: Option<String>,
}

fn left(seconds: i64) -> String {
    let abs = seconds.unsigned_abs();
    let text = if abs >= 86_400 {
        format!("{}d {}h", abs / 86_400, abs % 86_400 / 3_600)
    } else if abs >= 3_600 {
        format!("{}h {}m", abs / 3_600, abs % 3_600 / 60)
    } else {
        format!("{}m", abs / 60)
    };
    if seconds < 0 {
        format!("overdue by {text}")
    } else {
        format!("{text} left")
    }
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let view = match service.show(args.instance, args.actor.as_deref(), db.now()) {
        Ok(v) => v,
        Err(e) => return fail(&e, json),
    };
    if json {
        print_json(&view);
        return super::EXIT_OK;
    }
    outln!(
        "instance {} · {} ({} revision {}) · version {}",
        view.id,
        view.workflow_title,
        view.workflow,
        view.revision,
        view.version
    );
    let status = match &view.outcome {
        Some(o) => format!("{} ({o})", view.status),
        None => view.status.clone(),
    };
    outln!("status: {status} · requested by {} at {}", view.requester, view.started_at);
    if let Some((id, at)) = &view.parent {
        outln!("part of: instance {id} ({at})");
    }
    if !view.roles.is_empty() {
        outln!("roles: {}", view.roles.join("; "));
    }
    for (id, workflow, status) in &view.children {
        outln!("sub-workflow: instance {id} ({workflow}, {status})");
    }
    for token in &view.active {
        let due = match (&token.due, token.seconds_left) {
            (Some(d), Some(s)) => format!(" · due {d} ({})", left(s)),
            _ => String::new(),
        };
        outln!("\nactive: {} ({}) · {} since {}{due}", token.title, token.state, token.kind, token.entered_at);
        if let Some(rule) = &token.rule {
            let signed = if token.signed.is_empty() { "nobody yet".to_owned() } else { token.signed.join(", ") };
            outln!("  sign-off: {rule}; signed: {signed}");
        }
        if let Some(signers) = &token.signers {
            outln!("  signers now (added or removed): {}", signers.join(", "));
        }
        if let Some(child) = token.child {
            outln!("  waiting for sub-workflow instance {child}");
        }
        if let Some(person) = &token.assignee {
            outln!("  transferred to {person}: only they may act on it");
        }
        if let Some((to, by)) = &token.delegated {
            outln!("  delegated to {to} by {by}: {to} hands it back with `liucheng hand-back`");
        }
        if let Some(at) = &token.reminded_at {
            outln!("  reminded at {at}");
        }
        if !token.actions.is_empty() {
            let mut t = table(&["action", "by", "needs", "may also set", "when"]);
            for a in &token.actions {
                let by = if a.people.is_empty() {
                    a.roles.join(", ")
                } else {
                    format!("{} — {}", a.roles.join(", "), a.people.join(", "))
                };
                let action = if a.title == a.action { a.action.clone() } else { format!("{} ({})", a.action, a.title) };
                t.add_row(vec![
                    action,
                    by,
                    a.requires.join(", "),
                    a.accepts.join(", "),
                    a.when.clone().unwrap_or_default(),
                ]);
            }
            outln!("{t}");
        }
    }
    if let Some(may) = &view.you_may {
        let who = args.actor.clone().unwrap_or_default();
        if may.is_empty() {
            outln!("\n{who} cannot act on this instance now");
        } else {
            outln!("\n{who} may: {}", may.join("; "));
        }
    }
    if !view.data.is_empty() {
        let mut t = table(&["field", "value"]);
        for (k, v) in &view.data {
            let value = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            t.add_row(vec![k.clone(), value]);
        }
        outln!("\ndata:\n{t}");
    }
    if !view.params.is_empty() {
        let mut t = table(&["parameter", "value in force"]);
        for (k, v) in &view.params {
            let value = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            t.add_row(vec![k.clone(), value]);
        }
        outln!("\nparameters (fixed when it started):\n{t}");
    }
    if !view.bookings.is_empty() {
        let held = if view.status == "active" { "held" } else { "released when it ended" };
        outln!(
            "\nbookings ({held}):\n{}",
            view.bookings.iter().map(|b| format!("  {b}")).collect::<Vec<_>>().join("\n")
        );
    }
    if !view.recent.is_empty() {
        outln!("\nrecent events:\n{}", crate::session::events_table(&view.recent, false));
    }
    super::EXIT_OK
}
