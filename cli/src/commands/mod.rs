//! The subcommands and the exit codes they share.

mod graph;
mod schema;
mod validate;

use clap::{Parser, Subcommand};

/// Everything went well.
pub const EXIT_OK: u8 = 0;
/// The input was checked and found wrong (an invalid workflow).
pub const EXIT_INVALID: u8 = 1;
/// The command could not do its job: bad usage, or a file that cannot be read or written.
pub const EXIT_USAGE: u8 = 2;

/// liucheng (流程) runs business processes written as YAML state graphs.
///
/// Process owners write a workflow file; `validate` checks it and `graph` draws it.
///
/// Exit codes: 0 success, 1 invalid input (a workflow with errors), 2 usage or I/O error.
#[derive(Debug, Parser)]
#[command(name = "liucheng", version, about, long_about, propagate_version = true)]
pub struct Cli {
    /// Print machine-readable JSON instead of text (same as `--format json` where a command has it).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Validate(validate::Args),
    Graph(graph::Args),
    Schema(schema::Args),
}

/// Run the chosen subcommand and return its exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Validate(args) => validate::run(&args, cli.json),
        Command::Graph(args) => graph::run(&args, cli.json),
        Command::Schema(args) => schema::run(&args),
    }
}
