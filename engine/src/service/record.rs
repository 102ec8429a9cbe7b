//! Recording an event: apply it, append it to the log with what it changed and its hash, store
//! the new snapshot, then carry out its effects (children, parents) in the same transaction.

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Map, Value};

use crate::audit::{event_hash, GENESIS};
use crate::model::workflow::{StateId, StateKind, Workflow};
use crate::runtime::{
    apply, apply_owned, Applied, Effect, Event, EventKind, Instance, ParentLink, RuntimeError, Status, SYSTEM,
};
use crate::service::{Context, Service, ServiceError};
use crate::store::{EventRow, InstanceRow, StoreError};

/// An event as recorded: the instance and sequence number it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Recorded {
    pub(crate) instance: i64,
    pub(crate) seq: i64,
}

/// Times are stored in UTC so that they compare as text.
pub(crate) fn utc_text(t: DateTime<FixedOffset>) -> String {
    t.with_timezone(&Utc).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn state_names(workflow: &Workflow, instance: Option<&Instance>) -> String {
    instance.map_or_else(String::new, |i| {
        i.tokens.iter().map(|t| workflow.state(t.state).name()).collect::<Vec<_>>().join(",")
    })
}

fn changes(before: Option<&Map<String, Value>>, after: &Map<String, Value>) -> Map<String, Value> {
    let empty = Map::new();
    let before = before.unwrap_or(&empty);
    let mut out = Map::new();
    for (k, v) in after {
        let old = before.get(k).cloned().unwrap_or(Value::Null);
        if &old != v {
            out.insert(k.clone(), Value::Array(vec![old, v.clone()]));
        }
    }
    for (k, v) in before {
        if !after.contains_key(k) {
            out.insert(k.clone(), Value::Array(vec![v.clone(), Value::Null]));
        }
    }
    out
}

/// The state and action columns of an event, for people reading the log.
fn subject(workflow: &Workflow, event: &Event) -> (Option<String>, Option<String>) {
    let name = |s: &StateId| Some(workflow.state(*s).name().to_owned());
    match &event.kind {
        EventKind::Started { .. } => (None, Some("start".into())),
        EventKind::Acted { state, action, .. } => {
            let action = match workflow.state(*state).kind() {
                StateKind::Task { actions } => actions.get(*action).map(|a| a.name().to_owned()),
                _ => None,
            };
            (name(state), action)
        }
        EventKind::Signed { state, .. } => (name(state), Some("sign".into())),
        EventKind::Rejected { state } => (name(state), Some("reject".into())),
        EventKind::DeadlinePassed { state } => (name(state), Some("deadline".into())),
        EventKind::ChildStarted { state, .. } => (name(state), Some("call".into())),
        EventKind::ChildFinished { state, outcome, .. } => (name(state), Some(outcome.clone())),
        EventKind::Cancelled { .. } => (None, Some("cancel".into())),
        EventKind::Transferred { state, .. } => (name(state), Some("transfer".into())),
        EventKind::Delegated { state, .. } => (name(state), Some("delegate".into())),
        EventKind::DelegationReturned { state } => (name(state), Some("hand back".into())),
        EventKind::Returned { from, .. } => (name(from), Some("return".into())),
        EventKind::Withdrawn { state, .. } => (name(state), Some("withdraw".into())),
        EventKind::Reminded { state, .. } => (name(state), Some("remind".into())),
        EventKind::SignerAdded { state, .. } => (name(state), Some("add signer".into())),
        EventKind::SignerRemoved { state, .. } => (name(state), Some("remove signer".into())),
    }
}

/// The bookkeeping columns of an instance row, beside what its snapshot gives.
struct Bookkeeping<'a> {
    id: i64,
    definition_id: i64,
    version: i64,
    head: &'a str,
    created: &'a str,
    now: &'a str,
}

fn row_of(b: &Bookkeeping<'_>, workflow: &Workflow, instance: &Instance) -> InstanceRow {
    let Bookkeeping { id, definition_id, version, head, created, now } = *b;
    let (status, outcome) = match &instance.status {
        Status::Active => ("active", None),
        Status::Finished { outcome } => ("done", Some(outcome.clone())),
        Status::Cancelled { .. } => ("cancelled", None),
    };
    InstanceRow {
        id,
        definition_id,
        workflow: workflow.id().to_owned(),
        status: status.to_owned(),
        outcome,
        states: state_names(workflow, Some(instance)),
        requester: instance.requester.clone(),
        parent_id: instance.parent.map(|p| p.instance),
        snapshot: serde_json::to_string(instance).expect("an instance serialises"),
        version,
        next_due: instance.tokens.iter().filter_map(|t| t.due).min().map(utc_text),
        next_alarm: instance.tokens.iter().filter_map(|t| t.next_alarm(workflow)).map(|(at, _)| at).min().map(utc_text),
        head_hash: head.to_owned(),
        created_at: created.to_owned(),
        updated_at: now.to_owned(),
    }
}

impl Context<'_, '_> {
    /// Start a new instance of definition `definition_id` with its `Started` event.
    pub(crate) fn create(&mut self, definition_id: i64, event: Event) -> Result<(i64, Vec<Recorded>), ServiceError> {
        let (id, deferred) = self.create_deferred(definition_id, event)?;
        let mut recorded = vec![Recorded { instance: id, seq: 1 }];
        recorded.extend(self.carry_out_deferred(id, deferred)?);
        Ok((id, recorded))
    }

    /// Record `event` on instance `id`, which must still be at `expected` (its event count).
    pub(crate) fn record(
        &mut self,
        id: i64,
        expected: Option<i64>,
        mut event: Event,
    ) -> Result<Vec<Recorded>, ServiceError> {
        let (row, before) = match self.loaded.take() {
            // Loaded earlier in this transaction, so nothing can have changed it since.
            Some((row, instance)) if row.id == id => (row, instance),
            _ => {
                let row = self.tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
                let instance: Instance = serde_json::from_str(&row.snapshot)
                    .map_err(|e| StoreError::Damaged(format!("snapshot of instance {id}: {e}")))?;
                (row, instance)
            }
        };
        if let Some(v) = expected {
            if v != row.version {
                return Err(self.stale(id, v, row.version)?.into());
            }
        }
        let (workflow, hash) = self.definition(row.definition_id)?;
        // Every event of an instance reads in its workflow's time zone, whoever wrote it.
        event.at = event.at.with_timezone(&workflow.timezone());
        let mut applied = self.apply_answering(Some(id), &workflow, Some(&before), &mut event)?;
        // What the action books is read from the data it leaves, and recorded on the event so
        // that replay holds the same booking without asking the other instances again.
        let bookings = self.bookings_of(id, &workflow, &event, &applied.instance)?;
        if !bookings.is_empty() {
            event.bookings = bookings;
            applied = self.apply_answering(Some(id), &workflow, Some(&before), &mut event)?;
        }
        let seq = row.version + 1;
        let from = state_names(&workflow, Some(&before));
        let head =
            self.append(id, seq, &row.head_hash, &hash, &workflow, (from, Some(&before.data)), &event, &applied)?;
        let now = utc_text(self.now);
        let book = Bookkeeping {
            id,
            definition_id: row.definition_id,
            version: seq,
            head: &head,
            created: &row.created_at,
            now: &now,
        };
        let new_row = row_of(&book, &workflow, &applied.instance);
        if !self.tx.update_instance(&new_row, row.version)? {
            return Err(self.stale(id, row.version, row.version + 1)?.into());
        }
        let mut recorded = vec![Recorded { instance: id, seq }];
        recorded.extend(self.carry_out(id, &applied.instance, applied.effects)?);
        Ok(recorded)
    }

    pub(crate) fn stale(&mut self, id: i64, expected: i64, actual: i64) -> Result<RuntimeError, ServiceError> {
        let since = self
            .tx
            .events(id, expected)?
            .into_iter()
            .map(|e| {
                let what = [e.state.clone(), e.action.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                format!("  #{} {} {} {} {}", e.seq, e.at, e.actor, e.kind, what)
            })
            .collect();
        Ok(RuntimeError::Stale { expected, actual, since })
    }

    #[allow(clippy::too_many_arguments)]
    fn append(
        &mut self,
        id: i64,
        seq: i64,
        prev: &str,
        definition_hash: &str,
        workflow: &Workflow,
        (from_states, before_data): (String, Option<&Map<String, Value>>),
        event: &Event,
        applied: &Applied,
    ) -> Result<String, ServiceError> {
        let (state, action) = subject(workflow, event);
        let mut change = changes(before_data, &applied.instance.data);
        if let EventKind::Started { roles, .. } = &event.kind {
            if !roles.is_empty() {
                // Who plays each role parameter, for people reading the log.
                let bound = roles.iter().map(|(p, b)| (p.clone(), Value::String(b.to_string()))).collect();
                change.insert("(roles)".into(), Value::Object(bound));
            }
        }
        if !applied.cancelled.is_empty() {
            let names: Vec<Value> =
                applied.cancelled.iter().map(|s| Value::String(workflow.state(*s).name().to_owned())).collect();
            change.insert("(cancelled branches)".into(), Value::Array(names));
        }
        let mut row = EventRow {
            instance_id: id,
            seq,
            at: event.at.to_rfc3339(),
            actor: event.actor.clone(),
            role: event.role.clone(),
            kind: event.kind.name().to_owned(),
            state,
            action,
            from_states,
            to_states: state_names(workflow, Some(&applied.instance)),
            changes: Value::Object(change).to_string(),
            comment: event.comment.clone(),
            payload: serde_json::to_string(event).expect("an event serialises"),
            prev_hash: prev.to_owned(),
            hash: String::new(),
        };
        row.hash = event_hash(&row, definition_hash);
        self.tx.append_event(&row)?;
        Ok(row.hash)
    }

    /// Carry out what an event asked for: start children, tell the parent, cancel children.
    fn carry_out(&mut self, id: i64, instance: &Instance, effects: Vec<Effect>) -> Result<Vec<Recorded>, ServiceError> {
        let mut recorded = Vec::new();
        let system = |kind: EventKind, at| Event::new(at, SYSTEM, kind);
        for effect in effects {
            match effect {
                Effect::StartChild { state, workflow, data, roles } => {
                    let (definition_id, callee, _) = self.latest(&workflow)?;
                    let parent = Some(ParentLink { instance: id, state });
                    let params = self.params_for(&callee)?;
                    let start = Event::new(
                        self.now,
                        instance.requester.clone(),
                        EventKind::Started { data, parent, roles, params },
                    );
                    // The parent learns the child's id before the child's own effects run, so a
                    // child that finishes at once finds the parent waiting for it.
                    let (child, child_recorded) = self.create_deferred(definition_id, start)?;
                    recorded.extend(self.record(
                        id,
                        None,
                        system(EventKind::ChildStarted { state, child }, self.now),
                    )?);
                    recorded.push(Recorded { instance: child, seq: 1 });
                    recorded.extend(self.carry_out_deferred(child, child_recorded)?);
                }
                Effect::Finished { outcome } => {
                    if let Some(parent) = instance.parent {
                        let data = self.returned(parent, instance)?;
                        let kind = EventKind::ChildFinished { state: parent.state, child: id, outcome, data };
                        recorded.extend(self.record(parent.instance, None, system(kind, self.now))?);
                    }
                }
                Effect::CancelChildren { children } => {
                    for child in children {
                        let active = self.tx.instance(child)?.is_some_and(|r| r.status == "active");
                        if active {
                            let kind =
                                EventKind::Cancelled { reason: format!("its parent instance {id} no longer needs it") };
                            recorded.extend(self.record(child, None, system(kind, self.now))?);
                        }
                    }
                }
            }
        }
        Ok(recorded)
    }

    /// What a finished child hands back to its caller: the caller's fields its call state's
    /// `returns:` names, set from the child's fields.
    fn returned(&mut self, parent: ParentLink, child: &Instance) -> Result<Map<String, Value>, ServiceError> {
        let row = self.tx.instance(parent.instance)?.ok_or(ServiceError::NoInstance(parent.instance))?;
        let (workflow, _) = self.definition(row.definition_id)?;
        let mut data = Map::new();
        if let StateKind::Call(call) = workflow.state(parent.state).kind() {
            for (field, from) in call.returns() {
                if let Some(value) = child.data.get(from) {
                    data.insert(workflow.field(*field).name().to_owned(), value.clone());
                }
            }
        }
        Ok(data)
    }

    /// Like `create`, but leaves the effects of the first event for `carry_out_deferred`.
    fn create_deferred(
        &mut self,
        definition_id: i64,
        mut event: Event,
    ) -> Result<(i64, (Instance, Vec<Effect>)), ServiceError> {
        let (workflow, hash) = self.definition(definition_id)?;
        event.at = event.at.with_timezone(&workflow.timezone());
        let applied = self.apply_answering(None, &workflow, None, &mut event)?;
        let now = utc_text(self.now);
        let mut book = Bookkeeping { id: 0, definition_id, version: 1, head: GENESIS, created: &now, now: &now };
        let id = self.tx.insert_instance(&row_of(&book, &workflow, &applied.instance))?;
        let head = self.append(id, 1, GENESIS, &hash, &workflow, (String::new(), None), &event, &applied)?;
        book.id = id;
        book.head = &head;
        let row = row_of(&book, &workflow, &applied.instance);
        if !self.tx.update_instance(&row, 1)? {
            return Err(StoreError::Damaged(format!("instance {id} changed while it was being created")).into());
        }
        Ok((id, (applied.instance, applied.effects)))
    }

    fn carry_out_deferred(
        &mut self,
        id: i64,
        (instance, effects): (Instance, Vec<Effect>),
    ) -> Result<Vec<Recorded>, ServiceError> {
        self.carry_out(id, &instance, effects)
    }
}

impl Service {
    /// Start an instance of `workflow` with `start`, then record every event `next` gives until
    /// it gives `None`, in one transaction, keeping the instance in memory in between: a history
    /// of any length is built in time linear in its length, where acting one event at a time
    /// reads and writes the whole snapshot each time. Each event is applied, described, hashed
    /// and stored as `act` records it, but nobody is authorised and sub-workflows are refused.
    /// For benchmarks and tests that need long histories.
    ///
    /// # Errors
    /// An event that does not apply, or one that would start or finish a sub-workflow call.
    #[doc(hidden)]
    pub fn record_history(
        &mut self,
        workflow: &str,
        start: Event,
        mut next: impl FnMut(&Workflow, &Instance) -> Option<Event>,
    ) -> Result<i64, ServiceError> {
        let cache = &mut self.cache;
        self.store.write(|tx| {
            let mut ctx = Context::new(tx, Utc::now().fixed_offset(), cache);
            let (definition_id, workflow, hash) = ctx.latest(workflow)?;
            let refuse_effects = |applied: &Applied| {
                if applied.effects.iter().any(|e| !matches!(e, Effect::Finished { .. })) {
                    return Err(RuntimeError::Inconsistent("a recorded history cannot call sub-workflows".into()));
                }
                Ok(())
            };
            let applied = apply(&workflow, None, &start)?;
            refuse_effects(&applied)?;
            let now = utc_text(ctx.now);
            let mut book = Bookkeeping { id: 0, definition_id, version: 1, head: GENESIS, created: &now, now: &now };
            let id = tx.insert_instance(&row_of(&book, &workflow, &applied.instance))?;
            let mut head = ctx.append(id, 1, GENESIS, &hash, &workflow, (String::new(), None), &start, &applied)?;
            let mut instance = applied.instance;
            let mut seq = 1;
            while let Some(event) = next(&workflow, &instance) {
                seq += 1;
                let from = state_names(&workflow, Some(&instance));
                let data = instance.data.clone();
                let applied = apply_owned(&workflow, Some(instance), &event)?;
                refuse_effects(&applied)?;
                head = ctx.append(id, seq, &head, &hash, &workflow, (from, Some(&data)), &event, &applied)?;
                instance = applied.instance;
            }
            book.id = id;
            book.version = seq;
            book.head = &head;
            if !tx.update_instance(&row_of(&book, &workflow, &instance), 1)? {
                return Err(StoreError::Damaged(format!("instance {id} changed while it was being recorded")).into());
            }
            Ok(id)
        })
    }
}
