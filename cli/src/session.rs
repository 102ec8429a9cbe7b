//! What the running commands share: the database, the acting person, the clock, data given on
//! the command line, and how a refusal is printed.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use liucheng_engine::service::{Service, ServiceError};
use serde_json::{Map, Value};

use crate::commands::{EXIT_INVALID, EXIT_STALE, EXIT_USAGE};
use crate::report;

/// Options every command that touches the database takes.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// The database file.
    #[arg(long, env = "LIUCHENG_DB", default_value = "liucheng.db", global = true)]
    pub db: PathBuf,

    /// Act as if it were this time (RFC 3339, e.g. 2026-11-30T09:00:00+08:00); for tests,
    /// simulations and back-dated entries.
    #[arg(long, value_name = "TIME", global = true, value_parser = parse_time)]
    pub now: Option<DateTime<FixedOffset>>,
}

impl DbArgs {
    /// The clock.
    pub fn now(&self) -> DateTime<FixedOffset> {
        // Milliseconds are precise enough to order events and short enough to read.
        self.now.unwrap_or_else(|| Utc::now().trunc_subsecs(3).fixed_offset())
    }

    /// Open the database, or print why not.
    pub fn open(&self) -> Result<Service, u8> {
        Service::open(&self.db).map_err(|e| {
            eprintln!("error: {e}");
            EXIT_USAGE
        })
    }
}

/// Who is acting.
#[derive(Debug, Clone, clap::Args)]
pub struct ActorArgs {
    /// The person acting (their id in the org file).
    #[arg(long = "as", value_name = "PERSON", env = "LIUCHENG_ACTOR")]
    pub actor: String,
}

/// Data filled in.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DataArgs {
    /// A field value, `name=value`; the value is read as JSON when it is JSON (numbers, true,
    /// [lists], {maps}) and as text otherwise. Repeat for several fields.
    #[arg(long = "data", short = 'd', value_name = "NAME=VALUE")]
    pub data: Vec<String>,

    /// A JSON object of field values, from a file (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub data_file: Option<PathBuf>,
}

impl DataArgs {
    /// The fields given, or a usage error.
    pub fn collect(&self) -> Result<Map<String, Value>, u8> {
        let mut map = Map::new();
        if let Some(file) = &self.data_file {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
                    .map_err(|e| usage(&format!("cannot read standard input: {e}")))?
            } else {
                std::fs::read_to_string(file).map_err(|e| usage(&format!("cannot read {}: {e}", file.display())))?
            };
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(m)) => map.extend(m),
                Ok(_) => return Err(usage("the data file must hold a JSON object, e.g. {\"amount\": 1200}")),
                Err(e) => return Err(usage(&format!("the data file is not JSON: {e}"))),
            }
        }
        for item in &self.data {
            let Some((name, value)) = item.split_once('=') else {
                return Err(usage(&format!("`--data {item}`: write NAME=VALUE")));
            };
            let value = serde_json::from_str::<Value>(value).unwrap_or_else(|_| Value::String(value.to_owned()));
            map.insert(name.trim().to_owned(), value);
        }
        Ok(map)
    }
}

fn usage(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

/// A time on the command line (RFC 3339).
pub fn parse_time(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text)
        .map_err(|_| format!("`{text}` is not a time; write e.g. 2026-11-30T09:00:00+08:00"))
}

/// Print a refusal and return its exit code.
pub fn fail(error: &ServiceError, json: bool) -> u8 {
    let code = match error {
        ServiceError::Runtime(liucheng_engine::runtime::RuntimeError::Stale { .. }) => EXIT_STALE,
        ServiceError::Store(_) | ServiceError::Io(_) => EXIT_USAGE,
        _ => EXIT_INVALID,
    };
    if let ServiceError::Invalid(checked) = error {
        let format = if json { report::Format::Json } else { report::Format::Human };
        let sources: Vec<_> = checked
            .iter()
            .map(|c| liucheng_engine::SourceFile {
                path: c.path.clone(),
                bytes: std::fs::read(&c.path).unwrap_or_default(),
            })
            .collect();
        eprint!("{}", report::render_checked(checked, &sources, format));
        eprintln!("error: nothing was deployed");
        return code;
    }
    if let ServiceError::InvalidOrg(diagnostics) = error {
        for d in diagnostics {
            let text = std::fs::read_to_string(&d.file).unwrap_or_default();
            eprintln!("{}\n", report::render_diagnostic(d, &text));
        }
        eprintln!("error: the organisation was not loaded");
        return code;
    }
    if json {
        let doc = serde_json::json!({"error": error.code(), "message": error.to_string(), "hint": error.hint()});
        eprintln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        eprintln!("error[{}]: {error}", error.code());
        if let Some(hint) = error.hint() {
            for (i, line) in hint.lines().enumerate() {
                eprintln!("{}{line}", if i == 0 { "  = help: " } else { "          " });
            }
        }
    }
    code
}

/// Print a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) {
    outln!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// A plain table that stays aligned with Chinese text.
pub fn table(header: &[&str]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::NOTHING);
    t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    t.set_header(header.iter().map(|h| comfy_table::Cell::new(h.to_uppercase())));
    t
}

/// Events as a table: the last few for `show`, or (`full`) every column for `history`.
pub fn events_table(events: &[liucheng_engine::service::EventView], full: bool) -> comfy_table::Table {
    let mut header = vec!["#", "at", "who", "what", "from → to"];
    if full {
        header.push("changed");
    }
    header.push("comment");
    if full {
        header.push("hash");
    }
    let mut t = table(&header);
    for e in events {
        let mut who = match &e.role {
            Some(r) => format!("{} ({r})", e.actor),
            None => e.actor.clone(),
        };
        if let Some(principal) = &e.on_behalf_of {
            who.push_str(&format!(" for {principal}"));
        }
        let kind = full.then(|| e.kind.clone());
        let what = match &e.words {
            Some(words) => words.clone(),
            None => [kind, e.action.clone(), e.state.as_ref().map(|s| format!("in {s}"))]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
        };
        let mut row = vec![e.seq.to_string(), e.at.clone(), who, what, format!("{} → {}", e.from, e.to)];
        if full {
            let read =
                e.read.iter().map(|r| format!("read: {r}")).chain(e.booked.iter().map(|b| format!("booked: {b}")));
            let params = e.params.iter().map(|(k, v)| format!("params.{k} = {v}"));
            row.push(
                [changes(&e.changes)]
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .chain(params)
                    .chain(read)
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        row.push(e.comment.clone().unwrap_or_default());
        if full {
            row.push(e.hash.chars().take(12).collect());
        }
        t.add_row(row);
    }
    t
}

/// A data change `{field: [old, new]}` as `field: old → new; …`.
fn changes(value: &Value) -> String {
    let Value::Object(map) = value else { return String::new() };
    map.iter()
        .map(|(k, v)| match v.as_array().map(Vec::as_slice) {
            Some([old, new]) => format!("{k}: {old} → {new}"),
            _ => format!("{k}: {v}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}
