//! `liucheng restore`: load an audit export into a database, then verify it.

use std::path::PathBuf;

use crate::report::plural;
use crate::session::{fail, print_json, DbArgs};

/// Load an audit export (JSON lines from `liucheng export`) into the database and verify it
///
/// Everything is loaded in one transaction, or nothing. Instances keep their ids, so a database
/// that already holds any of them is refused: restore into a fresh one. Definitions the database
/// holds already (same hash) are shared; organisations it lacks are added, but the one it uses
/// now stays current.
///
/// After loading, every restored instance is verified as `liucheng verify` does: exit 1 names
/// each instance and event that does not check out (the data stays loaded, for `history`).
///
/// Example:
///   liucheng --db audit.db restore audit-2026.jsonl
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The export file (`-` for standard input).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut input: Box<dyn std::io::BufRead> = if args.file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(&args.file) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", args.file.display());
                return super::EXIT_USAGE;
            }
        }
    };
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let restored = match service.restore(&mut input) {
        Ok(r) => r,
        Err(e) => return fail(&e, json),
    };
    let broken = restored.verdicts.iter().any(|v| v.problem.is_some());
    if json {
        print_json(&restored);
        return if broken { super::EXIT_INVALID } else { super::EXIT_OK };
    }
    outln!(
        "restored {} instance{} ({} events); definitions: {} added, {} already here; organisations: {} added",
        restored.instances,
        plural(restored.instances),
        restored.events,
        restored.definitions_added,
        restored.definitions_present,
        restored.orgs_added
    );
    super::verify::print_verdicts(&restored.verdicts, false)
}
