//! The everyday approval operations: `transfer` (转办), `delegate` (委派) and `hand-back`,
//! `return` (退回), `withdraw` (撤回), `remind` (催办). Each writes one event, or nothing.

use liucheng_engine::service::{Op, OperationRequest};

use crate::session::{fail, print_json, ActorArgs, DbArgs};

/// What every operation takes: the instance, who, which step, and the version seen.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The instance id.
    instance: i64,
    #[command(flatten)]
    actor: ActorArgs,
    /// The active step, when the instance has several that fit.
    #[arg(long)]
    state: Option<String>,
    /// Refuse unless the instance is still at this version (as `show` printed it).
    #[arg(long, value_name = "N")]
    expect_version: Option<i64>,
}

/// Transfer (转办) a step you hold to another person, for good
///
/// From then on only they may act on it. They must hold a role that may act on the step and pass
/// its separation-of-duty rules; the requester can never be given their own request. A reason is
/// required and goes into the history.
///
/// Example:
///   liucheng transfer 12 --as wang_wu --to wu_shi --reason 休假
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct TransferArgs {
    #[command(flatten)]
    common: Common,
    /// The person who takes over the step.
    #[arg(long, value_name = "PERSON")]
    to: String,
    /// Why; recorded in the history.
    #[arg(long, required = true)]
    reason: String,
}

/// Delegate (委派) a step you hold to someone to work on; it comes back to you to decide
///
/// While delegated, neither of you can take its actions; they hand it back with `hand-back` and
/// their view, and then the decision is yours alone.
///
/// Example:
///   liucheng delegate 12 --as wang_wu --to zhao_liu --comment 请核对合同条款
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct DelegateArgs {
    #[command(flatten)]
    common: Common,
    /// The person who works on the step.
    #[arg(long, value_name = "PERSON")]
    to: String,
    /// What you ask of them.
    #[arg(long, short = 'm')]
    comment: Option<String>,
}

/// Hand a step delegated to you back to the person who delegated it, with your view
///
/// Example:
///   liucheng hand-back 12 --as zhao_liu --comment 条款无误
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct HandBackArgs {
    #[command(flatten)]
    common: Common,
    /// Your view, for the delegator and the record.
    #[arg(long, short = 'm', required = true)]
    comment: String,
}

/// Return (退回) the instance from a step you hold to an earlier step it passed through
///
/// Any earlier step where people act may be named, unless the workflow restricts them
/// (`return_to:`). Within one parallel branch only that branch goes back; to a step before the
/// branches split, every open branch is withdrawn (their sub-workflows cancelled) and the
/// instance continues from that step alone. A reason is required.
///
/// Example:
///   liucheng return 12 --as wang_wu --to draft --reason 预算表缺少明细
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ReturnArgs {
    #[command(flatten)]
    common: Common,
    /// The earlier step to go back to.
    #[arg(long, value_name = "STATE")]
    to: String,
    /// Why; recorded in the history.
    #[arg(long, required = true)]
    reason: String,
}

/// Withdraw (撤回) your own last action while nobody has acted on what it led to
///
/// The step you acted in becomes yours again, with its deadline as it was, and the values your
/// action filled in are set back. A signature on a sign-off still in progress is taken back alone.
///
/// Example:
///   liucheng withdraw 12 --as zhang_san --reason 附件传错了
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct WithdrawArgs {
    #[command(flatten)]
    common: Common,
    /// Why; recorded in the history.
    #[arg(long)]
    reason: Option<String>,
}

/// Remind (催办) whoever must act on a step now
///
/// The reminder is recorded in the history and shown in their `list --mine`. The requester and
/// anyone who has acted on the instance may remind. Deadlines with `remind:` send reminders by
/// themselves when `tick` runs.
///
/// Example:
///   liucheng remind 12 --as zhang_san --comment 出差在即,请尽快审批
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RemindArgs {
    #[command(flatten)]
    common: Common,
    /// A message for them.
    #[arg(long, short = 'm')]
    comment: Option<String>,
}

/// Add a signer (加签) to a sign-off in progress
///
/// Allowed to the roles the sign-off's `add_signer_by` names. The person added signs in their own
/// name; for a sign-off signed in order they sign just after the next signer, or just before them
/// with `--before`. The sign-off's rule (all, any, k of n, in order) then counts them too.
///
/// Example:
///   liucheng add-signer 12 --as sun_ba --person zhao_liu --before
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct AddSignerArgs {
    #[command(flatten)]
    common: Common,
    /// The person who must sign too.
    #[arg(long, value_name = "PERSON")]
    person: String,
    /// Sign before the next signer rather than after them (for a sign-off signed in order).
    #[arg(long)]
    before: bool,
    /// Why; recorded in the history.
    #[arg(long, short = 'm')]
    comment: Option<String>,
}

/// Remove a signer (减签) who has not yet signed from a sign-off in progress
///
/// Allowed to the roles the sign-off's `add_signer_by` names. Name the signer by role, or by
/// person for one added by name. The signers left must still be able to meet the rule (a
/// two-of-three sign-off keeps at least two); if they have all signed, it completes.
///
/// Example:
///   liucheng remove-signer 12 --as sun_ba --signer cto --comment 技术部门不涉及
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RemoveSignerArgs {
    #[command(flatten)]
    common: Common,
    /// The signer to take off: a role, or a person added by name.
    #[arg(long, value_name = "ROLE_OR_PERSON")]
    signer: String,
    /// Why; recorded in the history.
    #[arg(long, short = 'm')]
    comment: Option<String>,
}

/// Run `op` and report it in one line.
fn operate(common: &Common, op: &Op, comment: Option<String>, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let request = OperationRequest {
        instance: common.instance,
        state: common.state.clone(),
        actor: common.actor.actor.clone(),
        comment,
        expect_version: common.expect_version,
        now: db.now(),
    };
    match service.operate(&request, op) {
        Ok(outcome) if json => {
            print_json(&outcome);
            super::EXIT_OK
        }
        Ok(_) => {
            let who = &common.actor.actor;
            let what = match op {
                Op::Transfer { to } => format!("{who} transferred it to {to}"),
                Op::Delegate { to } => format!("{who} delegated it to {to}"),
                Op::HandBack => format!("{who} handed it back"),
                Op::Return { to } => format!("{who} returned it to `{to}`"),
                Op::Withdraw => format!("{who} withdrew their last action"),
                Op::Remind => format!("{who} sent a reminder"),
                Op::AddSigner { person, .. } => format!("{who} added {person} as a signer"),
                Op::RemoveSigner { signer } => format!("{who} removed the signer {signer}"),
            };
            outln!("{}: {what}", common.instance);
            super::EXIT_OK
        }
        Err(e) => fail(&e, json),
    }
}

pub fn transfer(args: &TransferArgs, json: bool, db: &DbArgs) -> u8 {
    operate(&args.common, &Op::Transfer { to: args.to.clone() }, Some(args.reason.clone()), json, db)
}

pub fn delegate(args: &DelegateArgs, json: bool, db: &DbArgs) -> u8 {
    operate(&args.common, &Op::Delegate { to: args.to.clone() }, args.comment.clone(), json, db)
}

pub fn hand_back(args: &HandBackArgs, json: bool, db: &DbArgs) -> u8 {
    operate(&args.common, &Op::HandBack, Some(args.comment.clone()), json, db)
}

pub fn return_to(args: &ReturnArgs, json: bool, db: &DbArgs) -> u8 {
    operate(&args.common, &Op::Return { to: args.to.clone() }, Some(args.reason.clone()), json, db)
}

pub fn withdraw(args: &WithdrawArgs, json: bool, db: &DbArgs) -> u8 {
    operate(&args.common, &Op::Withdraw, args.reason.clone(), json, db)
}

pub fn remind(args: &RemindArgs, json: bool, db: &DbArgs) -> u8 {
    operate(&args.common, &Op::Remind, args.comment.clone(), json, db)
}

pub fn add_signer(args: &AddSignerArgs, json: bool, db: &DbArgs) -> u8 {
    let op = Op::AddSigner { person: args.person.clone(), before: args.before };
    operate(&args.common, &op, args.comment.clone(), json, db)
}

pub fn remove_signer(args: &RemoveSignerArgs, json: bool, db: &DbArgs) -> u8 {
    operate(&args.common, &Op::RemoveSigner { signer: args.signer.clone() }, args.comment.clone(), json, db)
}
