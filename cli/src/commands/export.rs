//! `liucheng export`: a self-contained audit export of instances, for third parties.

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};
use liucheng_engine::service::{ExportFormat, ExportRequest};

use crate::report::plural;
use crate::session::{fail, parse_time, print_json, DbArgs};

/// Export instances for an audit: definitions, organisations, instances and every event
///
/// JSON lines (the default) hold one object a line, each with a `type`: `header`, `definition`
/// (with its full YAML source), `org`, `instance`, `event` (every column, `prev_hash` and `hash`
/// included) and `schedule_run`. `liucheng restore` loads it into another database, and the
/// README tells how to recheck its hash chains without liucheng. CSV is one row per event, for
/// spreadsheets.
///
/// With `--from`/`--to`, an instance is exported when one of its events falls in [FROM, TO);
/// it is exported whole, so its chain verifies from the first event. Instances that called or
/// were called by an exported one go with it.
///
/// Examples:
///   liucheng export --all -o audit-2026.jsonl
///   liucheng export --all --from 2026-11-01T00:00:00+08:00 --to 2026-12-01T00:00:00+08:00 \
///       --format csv -o november.csv
///   liucheng export 12 13 > two.jsonl
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Instance ids.
    #[arg(value_name = "ID", required_unless_present = "all")]
    ids: Vec<i64>,
    /// Export every instance.
    #[arg(long, conflicts_with = "ids")]
    all: bool,
    /// JSON lines (restorable) or CSV (one row per event).
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// Only instances with an event at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    from: Option<DateTime<FixedOffset>>,
    /// Only instances with an event before this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    to: Option<DateTime<FixedOffset>>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    /// One JSON object a line; `liucheng restore` reads it.
    Jsonl,
    /// One row per event, for spreadsheets (UTF-8 with a byte-order mark).
    Csv,
}

pub fn run(args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let request = ExportRequest { ids: args.ids.clone(), from: args.from, to: args.to };
    let format = match args.format {
        Format::Jsonl => ExportFormat::Jsonl,
        Format::Csv => ExportFormat::Csv,
    };
    let Some(path) = &args.output else {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        return match service.export(&request, format, db.now(), &mut out) {
            Ok(_) => super::EXIT_OK,
            Err(e) => fail(&e, json),
        };
    };
    let file = match std::fs::File::create(path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            return super::EXIT_USAGE;
        }
    };
    let mut out = std::io::BufWriter::new(file);
    let result = service.export(&request, format, db.now(), &mut out);
    let result = result.and_then(|s| out.flush().map(|()| s).map_err(Into::into));
    match result {
        Ok(summary) if json => {
            print_json(&summary);
            super::EXIT_OK
        }
        Ok(s) => {
            outln!(
                "exported {} instance{} ({} events, {} definition{}, {} organisation{}) to {}",
                s.instances,
                plural(s.instances),
                s.events,
                s.definitions,
                plural(s.definitions),
                s.orgs,
                plural(s.orgs),
                path.display()
            );
            super::EXIT_OK
        }
        Err(e) => {
            let _ = std::fs::remove_file(path);
            fail(&e, json)
        }
    }
}
