//! `liucheng verify`: check that every instance equals the replay of its history and that the
//! hash chain is intact.

use liucheng_engine::service::Verdict;

use crate::session::{fail, print_json, DbArgs};

/// Re-derive instances from their history and check the tamper-evidence chain
///
/// Exits 1 and names the instance and the first bad event when anything differs: an edited,
/// deleted, reordered or inserted event, or a stored state that is not the replay of its events.
///
/// Examples:
///   liucheng verify --all
///   liucheng verify 12 13
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Instance ids.
    #[arg(value_name = "ID", required_unless_present = "all")]
    ids: Vec<i64>,
    /// Verify every instance.
    #[arg(long, conflicts_with = "ids")]
    all: bool,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let verdicts = match service.verify(&args.ids) {
        Ok(v) => v,
        Err(e) => return fail(&e, json),
    };
    print_verdicts(&verdicts, json)
}

/// Print verdicts (the broken ones, then a count) and return the exit code they call for.
pub fn print_verdicts(verdicts: &[Verdict], json: bool) -> u8 {
    let bad: Vec<_> = verdicts.iter().filter(|v| v.problem.is_some()).collect();
    if json {
        print_json(&verdicts);
    } else {
        for v in &bad {
            let p = v.problem.as_ref().expect("filtered");
            match p.seq {
                Some(seq) => outln!("instance {}: event #{seq}: {}", v.instance, p.what),
                None => outln!("instance {}: {}", v.instance, p.what),
            }
        }
        let events: usize = verdicts.iter().map(|v| v.events).sum();
        outln!(
            "{} instance{} verified ({events} events): {} intact, {} broken",
            verdicts.len(),
            if verdicts.len() == 1 { "" } else { "s" },
            verdicts.len() - bad.len(),
            bad.len()
        );
    }
    if bad.is_empty() {
        super::EXIT_OK
    } else {
        super::EXIT_INVALID
    }
}
