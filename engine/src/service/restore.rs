//! Restore: load a JSON-lines audit export into a database that does not hold its instances yet,
//! in one transaction, then verify what was loaded.

use std::collections::{BTreeSet, HashMap};
use std::io::BufRead;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

use crate::service::export::{ExportHeader, EXPORT_FORMAT, EXPORT_VERSION};
use crate::service::{Service, ServiceError, Verdict};
use crate::store::{DefinitionRow, EventRow, InstanceRow, OrgRow, ScheduleRunRow};

/// Why an export cannot be restored. Nothing was written.
#[derive(Debug, Error)]
pub enum RestoreError {
    #[error("line {line}: {what}")]
    BadLine { line: usize, what: String },
    #[error("the file is not a liucheng audit export (its first line is not an export header)")]
    NotAnExport,
    #[error("the export is format version {found}; this liucheng reads version {known}")]
    UnsupportedVersion { found: i64, known: i64 },
    #[error("the database already holds instance {id}")]
    InstanceExists { id: i64 },
    #[error(
        "the database already holds a different revision {revision} of `{workflow}` than the export's (hash {hash})"
    )]
    RevisionTaken { workflow: String, revision: i64, hash: String },
    #[error("the export is incomplete: its header promises {promised} {what}, it holds {found}")]
    Incomplete { what: &'static str, promised: usize, found: usize },
}

impl RestoreError {
    /// What to do about it.
    #[must_use]
    pub fn hint(&self) -> Option<String> {
        match self {
            RestoreError::NotAnExport | RestoreError::UnsupportedVersion { .. } => {
                Some("restore reads what `liucheng export --format jsonl` writes".into())
            }
            RestoreError::InstanceExists { .. } | RestoreError::RevisionTaken { .. } => {
                Some("restore into a fresh database: `liucheng --db audit.db restore FILE`".into())
            }
            RestoreError::Incomplete { .. } => Some("the file was cut short; export it again".into()),
            RestoreError::BadLine { .. } => None,
        }
    }

    /// A stable code, for scripts.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RestoreError::BadLine { .. } => "bad-export-line",
            RestoreError::NotAnExport => "not-an-export",
            RestoreError::UnsupportedVersion { .. } => "unsupported-export-version",
            RestoreError::InstanceExists { .. } => "instance-exists",
            RestoreError::RevisionTaken { .. } => "revision-taken",
            RestoreError::Incomplete { .. } => "incomplete-export",
        }
    }
}

/// What a restore loaded, and the verdict on every instance it loaded.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Restored {
    /// Definitions added, and those the database already held (same hash).
    pub definitions_added: usize,
    pub definitions_present: usize,
    pub orgs_added: usize,
    pub instances: usize,
    pub events: usize,
    pub verdicts: Vec<Verdict>,
}

fn parse<T: DeserializeOwned>(line: usize, value: Value) -> Result<T, RestoreError> {
    serde_json::from_value(value).map_err(|e| RestoreError::BadLine { line, what: e.to_string() })
}

impl Service {
    /// Load the export read from `input`, then verify every instance it held.
    ///
    /// The instances keep their ids (their hashes cover them), so a database holding any of them
    /// is refused. A definition already stored with the same hash is shared; an organisation the
    /// database lacks is added, while the one it already uses stays current.
    ///
    /// # Errors
    /// `Restore` when the file is not a complete export or clashes with the database; a store or
    /// read error. Nothing is written then.
    pub fn restore(&mut self, input: &mut dyn BufRead) -> Result<Restored, ServiceError> {
        let mut restored = Restored::default();
        let ids = self.store.write(|tx| {
            let current_org = tx.orgs()?.pop();
            let mut header: Option<ExportHeader> = None;
            let mut definitions: HashMap<i64, i64> = HashMap::new();
            let mut instances: BTreeSet<i64> = BTreeSet::new();
            let mut orgs = 0;
            let mut text = String::new();
            let mut number = 0;
            loop {
                text.clear();
                if input.read_line(&mut text)? == 0 {
                    break;
                }
                number += 1;
                let line = text.trim_end_matches(['\n', '\r']);
                if line.is_empty() {
                    continue;
                }
                let bad = |what: String| RestoreError::BadLine { line: number, what };
                let mut value: Value = serde_json::from_str(line).map_err(|e| bad(format!("not JSON: {e}")))?;
                let kind = value
                    .as_object_mut()
                    .and_then(|o| o.remove("type"))
                    .and_then(|t| t.as_str().map(str::to_owned))
                    .ok_or_else(|| bad("a line must be a JSON object with a `type`".into()))?;
                if header.is_none() {
                    if kind != "header" {
                        return Err(RestoreError::NotAnExport.into());
                    }
                    let h: ExportHeader = parse(number, value).map_err(|_| RestoreError::NotAnExport)?;
                    if h.format != EXPORT_FORMAT {
                        return Err(RestoreError::NotAnExport.into());
                    }
                    if h.format_version != EXPORT_VERSION {
                        let known = EXPORT_VERSION;
                        return Err(RestoreError::UnsupportedVersion { found: h.format_version, known }.into());
                    }
                    header = Some(h);
                    continue;
                }
                match kind.as_str() {
                    "definition" => {
                        let d: DefinitionRow = parse(number, value)?;
                        let local = if let Some(existing) = tx.definition_by_hash(&d.hash)? {
                            restored.definitions_present += 1;
                            existing.id
                        } else {
                            if tx.definition_at_revision(&d.workflow, d.revision)?.is_some() {
                                let (workflow, revision, hash) = (d.workflow, d.revision, d.hash);
                                return Err(RestoreError::RevisionTaken { workflow, revision, hash }.into());
                            }
                            restored.definitions_added += 1;
                            tx.insert_definition_row(&d)?
                        };
                        definitions.insert(d.id, local);
                    }
                    "org" => {
                        let o: OrgRow = parse(number, value)?;
                        orgs += 1;
                        if tx.insert_org_row(&o)?.1 {
                            restored.orgs_added += 1;
                        }
                    }
                    "instance" => {
                        let mut row: InstanceRow = parse(number, value)?;
                        if tx.instance(row.id)?.is_some() {
                            return Err(RestoreError::InstanceExists { id: row.id }.into());
                        }
                        row.definition_id = *definitions.get(&row.definition_id).ok_or_else(|| {
                            bad(format!(
                                "instance {} runs on definition {}, which the export lacks",
                                row.id, row.definition_id
                            ))
                        })?;
                        if let Some(parent) = row.parent_id.filter(|p| !instances.contains(p)) {
                            return Err(bad(format!(
                                "instance {} is called by instance {parent}, which comes later or is missing",
                                row.id
                            ))
                            .into());
                        }
                        tx.insert_instance_row(&row)?;
                        instances.insert(row.id);
                    }
                    "event" => {
                        let e: EventRow = parse(number, value)?;
                        if !instances.contains(&e.instance_id) {
                            return Err(bad(format!(
                                "an event of instance {} before that instance's line",
                                e.instance_id
                            ))
                            .into());
                        }
                        tx.append_event(&e)
                            .map_err(|err| bad(format!("event {} of instance {}: {err}", e.seq, e.instance_id)))?;
                        restored.events += 1;
                    }
                    "schedule_run" => {
                        let r: ScheduleRunRow = parse(number, value)?;
                        if !instances.contains(&r.instance_id) {
                            return Err(bad(format!(
                                "a schedule run of instance {} before that instance's line",
                                r.instance_id
                            ))
                            .into());
                        }
                        tx.insert_schedule_run(&r.workflow, r.schedule, &r.due, r.instance_id)?;
                    }
                    other => return Err(bad(format!("unknown line type `{other}`")).into()),
                }
            }
            let header = header.ok_or(RestoreError::NotAnExport)?;
            for (what, promised, found) in [
                ("definitions", header.definitions, definitions.len()),
                ("organisations", header.orgs, orgs),
                ("instances", header.instances, instances.len()),
                ("events", header.events, restored.events),
            ] {
                if promised != found {
                    return Err(RestoreError::Incomplete { what, promised, found }.into());
                }
            }
            // The organisation people act under here stays the current one.
            if let Some(o) = current_org {
                if tx.orgs()?.last().is_some_and(|last| last.id != o.id) {
                    tx.insert_org(&o.hash, &o.path, &o.org, &o.loaded_at)?;
                }
            }
            restored.instances = instances.len();
            Ok::<_, ServiceError>(instances.into_iter().collect::<Vec<_>>())
        })?;
        restored.verdicts = self.verify(&ids)?;
        Ok(restored)
    }
}
