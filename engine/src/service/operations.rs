//! The everyday approval operations of Chinese OA suites — transfer (转办), delegate (委派) and
//! hand back, return (退回), withdraw (撤回), remind (催办) — each one checked event in one transaction.

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

use crate::diagnostic::suggest;
use crate::model::workflow::{Operation, StateId, StateKind, Workflow};
use crate::org::{Org, Person};
use crate::runtime::{
    apply, check_add_signer, check_allowed, check_delegate, check_hand_back, check_holds, check_remove_signer,
    check_transfer, plan_return, who_must_act, Event, EventKind, Instance, RuntimeError, SYSTEM,
};
use crate::service::commands::{load, person, Outcome};
use crate::service::record::utc_text;
use crate::service::{Context, Service, ServiceError};
use crate::store::{StandInRow, StoreError};

/// Who asks for an operation on which instance, and when.
#[derive(Debug, Clone)]
pub struct OperationRequest {
    pub instance: i64,
    /// Which active step, when the instance has several.
    pub state: Option<String>,
    pub actor: String,
    /// Why; required for a transfer, a return and a hand-back.
    pub comment: Option<String>,
    /// Refuse if the instance has moved on since this version (its event count).
    pub expect_version: Option<i64>,
    pub now: DateTime<FixedOffset>,
}

/// An operation, with what it needs beyond the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Hand the step to this person for good.
    Transfer { to: String },
    /// Hand the step to this person to work on, and have it back.
    Delegate { to: String },
    /// Hand a delegated step back to the delegator.
    HandBack,
    /// Send the instance back to this earlier step.
    Return { to: String },
    /// Take back one's own last action.
    Withdraw,
    /// Remind whoever must act on the step.
    Remind,
    /// Add this person as a signer of a sign-off in progress, just before the next signer or
    /// just after them.
    AddSigner { person: String, before: bool },
    /// Take this signer (a role, or a person added by name) off a sign-off in progress.
    RemoveSigner { signer: String },
}

impl Op {
    fn needs_comment(&self) -> Option<&'static str> {
        match self {
            Op::Transfer { .. } => Some("transfer"),
            Op::Return { .. } => Some("return"),
            Op::HandBack => Some("hand-back"),
            Op::Delegate { .. } | Op::Withdraw | Op::Remind | Op::AddSigner { .. } | Op::RemoveSigner { .. } => None,
        }
    }
}

/// The active step `name` names, or the only active step that `fits`.
fn step(
    workflow: &Workflow,
    instance: &Instance,
    (name, person): (Option<&str>, &str),
    fits: impl Fn(StateId) -> bool,
) -> Result<StateId, RuntimeError> {
    let active: Vec<StateId> = instance.tokens.iter().map(|t| t.state).collect();
    let names = |states: &[StateId]| states.iter().map(|s| format!("`{}`", workflow.state(*s).name())).collect();
    if !instance.is_active() {
        return Err(RuntimeError::NotActive { status: instance.status.name().to_owned() });
    }
    match name {
        Some(n) => workflow
            .find_state(n)
            .filter(|s| active.contains(s))
            .ok_or_else(|| RuntimeError::StateNotActive { state: n.to_owned(), active: names(&active) }),
        None => {
            let fitting: Vec<StateId> = active.iter().copied().filter(|s| fits(*s)).collect();
            let human: Vec<StateId> = active.iter().copied().filter(|s| is_human(workflow, *s)).collect();
            match fitting.as_slice() {
                [one] => Ok(*one),
                // The only step there is: the check says why it is not theirs.
                [] if human.len() == 1 => Ok(human[0]),
                [] => Err(RuntimeError::NoStepFor { person: person.to_owned(), active: names(&active) }),
                several => {
                    Err(RuntimeError::AmbiguousAction { action: "this".into(), states: names(several).join(", ") })
                }
            }
        }
    }
}

fn is_human(workflow: &Workflow, state: StateId) -> bool {
    matches!(workflow.state(state).kind(), StateKind::Task { .. } | StateKind::Signoff(_))
}

impl Service {
    /// Carry out `op` as `request.actor`.
    ///
    /// # Errors
    /// The first rule that forbids it; nothing is written then.
    pub fn operate(&mut self, request: &OperationRequest, op: &Op) -> Result<Outcome, ServiceError> {
        let cache = &mut self.cache;
        self.store.write(|tx| {
            let mut ctx = Context::new(tx, request.now, cache);
            let (workflow, instance, version) = load(&mut ctx, request.instance, request.expect_version)?;
            let org = ctx.org()?;
            let person = person(&org, &request.actor)?;
            let comment = request.comment.clone().filter(|c| !c.trim().is_empty());
            if let (Some(action), None) = (op.needs_comment(), &comment) {
                return Err(RuntimeError::CommentRequired { action: action.into() }.into());
            }
            let (role, kind) = match op {
                Op::Withdraw => withdrawal(&mut ctx, &workflow, &instance, request, person)?,
                _ => decide(&workflow, &org, &instance, request, person, op)?,
            };
            let at = request.now.with_timezone(&workflow.timezone());
            let event = Event { role, comment, org: ctx.org_version(), ..Event::new(at, request.actor.clone(), kind) };
            let recorded = ctx.record(request.instance, Some(version), event)?;
            Ok(Outcome::of(request.instance, recorded))
        })
    }
}

/// Check `op` (anything but a withdrawal) and the event it makes.
fn decide(
    workflow: &Workflow,
    org: &Org,
    instance: &Instance,
    request: &OperationRequest,
    person: &Person,
    op: &Op,
) -> Result<(Option<String>, EventKind), RuntimeError> {
    let name = request.state.as_deref();
    let mine = |s: StateId| is_human(workflow, s) && check_holds(workflow, instance, person, s).is_ok();
    Ok(match op {
        Op::Transfer { to } => {
            let state = step(workflow, instance, (name, &person.id), mine)?;
            let role = check_transfer(workflow, org, instance, person, state, to)?;
            (Some(role), EventKind::Transferred { state, to: to.clone() })
        }
        Op::Delegate { to } => {
            let state = step(workflow, instance, (name, &person.id), mine)?;
            let role = check_delegate(workflow, org, instance, person, state, to)?;
            (Some(role), EventKind::Delegated { state, to: to.clone() })
        }
        Op::HandBack => {
            let delegated_to_me =
                |s: StateId| instance.token(s).and_then(|t| t.delegation.as_ref()).is_some_and(|d| d.to == person.id);
            let state = step(workflow, instance, (name, &person.id), delegated_to_me)?;
            check_hand_back(workflow, instance, person, state)?;
            (None, EventKind::DelegationReturned { state })
        }
        Op::Return { to } => {
            let from = step(workflow, instance, (name, &person.id), mine)?;
            let target = workflow.find_state(to).ok_or_else(|| RuntimeError::CannotReturn {
                state: to.clone(),
                reason: match suggest(to, workflow.states().iter().map(|s| s.name())) {
                    Some(s) => format!("there is no such step (did you mean `{s}`?)"),
                    None => "there is no such step".into(),
                },
            })?;
            let (role, withdrawn) = plan_return(workflow, instance, person, from, target)?;
            (Some(role), EventKind::Returned { from, to: target, withdrawn })
        }
        Op::Remind => {
            let state = step(workflow, instance, (name, &person.id), |s| is_human(workflow, s))?;
            check_allowed(workflow, state, Operation::Remind)?;
            let involved = instance.requester == person.id || instance.actors.iter().any(|(_, p)| *p == person.id);
            if !involved {
                return Err(RuntimeError::BadTarget {
                    person: person.id.clone(),
                    operation: "remind".into(),
                    reason: "only the requester or someone who has acted on this instance may".into(),
                });
            }
            let to = who_must_act(workflow, org, instance, state);
            (None, EventKind::Reminded { state, to, automatic: false })
        }
        Op::AddSigner { person: added, before } => {
            let signoff = |s: StateId| matches!(workflow.state(s).kind(), StateKind::Signoff(_));
            let state = step(workflow, instance, (name, &person.id), signoff)?;
            let (role, position) = check_add_signer(workflow, org, instance, person, state, added, *before)?;
            (Some(role), EventKind::SignerAdded { state, person: added.clone(), position })
        }
        Op::RemoveSigner { signer } => {
            let signoff = |s: StateId| matches!(workflow.state(s).kind(), StateKind::Signoff(_));
            let state = step(workflow, instance, (name, &person.id), signoff)?;
            let (role, slot) = check_remove_signer(workflow, instance, person, state, signer)?;
            (Some(role), EventKind::SignerRemoved { state, slot })
        }
        Op::Withdraw => unreachable!("withdrawals read the history"),
    })
}

/// Check a withdrawal (撤回) by `person` and the event that undoes their last action: it must be
/// their own, on this instance, with nobody having acted since.
fn withdrawal(
    ctx: &mut Context<'_, '_>,
    workflow: &Workflow,
    instance: &Instance,
    request: &OperationRequest,
    person: &Person,
) -> Result<(Option<String>, EventKind), ServiceError> {
    let refuse = |reason: String| RuntimeError::CannotWithdraw { person: person.id.clone(), reason };
    if !instance.is_active() {
        return Err(refuse(format!("the instance is {}", instance.status.name())).into());
    }
    let rows = ctx.tx.events(request.instance, 0)?;
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        let event: Event = serde_json::from_str(&row.payload)
            .map_err(|e| StoreError::Damaged(format!("event {} of instance {}: {e}", row.seq, request.instance)))?;
        events.push(event);
    }
    let theirs = events
        .iter()
        .rposition(|e| e.actor == person.id && matches!(e.kind, EventKind::Acted { .. } | EventKind::Signed { .. }));
    let Some(k) = theirs else {
        return Err(refuse("they have not acted on this instance".into()).into());
    };
    if let Some(later) = events[k + 1..]
        .iter()
        .zip(&rows[k + 1..])
        .find(|(e, _)| !(e.actor == SYSTEM && matches!(e.kind, EventKind::ChildStarted { .. })))
    {
        let (e, row) = later;
        return Err(refuse(format!("{} has acted since (event #{}: {})", e.actor, row.seq, row.kind)).into());
    }
    let state = match events[k].kind {
        EventKind::Acted { state, .. } | EventKind::Signed { state, .. } => state,
        _ => unreachable!("found above"),
    };
    check_allowed(workflow, state, Operation::Withdraw)?;
    let mut before: Option<Instance> = None;
    for e in &events[..k] {
        before = Some(apply(workflow, before.as_ref(), e)?.instance);
    }
    let before = before.ok_or_else(|| refuse("their action started the instance; cancel it instead".into()))?;
    let role = events[k].role.clone();
    if matches!(events[k].kind, EventKind::Signed { .. }) && instance.token(state).is_some() {
        let kind = EventKind::Withdrawn {
            state,
            withdrawn: Vec::new(),
            restore: Map::new(),
            token: None,
            counts: None,
            frozen: None,
            versions: None,
        };
        return Ok((role, kind));
    }
    let had = |i: &Instance, s: StateId| i.tokens.iter().any(|t| t.state == s);
    if let Some(lost) = before.tokens.iter().find(|t| t.state != state && !had(instance, t.state)) {
        let name = workflow.state(lost.state).name();
        return Err(refuse(format!("their action also closed `{name}`, which cannot be reopened")).into());
    }
    let withdrawn: Vec<StateId> =
        instance.tokens.iter().map(|t| t.state).filter(|s| !had(&before, *s) || *s == state).collect();
    let token = before.token(state).cloned().ok_or_else(|| refuse("the step they acted in is gone".into()))?;
    let mut restore = Map::new();
    for key in before.data.keys().chain(instance.data.keys()) {
        let old = before.data.get(key).cloned().unwrap_or(Value::Null);
        if instance.data.get(key).cloned().unwrap_or(Value::Null) != old {
            restore.insert(key.clone(), old);
        }
    }
    let counts = (before.counts != instance.counts).then(|| before.counts.clone());
    let frozen = (before.frozen != instance.frozen).then(|| before.frozen.clone());
    let versions = (before.versions != instance.versions).then(|| before.versions.clone());
    let token = Some(Box::new(token));
    Ok((role, EventKind::Withdrawn { state, withdrawn, restore, token, counts, frozen, versions }))
}

impl Service {
    /// Name `stand_in` to act for `person` (代理) from `starts` until `ends`, e.g. over a holiday.
    ///
    /// # Errors
    /// An unknown person, oneself as stand-in, an empty period or an empty reason.
    pub fn name_stand_in(
        &mut self,
        person: &str,
        stand_in: &str,
        (starts, ends): (DateTime<FixedOffset>, DateTime<FixedOffset>),
        reason: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<StandInRow, ServiceError> {
        let cache = &mut self.cache;
        self.store.write(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let org = ctx.org()?;
            let who = crate::service::commands::person(&org, person)?;
            let by = crate::service::commands::person(&org, stand_in)?;
            let refuse = |reason: &str| RuntimeError::BadTarget {
                person: by.id.clone(),
                operation: format!("stand in for {}", who.id),
                reason: reason.to_owned(),
            };
            if who.id == by.id {
                return Err(refuse("nobody stands in for themselves").into());
            }
            if ends <= starts {
                return Err(refuse("the period ends before it starts").into());
            }
            if reason.trim().is_empty() {
                return Err(RuntimeError::CommentRequired { action: "stand-in".into() }.into());
            }
            let mut row = StandInRow {
                id: 0,
                person: who.id.clone(),
                stand_in: by.id.clone(),
                starts: utc_text(starts),
                ends: utc_text(ends),
                reason: reason.to_owned(),
                named_at: utc_text(now),
            };
            row.id = ctx.tx.insert_stand_in(&row)?;
            Ok(row)
        })
    }

    /// Every stand-in ever named, oldest first.
    ///
    /// # Errors
    /// A store error.
    pub fn stand_ins(&mut self) -> Result<Vec<StandInRow>, ServiceError> {
        self.store.read(|tx| Ok(tx.stand_ins()?))
    }
}
