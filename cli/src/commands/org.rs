//! `liucheng org load`: load the people, roles and duty roster.

use std::path::PathBuf;

use liucheng_engine::service::StaffingGap;

use crate::session::{fail, print_json, DbArgs};

/// Load the organisation: people, roles, attributes and duty rosters.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: OrgCommand,
}

#[derive(Debug, clap::Subcommand)]
enum OrgCommand {
    /// Load an org file (YAML: `people:` with roles, department and attributes, and `roster:`
    /// shifts). Each load that changes something is a new version; history keeps who held which
    /// role when they acted. A warning names every stretch of time in which the roster leaves
    /// a role short that a deployed workflow's `staffing:` needs staffed at every moment.
    Load {
        /// The org file.
        file: PathBuf,
    },
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let OrgCommand::Load { file } = &args.command;
    let bytes = match crate::files::read_bounded(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return super::EXIT_USAGE;
        }
    };
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    match service.load_org(file, &bytes, db.now()) {
        Ok(loaded) if json => {
            print_json(&loaded);
            super::EXIT_OK
        }
        Ok(loaded) => {
            let what = if loaded.new { "loaded" } else { "unchanged" };
            outln!("{what}: {} people, {} duty shifts from {}", loaded.people, loaded.shifts, file.display());
            warn_staffing(&loaded.staffing_gaps);
            super::EXIT_OK
        }
        Err(e) => fail(&e, json),
    }
}

/// Warn, on stderr, of every stretch in which the roster leaves a needed role short; the org is
/// loaded all the same, since refusing it would also hold back its other changes.
pub(crate) fn warn_staffing(gaps: &[StaffingGap]) {
    for g in gaps {
        let rule = g.rule.as_ref().map(|r| format!(" ({r})")).unwrap_or_default();
        let need =
            format!("`{}` needs at least {} on duty as `{}` at every moment{rule}", g.workflow, g.at_least, g.role);
        match (&g.from, &g.until) {
            (Some(from), Some(until)) => {
                let who = match g.on_duty {
                    0 => "nobody is on duty".to_owned(),
                    1 => "only 1 is on duty".to_owned(),
                    n => format!("only {n} are on duty"),
                };
                eprintln!("warning: {need}: {who} from {from} until {until}");
            }
            _ => eprintln!("warning: {need}: nobody is ever on duty as `{}` in the roster", g.role),
        }
    }
}
