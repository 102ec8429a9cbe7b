//! `liucheng start`: start an instance of a deployed workflow.

use crate::session::{fail, print_json, ActorArgs, DataArgs, DbArgs};

/// Start an instance of a deployed workflow; prints its id
///
/// Examples:
///   liucheng start leave-request --as zhang_san --data days=3 --data reason=探亲
///   liucheng start expense-claim --as li_si --data-file claim.json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The workflow id.
    workflow: String,
    #[command(flatten)]
    actor: ActorArgs,
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
    match service.start(&args.workflow, &args.actor.actor, data, db.now()) {
        Ok(outcome) if json => {
            print_json(&outcome);
            super::EXIT_OK
        }
        Ok(outcome) => {
            outln!("{}", outcome.instance);
            super::EXIT_OK
        }
        Err(e) => fail(&e, json),
    }
}
