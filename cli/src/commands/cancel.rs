//! `liucheng cancel`: withdraw or cancel a running instance.

use crate::session::{fail, print_json, ActorArgs, DbArgs};

/// Withdraw or cancel a running instance
///
/// Its requester may withdraw it, and the roles the workflow's `cancel.by` names may cancel it.
/// Running sub-workflow instances it started are cancelled with it.
///
/// Example:
///   liucheng cancel 12 --as zhang_san --reason 行程取消
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The instance id.
    instance: i64,
    #[command(flatten)]
    actor: ActorArgs,
    /// Why; recorded in the history.
    #[arg(long, required = true)]
    reason: String,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    match service.cancel(args.instance, &args.actor.actor, &args.reason, db.now()) {
        Ok(outcome) if json => {
            print_json(&outcome);
            super::EXIT_OK
        }
        Ok(_) => {
            outln!("{}: cancelled by {}", args.instance, args.actor.actor);
            super::EXIT_OK
        }
        Err(e) => fail(&e, json),
    }
}
