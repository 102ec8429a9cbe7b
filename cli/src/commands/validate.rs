//! `liucheng validate`: check workflow files and report every problem at once.

use std::path::PathBuf;

use liucheng_engine::analysis::Options;
use liucheng_engine::resolve::Callees;
use liucheng_engine::validate;

use super::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use crate::files;
use crate::report::{self, Format};

/// Check workflow files and report every problem at once
///
/// Checks YAML syntax, unknown keys, names that do not resolve, guards, deadlines, schedules,
/// sign-off rules, and the soundness of the graph (reachability, a way to an end, deadlocks, lack
/// of synchronisation, livelocks), each problem with its code, file:line:column and a hint, and
/// unsound graphs with a counterexample path from the start.
///
/// Folders are searched recursively for `*.yaml` and `*.yml`, except scenario files
/// (`*.test.yaml`) and organisation files (`org.yaml`, `*.org.yaml`). Files are checked together,
/// so a `call` may name a workflow defined in another file.
///
/// Exit codes: 0 all valid (warnings allowed), 1 some file has errors, 2 usage or I/O error.
///
/// Examples:
///   liucheng validate workflows/
///   liucheng validate expense.yaml --format json
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Workflow files or folders.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Stop the soundness exploration after this many combinations of active states.
    #[arg(long, value_name = "N", default_value_t = Options::default().max_markings)]
    max_states: usize,

    /// Treat steps that can never happen (dead steps) as errors rather than warnings.
    #[arg(long)]
    deny_dead_steps: bool,
}

pub fn run(args: &Args, json: bool) -> u8 {
    let format = if json { Format::Json } else { args.format };
    let sources = match files::read_workflow_files(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    if sources.is_empty() {
        eprintln!("error: no workflow files (*.yaml, *.yml) under {}", files::display_paths(&args.paths));
        return EXIT_USAGE;
    }
    let options = Options { max_markings: args.max_states, dead_steps_are_errors: args.deny_dead_steps };
    let checked = validate::validate(&sources, &Callees::new(), &options);
    out!("{}", report::render_checked(&checked, &sources, format));
    if checked.iter().any(validate::Checked::has_errors) {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}
