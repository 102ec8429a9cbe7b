//! Why an operation on an instance was refused, as data with a hint. Nothing is written when
//! one of these is returned.

use thiserror::Error;

/// A refused operation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RuntimeError {
    #[error("cannot book {resource} `{value}`: {reason}")]
    BookingRefused { resource: String, value: String, reason: String, hint: String },
    #[error("unknown person `{person}`")]
    UnknownActor { person: String, suggestion: Option<String> },
    #[error("{person} may not {what}: it needs the role {needed}")]
    MissingRole { person: String, what: String, needed: String },
    #[error("{person} may not {what}: {rule}")]
    SeparationOfDuty { person: String, what: String, rule: String },
    #[error("`{action}` is not allowed now: its condition `{guard}` is false")]
    GuardFalse { action: String, guard: String },
    #[error("the condition `{guard}` could not be evaluated: {message}")]
    GuardError { guard: String, message: String },
    #[error("state `{state}` is not active in this instance")]
    StateNotActive { state: String, active: Vec<String> },
    #[error("`{action}` is not an action of `{state}`")]
    UnknownAction { state: String, action: String, available: Vec<String>, suggestion: Option<String> },
    #[error("`{action}` is not available now")]
    ActionNotAvailable { action: String, active: Vec<String> },
    #[error("`{action}` is available in more than one active state: {states}")]
    AmbiguousAction { action: String, states: String },
    #[error("the input has {} problem{}:\n{}", .problems.len(), if .problems.len() == 1 { "" } else { "s" }, .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    BadInput { problems: Vec<String> },
    #[error("`{action}` may not change `{field}`: it is frozen since `{state}`")]
    FrozenField { action: String, field: String, state: String, reopened_by: Vec<String> },
    #[error("a comment is required for `{action}`")]
    CommentRequired { action: String },
    #[error("`{action}` is refused: {message}")]
    InvalidInput { action: String, message: String, rule: String },
    #[error("{person} has already signed `{state}`")]
    AlreadySigned { person: String, state: String },
    #[error("`{state}` is signed in order; the next signer is the {next}")]
    NotYourTurn { state: String, next: String },
    #[error("{person} may not sign `{state}`: the signers' condition `{guard}` does not hold for them")]
    SignerCondition { person: String, state: String, guard: String },
    #[error("the checklist `{field}` is not complete: {missing} not confirmed")]
    ChecklistIncomplete { field: String, missing: String },
    #[error("the instance is {status}, nothing more can happen to it")]
    NotActive { status: String },
    #[error("{person} may not cancel this instance: {reason}")]
    CannotCancel { person: String, reason: String },
    #[error("the instance changed since you looked (version {expected}, now {actual})")]
    Stale { expected: i64, actual: i64, since: Vec<String> },
    #[error("automatic steps from `{state}` did not settle after {steps} steps")]
    Runaway { state: String, steps: usize },
    #[error("the event does not fit the instance: {0}")]
    Inconsistent(String),
    #[error("the workflow forbids `{operation}` on `{state}`")]
    ForbiddenOperation { operation: String, state: String },
    #[error("`{operation}` does not apply to `{state}`: each signer of a sign-off signs in person")]
    NotForSignoff { operation: String, state: String },
    #[error("the signers of `{state}` are every holder of a role: they change with the org file, not one by one")]
    SignersFromOrg { state: String },
    #[error("none of the active steps is one {person} can do this on")]
    NoStepFor { person: String, active: Vec<String> },
    #[error("`{state}` was transferred to {person}; only they may act on it")]
    AssignedToOther { state: String, person: String },
    #[error("`{state}` is delegated to {to} by {by}; it comes back to {by} when {to} hands it back")]
    Delegated { state: String, to: String, by: String },
    #[error("{person} cannot {operation}: {reason}")]
    BadTarget { person: String, operation: String, reason: String },
    #[error("cannot return to `{state}`: {reason}")]
    CannotReturn { state: String, reason: String },
    #[error("{person} has nothing to withdraw: {reason}")]
    CannotWithdraw { person: String, reason: String },
    #[error("cannot start `{workflow}`: {problem}")]
    BadRoleBinding { workflow: String, problem: String, hint: String },
    #[error("{person} is not a stand-in for {principal} now")]
    NoStandIn { person: String, principal: String },
    /// Not a refusal: a guard asked about other instances and the answers must be looked up
    /// before it is evaluated again. Seen outside the service only when an event's recorded
    /// answers are missing.
    #[error("the event lacks the answer to {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    NeedsReads(Vec<crate::runtime::Query>),
}

impl RuntimeError {
    /// What to do about it.
    #[must_use]
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            RuntimeError::BookingRefused { hint, .. } => hint.clone(),
            RuntimeError::UnknownActor { suggestion: Some(s), .. } => format!("did you mean `{s}`?"),
            RuntimeError::UnknownActor { .. } => "people come from the org file: `liucheng org load FILE`".into(),
            RuntimeError::MissingRole { .. } => "ask someone who holds that role, or have the org file updated".into(),
            RuntimeError::SeparationOfDuty { .. } => "someone else must take this step".into(),
            RuntimeError::GuardFalse { .. } => "`liucheng show ID` lists what can be done now".into(),
            RuntimeError::GuardError { .. } => "fill in the fields the condition reads, or correct the workflow".into(),
            RuntimeError::StateNotActive { active, .. }
            | RuntimeError::ActionNotAvailable { active, .. }
            | RuntimeError::NoStepFor { active, .. } => {
                if active.is_empty() {
                    "nothing is active".into()
                } else {
                    format!("active now: {}", active.join(", "))
                }
            }
            RuntimeError::UnknownAction { suggestion: Some(s), .. } => format!("did you mean `{s}`?"),
            RuntimeError::UnknownAction { available, .. } => format!("its actions are {}", available.join(", ")),
            RuntimeError::AmbiguousAction { .. } => "name the state with `--state`".into(),
            RuntimeError::BadInput { .. } => "`liucheng show ID` lists the fields each action needs".into(),
            RuntimeError::FrozenField { field, reopened_by, .. } if reopened_by.is_empty() => {
                format!("leave `{field}` out; nothing reopens it")
            }
            RuntimeError::FrozenField { field, reopened_by, .. } => {
                format!("leave `{field}` out; it can be changed again after {}", reopened_by.join(" or "))
            }
            RuntimeError::CommentRequired { .. } => "add `--comment TEXT`".into(),
            RuntimeError::InvalidInput { rule, .. } => format!("correct the input so that `{rule}` holds"),
            RuntimeError::SignerCondition { .. } => {
                "someone who meets it must sign in their place; `liucheng show ID` lists who may sign".into()
            }
            RuntimeError::ChecklistIncomplete { .. } => {
                "confirm every item, e.g. `--data 'safety={\"site\": true, ...}'`".into()
            }
            RuntimeError::Stale { since, .. } => format!("what happened since:\n{}", since.join("\n")),
            RuntimeError::CannotCancel { .. } => "the workflow's `cancel.by` says who may cancel".into(),
            RuntimeError::ForbiddenOperation { .. } => "the workflow's `forbid:` lists the operations it does not allow here".into(),
            RuntimeError::AssignedToOther { person, .. } => format!("ask {person}, or have them transfer it"),
            RuntimeError::Delegated { to, .. } => format!("{to} hands it back with `liucheng hand-back ID --as {to} --comment TEXT`"),
            RuntimeError::BadTarget { .. } => "choose someone who holds a role that may act on this step".into(),
            RuntimeError::CannotReturn { .. } => "`liucheng history ID` shows the steps it passed through".into(),
            RuntimeError::CannotWithdraw { .. } => "only your own last action can be withdrawn, before anyone acts on it".into(),
            RuntimeError::BadRoleBinding { hint, .. } => hint.clone(),
            RuntimeError::NoStandIn { principal, .. } => format!("{principal} names a stand-in with `liucheng stand-in add --as {principal} --by PERSON --from T --until T --reason TEXT`"),
            _ => return None,
        })
    }

    /// A stable code, for scripts.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RuntimeError::BookingRefused { .. } => "booking-refused",
            RuntimeError::UnknownActor { .. } => "unknown-actor",
            RuntimeError::MissingRole { .. } => "missing-role",
            RuntimeError::SeparationOfDuty { .. } => "separation-of-duty",
            RuntimeError::GuardFalse { .. } => "guard-false",
            RuntimeError::GuardError { .. } => "guard-error",
            RuntimeError::StateNotActive { .. } => "state-not-active",
            RuntimeError::UnknownAction { .. } => "unknown-action",
            RuntimeError::ActionNotAvailable { .. } => "action-not-available",
            RuntimeError::AmbiguousAction { .. } => "ambiguous-action",
            RuntimeError::BadInput { .. } => "bad-input",
            RuntimeError::FrozenField { .. } => "frozen-field",
            RuntimeError::CommentRequired { .. } => "comment-required",
            RuntimeError::InvalidInput { .. } => "invalid-input",
            RuntimeError::AlreadySigned { .. } => "already-signed",
            RuntimeError::NotYourTurn { .. } => "not-your-turn",
            RuntimeError::SignerCondition { .. } => "signer-condition",
            RuntimeError::ChecklistIncomplete { .. } => "checklist-incomplete",
            RuntimeError::NotActive { .. } => "not-active",
            RuntimeError::CannotCancel { .. } => "cannot-cancel",
            RuntimeError::Stale { .. } => "stale",
            RuntimeError::Runaway { .. } => "runaway",
            RuntimeError::Inconsistent(_) => "inconsistent",
            RuntimeError::NeedsReads(_) => "missing-read",
            RuntimeError::NoStepFor { .. } => "no-step",
            RuntimeError::ForbiddenOperation { .. }
            | RuntimeError::NotForSignoff { .. }
            | RuntimeError::SignersFromOrg { .. } => "forbidden-operation",
            RuntimeError::AssignedToOther { .. } => "assigned-to-other",
            RuntimeError::Delegated { .. } => "delegated",
            RuntimeError::BadTarget { .. } => "bad-target",
            RuntimeError::CannotReturn { .. } => "cannot-return",
            RuntimeError::CannotWithdraw { .. } => "cannot-withdraw",
            RuntimeError::NoStandIn { .. } => "no-stand-in",
            RuntimeError::BadRoleBinding { .. } => "bad-role-binding",
        }
    }
}
