//! Time travel: an instance rebuilt purely from its events and the definition it ran on, as it
//! stood after a given event or at a given time.

use std::ops::ControlFlow;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::runtime::{apply_owned, Event, Instance};
use crate::service::{Context, Service, ServiceError};
use crate::store::{EventRow, StoreError};

/// An instance as it stood after one event.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayedState {
    /// The event it stands after.
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub event: String,
    pub status: String,
    /// Active states, by id.
    pub active: Vec<String>,
    pub data: Map<String, Value>,
}

/// Which events to replay.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplayUntil {
    /// Up to and including this event.
    pub seq: Option<i64>,
    /// Every event at or before this time.
    pub at: Option<DateTime<FixedOffset>>,
    /// The state after every event replayed, not only after the last.
    pub every_step: bool,
}

impl Service {
    /// Rebuild instance `id` from its events, returning its state after the last event replayed
    /// (or after each, with `every_step`); empty when none is.
    ///
    /// # Errors
    /// When there is no such instance or an event cannot be replayed.
    pub fn replay(&mut self, id: i64, until: ReplayUntil) -> Result<Vec<ReplayedState>, ServiceError> {
        let now = Utc::now().fixed_offset();
        let cache = &mut self.cache;
        self.store.read(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let row = tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
            let (workflow, _) = ctx.definition(row.definition_id)?;
            let mut state: Option<Instance> = None;
            let mut out = Vec::new();
            let mut last: Option<EventRow> = None;
            let describe = |e: &EventRow, next: &Instance| ReplayedState {
                seq: e.seq,
                at: e.at.clone(),
                actor: e.actor.clone(),
                event: [Some(e.kind.clone()), e.action.clone(), e.state.clone().map(|s| format!("in {s}"))]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                status: next.status.name().to_owned(),
                active: next.tokens.iter().map(|t| workflow.state(t.state).name().to_owned()).collect(),
                data: next.data.clone(),
            };
            tx.each_event(id, |e| {
                let event: Event = serde_json::from_str(&e.payload)
                    .map_err(|err| StoreError::Damaged(format!("event {}: {err}", e.seq)))?;
                if until.seq.is_some_and(|s| e.seq > s) || until.at.is_some_and(|t| event.at > t) {
                    return Ok(ControlFlow::Break(()));
                }
                let next = apply_owned(&workflow, state.take(), &event)?.instance;
                if until.every_step {
                    out.push(describe(e, &next));
                } else {
                    // Keep what describes the last event, reusing the strings' memory.
                    let kept = last.get_or_insert_with(EventRow::default);
                    kept.seq = e.seq;
                    kept.at.clone_from(&e.at);
                    kept.actor.clone_from(&e.actor);
                    kept.kind.clone_from(&e.kind);
                    kept.action.clone_from(&e.action);
                    kept.state.clone_from(&e.state);
                }
                state = Some(next);
                Ok::<_, ServiceError>(ControlFlow::Continue(()))
            })?;
            if let (Some(e), Some(next)) = (&last, &state) {
                out.push(describe(e, next));
            }
            Ok(out)
        })
    }
}
