//! `liucheng org load`: load the people, roles and duty roster.

use std::path::PathBuf;

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
    /// role when they acted.
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
            super::EXIT_OK
        }
        Err(e) => fail(&e, json),
    }
}
