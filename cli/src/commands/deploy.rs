//! `liucheng deploy`: validate workflow files and store them as new definition versions.

use std::path::PathBuf;

use crate::files;
use crate::session::{fail, print_json, table, DbArgs};

/// Validate workflow files and store each as a new version in the database
///
/// Deploying the same text again changes nothing. Running instances keep the version they
/// started with; new instances use the latest. If any file is invalid, nothing is deployed and
/// its diagnostics are printed. Folders are searched as `validate` does. With an org loaded, a
/// warning names every stretch in which its roster leaves a role short that a workflow's
/// `staffing:` needs staffed at every moment.
///
/// Examples:
///   liucheng deploy workflows/
///   liucheng --db hospital.db deploy workflows/emergency-surgery.yaml
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Workflow files or folders.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let sources = match files::read_workflow_files(&args.paths) {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => {
            eprintln!("error: no workflow files under {}", files::display_paths(&args.paths));
            return super::EXIT_USAGE;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return super::EXIT_USAGE;
        }
    };
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let deployed = service.deploy(&sources, db.now());
    if deployed.is_ok() {
        // The roster is checked against what is deployed now; a failure to read it is not the
        // deployment's failure.
        if let Ok(gaps) = service.staffing_gaps(db.now()) {
            super::org::warn_staffing(&gaps);
        }
    }
    match deployed {
        Ok(deployed) if json => {
            print_json(&deployed);
            super::EXIT_OK
        }
        Ok(deployed) => {
            let mut t = table(&["workflow", "version", "revision", "result", "file"]);
            for d in &deployed {
                let what = if d.new { "deployed" } else { "unchanged" };
                t.add_row(vec![
                    d.workflow.clone(),
                    d.version.to_string(),
                    d.revision.to_string(),
                    what.into(),
                    d.path.clone(),
                ]);
            }
            outln!("{t}");
            let new = deployed.iter().filter(|d| d.new).count();
            outln!("{new} deployed, {} unchanged", deployed.len() - new);
            super::EXIT_OK
        }
        Err(e) => fail(&e, json),
    }
}
