//! Start, act (actions, signatures, rejections) and cancel: each checks who may do it, then
//! records one event in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::diagnostic::suggest;
use crate::model::workflow::{Signers, StateId, StateKind, Workflow};
use crate::org::{Org, Person};
use crate::runtime::{
    check_action, check_bindings, check_cancel, check_input, check_sign, check_start, Attempt, Event, EventKind,
    Instance, RuntimeError, Signing,
};
use crate::service::record::utc_text;
use crate::service::record::Recorded;
use crate::service::{Context, Service, ServiceError};
use crate::store::StoreError;

/// A request to take an action (or `sign` / `reject` a sign-off).
#[derive(Debug, Clone)]
pub struct ActRequest {
    pub instance: i64,
    pub action: String,
    /// Which active state, when the action name is not enough.
    pub state: Option<String>,
    pub actor: String,
    pub data: Map<String, Value>,
    pub comment: Option<String>,
    /// Refuse if the instance has moved on since this version (its event count).
    pub expect_version: Option<i64>,
    pub now: DateTime<FixedOffset>,
}

/// What an operation wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The instance it was about.
    pub instance: i64,
    /// Every event written: children and parents included.
    pub events: Vec<Written>,
}

/// One event written: which instance, which sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Written {
    pub instance: i64,
    pub seq: i64,
}

impl Outcome {
    pub(crate) fn of(instance: i64, recorded: Vec<Recorded>) -> Self {
        Outcome {
            instance,
            events: recorded.into_iter().map(|r| Written { instance: r.instance, seq: r.seq }).collect(),
        }
    }
}

pub(crate) fn person<'o>(org: &'o Org, id: &str) -> Result<&'o Person, RuntimeError> {
    org.person(id).ok_or_else(|| RuntimeError::UnknownActor {
        person: id.to_owned(),
        suggestion: suggest(id, org.people.keys().map(String::as_str)),
    })
}

/// Load instance `id` for a command, refusing with what happened since when it is no longer at
/// `expected` (its event count, as the operator saw it).
pub(crate) fn load(
    ctx: &mut Context<'_, '_>,
    id: i64,
    expected: Option<i64>,
) -> Result<(std::sync::Arc<Workflow>, Instance, i64), ServiceError> {
    let row = ctx.tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
    if let Some(v) = expected.filter(|v| *v != row.version) {
        return Err(ctx.stale(id, v, row.version)?.into());
    }
    let (workflow, _) = ctx.definition(row.definition_id)?;
    let instance: Instance = serde_json::from_str(&row.snapshot)
        .map_err(|e| StoreError::Damaged(format!("snapshot of instance {id}: {e}")))?;
    let answer = (workflow, instance.clone(), row.version);
    ctx.loaded = Some((row, instance));
    Ok(answer)
}

/// What `act` resolves its request to.
enum Step {
    Action(StateId, usize),
    Sign(StateId),
    Reject(StateId),
}

fn resolve_step(
    workflow: &Workflow,
    instance: &Instance,
    request: &ActRequest,
    person: &Person,
) -> Result<Step, RuntimeError> {
    let active: Vec<StateId> = instance.tokens.iter().map(|t| t.state).collect();
    let active_names = || active.iter().map(|s| format!("`{}`", workflow.state(*s).name())).collect::<Vec<_>>();
    if !instance.is_active() {
        return Err(RuntimeError::NotActive { status: instance.status.name().to_owned() });
    }
    let states: Vec<StateId> = match &request.state {
        Some(name) => {
            let id = workflow
                .find_state(name)
                .filter(|s| active.contains(s))
                .ok_or_else(|| RuntimeError::StateNotActive { state: name.clone(), active: active_names() })?;
            vec![id]
        }
        None => active.clone(),
    };
    let mut found = Vec::new();
    let mut known: Vec<String> = Vec::new();
    for s in &states {
        match workflow.state(*s).kind() {
            StateKind::Task { actions } => {
                for (i, a) in actions.iter().enumerate() {
                    known.push(a.name().to_owned());
                    if a.name() == request.action {
                        found.push(Step::Action(*s, i));
                    }
                }
            }
            StateKind::Signoff(signoff) => {
                known.push("sign".into());
                if signoff.reject().is_some() {
                    known.push("reject".into());
                }
                match request.action.as_str() {
                    "sign" => found.push(Step::Sign(*s)),
                    "reject" if signoff.reject().is_some() => found.push(Step::Reject(*s)),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if found.len() > 1 {
        // Parallel branches often share action names (`approve`); the actor's roles tell them apart.
        let person = &*instance.played(workflow, person);
        let holds = |roles: &[crate::model::workflow::RoleId]| {
            roles.iter().any(|r| person.roles.iter().any(|p| p == workflow.role(*r).name()))
        };
        let mine: Vec<usize> = found
            .iter()
            .enumerate()
            .filter(|(_, step)| match step {
                Step::Action(s, a) => match workflow.state(*s).kind() {
                    StateKind::Task { actions } => holds(actions[*a].by()),
                    _ => false,
                },
                Step::Sign(s) | Step::Reject(s) => match workflow.state(*s).kind() {
                    StateKind::Signoff(signoff) => match signoff.signers() {
                        Signers::Roles(r) => holds(r),
                        Signers::Body(r) => holds(std::slice::from_ref(r)),
                    },
                    _ => false,
                },
            })
            .map(|(i, _)| i)
            .collect();
        if mine.len() == 1 {
            return Ok(found.remove(mine[0]));
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            let elsewhere = workflow.states().iter().any(|s| match s.kind() {
                StateKind::Task { actions } => actions.iter().any(|a| a.name() == request.action),
                StateKind::Signoff(_) => request.action == "sign" || request.action == "reject",
                _ => false,
            });
            if elsewhere {
                Err(RuntimeError::ActionNotAvailable { action: request.action.clone(), active: active_names() })
            } else {
                let suggestion = suggest(&request.action, known.iter().map(String::as_str));
                Err(RuntimeError::UnknownAction {
                    state: states.first().map_or_else(String::new, |s| workflow.state(*s).name().to_owned()),
                    action: request.action.clone(),
                    available: known.iter().map(|k| format!("`{k}`")).collect(),
                    suggestion,
                })
            }
        }
        _ => Err(RuntimeError::AmbiguousAction {
            action: request.action.clone(),
            states: found
                .iter()
                .map(|s| match s {
                    Step::Action(st, _) | Step::Sign(st) | Step::Reject(st) => {
                        format!("`{}`", workflow.state(*st).name())
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The rules a stand-in must pass themselves, beside those the person they act for passes: the
/// workflow allows stand-ins on the step, and its separation of duties does not bar them.
fn stand_in_may(workflow: &Workflow, instance: &Instance, stand_in: &Person, step: &Step) -> Result<(), RuntimeError> {
    let (state, duties, what) = match step {
        Step::Action(s, a) => match workflow.state(*s).kind() {
            StateKind::Task { actions } => (*s, actions[*a].not_by(), format!("take `{}`", actions[*a].name())),
            _ => return Ok(()),
        },
        Step::Sign(s) | Step::Reject(s) => match workflow.state(*s).kind() {
            StateKind::Signoff(signoff) => (*s, signoff.not_by(), format!("sign `{}`", workflow.state(*s).name())),
            _ => return Ok(()),
        },
    };
    crate::runtime::check_allowed(workflow, state, crate::model::workflow::Operation::StandIn)?;
    crate::runtime::check_duties(workflow, instance, stand_in, duties, &what)?;
    crate::runtime::check_holder(workflow, instance, state, &stand_in.id).or_else(|e| match e {
        // A step transferred to the principal is theirs to act on through their stand-in.
        RuntimeError::AssignedToOther { .. } => Ok(()),
        other => Err(other),
    })
}

impl Service {
    /// Start an instance of the latest definition of `workflow` as `actor`, with `data`.
    ///
    /// # Errors
    /// When the workflow or the actor is unknown, the actor may not start it, or the data is bad.
    pub fn start(
        &mut self,
        workflow: &str,
        actor: &str,
        data: Map<String, Value>,
        now: DateTime<FixedOffset>,
    ) -> Result<Outcome, ServiceError> {
        self.start_with_roles(workflow, actor, data, &BTreeMap::new(), now)
    }

    /// Start an instance as `start` does, binding the workflow's role parameters to roles of the
    /// organisation (`{giver: ward_nurse}`).
    ///
    /// # Errors
    /// As `start`, and `BadRoleBinding` when a binding names no parameter or a role nobody
    /// holds, or a parameter that must be bound is not.
    pub fn start_with_roles(
        &mut self,
        workflow: &str,
        actor: &str,
        data: Map<String, Value>,
        roles: &BTreeMap<String, String>,
        now: DateTime<FixedOffset>,
    ) -> Result<Outcome, ServiceError> {
        let cache = &mut self.cache;
        self.store.write(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let (definition_id, definition, _) = ctx.latest(workflow)?;
            let org = ctx.org()?;
            let person = person(&org, actor)?;
            let roles = check_bindings(&definition, &org, roles)?;
            let role = check_start(&definition, &roles, person)?;
            let start = definition.start();
            check_input(&definition, "starting", start.requires(), start.accepts(), &Map::new(), &data)?;
            let params = ctx.params_for(&definition)?;
            let event = Event {
                role: Some(role),
                org: ctx.org_version(),
                ..Event::new(
                    now.with_timezone(&definition.timezone()),
                    actor,
                    EventKind::Started { data, parent: None, roles, params },
                )
            };
            let (id, recorded) = ctx.create(definition_id, event)?;
            Ok(Outcome::of(id, recorded))
        })
    }

    /// Take an action, sign or reject, as `request.actor`.
    ///
    /// # Errors
    /// The first rule that forbids it; nothing is written then.
    pub fn act(&mut self, request: &ActRequest) -> Result<Outcome, ServiceError> {
        self.act_for(request, None)
    }

    /// Take an action, sign or reject as `request.actor` standing in (代理) for `principal`, who
    /// named them for this time with `name_stand_in`: with the principal's roles, recording both.
    ///
    /// # Errors
    /// `NoStandIn` when they are not the principal's stand-in now; a stand-in may not act on an
    /// instance they requested, nor where the step's separation of duties bars them; and every
    /// rule that would refuse the principal.
    pub fn act_for(&mut self, request: &ActRequest, principal: Option<&str>) -> Result<Outcome, ServiceError> {
        let cache = &mut self.cache;
        self.store.write(|tx| {
            let mut ctx = Context::new(tx, request.now, cache);
            let (workflow, instance, version) = load(&mut ctx, request.instance, request.expect_version)?;
            let org = ctx.org()?;
            let actor = person(&org, &request.actor)?;
            let person = match principal {
                None => actor,
                Some(p) => {
                    let principal = person(&org, p)?;
                    if !ctx.tx.is_stand_in(p, &actor.id, &utc_text(request.now))? {
                        return Err(
                            RuntimeError::NoStandIn { person: actor.id.clone(), principal: p.to_owned() }.into()
                        );
                    }
                    if instance.requester == actor.id {
                        return Err(RuntimeError::BadTarget {
                            person: actor.id.clone(),
                            operation: format!("stand in for {p}"),
                            reason: "they started this instance, and nobody decides their own request".into(),
                        }
                        .into());
                    }
                    principal
                }
            };
            let at = request.now.with_timezone(&workflow.timezone());
            let comment = request.comment.clone().filter(|c| !c.trim().is_empty());
            let mut reads = Vec::new();
            let step = resolve_step(&workflow, &instance, request, person)?;
            if principal.is_some() {
                stand_in_may(&workflow, &instance, actor, &step)?;
            }
            let sign = |state, reject| {
                let signing = Signing { state, checklist: &request.data, reject };
                check_sign(&workflow, &org, request.now, &instance, person, &signing)
            };
            let (role, kind) = match step {
                Step::Action(state, action) => {
                    let taken = ctx.answering(Some(request.instance), &mut reads, |reads| {
                        let attempt = Attempt { state, action, input: &request.data, comment: comment.as_deref() };
                        check_action(&workflow, &org, request.now, &instance, person, &attempt, reads)
                    })?;
                    (taken.role, EventKind::Acted { state, action, data: taken.data })
                }
                Step::Sign(state) => {
                    let role = sign(state, false)?;
                    let body_size = match workflow.state(state).kind() {
                        StateKind::Signoff(s) => match s.signers() {
                            Signers::Body(r) => {
                                let role = instance.org_role(&workflow, workflow.role(*r).name()).unwrap_or_default();
                                Some(org.holders(role).len())
                            }
                            Signers::Roles(_) => None,
                        },
                        _ => None,
                    };
                    (role, EventKind::Signed { state, checklist: request.data.clone(), body_size })
                }
                Step::Reject(state) => {
                    let role = sign(state, true)?;
                    if comment.is_none() {
                        return Err(RuntimeError::CommentRequired { action: "reject".into() }.into());
                    }
                    (role, EventKind::Rejected { state })
                }
            };
            let event = Event {
                role: Some(role),
                comment,
                on_behalf_of: principal.map(str::to_owned),
                org: ctx.org_version(),
                reads,
                ..Event::new(at, request.actor.clone(), kind)
            };
            let recorded = ctx.record(request.instance, Some(version), event)?;
            Ok(Outcome::of(request.instance, recorded))
        })
    }

    /// Withdraw (by the requester) or cancel (by a permitted role) an instance.
    ///
    /// # Errors
    /// When `actor` may not, or the instance is not running.
    pub fn cancel(
        &mut self,
        id: i64,
        actor: &str,
        reason: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<Outcome, ServiceError> {
        let cache = &mut self.cache;
        self.store.write(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let (workflow, instance, version) = load(&mut ctx, id, None)?;
            let org = ctx.org()?;
            let person = person(&org, actor)?;
            check_cancel(&workflow, &instance, person)?;
            if reason.trim().is_empty() {
                return Err(RuntimeError::CommentRequired { action: "cancel".into() }.into());
            }
            let event = Event {
                comment: Some(reason.to_owned()),
                org: ctx.org_version(),
                ..Event::new(
                    now.with_timezone(&workflow.timezone()),
                    actor,
                    EventKind::Cancelled { reason: reason.to_owned() },
                )
            };
            let recorded = ctx.record(id, Some(version), event)?;
            Ok(Outcome::of(id, recorded))
        })
    }
}
