//! The SQLite store: one file (or memory), WAL, numbered migrations, and one transaction per
//! command. Only this module speaks SQL; it stores rows and knows nothing of workflow rules.

mod schema;

use std::path::Path;
use std::time::Duration;

use std::ops::ControlFlow;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A problem with the database itself.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("the database {path} was written by a newer liucheng (schema {found}, this one knows {known})")]
    TooNew { path: String, found: i64, known: i64 },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored data is damaged: {0}")]
    Damaged(String),
}

/// How long a writer waits for another one before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A stored definition. Rows serialise with their column names, which is how exports carry them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefinitionRow {
    pub id: i64,
    pub workflow: String,
    pub version: i64,
    pub revision: i64,
    pub hash: String,
    pub source: String,
    pub path: String,
    pub interface: String,
    pub deployed_at: String,
}

/// A booking a running instance holds, as its snapshot keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingRow {
    pub instance_id: i64,
    pub workflow: String,
    /// The booking as JSON.
    pub booking: String,
}

/// A stored instance: its current snapshot and bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceRow {
    pub id: i64,
    pub definition_id: i64,
    pub workflow: String,
    pub status: String,
    pub outcome: Option<String>,
    pub states: String,
    pub requester: String,
    pub parent_id: Option<i64>,
    pub snapshot: String,
    pub version: i64,
    pub next_due: Option<String>,
    /// The next time `tick` has something to do: a reminder or the deadline (UTC text).
    #[serde(default)]
    pub next_alarm: Option<String>,
    pub head_hash: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A stored event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRow {
    pub instance_id: i64,
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: Option<String>,
    pub kind: String,
    pub state: Option<String>,
    pub action: Option<String>,
    pub from_states: String,
    pub to_states: String,
    pub changes: String,
    pub comment: Option<String>,
    pub payload: String,
    pub prev_hash: String,
    pub hash: String,
}

/// A stand-in (代理) someone named: who acts for them, from when until when (UTC text), and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StandInRow {
    pub id: i64,
    pub person: String,
    pub stand_in: String,
    pub starts: String,
    pub ends: String,
    pub reason: String,
    pub named_at: String,
}

/// A stored organisation: one version of the org file, as the JSON the engine reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgRow {
    pub id: i64,
    pub hash: String,
    pub path: String,
    pub org: String,
    pub loaded_at: String,
}

/// A schedule occurrence and the instance it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRunRow {
    pub workflow: String,
    pub schedule: i64,
    pub due: String,
    pub instance_id: i64,
}

/// Which instances to list.
#[derive(Debug, Clone, Default)]
pub struct InstanceFilter {
    pub workflow: Option<String>,
    pub status: Option<String>,
    /// Only instances whose active states include this one.
    pub state: Option<String>,
    /// Only instances with a deadline before this time (RFC 3339, compared as text in UTC).
    pub due_before: Option<String>,
    /// Only instances with a reminder or deadline due before this time (as `due_before`).
    pub alarm_before: Option<String>,
    pub limit: Option<i64>,
}

/// An open database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Open (creating if needed) the database file at `path`, upgrading its schema in place.
    ///
    /// # Errors
    /// When the file cannot be opened or is from a newer version.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn =
            Connection::open(path).map_err(|source| StoreError::Open { path: path.display().to_string(), source })?;
        Self::prepare(conn, &path.display().to_string(), true)
    }

    /// A fresh database in memory, for tests and benchmarks.
    ///
    /// # Errors
    /// Only if SQLite itself fails.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Self::prepare(Connection::open_in_memory()?, ":memory:", false)
    }

    fn prepare(conn: Connection, path: &str, wal: bool) -> Result<Store, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(64);
        if wal {
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn };
        store.migrate(path)?;
        Ok(store)
    }

    /// Set how durable commits are: `FULL` (the default, survives power loss), `NORMAL` or `OFF`.
    ///
    /// # Errors
    /// Only if SQLite refuses.
    pub fn set_synchronous(&self, mode: &str) -> Result<(), StoreError> {
        self.conn.pragma_update(None, "synchronous", mode)?;
        Ok(())
    }

    fn migrate(&mut self, path: &str) -> Result<(), StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = schema::MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { path: path.to_owned(), found: version, known });
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Run `f` in one write transaction: all of it is committed, or none of it.
    ///
    /// # Errors
    /// `f`'s error (after rolling back), or a database error.
    pub fn write<T, E: From<StoreError>>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E> {
        // Cached statements rather than rusqlite's `Transaction`, which parses BEGIN and COMMIT
        // anew each time: a tenth of the cost of a step on an in-memory database.
        self.conn.prepare_cached("BEGIN IMMEDIATE").and_then(|mut s| s.execute([])).map_err(StoreError::from)?;
        let guard = Rollback { conn: &self.conn, done: false };
        let result = f(&Tx { tx: guard.conn })?;
        guard.commit()?;
        Ok(result)
    }

    /// Run `f` in one read transaction, seeing one consistent state.
    ///
    /// # Errors
    /// `f`'s error, or a database error.
    pub fn read<T, E: From<StoreError>>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Deferred).map_err(StoreError::from)?;
        f(&Tx { tx: &tx })
    }

    /// Rows changed since the database was opened (for tests that tamper with it on purpose).
    #[doc(hidden)]
    #[must_use]
    pub fn total_changes(&self) -> u64 {
        self.conn.total_changes()
    }

    /// Run raw SQL (for tests that tamper with a database on purpose).
    ///
    /// # Errors
    /// SQLite's.
    #[doc(hidden)]
    pub fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        self.conn.execute_batch(sql)?;
        Ok(())
    }
}

/// One open transaction.
pub struct Tx<'c> {
    tx: &'c Connection,
}

/// Rolls the open write transaction back unless it was committed: on an error, and on a panic.
struct Rollback<'c> {
    conn: &'c Connection,
    done: bool,
}

impl Rollback<'_> {
    fn commit(mut self) -> Result<(), StoreError> {
        self.conn.prepare_cached("COMMIT").and_then(|mut s| s.execute([]))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Rollback<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.prepare_cached("ROLLBACK").and_then(|mut s| s.execute([]));
        }
    }
}

fn definition_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DefinitionRow> {
    Ok(DefinitionRow {
        id: r.get(0)?,
        workflow: r.get(1)?,
        version: r.get(2)?,
        revision: r.get(3)?,
        hash: r.get(4)?,
        source: r.get(5)?,
        path: r.get(6)?,
        interface: r.get(7)?,
        deployed_at: r.get(8)?,
    })
}

const DEFINITION_COLUMNS: &str = "id, workflow, version, revision, hash, source, path, interface, deployed_at";
const INSTANCE_COLUMNS: &str = "id, definition_id, workflow, status, outcome, states, requester, parent_id, snapshot, \
     version, next_due, head_hash, created_at, updated_at, next_alarm";
const EVENT_COLUMNS: &str = "instance_id, seq, at, actor, role, kind, state, action, from_states, to_states, changes, \
     comment, payload, prev_hash, hash";

fn instance_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<InstanceRow> {
    Ok(InstanceRow {
        id: r.get(0)?,
        definition_id: r.get(1)?,
        workflow: r.get(2)?,
        status: r.get(3)?,
        outcome: r.get(4)?,
        states: r.get(5)?,
        requester: r.get(6)?,
        parent_id: r.get(7)?,
        snapshot: r.get(8)?,
        version: r.get(9)?,
        next_due: r.get(10)?,
        next_alarm: r.get(14)?,
        head_hash: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    let mut e = EventRow::default();
    fill_event_row(r, &mut e)?;
    Ok(e)
}

/// Read a row into `e`, reusing its strings' memory: scanning a long log allocates nothing per row.
fn fill_event_row(r: &rusqlite::Row<'_>, e: &mut EventRow) -> rusqlite::Result<()> {
    fn text(r: &rusqlite::Row<'_>, i: usize, into: &mut String) -> rusqlite::Result<()> {
        let value = r.get_ref(i)?;
        into.clear();
        into.push_str(
            value
                .as_str()
                .map_err(|err| rusqlite::Error::FromSqlConversionFailure(i, value.data_type(), Box::new(err)))?,
        );
        Ok(())
    }
    fn optional(r: &rusqlite::Row<'_>, i: usize, into: &mut Option<String>) -> rusqlite::Result<()> {
        let value = r.get_ref(i)?;
        match value
            .as_str_or_null()
            .map_err(|err| rusqlite::Error::FromSqlConversionFailure(i, value.data_type(), Box::new(err)))?
        {
            None => *into = None,
            Some(s) => {
                let target = into.get_or_insert_with(String::new);
                target.clear();
                target.push_str(s);
            }
        }
        Ok(())
    }
    e.instance_id = r.get(0)?;
    e.seq = r.get(1)?;
    text(r, 2, &mut e.at)?;
    text(r, 3, &mut e.actor)?;
    optional(r, 4, &mut e.role)?;
    text(r, 5, &mut e.kind)?;
    optional(r, 6, &mut e.state)?;
    optional(r, 7, &mut e.action)?;
    text(r, 8, &mut e.from_states)?;
    text(r, 9, &mut e.to_states)?;
    text(r, 10, &mut e.changes)?;
    optional(r, 11, &mut e.comment)?;
    text(r, 12, &mut e.payload)?;
    text(r, 13, &mut e.prev_hash)?;
    text(r, 14, &mut e.hash)?;
    Ok(())
}

impl Tx<'_> {
    /// Statements are cached by their text, so a command repeated in a loop is parsed once.
    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize, StoreError> {
        Ok(self.tx.prepare_cached(sql)?.execute(params)?)
    }

    /// The definition with this content hash.
    pub fn definition_by_hash(&self, hash: &str) -> Result<Option<DefinitionRow>, StoreError> {
        let sql = format!("SELECT {DEFINITION_COLUMNS} FROM definitions WHERE hash = ?1");
        Ok(self.tx.prepare_cached(&sql)?.query_row([hash], definition_row).optional()?)
    }

    /// The definition with this id.
    pub fn definition(&self, id: i64) -> Result<Option<DefinitionRow>, StoreError> {
        let sql = format!("SELECT {DEFINITION_COLUMNS} FROM definitions WHERE id = ?1");
        Ok(self.tx.prepare_cached(&sql)?.query_row([id], definition_row).optional()?)
    }

    /// The latest deployed definition of `workflow`.
    pub fn latest_definition(&self, workflow: &str) -> Result<Option<DefinitionRow>, StoreError> {
        let sql =
            format!("SELECT {DEFINITION_COLUMNS} FROM definitions WHERE workflow = ?1 ORDER BY revision DESC LIMIT 1");
        Ok(self.tx.prepare_cached(&sql)?.query_row([workflow], definition_row).optional()?)
    }

    /// The latest definition of every workflow.
    pub fn latest_definitions(&self) -> Result<Vec<DefinitionRow>, StoreError> {
        let sql = format!(
            "SELECT {DEFINITION_COLUMNS} FROM definitions d WHERE revision = \
             (SELECT MAX(revision) FROM definitions WHERE workflow = d.workflow) ORDER BY workflow"
        );
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map([], definition_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Store a new revision of a definition (its `id` and `revision` are assigned here); returns
    /// its id and revision.
    pub fn insert_definition(&self, d: &DefinitionRow) -> Result<(i64, i64), StoreError> {
        let revision: i64 = self
            .tx
            .prepare_cached("SELECT COALESCE(MAX(revision), 0) + 1 FROM definitions WHERE workflow = ?1")?
            .query_row([&d.workflow], |r| r.get(0))?;
        self.exec(
            "INSERT INTO definitions (workflow, version, revision, hash, source, path, interface, deployed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![d.workflow, d.version, revision, d.hash, d.source, d.path, d.interface, d.deployed_at],
        )?;
        Ok((self.tx.last_insert_rowid(), revision))
    }

    /// The id of the latest organisation.
    pub fn latest_org_id(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.tx.prepare_cached("SELECT MAX(id) FROM orgs")?.query_row([], |r| r.get::<_, Option<i64>>(0))?)
    }

    /// The latest organisation: its id and JSON.
    pub fn latest_org(&self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .tx
            .query_row("SELECT id, org FROM orgs ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// The organisation stored as version `id`, as JSON.
    pub fn org_version(&self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(self.tx.query_row("SELECT org FROM orgs WHERE id = ?1", [id], |r| r.get(0)).optional()?)
    }

    /// Store an organisation unless the same content is already the latest; returns its id and
    /// whether it is new.
    pub fn insert_org(&self, hash: &str, path: &str, org: &str, at: &str) -> Result<(i64, bool), StoreError> {
        let latest: Option<(i64, String)> = self
            .tx
            .query_row("SELECT id, hash FROM orgs ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((id, h)) = latest {
            if h == hash {
                return Ok((id, false));
            }
        }
        // A hash seen before (an older version loaded again) becomes the latest under a new id.
        self.exec("DELETE FROM orgs WHERE hash = ?1", [hash])?;
        self.exec(
            "INSERT INTO orgs (hash, path, org, loaded_at) VALUES (?1, ?2, ?3, ?4)",
            params![hash, path, org, at],
        )?;
        Ok((self.tx.last_insert_rowid(), true))
    }

    /// One instance.
    pub fn instance(&self, id: i64) -> Result<Option<InstanceRow>, StoreError> {
        let sql = format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE id = ?1");
        Ok(self.tx.prepare_cached(&sql)?.query_row([id], instance_row).optional()?)
    }

    /// Store a new instance (its snapshot after the first event); returns the id SQLite gave it.
    pub fn insert_instance(&self, row: &InstanceRow) -> Result<i64, StoreError> {
        self.insert_instance_with(None, row)
    }

    /// Replace an instance's snapshot if it is still at `expected_version`; returns whether it was.
    pub fn update_instance(&self, row: &InstanceRow, expected_version: i64) -> Result<bool, StoreError> {
        let changed = self.exec(
            "UPDATE instances SET status = ?1, outcome = ?2, states = ?3, snapshot = ?4, version = ?5, next_due = ?6, \
             head_hash = ?7, updated_at = ?8, next_alarm = ?11 WHERE id = ?9 AND version = ?10",
            params![
                row.status,
                row.outcome,
                row.states,
                row.snapshot,
                row.version,
                row.next_due,
                row.head_hash,
                row.updated_at,
                row.id,
                expected_version,
                row.next_alarm
            ],
        )?;
        Ok(changed == 1)
    }

    /// Instances matching `filter`, newest first.
    pub fn instances(&self, filter: &InstanceFilter) -> Result<Vec<InstanceRow>, StoreError> {
        let mut sql = format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        if let Some(w) = &filter.workflow {
            args.push(w.clone());
            sql.push_str(&format!(" AND workflow = ?{}", args.len()));
        }
        if let Some(s) = &filter.status {
            args.push(s.clone());
            sql.push_str(&format!(" AND status = ?{}", args.len()));
        }
        if let Some(s) = &filter.state {
            args.push(s.clone());
            sql.push_str(&format!(" AND (',' || states || ',') LIKE '%,' || ?{} || ',%'", args.len()));
        }
        if let Some(t) = &filter.due_before {
            args.push(t.clone());
            sql.push_str(&format!(" AND next_due IS NOT NULL AND next_due <= ?{}", args.len()));
        }
        if let Some(t) = &filter.alarm_before {
            args.push(t.clone());
            sql.push_str(&format!(" AND next_alarm IS NOT NULL AND next_alarm <= ?{}", args.len()));
        }
        sql.push_str(" ORDER BY id DESC");
        if let Some(l) = filter.limit {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows =
            stmt.query_map(rusqlite::params_from_iter(args.iter()), instance_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// How many instances a query over other instances matches; see `Matching`.
    pub fn count_instances(&self, query: &Matching<'_>) -> Result<i64, StoreError> {
        let (conditions, args) = query.conditions();
        let mut stmt = self.tx.prepare_cached(&format!("SELECT count(*) FROM instances WHERE {conditions}"))?;
        Ok(stmt.query_row(rusqlite::params_from_iter(args), |r| r.get(0))?)
    }

    /// The instances `count_instances` counts, and the total of their number field `field`
    /// (money is kept as text or a number; an unset field adds nothing).
    pub fn sum_instances(&self, query: &Matching<'_>, field: &str) -> Result<(i64, f64), StoreError> {
        let (conditions, mut args) = query.conditions();
        args.push(json_path(field).into());
        let sql = format!(
            "SELECT count(*), total(CAST(json_extract(snapshot, ?{}) AS REAL)) FROM instances WHERE {conditions}",
            args.len()
        );
        let mut stmt = self.tx.prepare_cached(&sql)?;
        Ok(stmt.query_row(rusqlite::params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))?)
    }

    /// The bookings running instances hold (each as the JSON its snapshot keeps), of one kind of
    /// resource or of all, except those of instance `except`; in order of instance.
    pub fn held_bookings(&self, resource: Option<&str>, except: Option<i64>) -> Result<Vec<BookingRow>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT i.id, i.workflow, b.value FROM instances i, json_each(i.snapshot, '$.bookings') b
             WHERE i.status = 'active' AND i.id IS NOT ?1
               AND (?2 IS NULL OR json_extract(b.value, '$.resource') = ?2)
             ORDER BY i.id",
        )?;
        let rows = stmt
            .query_map(params![except, resource], |r| {
                Ok(BookingRow { instance_id: r.get(0)?, workflow: r.get(1)?, booking: r.get(2)? })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Record a stand-in; returns its id.
    pub fn insert_stand_in(&self, row: &StandInRow) -> Result<i64, StoreError> {
        self.exec(
            "INSERT INTO stand_ins (person, stand_in, starts, ends, reason, named_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![row.person, row.stand_in, row.starts, row.ends, row.reason, row.named_at],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Every stand-in named, oldest first.
    pub fn stand_ins(&self) -> Result<Vec<StandInRow>, StoreError> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id, person, stand_in, starts, ends, reason, named_at FROM stand_ins ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(StandInRow {
                    id: r.get(0)?,
                    person: r.get(1)?,
                    stand_in: r.get(2)?,
                    starts: r.get(3)?,
                    ends: r.get(4)?,
                    reason: r.get(5)?,
                    named_at: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Whether `stand_in` may act for `person` at `at` (UTC text).
    pub fn is_stand_in(&self, person: &str, stand_in: &str, at: &str) -> Result<bool, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT count(*) FROM stand_ins WHERE person = ?1 AND stand_in = ?2 AND starts <= ?3 AND ?3 < ends",
        )?;
        let n: i64 = stmt.query_row(params![person, stand_in, at], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// Instances started by call states of `parent`.
    pub fn children(&self, parent: i64) -> Result<Vec<InstanceRow>, StoreError> {
        let sql = format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE parent_id = ?1 ORDER BY id");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map([parent], instance_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Append an event.
    pub fn append_event(&self, e: &EventRow) -> Result<(), StoreError> {
        self.exec(
            &format!("INSERT INTO events ({EVENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
            params![
                e.instance_id,
                e.seq,
                e.at,
                e.actor,
                e.role,
                e.kind,
                e.state,
                e.action,
                e.from_states,
                e.to_states,
                e.changes,
                e.comment,
                e.payload,
                e.prev_hash,
                e.hash
            ],
        )?;
        Ok(())
    }

    /// The events of an instance with `seq` above `after`, in order.
    pub fn events(&self, instance: i64, after: i64) -> Result<Vec<EventRow>, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE instance_id = ?1 AND seq > ?2 ORDER BY seq");
        let mut stmt = self.tx.prepare_cached(&sql)?;
        let rows = stmt.query_map([instance, after], event_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Call `f` with each event of an instance in order, until it breaks; one row buffer is reused
    /// throughout, so a long history is read without holding it in memory. `f` may take the
    /// row's strings: every column is read afresh for the next row.
    pub fn each_event<E: From<StoreError>>(
        &self,
        instance: i64,
        mut f: impl FnMut(&mut EventRow) -> Result<ControlFlow<()>, E>,
    ) -> Result<(), E> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE instance_id = ?1 ORDER BY seq");
        let mut stmt = self.tx.prepare_cached(&sql).map_err(StoreError::from)?;
        let mut rows = stmt.query([instance]).map_err(StoreError::from)?;
        let mut row = EventRow::default();
        while let Some(r) = rows.next().map_err(StoreError::from)? {
            fill_event_row(r, &mut row).map_err(StoreError::from)?;
            if f(&mut row)?.is_break() {
                break;
            }
        }
        Ok(())
    }

    /// Call `f` with every event of every instance (of `workflow`, if given), by instance and
    /// sequence, together with the instance's workflow.
    pub fn each_event_of_all<E: From<StoreError>>(
        &self,
        workflow: Option<&str>,
        mut f: impl FnMut(&str, &EventRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let columns = EVENT_COLUMNS.split(", ").map(|c| format!("e.{}", c.trim())).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {columns}, i.workflow FROM events e JOIN instances i ON i.id = e.instance_id \
             WHERE ?1 IS NULL OR i.workflow = ?1 ORDER BY e.instance_id, e.seq"
        );
        let mut stmt = self.tx.prepare_cached(&sql).map_err(StoreError::from)?;
        let mut rows = stmt.query([workflow]).map_err(StoreError::from)?;
        let mut row = EventRow::default();
        let mut name = String::new();
        let workflow_column = EVENT_COLUMNS.split(',').count();
        while let Some(r) = rows.next().map_err(StoreError::from)? {
            fill_event_row(r, &mut row).map_err(StoreError::from)?;
            name.clear();
            name.push_str(
                r.get_ref(workflow_column)
                    .map_err(StoreError::from)?
                    .as_str()
                    .map_err(|e| StoreError::Damaged(e.to_string()))?,
            );
            f(&name, &row)?;
        }
        Ok(())
    }

    /// How many events an instance has.
    pub fn event_count(&self, instance: i64) -> Result<usize, StoreError> {
        let n: i64 = self
            .tx
            .prepare_cached("SELECT COUNT(*) FROM events WHERE instance_id = ?1")?
            .query_row([instance], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or_default())
    }

    /// The time of every event, by instance: `(instance_id, at)` in instance and sequence order.
    pub fn each_event_time(&self, mut f: impl FnMut(i64, &str)) -> Result<(), StoreError> {
        let mut stmt = self.tx.prepare_cached("SELECT instance_id, at FROM events ORDER BY instance_id, seq")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let at = r.get_ref(1)?;
            f(r.get(0)?, at.as_str().map_err(|e| StoreError::Damaged(format!("an event time: {e}")))?);
        }
        Ok(())
    }

    /// Every organisation stored, oldest first.
    pub fn orgs(&self) -> Result<Vec<OrgRow>, StoreError> {
        let mut stmt = self.tx.prepare_cached("SELECT id, hash, path, org, loaded_at FROM orgs ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(OrgRow { id: r.get(0)?, hash: r.get(1)?, path: r.get(2)?, org: r.get(3)?, loaded_at: r.get(4)? })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Store an organisation as it was stored elsewhere (a new id here), unless its content is
    /// already stored; returns its id and whether it is new.
    pub fn insert_org_row(&self, o: &OrgRow) -> Result<(i64, bool), StoreError> {
        let existing: Option<i64> = self
            .tx
            .prepare_cached("SELECT id FROM orgs WHERE hash = ?1")?
            .query_row([&o.hash], |r| r.get(0))
            .optional()?;
        if let Some(id) = existing {
            return Ok((id, false));
        }
        self.exec(
            "INSERT INTO orgs (hash, path, org, loaded_at) VALUES (?1, ?2, ?3, ?4)",
            params![o.hash, o.path, o.org, o.loaded_at],
        )?;
        Ok((self.tx.last_insert_rowid(), true))
    }

    /// The definition of `workflow` at `revision`.
    pub fn definition_at_revision(&self, workflow: &str, revision: i64) -> Result<Option<DefinitionRow>, StoreError> {
        let sql = format!("SELECT {DEFINITION_COLUMNS} FROM definitions WHERE workflow = ?1 AND revision = ?2");
        Ok(self.tx.prepare_cached(&sql)?.query_row(params![workflow, revision], definition_row).optional()?)
    }

    /// Store a definition as it was stored elsewhere, keeping its revision (a new id here);
    /// returns its id.
    pub fn insert_definition_row(&self, d: &DefinitionRow) -> Result<i64, StoreError> {
        self.exec(
            "INSERT INTO definitions (workflow, version, revision, hash, source, path, interface, deployed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![d.workflow, d.version, d.revision, d.hash, d.source, d.path, d.interface, d.deployed_at],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Store an instance row exactly as given, id included.
    pub fn insert_instance_row(&self, row: &InstanceRow) -> Result<(), StoreError> {
        self.insert_instance_with(Some(row.id), row).map(|_| ())
    }

    /// Insert `row` with this id, or with the next one when `None` (an `INTEGER PRIMARY KEY`
    /// given NULL is assigned by SQLite).
    fn insert_instance_with(&self, id: Option<i64>, row: &InstanceRow) -> Result<i64, StoreError> {
        self.exec(
            &format!(
                "INSERT INTO instances ({INSTANCE_COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
            ),
            params![
                id,
                row.definition_id,
                row.workflow,
                row.status,
                row.outcome,
                row.states,
                row.requester,
                row.parent_id,
                row.snapshot,
                row.version,
                row.next_due,
                row.head_hash,
                row.created_at,
                row.updated_at,
                row.next_alarm
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// The schedule occurrences that started `instance`.
    pub fn schedule_runs_of(&self, instance: i64) -> Result<Vec<ScheduleRunRow>, StoreError> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT workflow, schedule, due, instance_id FROM schedule_runs WHERE instance_id = ?1 ORDER BY due",
        )?;
        let rows = stmt
            .query_map([instance], |r| {
                Ok(ScheduleRunRow { workflow: r.get(0)?, schedule: r.get(1)?, due: r.get(2)?, instance_id: r.get(3)? })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The latest recorded run of a schedule.
    pub fn last_schedule_run(&self, workflow: &str, schedule: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .tx
            .query_row(
                "SELECT MAX(due) FROM schedule_runs WHERE workflow = ?1 AND schedule = ?2",
                params![workflow, schedule],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }

    /// Record that a schedule started `instance` for the occurrence `due`.
    pub fn insert_schedule_run(
        &self,
        workflow: &str,
        schedule: i64,
        due: &str,
        instance: i64,
    ) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO schedule_runs (workflow, schedule, due, instance_id) VALUES (?1, ?2, ?3, ?4)",
            params![workflow, schedule, due, instance],
        )?;
        Ok(())
    }
}

/// The instances a query over other instances matches: those of `workflow` other than `except`
/// with `status` (`any` for all), one of `outcomes` (when given), started at or after `since`
/// (UTC text, when given), and data whose fields equal the values of `filter` (compared as JSON;
/// `null` matches an unset field).
#[derive(Debug, Clone)]
pub struct Matching<'q> {
    pub workflow: &'q str,
    pub status: &'q str,
    pub outcomes: &'q [String],
    pub filter: &'q [(&'q str, &'q serde_json::Value)],
    pub since: Option<&'q str>,
    pub except: Option<i64>,
}

impl Matching<'_> {
    /// The `WHERE` conditions and their arguments.
    fn conditions(&self) -> (String, Vec<rusqlite::types::Value>) {
        let mut sql = String::from("workflow = ?1 AND id IS NOT ?2");
        let mut args: Vec<rusqlite::types::Value> = vec![self.workflow.to_owned().into(), self.except.into()];
        if self.status != "any" {
            args.push(self.status.to_owned().into());
            sql.push_str(&format!(" AND status = ?{}", args.len()));
        }
        if !self.outcomes.is_empty() {
            let mut placeholders = Vec::new();
            for o in self.outcomes {
                args.push(o.clone().into());
                placeholders.push(format!("?{}", args.len()));
            }
            sql.push_str(&format!(" AND outcome IN ({})", placeholders.join(", ")));
        }
        if let Some(since) = self.since {
            args.push(since.to_owned().into());
            sql.push_str(&format!(" AND created_at >= ?{}", args.len()));
        }
        for (field, value) in self.filter {
            // Both sides through json_extract, so that text, numbers and booleans compare alike.
            args.push(json_path(field).into());
            args.push(serde_json::json!({ "v": value }).to_string().into());
            let (path, wanted) = (args.len() - 1, args.len());
            sql.push_str(&format!(" AND json_extract(snapshot, ?{path}) IS json_extract(?{wanted}, '$.v')"));
        }
        (sql, args)
    }
}

/// The JSON path of an instance's data field in its snapshot.
fn json_path(field: &str) -> String {
    format!("$.data.\"{}\"", field.replace('"', ""))
}
