//! Verification: re-derive an instance from its events and check the hash chain, naming the
//! first event where the stored history and the recomputed one part ways.

use chrono::Utc;
use serde::Serialize;

use crate::audit::{event_hash, GENESIS};
use crate::runtime::{apply, Event, Instance};
use crate::service::{Context, Service, ServiceError};
use crate::store::StoreError;

/// The verdict on one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub instance: i64,
    pub events: usize,
    /// `None` when everything checks out; else what is wrong, at which event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Broken>,
}

/// The first thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// The sequence number of the first bad event, when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    pub what: String,
}

impl Service {
    /// Verify every instance (`ids` empty) or the given ones.
    ///
    /// # Errors
    /// A store error, or an id with no instance.
    pub fn verify(&mut self, ids: &[i64]) -> Result<Vec<Verdict>, ServiceError> {
        let now = Utc::now().fixed_offset();
        let cache = &mut self.cache;
        self.store.read(|tx| {
            let ids: Vec<i64> = if ids.is_empty() {
                let mut all: Vec<i64> = tx.instances(&Default::default())?.into_iter().map(|r| r.id).collect();
                all.sort_unstable();
                all
            } else {
                ids.to_vec()
            };
            let mut ctx = Context::new(tx, now, cache);
            ids.into_iter().map(|id| verify_one(&mut ctx, id)).collect()
        })
    }
}

fn broken(seq: Option<i64>, what: impl Into<String>) -> Option<Broken> {
    Some(Broken { seq, what: what.into() })
}

fn verify_one(ctx: &mut Context<'_, '_>, id: i64) -> Result<Verdict, ServiceError> {
    let row = ctx.tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
    let (workflow, definition_hash) = ctx.definition(row.definition_id)?;
    let events = ctx.tx.events(id, 0)?;
    let count = events.len();
    let verdict = |problem| Ok(Verdict { instance: id, events: count, problem });
    let mut prev = GENESIS.to_owned();
    let mut state: Option<Instance> = None;
    for (i, e) in events.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return verdict(broken(
                Some(e.seq),
                format!("event {expected_seq} is missing (found {} in its place)", e.seq),
            ));
        }
        if e.prev_hash != prev {
            return verdict(broken(Some(e.seq), "it does not follow the event before it (previous hash differs)"));
        }
        if event_hash(e, &definition_hash) != e.hash {
            return verdict(broken(Some(e.seq), "its content does not match its hash (the row was edited)"));
        }
        let event: Event = match serde_json::from_str(&e.payload) {
            Ok(ev) => ev,
            Err(err) => return verdict(broken(Some(e.seq), format!("its payload cannot be read: {err}"))),
        };
        match apply(&workflow, state.as_ref(), &event) {
            Ok(applied) => state = Some(applied.instance),
            Err(err) => return verdict(broken(Some(e.seq), format!("it cannot be replayed: {err}"))),
        }
        prev.clone_from(&e.hash);
    }
    if row.head_hash != prev {
        return verdict(broken(
            None,
            "the instance's head hash is not its last event's hash (events were removed or added)",
        ));
    }
    if row.version != count as i64 {
        return verdict(broken(None, format!("the instance says {} events, the log holds {count}", row.version)));
    }
    let stored: Instance = serde_json::from_str(&row.snapshot)
        .map_err(|e| StoreError::Damaged(format!("snapshot of instance {id}: {e}")))?;
    if state.as_ref() != Some(&stored) {
        return verdict(broken(None, "the stored state differs from the replay of its events"));
    }
    verdict(None)
}
