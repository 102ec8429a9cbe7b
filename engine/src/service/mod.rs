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
                let count =
                    self.tx.count_instances(&query.workflow, &query.status, &query.outcomes, &filter, asking)?;
                reads.push(crate::runtime::Read { query, count });
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
}

impl From<Interface> for Callee {
    fn from(i: Interface) -> Self {
        Callee { outcomes: i.outcomes, fields: i.fields }
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
                let interface = serde_json::to_string(&Interface { outcomes: callee.outcomes, fields: callee.fields })
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
        let org = Org::read(path, bytes).map_err(ServiceError::InvalidOrg)?;
        let json = serde_json::to_string(&org).expect("an org serialises");
        let hash = sha256_hex(json.as_bytes());
        self.store.write(|tx| {
            let (_, new) = tx.insert_org(&hash, &path.display().to_string(), &json, &now.to_rfc3339())?;
            Ok(OrgLoaded { people: org.people.len(), shifts: org.shifts.len(), new })
        })
    }
}
