//! `liucheng list`: instances, filtered; `--mine` is an operator's inbox.

use liucheng_engine::store::InstanceFilter;

use crate::session::{fail, print_json, table, DbArgs};

/// List instances, newest first
///
/// Examples:
///   liucheng list --mine --as wang_wu        # what I can act on now
///   liucheng list --workflow leave-request --status done
///   liucheng list --overdue
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Only instances of this workflow.
    #[arg(long)]
    workflow: Option<String>,
    /// Only instances with this state active.
    #[arg(long)]
    state: Option<String>,
    /// Only running or only finished (done or cancelled) instances.
    #[arg(long, value_enum)]
    status: Option<StatusFilter>,
    /// Only instances where the person given with `--as` can act now.
    #[arg(long, requires = "actor")]
    mine: bool,
    /// The person for `--mine`.
    #[arg(long = "as", value_name = "PERSON", env = "LIUCHENG_ACTOR")]
    actor: Option<String>,
    /// Only instances with a deadline that has passed.
    #[arg(long)]
    overdue: bool,
    /// At most this many.
    #[arg(long, default_value_t = 200)]
    limit: i64,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum StatusFilter {
    /// Still running.
    Active,
    /// Finished at an end state.
    Done,
    /// Withdrawn or cancelled.
    Cancelled,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let filter = InstanceFilter {
        workflow: args.workflow.clone(),
        status: args.status.map(|s| match s {
            StatusFilter::Active => "active".into(),
            StatusFilter::Done => "done".into(),
            StatusFilter::Cancelled => "cancelled".into(),
        }),
        state: args.state.clone(),
        limit: Some(args.limit),
        ..InstanceFilter::default()
    };
    let mine = if args.mine { args.actor.as_deref() } else { None };
    match service.list(&filter, mine, args.overdue, db.now()) {
        Ok(items) if json => {
            print_json(&items);
            super::EXIT_OK
        }
        Ok(items) => {
            let mut header = vec!["id", "workflow", "status", "at", "requester", "due"];
            if mine.is_some() {
                header.push("you can");
            }
            let mut t = table(&header);
            for i in &items {
                let at = if i.status == "active" { i.states.join(", ") } else { i.outcome.clone().unwrap_or_default() };
                let due = match (&i.next_due, i.overdue) {
                    (Some(d), true) => format!("{d} (overdue)"),
                    (Some(d), false) => d.clone(),
                    (None, _) => String::new(),
                };
                let mut row =
                    vec![i.id.to_string(), i.workflow.clone(), i.status.clone(), at, i.requester.clone(), due];
                if mine.is_some() {
                    let reminded = i.reminded_at.as_ref().map(|t| format!(" · reminded {t}")).unwrap_or_default();
                    row.push(format!("{}{reminded}", i.your_actions.join(", ")));
                }
                t.add_row(row);
            }
            if items.is_empty() {
                outln!("no instances");
            } else {
                outln!("{t}");
            }
            super::EXIT_OK
        }
        Err(e) => fail(&e, json),
    }
}
