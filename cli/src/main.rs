//! `liucheng`: validate, draw, deploy and run workflow definitions from the command line.
//! Each subcommand lives in `commands/`; diagnostics are rendered in `report.rs`.

mod commands;
mod files;
mod report;
mod session;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    ExitCode::from(commands::run(cli))
}
