//! `liucheng graph`: draw a workflow as Mermaid or Graphviz DOT.

use std::path::PathBuf;

use liucheng_engine::render::{diagram, to_dot, to_mermaid};
use liucheng_engine::validate::{self, SourceFile};

use super::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use crate::files;
use crate::report::{self, Format};

/// Draw a workflow as a Mermaid or Graphviz diagram
///
/// States with their titles, roles on actions, guards on branches, forks and joins as bars,
/// sign-offs, sub-workflow calls, and deadlines as dashed edges.
///
/// The workflow must be valid; otherwise its diagnostics are printed instead.
///
/// Examples:
///   liucheng graph workflows/emergency-surgery.yaml > surgery.mmd
///   liucheng graph expense.yaml --format dot | dot -Tsvg > expense.svg
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The workflow file.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// Drawing language.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    format: GraphFormat,

    /// Other workflow files or folders that `call` states name (default: the file's own folder).
    #[arg(long = "with", value_name = "PATH")]
    with: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum GraphFormat {
    /// Mermaid flowchart (renders in GitHub and most Markdown viewers).
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

pub fn run(args: &Args, json: bool) -> u8 {
    let bytes = match files::read_bounded(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.file.display());
            return EXIT_USAGE;
        }
    };
    let mut sources = vec![SourceFile { path: args.file.clone(), bytes }];
    let with = if args.with.is_empty() {
        vec![args.file.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), PathBuf::from)]
    } else {
        args.with.clone()
    };
    match files::read_workflow_files(&with) {
        Ok(more) => sources.extend(more.into_iter().filter(|s| s.path != args.file)),
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    }
    let callees = liucheng_engine::resolve::Callees::new();
    let mut checked = validate::validate(&sources, &callees, &liucheng_engine::analysis::Options::default());
    let first = checked.remove(0);
    let Some(workflow) = &first.workflow else {
        let format = if json { Format::Json } else { Format::Human };
        eprint!("{}", report::render_checked(std::slice::from_ref(&first), &sources[..1], format));
        return EXIT_INVALID;
    };
    let d = diagram(workflow);
    match args.format {
        GraphFormat::Mermaid => out!("{}", to_mermaid(&d)),
        GraphFormat::Dot => out!("{}", to_dot(&d)),
    }
    EXIT_OK
}
