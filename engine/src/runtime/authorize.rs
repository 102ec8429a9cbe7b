//! Who may do what: roles, separation of duties, guards and sign-off rules, checked before an
//! event is written. `apply` trusts events; this module decides which events may exist.

use serde_json::{Map, Value};

use crate::model::workflow::{Duty, RoleId, Signers, SignoffRule, StateId, StateKind, Workflow};
use crate::org::{Org, Person};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use crate::runtime::eval::Scope;
use crate::runtime::{played, Bindings, Instance, RuntimeError};

/// An action someone tries to take: which, in which state, with what input and comment.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub state: StateId,
    pub action: usize,
    pub input: &'a Map<String, Value>,
    pub comment: Option<&'a str>,
}

/// A signature or rejection someone tries to give: on which sign-off, with which checklist.
#[derive(Debug, Clone, Copy)]
pub struct Signing<'a> {
    pub state: StateId,
    pub checklist: &'a Map<String, Value>,
    pub reject: bool,
}

/// Something a person may do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// In which active state.
    pub state: StateId,
    /// The action's name, or `sign` / `reject` on a sign-off.
    pub action: String,
    /// The role they would act as.
    pub role: String,
}

fn role_names(workflow: &Workflow, roles: &[RoleId]) -> Vec<String> {
    roles.iter().map(|r| workflow.role(*r).name().to_owned()).collect()
}

/// The first of `roles` that `person` holds.
fn held(workflow: &Workflow, person: &Person, roles: &[RoleId]) -> Option<String> {
    role_names(workflow, roles).into_iter().find(|r| person.roles.contains(r))
}

fn needed(workflow: &Workflow, bindings: &Bindings, roles: &[RoleId]) -> String {
    let names: Vec<String> = roles
        .iter()
        .map(|r| {
            let role = workflow.role(*r);
            let shown = format!("`{}` ({})", role.name(), role.title());
            // A parameter says which organisation role plays it here, or that none does.
            match (role.parameter(), bindings.get(role.name())) {
                (None, _) => shown,
                (Some(_), Some(b)) => format!("{shown} = `{}`", b.role),
                (Some(_), None) => format!("{shown}, played by nobody here"),
            }
        })
        .collect();
    match names.len() {
        0 => "(none)".into(),
        1 => names[0].clone(),
        _ => format!("one of {}", names.join(", ")),
    }
}

/// Check that `person` may start an instance whose role parameters are bound by `bindings`;
/// returns the role they start as.
///
/// # Errors
/// `MissingRole` when they hold none of the starting roles.
pub fn check_start(workflow: &Workflow, bindings: &Bindings, person: &Person) -> Result<String, RuntimeError> {
    let person = &*played(workflow, bindings, person);
    held(workflow, person, workflow.start().by()).ok_or_else(|| RuntimeError::MissingRole {
        person: person.id.clone(),
        what: format!("start `{}`", workflow.id()),
        needed: needed(workflow, bindings, workflow.start().by()),
    })
}

pub(crate) fn check_duties(
    workflow: &Workflow,
    instance: &Instance,
    person: &Person,
    duties: &[Duty],
    what: &str,
) -> Result<(), RuntimeError> {
    for duty in duties {
        let broken = match duty {
            Duty::Requester if instance.requester == person.id => {
                Some("the requester may not take this step".to_owned())
            }
            Duty::ActorOf(s) if instance.acted_in(*s, &person.id) => Some(format!(
                "whoever acted in `{}` ({}) may not take this step",
                workflow.state(*s).name(),
                workflow.state(*s).title()
            )),
            _ => None,
        };
        if let Some(rule) = broken {
            return Err(RuntimeError::SeparationOfDuty { person: person.id.clone(), what: what.to_owned(), rule });
        }
    }
    Ok(())
}

/// Refuse `person` on a step transferred to someone else or delegated away (转办, 委派).
pub(crate) fn check_holder(
    workflow: &Workflow,
    instance: &Instance,
    state: StateId,
    person: &str,
) -> Result<(), RuntimeError> {
    let Some(token) = instance.token(state) else { return Ok(()) };
    let name = || workflow.state(state).name().to_owned();
    if let Some(d) = &token.delegation {
        return Err(RuntimeError::Delegated { state: name(), to: d.to.clone(), by: d.by.clone() });
    }
    match &token.assignee {
        Some(a) if a != person => Err(RuntimeError::AssignedToOther { state: name(), person: a.clone() }),
        _ => Ok(()),
    }
}

fn active_names(workflow: &Workflow, instance: &Instance) -> Vec<String> {
    instance.tokens.iter().map(|t| format!("`{}`", workflow.state(t.state).name())).collect()
}

fn require_active(workflow: &Workflow, instance: &Instance, state: StateId) -> Result<(), RuntimeError> {
    if !instance.is_active() {
        return Err(RuntimeError::NotActive { status: instance.status.name().to_owned() });
    }
    if instance.token(state).is_none() {
        return Err(RuntimeError::StateNotActive {
            state: workflow.state(state).name().to_owned(),
            active: active_names(workflow, instance),
        });
    }
    Ok(())
}

/// What an action taken would write: the role it is taken as, and its data (the input and the
/// values of its `set:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Taken {
    /// The role the person acts as.
    pub role: String,
    /// The input with the computed values, as the event records them.
    pub data: Map<String, Value>,
}

/// Check that `person` may take action `action` of `state`, with `input` filled in; returns the
/// role they act as and the data the event records.
///
/// # Errors
/// The first rule that forbids it.
pub fn check_action(
    workflow: &Workflow,
    org: &Arc<Org>,
    now: DateTime<FixedOffset>,
    instance: &Instance,
    person: &Person,
    attempt: &Attempt<'_>,
    reads: &[crate::runtime::Read],
) -> Result<Taken, RuntimeError> {
    let Attempt { state, action, input, comment } = *attempt;
    let person = &*instance.played(workflow, person);
    require_active(workflow, instance, state)?;
    check_holder(workflow, instance, state, &person.id)?;
    let StateKind::Task { actions } = workflow.state(state).kind() else {
        return Err(RuntimeError::Inconsistent(format!("`{}` has no actions", workflow.state(state).name())));
    };
    let a = &actions[action];
    let what = format!("take `{}` in `{}`", a.name(), workflow.state(state).name());
    let role = held(workflow, person, a.by()).ok_or_else(|| RuntimeError::MissingRole {
        person: person.id.clone(),
        what: what.clone(),
        needed: needed(workflow, &instance.roles, a.by()),
    })?;
    check_duties(workflow, instance, person, a.not_by(), &what)?;
    crate::runtime::check_input(
        workflow,
        &format!("`{}`", a.name()),
        a.requires(),
        a.accepts(),
        &instance.data,
        input,
    )?;
    check_frozen(workflow, instance, a.name(), input)?;
    if a.comment_required() && comment.is_none_or(|c| c.trim().is_empty()) {
        return Err(RuntimeError::CommentRequired { action: a.name().to_owned() });
    }
    let mut data = instance.data.clone();
    data.extend(input.iter().map(|(k, v)| (k.clone(), v.clone())));
    // The guard and the rules see the versions as the action would leave them, like the data.
    let mut versions = instance.versions.clone();
    crate::runtime::versions_keep(workflow, &mut versions, input, &person.id, now);
    if let Some(guard) = a.guard() {
        let mut scope = Scope::of_person(workflow, instance, &data, person, (org, now), reads);
        scope.versions = &versions;
        if !scope.holds(guard)? {
            return Err(RuntimeError::GuardFalse { action: a.name().to_owned(), guard: guard.source().to_owned() });
        }
    }
    let mut recorded = input.clone();
    if !a.set().is_empty() {
        let computed = crate::runtime::assigned(
            workflow,
            a,
            &Scope::of_person(workflow, instance, &data, person, (org, now), reads),
        )?;
        check_frozen(workflow, instance, a.name(), &computed)?;
        crate::runtime::versions_keep(workflow, &mut versions, &computed, &person.id, now);
        data.extend(computed.iter().map(|(k, v)| (k.clone(), v.clone())));
        recorded.extend(computed);
    }
    if !a.valid().is_empty() {
        let mut scope = Scope::of_person(workflow, instance, &data, person, (org, now), reads);
        scope.versions = &versions;
        for rule in a.valid() {
            if !scope.holds(rule.when())? {
                return Err(RuntimeError::InvalidInput {
                    action: a.name().to_owned(),
                    message: rule.message().to_owned(),
                    rule: rule.when().source().to_owned(),
                });
            }
        }
    }
    Ok(Taken { role, data: recorded })
}

/// Refuse an action that would change a field a state froze.
fn check_frozen(
    workflow: &Workflow,
    instance: &Instance,
    action: &str,
    input: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), RuntimeError> {
    let Some((field, state)) = input.keys().find_map(|k| instance.frozen.get_key_value(k)) else {
        return Ok(());
    };
    let reopened_by = workflow
        .states()
        .iter()
        .filter(|s| s.unfreeze().iter().any(|f| workflow.field(*f).name() == field))
        .map(|s| format!("`{}`", s.name()))
        .collect();
    Err(RuntimeError::FrozenField {
        action: action.to_owned(),
        field: field.clone(),
        state: state.clone(),
        reopened_by,
    })
}

/// The roles still to sign `state`, in order.
fn unsigned_roles(workflow: &Workflow, instance: &Instance, state: StateId, roles: &[RoleId]) -> Vec<String> {
    let signed: Vec<&str> =
        instance.token(state).map(|t| t.signatures.iter().map(|s| s.role.as_str()).collect()).unwrap_or_default();
    role_names(workflow, roles).into_iter().filter(|r| !signed.contains(&r.as_str())).collect()
}

/// Check that `person` may sign (or, with `reject`, reject) sign-off `state`; returns the role.
///
/// # Errors
/// The first rule that forbids it.
pub fn check_sign(
    workflow: &Workflow,
    org: &Arc<Org>,
    now: DateTime<FixedOffset>,
    instance: &Instance,
    person: &Person,
    signing: &Signing<'_>,
) -> Result<String, RuntimeError> {
    let Signing { state, checklist, reject } = *signing;
    let person = &*instance.played(workflow, person);
    require_active(workflow, instance, state)?;
    let StateKind::Signoff(signoff) = workflow.state(state).kind() else {
        return Err(RuntimeError::Inconsistent(format!("`{}` is not a sign-off", workflow.state(state).name())));
    };
    check_holder(workflow, instance, state, &person.id)?;
    let name = workflow.state(state).name().to_owned();
    let what = format!("sign `{name}`");
    let token = instance.token(state).expect("checked active");
    if token.signatures.iter().any(|s| s.person == person.id) {
        return Err(RuntimeError::AlreadySigned { person: person.id.clone(), state: name });
    }
    check_duties(workflow, instance, person, signoff.not_by(), &what)?;
    let role = if let Some(slots) = &token.slots {
        let open: Vec<&crate::runtime::Slot> = slots.iter().filter(|s| !s.signed_in(&token.signatures)).collect();
        let fitting = if signoff.rule() == SignoffRule::InOrder {
            let next = open.first().copied();
            if !next.is_some_and(|s| s.fits(&person.id, &person.roles)) {
                let next = next.map_or_else(|| "nobody".to_owned(), ToString::to_string);
                return Err(RuntimeError::NotYourTurn { state: name, next });
            }
            next
        } else {
            // A person added by name fills their own place before any role's.
            open.iter()
                .find(|s| matches!(s, crate::runtime::Slot::Person(p) if *p == person.id))
                .or_else(|| open.iter().find(|s| s.fits(&person.id, &person.roles)))
                .copied()
        };
        match fitting {
            Some(crate::runtime::Slot::Role(r)) => r.clone(),
            Some(crate::runtime::Slot::Person(_)) => crate::runtime::ADDED_SIGNER.to_owned(),
            None => {
                let needed = open
                    .iter()
                    .map(|s| match s {
                        crate::runtime::Slot::Role(r) => match workflow.find_role(r) {
                            Some(id) => needed(workflow, &instance.roles, &[id]),
                            None => s.to_string(),
                        },
                        crate::runtime::Slot::Person(_) => s.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(RuntimeError::MissingRole { person: person.id.clone(), what, needed });
            }
        }
    } else {
        match signoff.signers() {
            Signers::Body(role) => {
                let role_name = workflow.role(*role).name().to_owned();
                if !person.roles.contains(&role_name) {
                    return Err(RuntimeError::MissingRole {
                        person: person.id.clone(),
                        what,
                        needed: needed(workflow, &instance.roles, &[*role]),
                    });
                }
                role_name
            }
            Signers::Roles(roles) => {
                let open = unsigned_roles(workflow, instance, state, roles);
                if signoff.rule() == SignoffRule::InOrder {
                    let next = open.first().cloned().unwrap_or_default();
                    if !person.roles.contains(&next) {
                        let title =
                            workflow.find_role(&next).map(|r| workflow.role(r).title().to_owned()).unwrap_or_default();
                        return Err(RuntimeError::NotYourTurn { state: name, next: format!("`{next}` ({title})") });
                    }
                    next
                } else {
                    match open.iter().find(|r| person.roles.contains(r)) {
                        Some(r) => r.clone(),
                        None => {
                            let still: Vec<RoleId> = open.iter().filter_map(|r| workflow.find_role(r)).collect();
                            return Err(RuntimeError::MissingRole {
                                person: person.id.clone(),
                                what,
                                needed: needed(workflow, &instance.roles, &still),
                            });
                        }
                    }
                }
            }
        }
    };
    if let Some(guard) = signoff.guard() {
        let scope = Scope::of_person(workflow, instance, &instance.data, person, (org, now), &[]);
        if !scope.holds(guard)? {
            return Err(RuntimeError::SignerCondition {
                person: person.id.clone(),
                state: name,
                guard: guard.source().to_owned(),
            });
        }
    }
    if let (Some(field), false) = (signoff.checklist(), reject) {
        if let crate::model::workflow::FieldType::Checklist(items) = workflow.field(field).kind() {
            let missing: Vec<String> = items
                .iter()
                .filter(|(id, _)| checklist.get(id) != Some(&Value::Bool(true)))
                .map(|(id, title)| format!("`{id}` ({title})"))
                .collect();
            if !missing.is_empty() {
                return Err(RuntimeError::ChecklistIncomplete {
                    field: workflow.field(field).name().to_owned(),
                    missing: missing.join(", "),
                });
            }
        }
    }
    Ok(role)
}

/// Check that `person` may cancel the instance.
///
/// # Errors
/// `CannotCancel` with the reason.
pub fn check_cancel(workflow: &Workflow, instance: &Instance, person: &Person) -> Result<(), RuntimeError> {
    let person = &*instance.played(workflow, person);
    if !instance.is_active() {
        return Err(RuntimeError::NotActive { status: instance.status.name().to_owned() });
    }
    if instance.parent.is_some() {
        return Err(RuntimeError::CannotCancel {
            person: person.id.clone(),
            reason: "it runs as a sub-workflow; cancel its parent instead".into(),
        });
    }
    let Some(cancel) = workflow.cancel() else {
        return Err(RuntimeError::CannotCancel {
            person: person.id.clone(),
            reason: "this workflow cannot be cancelled".into(),
        });
    };
    if cancel.requester() && instance.requester == person.id {
        return Ok(());
    }
    if held(workflow, person, cancel.roles()).is_some() {
        return Ok(());
    }
    let mut who = role_names(workflow, cancel.roles()).iter().map(|r| format!("`{r}`")).collect::<Vec<_>>();
    if cancel.requester() {
        who.insert(0, "the requester".into());
    }
    Err(RuntimeError::CannotCancel { person: person.id.clone(), reason: format!("only {} may", who.join(" or ")) })
}

/// Everything `person` may do now, for `show` and `list --mine`. Guards that need input the
/// person has not given yet are not evaluated here; `act` checks them.
///
/// # Errors
/// `NeedsReads` when a guard asks about other instances and `reads` lacks the answer.
pub fn available_actions(
    workflow: &Workflow,
    org: &Arc<Org>,
    now: DateTime<FixedOffset>,
    instance: &Instance,
    person: &Person,
    reads: &[crate::runtime::Read],
) -> Result<Vec<Offer>, RuntimeError> {
    let mut offers = Vec::new();
    if !instance.is_active() {
        return Ok(offers);
    }
    let asked = person;
    let person = &*instance.played(workflow, person);
    for token in &instance.tokens {
        if let Some(d) = token.delegation.as_ref().filter(|d| d.to == person.id) {
            // The delegate's part is to work on it and hand it back.
            offers.push(Offer {
                state: token.state,
                action: "hand-back".into(),
                role: format!("delegate of {}", d.by),
            });
            continue;
        }
        if check_holder(workflow, instance, token.state, &person.id).is_err() {
            continue;
        }
        match workflow.state(token.state).kind() {
            StateKind::Task { actions } => {
                for (i, a) in actions.iter().enumerate() {
                    let Some(role) = held(workflow, person, a.by()) else { continue };
                    if check_duties(workflow, instance, person, a.not_by(), "").is_err() {
                        continue;
                    }
                    if let Some(guard) = a.guard() {
                        let scope = Scope::of_person(workflow, instance, &instance.data, person, (org, now), reads);
                        match scope.holds(guard) {
                            Ok(false) => continue,
                            Err(e @ RuntimeError::NeedsReads(_)) => return Err(e),
                            // Offered: taking it reports why the guard cannot be evaluated.
                            Ok(true) | Err(_) => {}
                        }
                    }
                    let _ = i;
                    offers.push(Offer { state: token.state, action: a.name().to_owned(), role });
                }
            }
            StateKind::Signoff(signoff) => {
                let all_true = Map::new();
                let signing = Signing { state: token.state, checklist: &all_true, reject: true };
                let can = check_sign(workflow, org, now, instance, asked, &signing);
                if let Ok(role) = can {
                    offers.push(Offer { state: token.state, action: "sign".into(), role: role.clone() });
                    if signoff.reject().is_some() {
                        offers.push(Offer { state: token.state, action: "reject".into(), role });
                    }
                }
            }
            _ => {}
        }
    }
    Ok(offers)
}
