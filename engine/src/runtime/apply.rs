//! `apply`: the next state of an instance after one event, and what the store must do about it
//! (start a child, tell a parent). Pure: acting and replaying both call it, so they cannot differ.

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

use crate::model::workflow::{Due, Escalation, JoinRule, Signers, SignoffRule, StateId, StateKind, Workflow};
use crate::runtime::eval::{cel_to_json, Scope};
use crate::runtime::{
    Delegation, Event, EventKind, Instance, ParentLink, RuntimeError, Signature, Slot, Status, Token,
};

/// Automatic steps (choices, forks, joins) one event may trigger before the engine suspects a loop.
const MAX_AUTOMATIC_STEPS: usize = 10_000;

/// Something the store must do because of an event, in the same transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start a child instance of `workflow` for call state `state`, with this data.
    StartChild {
        /// The call state.
        state: StateId,
        /// The called workflow.
        workflow: String,
        /// The child's initial data.
        data: Map<String, Value>,
    },
    /// This instance finished; if it has a parent, the parent's call continues.
    Finished {
        /// The outcome.
        outcome: String,
    },
    /// This instance was cancelled; its children must be cancelled too.
    CancelChildren {
        /// The children still running.
        children: Vec<i64>,
    },
}

/// The result of applying one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The instance afterwards.
    pub instance: Instance,
    /// What the store must do.
    pub effects: Vec<Effect>,
    /// States whose tokens were withdrawn by an `any` or k-of-n join.
    pub cancelled: Vec<StateId>,
}

/// Apply `event` to `before` (`None` for the first event, which must be `Started`).
///
/// # Errors
/// When the event does not fit the instance (a state not active, a guard that cannot be
/// evaluated, automatic steps that never settle). Nothing is changed then.
pub fn apply(workflow: &Workflow, before: Option<&Instance>, event: &Event) -> Result<Applied, RuntimeError> {
    if let Some(i) = before {
        // Refuse early what `apply_owned` would refuse, without copying the instance.
        check_applicable(i, event)?;
    }
    apply_owned(workflow, before.cloned(), event)
}

fn check_applicable(before: &Instance, event: &Event) -> Result<(), RuntimeError> {
    match &event.kind {
        EventKind::Started { .. } => Err(RuntimeError::Inconsistent("the instance has already started".into())),
        _ if !before.is_active() => Err(RuntimeError::NotActive { status: before.status.name().to_owned() }),
        _ => Ok(()),
    }
}

/// `apply` to an instance given up for it: replaying a long history this way copies nothing, where
/// `apply` copies the instance once per event. On an error the instance is lost, which suits
/// replay, where an error ends it anyway.
///
/// # Errors
/// As `apply`.
pub fn apply_owned(workflow: &Workflow, before: Option<Instance>, event: &Event) -> Result<Applied, RuntimeError> {
    let mut run = match (before, &event.kind) {
        (None, EventKind::Started { data, parent }) => {
            let instance = Instance {
                status: Status::Active,
                requester: event.actor.clone(),
                started_at: event.at,
                tokens: Vec::new(),
                data: data.clone(),
                actors: Vec::new(),
                visited: Vec::new(),
                parent: *parent,
            };
            let mut run = Run::new(workflow, instance, event);
            run.enter(workflow.start().to())?;
            return Ok(run.finish());
        }
        (None, _) => return Err(RuntimeError::Inconsistent("the first event must start the instance".into())),
        (Some(i), _) => {
            check_applicable(&i, event)?;
            Run::new(workflow, i, event)
        }
    };
    match &event.kind {
        EventKind::Started { .. } => unreachable!("handled above"),
        EventKind::Acted { state, action, data } => {
            let StateKind::Task { actions } = workflow.state(*state).kind() else {
                return Err(RuntimeError::Inconsistent(format!("`{}` has no actions", workflow.state(*state).name())));
            };
            let a =
                actions.get(*action).ok_or_else(|| RuntimeError::Inconsistent(format!("no action number {action}")))?;
            run.take(*state)?;
            run.instance.data.extend(data.iter().map(|(k, v)| (k.clone(), v.clone())));
            run.instance.actors.push((*state, event.actor.clone()));
            // Both the stand-in and the person they acted for count as having acted here.
            if let Some(principal) = &event.on_behalf_of {
                run.instance.actors.push((*state, principal.clone()));
            }
            run.enter(a.to())?;
        }
        EventKind::Signed { state, checklist, body_size } => {
            let StateKind::Signoff(signoff) = workflow.state(*state).kind() else {
                return Err(RuntimeError::Inconsistent(format!(
                    "`{}` is not a sign-off",
                    workflow.state(*state).name()
                )));
            };
            let role = event.role.clone().unwrap_or_default();
            let token = run.token_mut(*state)?;
            token.signatures.push(Signature {
                person: event.on_behalf_of.clone().unwrap_or_else(|| event.actor.clone()),
                role,
                at: event.at,
                stand_in: event.on_behalf_of.as_ref().map(|_| event.actor.clone()),
                checklist: checklist.clone(),
            });
            let signed = token.signatures.len();
            let by_slots = token.slots.is_some().then(|| slots_complete(signoff.rule(), token));
            if let Some(principal) = &event.on_behalf_of {
                run.instance.actors.push((*state, principal.clone()));
            }
            let complete = match signoff.signers() {
                _ if by_slots.is_some() => by_slots.unwrap_or_default(),
                Signers::Roles(roles) => signed >= signoff.rule().needed(roles.len()),
                // How many hold the role was recorded when signing; without it, wait for more.
                Signers::Body(_) => body_size.is_some_and(|n| signed >= signoff.rule().needed(n)),
            };
            run.instance.actors.push((*state, event.actor.clone()));
            if complete {
                if let Some(field) = signoff.checklist() {
                    run.instance.data.insert(workflow.field(field).name().to_owned(), Value::Object(checklist.clone()));
                }
                run.take(*state)?;
                run.enter(signoff.to())?;
            }
        }
        EventKind::Rejected { state } => {
            let StateKind::Signoff(signoff) = workflow.state(*state).kind() else {
                return Err(RuntimeError::Inconsistent(format!(
                    "`{}` is not a sign-off",
                    workflow.state(*state).name()
                )));
            };
            let target = signoff.reject().ok_or_else(|| {
                RuntimeError::Inconsistent(format!("`{}` has no `reject` path", workflow.state(*state).name()))
            })?;
            run.take(*state)?;
            run.instance.actors.push((*state, event.actor.clone()));
            run.enter(target)?;
        }
        EventKind::DeadlinePassed { state } => {
            let deadline = workflow.state(*state).deadline().ok_or_else(|| {
                RuntimeError::Inconsistent(format!("`{}` has no deadline", workflow.state(*state).name()))
            })?;
            match deadline.then() {
                Escalation::Escalate(to) => {
                    run.take(*state)?;
                    run.enter(*to)?;
                }
                Escalation::Action(a) => {
                    let StateKind::Task { actions } = workflow.state(*state).kind() else {
                        return Err(RuntimeError::Inconsistent("an automatic action outside a task".into()));
                    };
                    run.take(*state)?;
                    run.instance.actors.push((*state, event.actor.clone()));
                    run.enter(actions[*a].to())?;
                }
            }
        }
        EventKind::ChildStarted { state, child } => {
            run.token_mut(*state)?.child = Some(*child);
        }
        EventKind::ChildFinished { state, child, outcome, data } => {
            let StateKind::Call(call) = workflow.state(*state).kind() else {
                return Err(RuntimeError::Inconsistent(format!("`{}` is not a call", workflow.state(*state).name())));
            };
            if run.token_mut(*state)?.child != Some(*child) {
                return Err(RuntimeError::Inconsistent(format!(
                    "instance {child} is not the child of `{}`",
                    workflow.state(*state).name()
                )));
            }
            let target = call.outcomes().iter().find(|(o, _)| o == outcome).map(|(_, t)| *t).ok_or_else(|| {
                RuntimeError::Inconsistent(format!(
                    "`{}` has no next state for outcome `{outcome}`",
                    workflow.state(*state).name()
                ))
            })?;
            run.take(*state)?;
            run.instance.data.extend(data.iter().map(|(k, v)| (k.clone(), v.clone())));
            run.enter(target)?;
        }
        EventKind::Transferred { state, to } => {
            let token = run.token_mut(*state)?;
            token.assignee = Some(to.clone());
            token.delegation = None;
        }
        EventKind::Delegated { state, to } => {
            let by = event.actor.clone();
            run.token_mut(*state)?.delegation = Some(Delegation { to: to.clone(), by });
        }
        EventKind::DelegationReturned { state } => {
            let token = run.token_mut(*state)?;
            let delegation = token.delegation.take().ok_or_else(|| {
                RuntimeError::Inconsistent(format!("`{}` is not delegated", workflow.state(*state).name()))
            })?;
            // The decision is the delegator's.
            token.assignee = Some(delegation.by);
        }
        EventKind::Returned { from, to, withdrawn } => {
            if !withdrawn.contains(from) {
                return Err(RuntimeError::Inconsistent("a return must withdraw the step it starts from".into()));
            }
            run.withdraw(withdrawn)?;
            run.cancelled.extend(withdrawn.iter().filter(|s| *s != from));
            run.enter(*to)?;
        }
        EventKind::Withdrawn { state, withdrawn, restore, token } => {
            match token {
                None => {
                    let token = run.token_mut(*state)?;
                    let i = token.signatures.iter().rposition(|s| s.person == event.actor).ok_or_else(|| {
                        RuntimeError::Inconsistent(format!(
                            "{} has not signed `{}`",
                            event.actor,
                            workflow.state(*state).name()
                        ))
                    })?;
                    token.signatures.remove(i);
                }
                Some(token) => {
                    run.withdraw(withdrawn)?;
                    for (field, value) in restore {
                        if value.is_null() {
                            run.instance.data.remove(field);
                        } else {
                            run.instance.data.insert(field.clone(), value.clone());
                        }
                    }
                    run.instance.visited.push(*state);
                    run.instance.tokens.push((**token).clone());
                }
            }
            let actors = &mut run.instance.actors;
            if let Some(i) = actors.iter().rposition(|(s, p)| s == state && *p == event.actor) {
                actors.remove(i);
            }
        }
        EventKind::SignerAdded { state, person, position } => {
            let slots = default_slots(workflow, *state)?;
            let token = run.token_mut(*state)?;
            let mut current = token.slots.take().unwrap_or(slots);
            current.insert((*position).min(current.len()), Slot::Person(person.clone()));
            token.slots = Some(current);
        }
        EventKind::SignerRemoved { state, slot } => {
            let StateKind::Signoff(signoff) = workflow.state(*state).kind() else {
                return Err(RuntimeError::Inconsistent(format!(
                    "`{}` is not a sign-off",
                    workflow.state(*state).name()
                )));
            };
            let slots = default_slots(workflow, *state)?;
            let token = run.token_mut(*state)?;
            let mut current = token.slots.take().unwrap_or(slots);
            let i = current.iter().position(|s| s == slot && !s.signed_in(&token.signatures)).ok_or_else(|| {
                RuntimeError::Inconsistent(format!(
                    "{slot} is not an unsigned signer of `{}`",
                    workflow.state(*state).name()
                ))
            })?;
            current.remove(i);
            token.slots = Some(current);
            // The rule is read again: the signers left may all have signed.
            if slots_complete(signoff.rule(), token) && !token.signatures.is_empty() {
                if let Some(field) = signoff.checklist() {
                    let last = token.signatures.last().map(|s| s.checklist.clone()).unwrap_or_default();
                    run.instance.data.insert(workflow.field(field).name().to_owned(), Value::Object(last));
                }
                run.take(*state)?;
                run.enter(signoff.to())?;
            }
        }
        EventKind::Reminded { state, automatic, .. } => {
            let at = event.at;
            let token = run.token_mut(*state)?;
            token.reminded_at = Some(at);
            if *automatic {
                token.reminders_sent += 1;
            }
        }
        EventKind::Cancelled { reason } => {
            let children: Vec<i64> = run.instance.tokens.iter().filter_map(|t| t.child).collect();
            run.instance.tokens.clear();
            run.instance.status = Status::Cancelled { reason: reason.clone() };
            if !children.is_empty() {
                run.effects.push(Effect::CancelChildren { children });
            }
        }
    }
    Ok(run.finish())
}

/// One application in progress.
struct Run<'w> {
    workflow: &'w Workflow,
    instance: Instance,
    at: DateTime<FixedOffset>,
    /// What the event recorded about other instances, for choices that ask.
    reads: &'w [crate::runtime::Read],
    effects: Vec<Effect>,
    cancelled: Vec<StateId>,
    steps: usize,
}

impl<'w> Run<'w> {
    fn new(workflow: &'w Workflow, instance: Instance, event: &'w Event) -> Self {
        Run {
            workflow,
            instance,
            at: event.at,
            reads: &event.reads,
            effects: Vec::new(),
            cancelled: Vec::new(),
            steps: 0,
        }
    }

    fn finish(self) -> Applied {
        Applied { instance: self.instance, effects: self.effects, cancelled: self.cancelled }
    }

    fn inactive(&self, state: StateId) -> RuntimeError {
        RuntimeError::StateNotActive {
            state: self.workflow.state(state).name().to_owned(),
            active: self.instance.tokens.iter().map(|t| format!("`{}`", self.workflow.state(t.state).name())).collect(),
        }
    }

    fn token_mut(&mut self, state: StateId) -> Result<&mut Token, RuntimeError> {
        let err = self.inactive(state);
        self.instance.tokens.iter_mut().find(|t| t.state == state).ok_or(err)
    }

    /// Remove the token on `state`.
    fn take(&mut self, state: StateId) -> Result<Token, RuntimeError> {
        let i = self.instance.tokens.iter().position(|t| t.state == state).ok_or_else(|| self.inactive(state))?;
        Ok(self.instance.tokens.remove(i))
    }

    /// When the deadline of `state`, entered now, falls due: fixed here from the event's time and
    /// the instance's data, so replay gives the same time.
    fn due(&self, state: StateId) -> Result<Option<DateTime<FixedOffset>>, RuntimeError> {
        let Some(deadline) = self.workflow.state(state).deadline() else { return Ok(None) };
        let field_time = |f| {
            let name = self.workflow.field(f).name();
            self.instance.data.get(name).and_then(Value::as_str).and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        };
        Ok(match deadline.due() {
            Due::After(default) => {
                let scope = Scope::of_instance(self.workflow, &self.instance, self.reads, self.at);
                let mut after = *default;
                for case in deadline.cases() {
                    if scope.holds(case.when())? {
                        after = case.after();
                        break;
                    }
                }
                chrono::Duration::from_std(after).ok().map(|d| self.at + d)
            }
            Due::At(f) => field_time(*f).and_then(|t| deadline.shift().apply(t, self.workflow.timezone())),
            Due::Before(f, d) => field_time(*f).and_then(|t| chrono::Duration::from_std(*d).ok().map(|d| t - d)),
        })
    }

    /// Put a token on `state`.
    fn place(&mut self, state: StateId, due: Option<DateTime<FixedOffset>>) {
        self.instance.tokens.push(Token { due, ..Token::new(state, self.at) });
    }

    /// Remove the tokens on `states`, cancelling the sub-workflows they were waiting for.
    fn withdraw(&mut self, states: &[StateId]) -> Result<(), RuntimeError> {
        let mut children = Vec::new();
        for s in states {
            children.extend(self.take(*s)?.child);
        }
        if !children.is_empty() {
            self.effects.push(Effect::CancelChildren { children });
        }
        Ok(())
    }

    /// Make `state` active, and run every automatic step that follows.
    fn enter(&mut self, state: StateId) -> Result<(), RuntimeError> {
        self.steps += 1;
        if self.steps > MAX_AUTOMATIC_STEPS {
            return Err(RuntimeError::Runaway {
                state: self.workflow.state(state).name().to_owned(),
                steps: self.steps,
            });
        }
        self.instance.visited.push(state);
        let workflow = self.workflow;
        match workflow.state(state).kind() {
            StateKind::Choice { branches, default } => {
                let scope = Scope::of_instance(workflow, &self.instance, self.reads, self.at);
                let mut next = *default;
                for branch in branches {
                    if scope.holds(branch.guard())? {
                        next = branch.to();
                        break;
                    }
                }
                self.enter(next)
            }
            StateKind::Fork { to } => {
                for t in to {
                    self.enter(*t)?;
                }
                Ok(())
            }
            StateKind::Join { .. } => {
                Err(RuntimeError::Inconsistent(format!("join `{}` was entered directly", workflow.state(state).name())))
            }
            StateKind::End { outcome } => {
                self.place(state, None);
                let done = match workflow.completion() {
                    crate::model::workflow::Completion::SingleEnd => true,
                    crate::model::workflow::Completion::AllBranches => {
                        self.instance.tokens.iter().all(|t| workflow.state(t.state).is_end())
                    }
                };
                if done {
                    self.instance.tokens.clear();
                    self.instance.status = Status::Finished { outcome: outcome.clone() };
                    self.effects.push(Effect::Finished { outcome: outcome.clone() });
                }
                Ok(())
            }
            StateKind::Call(call) => {
                let scope = Scope::of_instance(workflow, &self.instance, self.reads, self.at);
                let mut data = Map::new();
                for (field, expr) in call.with() {
                    data.insert(field.clone(), cel_to_json(&scope.eval(expr)?));
                }
                let due = self.due(state)?;
                self.place(state, due);
                self.effects.push(Effect::StartChild { state, workflow: call.workflow().to_owned(), data });
                Ok(())
            }
            StateKind::Wait { join } => {
                self.place(state, None);
                self.try_join(*join)
            }
            StateKind::Task { .. } | StateKind::Signoff(_) => {
                let due = self.due(state)?;
                self.place(state, due);
                Ok(())
            }
        }
    }

    /// Fire `join` if enough of its inputs hold a token.
    fn try_join(&mut self, join: StateId) -> Result<(), RuntimeError> {
        let StateKind::Join { inputs, rule, to, cancels } = self.workflow.state(join).kind() else {
            return Err(RuntimeError::Inconsistent("a waiting state without its join".into()));
        };
        let arrived = inputs.iter().filter(|i| self.instance.tokens.iter().any(|t| t.state == **i)).count();
        if arrived < rule.needed(inputs.len()) {
            return Ok(());
        }
        self.instance.tokens.retain(|t| !inputs.contains(&t.state));
        if *rule != JoinRule::All {
            let (withdrawn, kept): (Vec<Token>, Vec<Token>) =
                std::mem::take(&mut self.instance.tokens).into_iter().partition(|t| cancels.contains(&t.state));
            self.instance.tokens = kept;
            let children: Vec<i64> = withdrawn.iter().filter_map(|t| t.child).collect();
            if !children.is_empty() {
                self.effects.push(Effect::CancelChildren { children });
            }
            self.cancelled.extend(withdrawn.into_iter().map(|t| t.state));
        }
        self.instance.visited.push(join);
        self.enter(*to)
    }
}

/// The signers a sign-off waits for as the definition lists them, when they can be listed.
fn default_slots(workflow: &Workflow, state: StateId) -> Result<Vec<Slot>, RuntimeError> {
    match workflow.state(state).kind() {
        StateKind::Signoff(s) => match s.signers() {
            Signers::Roles(roles) => {
                Ok(roles.iter().map(|r| Slot::Role(workflow.role(*r).name().to_owned())).collect())
            }
            Signers::Body(_) => {
                Err(RuntimeError::Inconsistent("a sign-off by every holder of a role has no list of signers".into()))
            }
        },
        _ => Err(RuntimeError::Inconsistent(format!("`{}` is not a sign-off", workflow.state(state).name()))),
    }
}

/// Whether a sign-off whose signers were changed has the signatures its rule needs.
fn slots_complete(rule: SignoffRule, token: &Token) -> bool {
    let slots = token.slots.as_deref().unwrap_or_default();
    let signed = slots.iter().filter(|s| s.signed_in(&token.signatures)).count();
    signed >= rule.needed(slots.len())
}

/// Replay `events` from nothing: the state the instance must have.
///
/// # Errors
/// The first event that does not fit.
pub fn replay<'e>(
    workflow: &Workflow,
    events: impl IntoIterator<Item = &'e Event>,
) -> Result<Option<Instance>, RuntimeError> {
    let mut state: Option<Instance> = None;
    for event in events {
        state = Some(apply_owned(workflow, state.take(), event)?.instance);
    }
    Ok(state)
}

/// The parent link an event of a child instance's start carries.
#[must_use]
pub fn parent_link(instance: i64, state: StateId) -> ParentLink {
    ParentLink { instance, state }
}
