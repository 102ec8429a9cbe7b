//! `liucheng stand-in`: name who acts for you (代理) while you are away, and list who stands in for whom.

use chrono::{DateTime, FixedOffset};

use crate::session::{fail, parse_time, print_json, table, ActorArgs, DbArgs};

/// Name a stand-in (代理) for a period, or list the stand-ins named.
///
/// A stand-in takes your steps with your roles (`liucheng act ID ACTION --as THEM --for YOU`);
/// the history records both names. A stand-in may never act on an instance they requested, and
/// separation-of-duty rules apply to them as to you. Stand-ins are never deleted: a period that
/// has ended simply no longer applies.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: StandInCommand,
}

#[derive(Debug, clap::Subcommand)]
enum StandInCommand {
    /// Name a stand-in for yourself (`--as`) from `--from` until `--until`
    ///
    /// Example:
    ///   liucheng stand-in add --as wang_wu --by wu_shi --from 2026-12-01T00:00:00+08:00 --until 2026-12-08T00:00:00+08:00 --reason 年假
    #[command(verbatim_doc_comment)]
    Add {
        #[command(flatten)]
        actor: ActorArgs,
        /// The person who acts for you.
        #[arg(long, value_name = "PERSON")]
        by: String,
        /// When it starts (RFC 3339).
        #[arg(long, value_parser = parse_time)]
        from: DateTime<FixedOffset>,
        /// When it ends (RFC 3339), exclusive.
        #[arg(long, value_parser = parse_time)]
        until: DateTime<FixedOffset>,
        /// Why (holiday, shift, business trip); recorded.
        #[arg(long)]
        reason: String,
    },
    /// List every stand-in named.
    List,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    match &args.command {
        StandInCommand::Add { actor, by, from, until, reason } => {
            match service.name_stand_in(&actor.actor, by, (*from, *until), reason, db.now()) {
                Ok(row) if json => {
                    print_json(&row);
                    super::EXIT_OK
                }
                Ok(row) => {
                    outln!(
                        "{} stands in for {} from {} until {}: {}",
                        row.stand_in,
                        row.person,
                        from,
                        until,
                        row.reason
                    );
                    super::EXIT_OK
                }
                Err(e) => fail(&e, json),
            }
        }
        StandInCommand::List => match service.stand_ins() {
            Ok(rows) if json => {
                print_json(&rows);
                super::EXIT_OK
            }
            Ok(rows) => {
                let mut t = table(&["person", "stand-in", "from", "until", "reason", "named at"]);
                for r in &rows {
                    t.add_row(vec![
                        r.person.clone(),
                        r.stand_in.clone(),
                        r.starts.clone(),
                        r.ends.clone(),
                        r.reason.clone(),
                        r.named_at.clone(),
                    ]);
                }
                if rows.is_empty() {
                    outln!("no stand-ins");
                } else {
                    outln!("{t}");
                }
                super::EXIT_OK
            }
            Err(e) => fail(&e, json),
        },
    }
}
