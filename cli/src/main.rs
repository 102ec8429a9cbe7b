//! `liucheng`: validate, draw, deploy and run workflow definitions from the command line.
//! Each subcommand lives in `commands/`; diagnostics are rendered in `report.rs`.

/// `print!` that stops quietly when the reader has gone (`liucheng list | head`).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

/// `println!` that stops quietly when the reader has gone.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

mod commands;
mod files;
mod junit;
mod report;
mod session;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    ExitCode::from(commands::run(cli))
}
