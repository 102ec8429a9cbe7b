//! Audit export: everything a third party needs to recheck instances without the database — the
//! definitions they ran on, the organisations in force, the instance rows and every event row
//! with its hashes — as JSON lines (which `restore` reads back) or as one CSV table of events.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::Value;

use crate::service::{Service, ServiceError};
use crate::store::{DefinitionRow, EventRow, OrgRow, StoreError, Tx};

/// The name in an export's header line.
pub const EXPORT_FORMAT: &str = "liucheng-audit-export";
/// The version of the JSON-lines layout; `restore` reads this version.
pub const EXPORT_VERSION: i64 = 1;

/// How an export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object a line, each with a `type`: the round-trippable form.
    Jsonl,
    /// One row per event, for spreadsheets.
    Csv,
}

/// Which instances to export.
#[derive(Debug, Clone, Default)]
pub struct ExportRequest {
    /// These instances; empty for all of them.
    pub ids: Vec<i64>,
    /// Only instances with an event at or after this time.
    pub from: Option<DateTime<FixedOffset>>,
    /// Only instances with an event before this time.
    pub to: Option<DateTime<FixedOffset>>,
}

/// What an export held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    pub definitions: usize,
    pub orgs: usize,
    pub instances: usize,
    pub events: usize,
}

/// The first line of a JSON-lines export.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportHeader {
    pub format: String,
    pub format_version: i64,
    pub exported_at: String,
    /// The instance ids asked for (empty: all), before related instances were added.
    pub requested: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// How each event's `hash` is computed, in words; the README gives the details.
    pub hash: String,
    pub definitions: usize,
    pub orgs: usize,
    pub instances: usize,
    pub events: usize,
}

/// The hash rule, as carried in the header.
pub const HASH_RULE: &str = "sha256(prev_hash + \"\\n\" + definition.hash + \"\\n\" + json([instance_id, seq, at, \
                             actor, role, kind, state, action, from_states, to_states, changes, comment, payload])); \
                             the first event's prev_hash is 64 zeros";

/// A row with the `type` of its line in front.
#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(flatten)]
    row: &'a T,
}

fn write_line<T: Serialize>(out: &mut dyn Write, kind: &str, row: &T) -> Result<(), ServiceError> {
    serde_json::to_writer(&mut *out, &Line { kind, row }).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// When each instance had its first and last event, and how many it has.
#[derive(Debug, Clone, Copy)]
struct Span {
    first: DateTime<FixedOffset>,
    last: DateTime<FixedOffset>,
    events: usize,
}

fn parse_time(text: &str, what: &str) -> Result<DateTime<FixedOffset>, StoreError> {
    DateTime::parse_from_rfc3339(text).map_err(|e| StoreError::Damaged(format!("{what} `{text}`: {e}")))
}

/// The instances to export, in id order, with their spans.
fn select(tx: &Tx<'_>, request: &ExportRequest) -> Result<BTreeMap<i64, Span>, ServiceError> {
    for id in &request.ids {
        tx.instance(*id)?.ok_or(ServiceError::NoInstance(*id))?;
    }
    let mut spans: BTreeMap<i64, Span> = BTreeMap::new();
    let mut in_period: BTreeSet<i64> = BTreeSet::new();
    let mut bad_time = None;
    tx.each_event_time(|id, at| {
        let Ok(at) = DateTime::parse_from_rfc3339(at) else {
            bad_time.get_or_insert_with(|| format!("the time of an event of instance {id}: `{at}`"));
            return;
        };
        let span = spans.entry(id).or_insert(Span { first: at, last: at, events: 0 });
        span.first = span.first.min(at);
        span.last = span.last.max(at);
        span.events += 1;
        if request.from.is_none_or(|f| at >= f) && request.to.is_none_or(|t| at < t) {
            in_period.insert(id);
        }
    })?;
    if let Some(what) = bad_time {
        return Err(StoreError::Damaged(what).into());
    }
    let asked: BTreeSet<i64> =
        if request.ids.is_empty() { spans.keys().copied().collect() } else { request.ids.iter().copied().collect() };
    let chosen: Vec<i64> = asked.into_iter().filter(|id| in_period.contains(id)).collect();
    // A sub-workflow instance goes with its caller, and a caller with its sub-workflows: the
    // export must restore on its own, and each refers to the other.
    let mut family: BTreeSet<i64> = BTreeSet::new();
    let mut todo = chosen;
    while let Some(id) = todo.pop() {
        if !family.insert(id) {
            continue;
        }
        let row = tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
        todo.extend(row.parent_id);
        todo.extend(tx.children(id)?.into_iter().map(|c| c.id));
    }
    Ok(family
        .into_iter()
        .map(|id| {
            let span = spans.get(&id).copied();
            (id, span)
        })
        .filter_map(|(id, span)| span.map(|s| (id, s)))
        .collect())
}

/// The organisations in force at some time during the spans: the one loaded last before each
/// instance started, and every one loaded while it ran.
fn orgs_in_force(tx: &Tx<'_>, spans: &BTreeMap<i64, Span>) -> Result<Vec<OrgRow>, ServiceError> {
    let orgs = tx.orgs()?;
    let loaded: Vec<DateTime<FixedOffset>> =
        orgs.iter().map(|o| parse_time(&o.loaded_at, "the load time of an organisation")).collect::<Result<_, _>>()?;
    let mut used = BTreeSet::new();
    for span in spans.values() {
        let before = (0..orgs.len()).filter(|i| loaded[*i] <= span.first).max_by_key(|i| (loaded[*i], orgs[*i].id));
        used.extend(before);
        used.extend((0..orgs.len()).filter(|i| loaded[*i] > span.first && loaded[*i] <= span.last));
    }
    Ok(orgs.into_iter().enumerate().filter(|(i, _)| used.contains(i)).map(|(_, o)| o).collect())
}

impl Service {
    /// Write an audit export of the instances `request` selects to `out`.
    ///
    /// An instance is selected when one of its events falls in `[from, to)`; it is exported
    /// whole (every event, so its chain verifies from the start), together with the instances
    /// it called or was called by.
    ///
    /// # Errors
    /// An unknown instance id, a store error, or an error writing `out`.
    pub fn export(
        &mut self,
        request: &ExportRequest,
        format: ExportFormat,
        now: DateTime<FixedOffset>,
        out: &mut dyn Write,
    ) -> Result<ExportSummary, ServiceError> {
        self.store.read(|tx| {
            let spans = select(tx, request)?;
            let mut definitions: BTreeMap<i64, DefinitionRow> = BTreeMap::new();
            let mut instances = Vec::with_capacity(spans.len());
            for id in spans.keys() {
                let row = tx.instance(*id)?.ok_or(ServiceError::NoInstance(*id))?;
                if !definitions.contains_key(&row.definition_id) {
                    let d = tx
                        .definition(row.definition_id)?
                        .ok_or_else(|| StoreError::Damaged(format!("definition {} is missing", row.definition_id)))?;
                    definitions.insert(d.id, d);
                }
                instances.push(row);
            }
            let orgs = orgs_in_force(tx, &spans)?;
            let summary = ExportSummary {
                definitions: definitions.len(),
                orgs: orgs.len(),
                instances: instances.len(),
                events: spans.values().map(|s| s.events).sum(),
            };
            match format {
                ExportFormat::Jsonl => {
                    let header = ExportHeader {
                        format: EXPORT_FORMAT.into(),
                        format_version: EXPORT_VERSION,
                        exported_at: now.to_rfc3339(),
                        requested: request.ids.clone(),
                        from: request.from.map(|t| t.to_rfc3339()),
                        to: request.to.map(|t| t.to_rfc3339()),
                        hash: HASH_RULE.into(),
                        definitions: summary.definitions,
                        orgs: summary.orgs,
                        instances: summary.instances,
                        events: summary.events,
                    };
                    write_line(out, "header", &header)?;
                    for d in definitions.values() {
                        write_line(out, "definition", d)?;
                    }
                    for o in &orgs {
                        write_line(out, "org", o)?;
                    }
                    for row in &instances {
                        write_line(out, "instance", row)?;
                        tx.each_event(row.id, |e| {
                            write_line(out, "event", e)?;
                            Ok::<_, ServiceError>(std::ops::ControlFlow::Continue(()))
                        })?;
                        for run in tx.schedule_runs_of(row.id)? {
                            write_line(out, "schedule_run", &run)?;
                        }
                    }
                }
                ExportFormat::Csv => write_csv(tx, &instances, &definitions, out)?,
            }
            out.flush()?;
            Ok(summary)
        })
    }
}

/// The CSV table: the instance's workflow and definition, then every column of the event row.
fn write_csv(
    tx: &Tx<'_>,
    instances: &[crate::store::InstanceRow],
    definitions: &BTreeMap<i64, DefinitionRow>,
    out: &mut dyn Write,
) -> Result<(), ServiceError> {
    let columns = |row: &EventRow| -> Vec<(String, Value)> {
        match serde_json::to_value(row) {
            Ok(Value::Object(map)) => map.into_iter().collect(),
            _ => Vec::new(),
        }
    };
    // A byte-order mark, so that spreadsheet programs read the Chinese text as UTF-8.
    out.write_all("\u{feff}".as_bytes())?;
    let mut header = vec!["workflow".to_owned(), "definition_version".into(), "definition_revision".into()];
    header.push("definition_hash".into());
    header.extend(columns(&EventRow::default()).into_iter().map(|(k, _)| k));
    write_csv_record(out, header.iter().map(String::as_str))?;
    for row in instances {
        let d = &definitions[&row.definition_id];
        let lead = [d.workflow.clone(), d.version.to_string(), d.revision.to_string(), d.hash.clone()];
        tx.each_event(row.id, |e| {
            let cells: Vec<String> = columns(e)
                .into_iter()
                .map(|(_, v)| match v {
                    Value::Null => String::new(),
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect();
            write_csv_record(out, lead.iter().chain(&cells).map(String::as_str))?;
            Ok::<_, ServiceError>(std::ops::ControlFlow::Continue(()))
        })?;
    }
    Ok(())
}

/// One CSV record (RFC 4180): a field with a comma, quote or line break is quoted, its quotes
/// doubled; records end with CRLF.
///
/// # Errors
/// `out`'s.
pub fn write_csv_record<'a>(out: &mut dyn Write, cells: impl Iterator<Item = &'a str>) -> std::io::Result<()> {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.write_all(b"\"")?;
            out.write_all(cell.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(cell.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::write_csv_record;

    #[test]
    fn csv_fields_are_quoted_only_when_they_must_be() {
        let mut out = Vec::new();
        write_csv_record(&mut out, ["plain", "a,b", "say \"hi\"", "two\nlines", "中文"].into_iter()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",中文\r\n");
    }
}
