//! `liucheng act`: take an action on an instance, or sign or reject a sign-off.

use liucheng_engine::service::ActRequest;

use crate::session::{fail, print_json, ActorArgs, DataArgs, DbArgs};

/// Take an action (approve, reject, return, …), or `sign` / `reject` a sign-off
///
/// The action is looked up in the instance's active states; name the state with `--state` when
/// two active states offer the same action. For a sign-off with a checklist, give the answers as
/// `--data item=true`. Refused actions write nothing and say why.
///
/// Exit codes: 0 done, 1 refused, 2 usage or database error, 3 the instance changed since
/// `--expect-version`.
///
/// Examples:
///   liucheng act 12 approve --as wang_wu --comment 同意
///   liucheng act 7 sign --as chen_qi --data identity=true --data site=true
///   liucheng act 12 approve --as wu_shi --for wang_wu --comment 代王五审批
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The instance id.
    instance: i64,
    /// The action, or `sign` / `reject`.
    action: String,
    #[command(flatten)]
    actor: ActorArgs,
    /// The active state the action belongs to, when the name alone is ambiguous.
    #[arg(long)]
    state: Option<String>,
    /// A comment for the record.
    #[arg(long, short = 'm')]
    comment: Option<String>,
    /// Refuse unless the instance is still at this version (as `show` printed it), so that two
    /// people deciding on the same screen cannot both win.
    #[arg(long, value_name = "N")]
    expect_version: Option<i64>,
    /// Act as the stand-in (代理) of this person, who named you with `liucheng stand-in add`:
    /// with their roles, both names recorded.
    #[arg(long = "for", value_name = "PERSON")]
    on_behalf_of: Option<String>,
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let data = match args.data.collect() {
        Ok(d) => d,
        Err(code) => return code,
    };
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let request = ActRequest {
        instance: args.instance,
        action: args.action.clone(),
        state: args.state.clone(),
        actor: args.actor.actor.clone(),
        data,
        comment: args.comment.clone(),
        expect_version: args.expect_version,
        now: db.now(),
    };
    match service.act_for(&request, args.on_behalf_of.as_deref()) {
        Ok(outcome) if json => {
            print_json(&outcome);
            super::EXIT_OK
        }
        Ok(outcome) => match service.show(args.instance, None, db.now()) {
            Ok(view) => {
                let now: Vec<String> = view.active.iter().map(|t| t.title.clone()).collect();
                let state = match view.status.as_str() {
                    "active" => format!("now at: {}", now.join(", ")),
                    other => format!("{other}: {}", view.outcome.unwrap_or_default()),
                };
                outln!(
                    "{}: {} by {} ({} event{}); {state}",
                    args.instance,
                    args.action,
                    args.actor.actor,
                    outcome.events.len(),
                    if outcome.events.len() == 1 { "" } else { "s" }
                );
                super::EXIT_OK
            }
            Err(e) => fail(&e, json),
        },
        Err(e) => fail(&e, json),
    }
}
