//! The operations people run against a database: deploy definitions, load the organisation,
//! start, act, cancel, tick, and read instances. Each write is one store transaction.

mod bookings;
mod commands;
mod export;
mod operations;
mod record;
mod replay;
mod report;
mod restore;
mod tick;
mod verify;
mod views;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::analysis::Options;
use crate::audit::sha256_hex;
use crate::diagnostic::{suggest, Diagnostic};
use crate::model::workflow::Workflow;
use crate::org::Org;
use crate::resolve::{callee_of, Callee, Callees};
use crate::runtime::RuntimeError;
use crate::store::{DefinitionRow, Store, StoreError, Tx};
use crate::validate::{validate, Checked, SourceFile};

pub use bookings::BookingView;
pub use commands::{ActRequest, Outcome, Written};
pub use export::{
    write_csv_record, ExportFormat, ExportHeader, ExportRequest, ExportSummary, EXPORT_FORMAT, EXPORT_VERSION,
    HASH_RULE,
};
pub use operations::{Op, OperationRequest};
pub use replay::{ReplayUntil, ReplayedState};
pub use report::{ActionCount, DeadlineCount, Overdue, Report, ReportRequest, StateTime};
pub use restore::{RestoreError, Restored};
pub use tick::TickReport;
pub use verify::{Broken, Verdict};
pub use views::{EventView, InstanceView, ListItem, OfferView, TokenView};

/// Why an operation failed. Nothing was written.
#[derive(Debug, Error)]
pub enum ServiceError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{} file{} failed validation", .0.iter().filter(|c| c.has_errors()).count(), if .0.iter().filter(|c| c.has_errors()).count() == 1 { "" } else { "s" })]
    Invalid(Vec<Checked>),
    #[error("the org file is invalid")]
    InvalidOrg(Vec<Diagnostic>),
    #[error("no instance {0}")]
    NoInstance(i64),
    #[error("no workflow `{workflow}` is deployed")]
    NoWorkflow { workflow: String, suggestion: Option<String> },
    #[error("no organisation is loaded")]
    NoOrg,
    #[error("the org's setting of `{param}` for `{workflow}` does not fit: {message}")]
    BadSetting { workflow: String, param: String, message: String },
    #[error(transparent)]
    Restore(#[from] RestoreError),
    #[error("cannot read or write the file: {0}")]
    Io(#[from] std::io::Error),
}

impl ServiceError {
    /// What to do about it.
    #[must_use]
    pub fn hint(&self) -> Option<String> {
        match self {
            ServiceError::Runtime(e) => e.hint(),
            ServiceError::NoInstance(_) => Some("`liucheng list` shows the instances".into()),
            ServiceError::NoWorkflow { suggestion: Some(s), .. } => Some(format!("did you mean `{s}`?")),
            ServiceError::NoWorkflow { .. } => Some("deploy it first: `liucheng deploy FILE`".into()),
            ServiceError::NoOrg => Some("load the people first: `liucheng org load org.yaml`".into()),
            ServiceError::Restore(e) => e.hint(),
            ServiceError::BadSetting { workflow, param, .. } => Some(format!(
                "correct `settings.{workflow}.{param}` in the org file and load it again: `liucheng org load FILE`"
            )),
            _ => None,
        }
    }

    /// A stable code, for scripts.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Runtime(e) => e.code(),
            ServiceError::Store(_) => "database",
            ServiceError::Invalid(_) => "invalid-workflow",
            ServiceError::InvalidOrg(_) => "invalid-org",
            ServiceError::NoInstance(_) => "no-instance",
            ServiceError::NoWorkflow { .. } => "no-workflow",
            ServiceError::NoOrg => "no-org",
            ServiceError::BadSetting { .. } => "bad-setting",
            ServiceError::Restore(e) => e.code(),
            ServiceError::Io(_) => "io",
        }
    }
}

/// What deploying one file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployed {
    pub path: String,
    pub workflow: String,
    pub version: i64,
    pub revision: i64,
    /// False when the same text was already deployed.
    pub new: bool,
}

/// What loading an org file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgLoaded {
    pub people: usize,
    pub shifts: usize,
    pub new: bool,
    /// Where the roster leaves a role short that a deployed workflow needs staffed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staffing_gaps: Vec<StaffingGap>,
}

/// A stretch of time in which the roster leaves a role short that a workflow's `staffing:`
/// needs staffed at every moment; without `from`, nobody is ever on duty as the role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffingGap {
    pub workflow: String,
    pub role: String,
    /// The rule as the workflow quotes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub at_least: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    pub on_duty: usize,
}

/// Compiled definitions and the parsed organisation, kept across transactions: a definition
/// never changes once stored, and the organisation is re-read only when a new one is loaded.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    definitions: HashMap<i64, (Arc<Workflow>, String)>,
    org: Option<(i64, Arc<Org>)>,
}

/// How many rounds of questions about other instances one step may ask before it is refused.
const MAX_QUERY_ROUNDS: usize = 32;

/// One transaction's view: the store, the clock, and the cache.
pub(crate) struct Context<'t, 'c> {
    pub(crate) tx: &'t Tx<'c>,
    pub(crate) now: DateTime<FixedOffset>,
    cache: &'t mut Cache,
    callees: Option<Callees>,
    /// The instance a command loaded to check its request, kept so that recording the event in
    /// the same transaction does not read and decode it again.
    pub(crate) loaded: Option<(crate::store::InstanceRow, crate::runtime::Instance)>,
}

impl<'t, 'c> Context<'t, 'c> {
    pub(crate) fn new(tx: &'t Tx<'c>, now: DateTime<FixedOffset>, cache: &'t mut Cache) -> Self {
        Self { tx, now, cache, callees: None, loaded: None }
    }

    /// Look up the answers to `queries` in this transaction, for instance `asking` (which never
    /// counts itself), adding them to `reads`.
    pub(crate) fn answer(
        &self,
        asking: Option<i64>,
        queries: Vec<crate::runtime::Query>,
        reads: &mut Vec<crate::runtime::Read>,
    ) -> Result<(), ServiceError> {
        for query in queries {
            if query.answer(reads).is_none() {
                let filter: Vec<(&str, &serde_json::Value)> =
                    query.filter.iter().map(|(k, v)| (k.as_str(), v)).collect();
                // Stored times are UTC text; the recorded start of the period is local.
                let since = match &query.since {
                    None => None,
                    Some(t) => Some(record::utc_text(DateTime::parse_from_rfc3339(t).map_err(|e| {
                        RuntimeError::Inconsistent(format!("a query's period start `{t}` is not a time: {e}"))
                    })?)),
                };
                let matching = crate::store::Matching {
                    workflow: &query.workflow,
                    status: &query.status,
                    outcomes: &query.outcomes,
                    filter: &filter,
                    since: since.as_deref(),
                    except: asking,
                };
                let (count, total) = match &query.sum {
                    None => (self.tx.count_instances(&matching)?, None),
                    Some(field) => {
                        let (count, total) = self.tx.sum_instances(&matching, field)?;
                        (count, Some(total))
                    }
                };
                reads.push(crate::runtime::Read { query, count, total });
            }
        }
        Ok(())
    }

    /// Run `f` until every question its guards ask about other instances is answered; `reads`
    /// collects the answers, for the event to record.
    pub(crate) fn answering<T>(
        &self,
        asking: Option<i64>,
        reads: &mut Vec<crate::runtime::Read>,
        mut f: impl FnMut(&[crate::runtime::Read]) -> Result<T, RuntimeError>,
    ) -> Result<T, ServiceError> {
        // Every round answers at least one new question, and a guard asks only a few.
        for _ in 0..MAX_QUERY_ROUNDS {
            match f(reads) {
                Err(RuntimeError::NeedsReads(queries)) => self.answer(asking, queries, reads)?,
                other => return Ok(other?),
            }
        }
        Err(RuntimeError::Inconsistent(format!("guards asked more than {MAX_QUERY_ROUNDS} rounds of questions")).into())
    }

    /// `apply`, answering the questions its choices ask about other instances; the answers are
    /// added to the event, so that replaying it decides the same way.
    pub(crate) fn apply_answering(
        &self,
        asking: Option<i64>,
        workflow: &Workflow,
        before: Option<&crate::runtime::Instance>,
        event: &mut crate::runtime::Event,
    ) -> Result<crate::runtime::Applied, ServiceError> {
        for _ in 0..MAX_QUERY_ROUNDS {
            match crate::runtime::apply(workflow, before, event) {
                Err(RuntimeError::NeedsReads(queries)) => {
                    let mut reads = std::mem::take(&mut event.reads);
                    self.answer(asking, queries, &mut reads)?;
                    event.reads = reads;
                }
                other => return Ok(other?),
            }
        }
        Err(RuntimeError::Inconsistent(format!("guards asked more than {MAX_QUERY_ROUNDS} rounds of questions")).into())
    }

    fn callees(&mut self) -> Result<&Callees, ServiceError> {
        if self.callees.is_none() {
            let mut callees = Callees::new();
            for row in self.tx.latest_definitions()? {
                let callee: Callee = serde_json::from_str::<Interface>(&row.interface)
                    .map(Into::into)
                    .map_err(|e| StoreError::Damaged(format!("interface of `{}`: {e}", row.workflow)))?;
                callees.insert(row.workflow, callee);
            }
            self.callees = Some(callees);
        }
        Ok(self.callees.as_ref().expect("just filled"))
    }

    /// The compiled definition with this id, and its hash.
    pub(crate) fn definition(&mut self, id: i64) -> Result<(Arc<Workflow>, String), ServiceError> {
        if let Some(d) = self.cache.definitions.get(&id) {
            return Ok(d.clone());
        }
        let row = self.tx.definition(id)?.ok_or_else(|| StoreError::Damaged(format!("definition {id} is missing")))?;
        let callees = self.callees()?.clone();
        let workflow = compile(&row, &callees)?;
        let entry = (Arc::new(workflow), row.hash.clone());
        self.cache.definitions.insert(id, entry.clone());
        Ok(entry)
    }

    /// The latest definition of `workflow`: its id, the compiled workflow and its hash.
    pub(crate) fn latest(&mut self, workflow: &str) -> Result<(i64, Arc<Workflow>, String), ServiceError> {
        let Some(row) = self.tx.latest_definition(workflow)? else {
            let names: Vec<String> = self.tx.latest_definitions()?.into_iter().map(|d| d.workflow).collect();
            let suggestion = suggest(workflow, names.iter().map(String::as_str));
            return Err(ServiceError::NoWorkflow { workflow: workflow.to_owned(), suggestion });
        };
        let (w, hash) = self.definition(row.id)?;
        Ok((row.id, w, hash))
    }

    /// The loaded organisation.
    pub(crate) fn org(&mut self) -> Result<Arc<Org>, ServiceError> {
        let latest = self.tx.latest_org_id()?.ok_or(ServiceError::NoOrg)?;
        if let Some((id, org)) = &self.cache.org {
            if *id == latest {
                return Ok(Arc::clone(org));
            }
        }
        let (id, json) = self.tx.latest_org()?.ok_or(ServiceError::NoOrg)?;
        let org: Org = serde_json::from_str(&json).map_err(|e| StoreError::Damaged(format!("organisation: {e}")))?;
        let org = Arc::new(org);
        self.cache.org = Some((id, Arc::clone(&org)));
        Ok(org)
    }

    /// The staffing gaps of every deployed workflow against the current org (none without one).
    pub(crate) fn staffing_gaps(&mut self) -> Result<Vec<StaffingGap>, ServiceError> {
        if self.tx.latest_org_id()?.is_none() {
            return Ok(Vec::new());
        }
        let org = self.org()?;
        let mut out = Vec::new();
        for row in self.tx.latest_definitions()? {
            let (workflow, _) = self.definition(row.id)?;
            for need in workflow.staffing() {
                let role = workflow.role(need.role()).name().to_owned();
                let gap = |from: Option<String>, until: Option<String>, on_duty: usize| StaffingGap {
                    workflow: workflow.id().to_owned(),
                    role: role.clone(),
                    rule: need.title().map(str::to_owned),
                    at_least: need.at_least(),
                    from,
                    until,
                    on_duty,
                };
                match org.staffing_gaps(&role, need.at_least()) {
                    None => out.push(gap(None, None, 0)),
                    Some(gaps) => out.extend(
                        gaps.into_iter().map(|g| gap(Some(g.from.to_rfc3339()), Some(g.until.to_rfc3339()), g.on_duty)),
                    ),
                }
            }
        }
        Ok(out)
    }

    /// The parameters in force for a new instance of `workflow`: the loaded org's settings for
    /// it over the defaults (the defaults alone while no org is loaded), for its start event.
    pub(crate) fn params_for(
        &mut self,
        workflow: &Workflow,
    ) -> Result<serde_json::Map<String, serde_json::Value>, ServiceError> {
        let org = match self.org() {
            Ok(org) => Some(org),
            Err(ServiceError::NoOrg) => None,
            Err(e) => return Err(e),
        };
        let settings = org.as_deref().and_then(|o| o.settings.get(workflow.id()));
        workflow.params_in_force(settings).map_err(|(param, message)| ServiceError::BadSetting {
            workflow: workflow.id().to_owned(),
            param,
            message,
        })
    }

    /// The number of the organisation version `org` returned, for events to record.
    pub(crate) fn org_version(&self) -> Option<i64> {
        self.cache.org.as_ref().map(|(id, _)| *id)
    }
}

/// What a deployed definition offers to callers, stored beside it so that resolving a caller
/// does not need to parse every other definition.
#[derive(Debug, Serialize, Deserialize)]
struct Interface {
    outcomes: Vec<String>,
    fields: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    numbers: Option<Vec<String>>,
    /// Role parameters and whether each is optional; absent from definitions deployed before
    /// workflows had any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    parameters: Vec<(String, bool)>,
}

impl From<Interface> for Callee {
    fn from(i: Interface) -> Self {
        Callee { outcomes: i.outcomes, fields: i.fields, numbers: i.numbers, parameters: i.parameters }
    }
}

fn compile(row: &DefinitionRow, callees: &Callees) -> Result<Workflow, ServiceError> {
    let files = [SourceFile { path: row.path.clone().into(), bytes: row.source.as_bytes().to_vec() }];
    let options = Options { max_markings: 1, dead_steps_are_errors: false };
    let mut checked = validate(&files, callees, &options);
    let checked = checked.remove(0);
    checked.workflow.ok_or_else(|| {
        StoreError::Damaged(format!("the stored definition of `{}` no longer validates", row.workflow)).into()
    })
}

/// The liucheng engine over one database.
#[derive(Debug)]
pub struct Service {
    store: Store,
    cache: Cache,
}

impl Service {
    /// Open the database at `path` (created if missing).
    ///
    /// # Errors
    /// When it cannot be opened.
    pub fn open(path: &Path) -> Result<Service, ServiceError> {
        Ok(Service { store: Store::open(path)?, cache: Cache::default() })
    }

    /// A service over a fresh in-memory database.
    ///
    /// # Errors
    /// Only if SQLite fails.
    pub fn in_memory() -> Result<Service, ServiceError> {
        Ok(Service { store: Store::open_in_memory()?, cache: Cache::default() })
    }

    /// The store, for tools that read it directly (audit, benchmarks).
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Validate `files` (together with what is deployed) and store each as a new revision
    /// unless the same text is deployed already. An invalid file stops the whole deployment.
    ///
    /// # Errors
    /// `Invalid` with every file's diagnostics, or a store error.
    pub fn deploy(&mut self, files: &[SourceFile], now: DateTime<FixedOffset>) -> Result<Vec<Deployed>, ServiceError> {
        let cache = &mut self.cache;
        self.store.write(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let known = ctx.callees()?.clone();
            let checked = validate(files, &known, &Options::default());
            if checked.iter().any(Checked::has_errors) {
                return Err(ServiceError::Invalid(checked));
            }
            let mut out = Vec::new();
            for (file, c) in files.iter().zip(&checked) {
                let workflow = c.workflow.as_ref().expect("valid files have a workflow");
                let source = String::from_utf8_lossy(&file.bytes).into_owned();
                let hash = sha256_hex(source.as_bytes());
                let path = file.path.display().to_string();
                if let Some(existing) = tx.definition_by_hash(&hash)? {
                    out.push(Deployed {
                        path,
                        workflow: existing.workflow,
                        version: existing.version,
                        revision: existing.revision,
                        new: false,
                    });
                    continue;
                }
                let loaded = crate::syntax::loader::load::<crate::syntax::raw::RawWorkflow>(&file.path, &file.bytes)
                    .map_err(|_| StoreError::Damaged("a validated file no longer loads".into()))?;
                let callee = callee_of(&loaded.raw);
                let interface = serde_json::to_string(&Interface {
                    outcomes: callee.outcomes,
                    fields: callee.fields,
                    numbers: callee.numbers,
                    parameters: callee.parameters,
                })
                .expect("strings serialise");
                let version = i64::from(workflow.version());
                let (_, revision) = tx.insert_definition(&DefinitionRow {
                    id: 0,
                    workflow: workflow.id().to_owned(),
                    version,
                    revision: 0,
                    hash,
                    source,
                    path: path.clone(),
                    interface,
                    deployed_at: now.to_rfc3339(),
                })?;
                out.push(Deployed { path, workflow: workflow.id().to_owned(), version, revision, new: true });
            }
            Ok(out)
        })
    }

    /// Load an org file as the current organisation (a new version unless unchanged).
    ///
    /// # Errors
    /// `InvalidOrg` with diagnostics, or a store error.
    pub fn load_org(
        &mut self,
        path: &Path,
        bytes: &[u8],
        now: DateTime<FixedOffset>,
    ) -> Result<OrgLoaded, ServiceError> {
        self.load_org_with(path, bytes, &crate::org::Settings::new(), now)
    }

    /// `load_org`, with `overrides` set over the file's settings (a test scenario's values).
    ///
    /// # Errors
    /// `InvalidOrg` with diagnostics (settings that name a workflow or parameter not deployed,
    /// or a value that does not fit, included), or a store error.
    pub fn load_org_with(
        &mut self,
        path: &Path,
        bytes: &[u8],
        overrides: &crate::org::Settings,
        now: DateTime<FixedOffset>,
    ) -> Result<OrgLoaded, ServiceError> {
        let cache = &mut self.cache;
        self.store.write(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let mut deployed = std::collections::BTreeMap::new();
            for row in tx.latest_definitions()? {
                let (workflow, _) = ctx.definition(row.id)?;
                deployed.insert(row.workflow, workflow);
            }
            let by_id = deployed.iter().map(|(k, w)| (k.clone(), w.as_ref())).collect();
            let org = Org::read_checking(path, bytes, |org, report| {
                crate::org::check_settings(&org.settings, &by_id, report);
            })
            .map_err(ServiceError::InvalidOrg)?;
            let org = with_overrides(org, overrides, &by_id)?;
            let json = serde_json::to_string(&org).expect("an org serialises");
            let hash = sha256_hex(json.as_bytes());
            let (_, new) = tx.insert_org(&hash, &path.display().to_string(), &json, &now.to_rfc3339())?;
            let staffing_gaps = ctx.staffing_gaps()?;
            Ok(OrgLoaded { people: org.people.len(), shifts: org.shifts.len(), new, staffing_gaps })
        })
    }

    /// Where the current roster leaves a role short that a deployed workflow's `staffing:` needs
    /// staffed at every moment; empty when no org is loaded yet.
    ///
    /// # Errors
    /// A store error.
    pub fn staffing_gaps(&mut self, now: DateTime<FixedOffset>) -> Result<Vec<StaffingGap>, ServiceError> {
        let cache = &mut self.cache;
        self.store.read(|tx| Context::new(tx, now, cache).staffing_gaps())
    }
}

/// `org` with `overrides` set over its settings, each checked as the file's are.
fn with_overrides(
    mut org: Org,
    overrides: &crate::org::Settings,
    deployed: &std::collections::BTreeMap<String, &Workflow>,
) -> Result<Org, ServiceError> {
    if overrides.is_empty() {
        return Ok(org);
    }
    let mut report = crate::diagnostic::Report::default();
    crate::org::check_settings(overrides, deployed, &mut report);
    if report.has_errors() {
        // Placed in the overrides written out as a file of their own, since they come from none.
        #[derive(serde::Deserialize, schemars::JsonSchema)]
        struct Written {
            #[allow(dead_code)] // read for its place in the text only
            settings: std::collections::BTreeMap<String, std::collections::BTreeMap<String, serde_json::Value>>,
        }
        let file = Path::new("settings");
        let text =
            serde_json::to_string_pretty(&serde_json::json!({ "settings": overrides })).expect("JSON values serialise");
        let loaded = crate::syntax::loader::load::<Written>(file, text.as_bytes()).map_err(ServiceError::InvalidOrg)?;
        return Err(ServiceError::InvalidOrg(report.locate(file, &loaded.text, &loaded.map)));
    }
    for (workflow, values) in overrides {
        org.settings.entry(workflow.clone()).or_default().extend(values.clone());
    }
    Ok(org)
}

impl Service {}
