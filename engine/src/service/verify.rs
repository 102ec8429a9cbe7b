//! Verification: re-derive an instance from its events and check the hash chain, naming the
//! first event where the stored history and the recomputed one part ways.
//!
//! Two threads share the work: this one reads the log and checks the chain, a second parses
//! each event and replays it, a batch of events behind. Neither waits for the other except at
//! the end, so verification runs at the speed of the slower half.

use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::sync::Arc;

use chrono::Utc;
use serde::Serialize;

use crate::audit::{EventHasher, GENESIS};
use crate::model::workflow::Workflow;
use crate::runtime::{apply_owned, Event, Instance};
use crate::service::{Context, Service, ServiceError};
use crate::store::StoreError;

/// Events handed to the replaying thread at a time.
const BATCH: usize = 256;
/// Batches in flight at most, so memory stays bounded however far the reader runs ahead.
const IN_FLIGHT: usize = 16;

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
            std::thread::scope(|scope| {
                let (work, work_in) = sync_channel::<Work>(IN_FLIGHT);
                let (done_out, done) = channel::<Result<Replayed, ServiceError>>();
                let (spare_out, spare) = channel::<Vec<String>>();
                scope.spawn(move || replayer(&work_in, &done_out, &spare_out));
                let mut chain = Chain { work, spare, hasher: EventHasher::default(), pending: VecDeque::new() };
                let mut verdicts = Vec::with_capacity(ids.len());
                for id in ids {
                    chain.check(&mut ctx, id)?;
                    // Collect what the replayer has finished, without waiting for it.
                    while let Ok(replayed) = done.try_recv() {
                        verdicts.push(conclude(&mut chain.pending, replayed?));
                    }
                }
                let mut pending = chain.finish();
                for replayed in done {
                    verdicts.push(conclude(&mut pending, replayed?));
                }
                Ok(verdicts)
            })
        })
    }
}

fn broken(seq: Option<i64>, what: impl Into<String>) -> Option<Broken> {
    Some(Broken { seq, what: what.into() })
}

/// What the reading thread sends the replaying one.
enum Work {
    /// The events of a new instance follow.
    Begin(Arc<Workflow>),
    /// The next payloads, in order.
    Events(Vec<String>),
    /// No more events of this instance; the stored snapshot to compare with, unless the chain
    /// broke (then the comparison would say nothing new).
    End(Option<String>),
}

/// The replay of one instance.
struct Replayed {
    /// The first event that could not be replayed, or a snapshot differing from the replay.
    problem: Option<Broken>,
}

/// One instance read and its chain checked, waiting for its replay.
struct Checked {
    id: i64,
    events: usize,
    problem: Option<Broken>,
}

/// The reading side.
struct Chain {
    work: std::sync::mpsc::SyncSender<Work>,
    spare: Receiver<Vec<String>>,
    hasher: EventHasher,
    pending: VecDeque<Checked>,
}

impl Chain {
    fn send(&self, work: Work) -> Result<(), ServiceError> {
        self.work.send(work).map_err(|_| StoreError::Damaged("the replaying thread stopped".into()).into())
    }

    /// Read instance `id`'s log, check its chain, and pass its events on for replay.
    fn check(&mut self, ctx: &mut Context<'_, '_>, id: i64) -> Result<(), ServiceError> {
        let row = ctx.tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
        let (workflow, definition_hash) = ctx.definition(row.definition_id)?;
        self.send(Work::Begin(workflow))?;
        let mut count = 0usize;
        let mut prev = GENESIS.to_owned();
        let mut problem = None;
        let mut batch = self.spare.try_recv().unwrap_or_default();
        let mut filled = 0;
        let hasher = &mut self.hasher;
        let (work, spare) = (&self.work, &self.spare);
        ctx.tx.each_event(id, |e| {
            count += 1;
            let expected_seq = count as i64;
            if e.seq != expected_seq {
                problem =
                    broken(Some(e.seq), format!("event {expected_seq} is missing (found {} in its place)", e.seq));
            } else if e.prev_hash != prev {
                problem = broken(Some(e.seq), "it does not follow the event before it (previous hash differs)");
            } else if !hasher.matches(e, &definition_hash) {
                problem = broken(Some(e.seq), "its content does not match its hash (the row was edited)");
            }
            if problem.is_some() {
                return Ok(ControlFlow::Break(()));
            }
            prev.clone_from(&e.hash);
            // Hand the payload over and take an old one's memory in exchange: no copy, and no
            // allocation per event once the batches come back.
            if filled < batch.len() {
                std::mem::swap(&mut batch[filled], &mut e.payload);
            } else {
                batch.push(std::mem::take(&mut e.payload));
            }
            filled += 1;
            if filled == BATCH {
                batch.truncate(filled);
                let next = spare.try_recv().unwrap_or_default();
                work.send(Work::Events(std::mem::replace(&mut batch, next)))
                    .map_err(|_| StoreError::Damaged("the replaying thread stopped".into()))?;
                filled = 0;
            }
            Ok::<_, ServiceError>(ControlFlow::Continue(()))
        })?;
        if filled > 0 {
            batch.truncate(filled);
            self.send(Work::Events(batch))?;
        }
        if problem.is_some() {
            // Count the whole log even so, for the summary.
            count = ctx.tx.event_count(id)?;
        } else if row.head_hash != prev {
            problem =
                broken(None, "the instance's head hash is not its last event's hash (events were removed or added)");
        } else if row.version != count as i64 {
            problem = broken(None, format!("the instance says {} events, the log holds {count}", row.version));
        }
        let compare = problem.is_none().then_some(row.snapshot);
        self.send(Work::End(compare))?;
        self.pending.push_back(Checked { id, events: count, problem });
        Ok(())
    }

    /// The instances still waiting for their replay; the replaying thread stops once it has
    /// replayed them.
    fn finish(self) -> VecDeque<Checked> {
        self.pending
    }
}

/// The verdict on the oldest instance waiting for its replay, which has just come back.
fn conclude(pending: &mut VecDeque<Checked>, replayed: Replayed) -> Verdict {
    let checked = pending.pop_front().expect("a replay answers an instance that was read");
    // The replay only ever saw events before a break in the chain, so an event it could not
    // replay comes first; a snapshot is compared only when the chain held.
    let problem = replayed.problem.or(checked.problem);
    Verdict { instance: checked.id, events: checked.events, problem }
}

/// The replaying side: parse each event, apply it, and compare the result with the snapshot.
fn replayer(work: &Receiver<Work>, done: &Sender<Result<Replayed, ServiceError>>, spare: &Sender<Vec<String>>) {
    let mut workflow: Option<Arc<Workflow>> = None;
    let mut state: Option<Instance> = None;
    let mut seq = 0i64;
    let mut problem: Option<Broken> = None;
    for item in work {
        match item {
            Work::Begin(w) => {
                workflow = Some(w);
                state = None;
                seq = 0;
                problem = None;
            }
            Work::Events(batch) => {
                let w = workflow.as_deref().expect("events follow their instance's start");
                for payload in &batch {
                    seq += 1;
                    if problem.is_some() {
                        break;
                    }
                    match serde_json::from_str::<Event>(payload) {
                        Ok(event) => match apply_owned(w, state.take(), &event) {
                            Ok(applied) => state = Some(applied.instance),
                            Err(err) => problem = broken(Some(seq), format!("it cannot be replayed: {err}")),
                        },
                        Err(err) => problem = broken(Some(seq), format!("its payload cannot be read: {err}")),
                    }
                }
                let _ = spare.send(batch);
            }
            Work::End(snapshot) => {
                let result = match (snapshot, problem.take()) {
                    (Some(text), None) => match serde_json::from_str::<Instance>(&text) {
                        Ok(stored) if state.as_ref() == Some(&stored) => Ok(Replayed { problem: None }),
                        Ok(_) => Ok(Replayed {
                            problem: broken(None, "the stored state differs from the replay of its events"),
                        }),
                        Err(e) => Err(StoreError::Damaged(format!("an instance's snapshot: {e}")).into()),
                    },
                    (_, problem) => Ok(Replayed { problem }),
                };
                state = None;
                if done.send(result).is_err() {
                    return;
                }
            }
        }
    }
}
