//! Who may use the everyday approval operations (转办 transfer, 委派 delegate, 退回 return,
//! 催办 remind) on which step, and what a return withdraws. Pure, like the rest of `runtime`.

use std::collections::{HashSet, VecDeque};

use crate::model::workflow::{Operation, Signers, StateId, StateKind, Workflow};
use crate::org::{Org, Person};
use crate::runtime::authorize::{check_duties, check_holder};
use crate::runtime::{Instance, RuntimeError, Slot};

/// How people and messages name an operation.
#[must_use]
pub fn operation_name(op: Operation) -> &'static str {
    match op {
        Operation::Transfer => "transfer",
        Operation::Delegate => "delegate",
        Operation::Return => "return",
        Operation::Withdraw => "withdraw",
        Operation::Remind => "remind",
        Operation::StandIn => "stand_in",
    }
}

/// Refuse `op` on `state` when the workflow forbids it there.
///
/// # Errors
/// `ForbiddenOperation`.
pub fn check_allowed(workflow: &Workflow, state: StateId, op: Operation) -> Result<(), RuntimeError> {
    if workflow.allows(state, op) {
        Ok(())
    } else {
        Err(RuntimeError::ForbiddenOperation {
            operation: operation_name(op).to_owned(),
            state: workflow.state(state).name().to_owned(),
        })
    }
}

/// The role by which `person` could act on the active step `state` if it were theirs: a role of
/// one of its actions (or of its signers) whose separation-of-duty rules they pass.
fn could_act(
    workflow: &Workflow,
    instance: &Instance,
    person: &Person,
    state: StateId,
) -> Result<String, RuntimeError> {
    let person = &*instance.played(workflow, person);
    let what = format!("act on `{}`", workflow.state(state).name());
    let holds = |role: &str| person.roles.iter().any(|r| r == role);
    let mut first_refusal = None;
    let mut candidates: Vec<(Vec<String>, &[crate::model::workflow::Duty])> = Vec::new();
    match workflow.state(state).kind() {
        StateKind::Task { actions } => {
            for a in actions {
                let roles = a.by().iter().map(|r| workflow.role(*r).name().to_owned()).collect();
                candidates.push((roles, a.not_by()));
            }
        }
        StateKind::Signoff(s) => {
            let roles = match s.signers() {
                Signers::Roles(r) => r.iter().map(|r| workflow.role(*r).name().to_owned()).collect(),
                Signers::Body(r) => vec![workflow.role(*r).name().to_owned()],
            };
            candidates.push((roles, s.not_by()));
        }
        _ => {}
    }
    for (roles, duties) in candidates {
        let Some(role) = roles.iter().find(|r| holds(r)) else { continue };
        match check_duties(workflow, instance, person, duties, &what) {
            Ok(()) => return Ok(role.clone()),
            Err(e) => first_refusal = first_refusal.or(Some(e)),
        }
    }
    Err(first_refusal.unwrap_or_else(|| RuntimeError::MissingRole {
        person: person.id.clone(),
        what,
        needed: "a role that may act on this step".into(),
    }))
}

/// Check that `person` holds the active human step `state` now: it is theirs to act on, not
/// transferred to someone else or delegated away. Returns the role they hold it by.
///
/// # Errors
/// The first rule that forbids it.
pub fn check_holds(
    workflow: &Workflow,
    instance: &Instance,
    person: &Person,
    state: StateId,
) -> Result<String, RuntimeError> {
    if !instance.is_active() {
        return Err(RuntimeError::NotActive { status: instance.status.name().to_owned() });
    }
    if instance.token(state).is_none() {
        return Err(RuntimeError::StateNotActive {
            state: workflow.state(state).name().to_owned(),
            active: instance.tokens.iter().map(|t| format!("`{}`", workflow.state(t.state).name())).collect(),
        });
    }
    check_holder(workflow, instance, state, &person.id)?;
    could_act(workflow, instance, person, state)
}

/// Check a transfer (转办) of task `state` by `person` to `to`; returns the role it is done as.
///
/// # Errors
/// The first rule that forbids it: the workflow, the holder, or an unfit target (unknown, the
/// requester, without a permitted role, or barred by separation of duties).
pub fn check_transfer(
    workflow: &Workflow,
    org: &Org,
    instance: &Instance,
    person: &Person,
    state: StateId,
    to: &str,
) -> Result<String, RuntimeError> {
    let role = handing_on(workflow, instance, person, state, Operation::Transfer)?;
    let target = target(org, instance, person, to, "take over this step")?;
    could_act(workflow, instance, target, state).map_err(|e| RuntimeError::BadTarget {
        person: to.to_owned(),
        operation: "take over this step".into(),
        reason: e.to_string(),
    })?;
    Ok(role)
}

/// Check a delegation (委派) of task `state` by `person` to `to`; returns the role.
///
/// # Errors
/// The first rule that forbids it.
pub fn check_delegate(
    workflow: &Workflow,
    org: &Org,
    instance: &Instance,
    person: &Person,
    state: StateId,
    to: &str,
) -> Result<String, RuntimeError> {
    let role = handing_on(workflow, instance, person, state, Operation::Delegate)?;
    target(org, instance, person, to, "work on this step")?;
    Ok(role)
}

/// Check that `person` may hand a delegated step back.
///
/// # Errors
/// When the step is not delegated to them.
pub fn check_hand_back(
    workflow: &Workflow,
    instance: &Instance,
    person: &Person,
    state: StateId,
) -> Result<(), RuntimeError> {
    let token = instance.token(state).ok_or_else(|| RuntimeError::StateNotActive {
        state: workflow.state(state).name().to_owned(),
        active: Vec::new(),
    })?;
    match &token.delegation {
        Some(d) if d.to == person.id => Ok(()),
        _ => Err(RuntimeError::BadTarget {
            person: person.id.clone(),
            operation: "hand it back".into(),
            reason: format!("`{}` is not delegated to them", workflow.state(state).name()),
        }),
    }
}

/// Check a return (退回) from `from` to the earlier step `to` by `person`; returns the role and the
/// steps whose tokens are withdrawn.
///
/// `to` must be a human step the instance has passed through, other than `from`, and among
/// `from`'s `return_to` when the workflow restricts them. When `to` lies in the same parallel
/// branch as `from` (a path leads from `to` to `from` through no fork and no join) only `from`'s
/// token goes back; otherwise `to` lies before the branches split, and every open branch is
/// withdrawn so that the instance is one token at `to` again.
///
/// # Errors
/// The first rule that forbids it.
pub fn plan_return(
    workflow: &Workflow,
    instance: &Instance,
    person: &Person,
    from: StateId,
    to: StateId,
) -> Result<(String, Vec<StateId>), RuntimeError> {
    check_allowed(workflow, from, Operation::Return)?;
    let role = check_holds(workflow, instance, person, from)?;
    let refuse = |reason: &str| RuntimeError::CannotReturn {
        state: workflow.state(to).name().to_owned(),
        reason: reason.to_owned(),
    };
    if to == from {
        return Err(refuse("it is the step being returned from"));
    }
    if !matches!(workflow.state(to).kind(), StateKind::Task { .. } | StateKind::Signoff(_)) {
        return Err(refuse("only a step where people act can be returned to"));
    }
    if !instance.visited.contains(&to) {
        return Err(refuse("the instance has not been there"));
    }
    if let Some(allowed) = workflow.state(from).return_to() {
        if !allowed.contains(&to) {
            let names: Vec<String> = allowed.iter().map(|s| format!("`{}`", workflow.state(*s).name())).collect();
            return Err(refuse(&format!("`{}` may return only to {}", workflow.state(from).name(), names.join(", "))));
        }
    }
    let withdrawn =
        if same_branch(workflow, to, from) { vec![from] } else { instance.tokens.iter().map(|t| t.state).collect() };
    Ok((role, withdrawn))
}

/// Whether a path leads from `a` to `b` through no fork and no join.
fn same_branch(workflow: &Workflow, a: StateId, b: StateId) -> bool {
    let mut seen = HashSet::from([a]);
    let mut queue = VecDeque::from([a]);
    while let Some(s) = queue.pop_front() {
        if s == b {
            return true;
        }
        if matches!(workflow.state(s).kind(), StateKind::Fork { .. } | StateKind::Join { .. }) {
            continue;
        }
        for arc in workflow.state(s).arcs(s) {
            if seen.insert(arc.to) {
                queue.push_back(arc.to);
            }
        }
    }
    false
}

/// The people who must act on `state` now: whoever it is delegated or transferred to, or else
/// everyone holding a role that may act on it.
#[must_use]
pub fn who_must_act(workflow: &Workflow, org: &Org, instance: &Instance, state: StateId) -> Vec<String> {
    let Some(token) = instance.token(state) else { return Vec::new() };
    if let Some(d) = &token.delegation {
        return vec![d.to.clone()];
    }
    if let Some(a) = &token.assignee {
        return vec![a.clone()];
    }
    let mut people: Vec<String> = org
        .people
        .values()
        .filter(|p| could_act(workflow, instance, p, state).is_ok())
        .filter(|p| !token.signatures.iter().any(|s| s.person == p.id))
        .map(|p| p.id.clone())
        .collect();
    people.sort();
    people
}

/// What handing a task on (transfer, delegate) asks of the person who holds it: the workflow
/// allows `op` there, it is a task, and it is theirs; returns the role they hold it by.
fn handing_on(
    workflow: &Workflow,
    instance: &Instance,
    person: &Person,
    state: StateId,
    op: Operation,
) -> Result<String, RuntimeError> {
    check_allowed(workflow, state, op)?;
    if !matches!(workflow.state(state).kind(), StateKind::Task { .. }) {
        return Err(RuntimeError::NotForSignoff {
            operation: operation_name(op).to_owned(),
            state: workflow.state(state).name().to_owned(),
        });
    }
    check_holds(workflow, instance, person, state)
}

/// The person a step is handed to: known, not the one handing it, and never the requester, so
/// that nobody ends up deciding their own request.
fn target<'o>(
    org: &'o Org,
    instance: &Instance,
    person: &Person,
    to: &str,
    operation: &str,
) -> Result<&'o Person, RuntimeError> {
    let bad = |reason: String| RuntimeError::BadTarget { person: to.to_owned(), operation: operation.into(), reason };
    let target = org.person(to).ok_or_else(|| RuntimeError::UnknownActor {
        person: to.to_owned(),
        suggestion: crate::diagnostic::suggest(to, org.people.keys().map(String::as_str)),
    })?;
    if target.id == person.id {
        return Err(bad("it is already theirs".into()));
    }
    if target.id == instance.requester {
        return Err(bad("they started this instance, and nobody decides their own request".into()));
    }
    Ok(target)
}

/// The signers a sign-off in progress waits for, in order, and the position of the next one.
fn slots_now(workflow: &Workflow, instance: &Instance, state: StateId) -> Result<Vec<Slot>, RuntimeError> {
    let token = instance.token(state).ok_or_else(|| RuntimeError::StateNotActive {
        state: workflow.state(state).name().to_owned(),
        active: Vec::new(),
    })?;
    if let Some(slots) = &token.slots {
        return Ok(slots.clone());
    }
    match workflow.state(state).kind() {
        StateKind::Signoff(s) => match s.signers() {
            Signers::Roles(roles) => {
                Ok(roles.iter().map(|r| Slot::Role(workflow.role(*r).name().to_owned())).collect())
            }
            Signers::Body(_) => Err(RuntimeError::NotForSignoff {
                operation: "add or remove a signer".into(),
                state: format!(
                    "{}` (its signers are every holder of a role, from the org file",
                    workflow.state(state).name()
                ),
            }),
        },
        _ => Err(RuntimeError::BadTarget {
            person: String::new(),
            operation: "add or remove a signer".into(),
            reason: format!("`{}` is not a sign-off", workflow.state(state).name()),
        }),
    }
}

/// Check that `person` may add or remove signers of `state` (its `add_signer_by`); returns the role.
fn check_signer_authority(
    workflow: &Workflow,
    instance: &Instance,
    person: &Person,
    state: StateId,
) -> Result<String, RuntimeError> {
    if !instance.is_active() {
        return Err(RuntimeError::NotActive { status: instance.status.name().to_owned() });
    }
    let roles = workflow.state(state).add_signer_by();
    if roles.is_empty() {
        return Err(RuntimeError::ForbiddenOperation {
            operation: "add or remove signers".into(),
            state: workflow.state(state).name().to_owned(),
        });
    }
    let names: Vec<String> = roles.iter().map(|r| workflow.role(*r).name().to_owned()).collect();
    let person = &*instance.played(workflow, person);
    names.iter().find(|r| person.roles.contains(r)).cloned().ok_or_else(|| RuntimeError::MissingRole {
        person: person.id.clone(),
        what: format!("change the signers of `{}`", workflow.state(state).name()),
        needed: names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or "),
    })
}

/// Check adding (加签) `added` to the sign-off `state` in progress, by `person`, just before the
/// next signer (`before`) or just after them; returns the role it is done as and the position.
/// For a sign-off not signed in order the position does not matter.
///
/// # Errors
/// The first rule that forbids it.
pub fn check_add_signer(
    workflow: &Workflow,
    org: &Org,
    instance: &Instance,
    person: &Person,
    state: StateId,
    added: &str,
    before: bool,
) -> Result<(String, usize), RuntimeError> {
    let role = check_signer_authority(workflow, instance, person, state)?;
    let slots = slots_now(workflow, instance, state)?;
    let token = instance.token(state).expect("slots_now found it");
    let target = target(org, instance, &Person { id: String::new(), ..person.clone() }, added, "sign")?;
    let bad = |reason: &str| RuntimeError::BadTarget {
        person: added.to_owned(),
        operation: "be added as a signer".into(),
        reason: reason.to_owned(),
    };
    if slots.contains(&Slot::Person(target.id.clone())) || token.signatures.iter().any(|s| s.person == target.id) {
        return Err(bad("they already sign it"));
    }
    let played = instance.played(workflow, target);
    if let Some(role) = slots.iter().find(|s| !s.signed_in(&token.signatures) && s.fits(&played.id, &played.roles)) {
        return Err(bad(&format!("they may already sign it as {role}")));
    }
    if let StateKind::Signoff(s) = workflow.state(state).kind() {
        check_duties(workflow, instance, target, s.not_by(), &format!("sign `{}`", workflow.state(state).name()))
            .map_err(|e| bad(&e.to_string()))?;
    }
    let next = slots.iter().position(|s| !s.signed_in(&token.signatures)).unwrap_or(slots.len());
    let position = if before { next } else { (next + 1).min(slots.len()) };
    Ok((role, position))
}

/// Check removing (减签) the unsigned signer `signer` (a role name, or a person added by name)
/// from the sign-off `state` in progress; returns the role it is done as and the signer. What is
/// left must still be able to meet the sign-off's rule.
///
/// # Errors
/// The first rule that forbids it.
pub fn check_remove_signer(
    workflow: &Workflow,
    instance: &Instance,
    person: &Person,
    state: StateId,
    signer: &str,
) -> Result<(String, Slot), RuntimeError> {
    let role = check_signer_authority(workflow, instance, person, state)?;
    let slots = slots_now(workflow, instance, state)?;
    let token = instance.token(state).expect("slots_now found it");
    let bad = |reason: String| RuntimeError::BadTarget {
        person: signer.to_owned(),
        operation: "be removed from the signers".into(),
        reason,
    };
    let open: Vec<&Slot> = slots.iter().filter(|s| !s.signed_in(&token.signatures)).collect();
    let slot = open
        .iter()
        .find(|s| matches!(s, Slot::Person(p) if p == signer))
        .or_else(|| open.iter().find(|s| matches!(s, Slot::Role(r) if r == signer)))
        .map(|s| (*s).clone())
        .ok_or_else(|| {
            let names = open.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            bad(format!("they are not among the signers still to sign ({names})"))
        })?;
    let StateKind::Signoff(s) = workflow.state(state).kind() else { unreachable!("slots_now checked it") };
    let needed = match workflow.rule_in_force(s.rule(), &instance.params) {
        crate::model::workflow::SignoffRule::AtLeast(k) => k,
        _ => 1,
    };
    if slots.len() - 1 < needed {
        return Err(bad(format!(
            "the rule needs {needed} signer{}, and no fewer would be left",
            if needed == 1 { "" } else { "s" }
        )));
    }
    Ok((role, slot))
}
