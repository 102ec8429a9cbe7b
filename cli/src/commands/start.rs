//! `liucheng start`: start an instance of a deployed workflow.

use std::collections::BTreeMap;

use crate::session::{fail, print_json, ActorArgs, DataArgs, DbArgs};

/// Start an instance of a deployed workflow; prints its id
///
/// Examples:
///   liucheng start leave-request --as zhang_san --data days=3 --data reason=探亲
///   liucheng start expense-claim --as li_si --data-file claim.json
///   liucheng start handover --as zheng_yan --role giver=ward_nurse --role receiver=or_transfer_person \
///     --data subject=李秀英 --data needs_witness=false
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The workflow id.
    workflow: String,
    #[command(flatten)]
    actor: ActorArgs,
    #[command(flatten)]
    data: DataArgs,
    /// Bind a role parameter of the workflow to a role of the organisation, as
    /// PARAMETER=ORG_ROLE; repeat for each parameter.
    #[arg(long = "role", value_name = "PARAMETER=ORG_ROLE")]
    roles: Vec<String>,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let data = match args.data.collect() {
        Ok(d) => d,
        Err(code) => return code,
    };
    let mut roles = BTreeMap::new();
    for item in &args.roles {
        match item.split_once('=') {
            Some((parameter, role)) if !parameter.trim().is_empty() && !role.trim().is_empty() => {
                roles.insert(parameter.trim().to_owned(), role.trim().to_owned());
            }
            _ => {
                eprintln!("error: `--role {item}`: write PARAMETER=ORG_ROLE, e.g. `--role giver=ward_nurse`");
                return super::EXIT_USAGE;
            }
        }
    }
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    match service.start_with_roles(&args.workflow, &args.actor.actor, data, &roles, db.now()) {
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
