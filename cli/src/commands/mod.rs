//! The subcommands and the exit codes they share.

mod act;
mod bookings;
mod cancel;
mod deploy;
mod export;
mod graph;
mod history;
mod import;
mod list;
mod operate;
mod org;
mod replay;
mod report;
mod restore;
mod schema;
mod show;
mod stand_in;
mod start;
pub mod test;
mod tick;
mod validate;
mod verify;

use clap::{Parser, Subcommand};

/// Everything went well.
pub const EXIT_OK: u8 = 0;
/// The input was checked and found wrong (an invalid workflow).
pub const EXIT_INVALID: u8 = 1;
/// The command could not do its job: bad usage, or a file that cannot be read or written.
pub const EXIT_USAGE: u8 = 2;
/// The instance changed since the version the operator acted on (`--expect-version`).
pub const EXIT_STALE: u8 = 3;

/// liucheng (流程) runs business processes written as YAML state graphs.
///
/// Process owners write a workflow file; `validate` checks it and `graph` draws it; `deploy`
/// stores it in a database (`--db`, default ./liucheng.db or $LIUCHENG_DB); operators `start`
/// instances and `act` on them, `list --mine` is their inbox, `show` tells where an instance is
/// and who may act; `transfer`, `delegate`, `return`, `withdraw`, `remind`, `add-signer` and
/// `remove-signer` are the everyday approval operations; `tick` fires deadlines, reminders and schedules. `test` runs scenario
/// files (`*.test.yaml`) that play a workflow through on a fake clock and check every step.
///
/// Exit codes: 0 success; 1 invalid input or a refused action (nothing was written); 2 usage,
/// I/O or database error; 3 the instance changed since the version given with
/// `--expect-version`.
#[derive(Debug, Parser)]
#[command(name = "liucheng", version, about, long_about, propagate_version = true)]
pub struct Cli {
    /// Print machine-readable JSON instead of text (same as `--format json` where a command has it).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(flatten)]
    pub db: crate::session::DbArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Validate(validate::Args),
    Graph(graph::Args),
    Import(import::Args),
    Deploy(deploy::Args),
    Org(org::Args),
    Start(start::Args),
    List(list::Args),
    Show(show::Args),
    Act(act::Args),
    Cancel(cancel::Args),
    Transfer(operate::TransferArgs),
    Delegate(operate::DelegateArgs),
    HandBack(operate::HandBackArgs),
    Return(operate::ReturnArgs),
    Withdraw(operate::WithdrawArgs),
    Remind(operate::RemindArgs),
    AddSigner(operate::AddSignerArgs),
    RemoveSigner(operate::RemoveSignerArgs),
    StandIn(stand_in::Args),
    Bookings(bookings::Args),
    Tick(tick::Args),
    Test(test::Args),
    History(history::Args),
    Replay(replay::Args),
    Verify(verify::Args),
    Export(export::Args),
    Restore(restore::Args),
    Report(report::Args),
    Schema(schema::Args),
}

/// Run the chosen subcommand and return its exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Validate(args) => validate::run(&args, cli.json),
        Command::Graph(args) => graph::run(&args, cli.json),
        Command::Import(args) => import::run(&args, cli.json),
        Command::Deploy(args) => deploy::run(&args, cli.json, &cli.db),
        Command::Org(args) => org::run(&args, cli.json, &cli.db),
        Command::Start(args) => start::run(&args, cli.json, &cli.db),
        Command::List(args) => list::run(&args, cli.json, &cli.db),
        Command::Show(args) => show::run(&args, cli.json, &cli.db),
        Command::Act(args) => act::run(&args, cli.json, &cli.db),
        Command::Cancel(args) => cancel::run(&args, cli.json, &cli.db),
        Command::Transfer(args) => operate::transfer(&args, cli.json, &cli.db),
        Command::Delegate(args) => operate::delegate(&args, cli.json, &cli.db),
        Command::HandBack(args) => operate::hand_back(&args, cli.json, &cli.db),
        Command::Return(args) => operate::return_to(&args, cli.json, &cli.db),
        Command::Withdraw(args) => operate::withdraw(&args, cli.json, &cli.db),
        Command::Remind(args) => operate::remind(&args, cli.json, &cli.db),
        Command::AddSigner(args) => operate::add_signer(&args, cli.json, &cli.db),
        Command::RemoveSigner(args) => operate::remove_signer(&args, cli.json, &cli.db),
        Command::StandIn(args) => stand_in::run(&args, cli.json, &cli.db),
        Command::Bookings(args) => bookings::run(&args, cli.json, &cli.db),
        Command::Tick(args) => tick::run(&args, cli.json, &cli.db),
        Command::Test(args) => test::run(&args, cli.json),
        Command::History(args) => history::run(&args, cli.json, &cli.db),
        Command::Replay(args) => replay::run(&args, cli.json, &cli.db),
        Command::Verify(args) => verify::run(&args, cli.json, &cli.db),
        Command::Export(args) => export::run(&args, cli.json, &cli.db),
        Command::Restore(args) => restore::run(&args, cli.json, &cli.db),
        Command::Report(args) => report::run(&args, cli.json, &cli.db),
        Command::Schema(args) => schema::run(&args),
    }
}
