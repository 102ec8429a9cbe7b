//! The state of one instance: its active states (tokens), its data, who acted where, and whether
//! it is still running. Always the fold of `apply` over the instance's events.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::workflow::StateId;

/// Whether an instance is running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Still running.
    Active,
    /// Reached an end state with this outcome.
    Finished {
        /// The end state's outcome.
        outcome: String,
    },
    /// Withdrawn or cancelled.
    Cancelled {
        /// Why.
        reason: String,
    },
}

impl Status {
    /// The short name used in listings and filters: `active`, `done` or `cancelled`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Finished { .. } => "done",
            Status::Cancelled { .. } => "cancelled",
        }
    }
}

/// One signature on a sign-off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    /// Who signed.
    pub person: String,
    /// The role they signed as.
    pub role: String,
    /// When.
    pub at: DateTime<FixedOffset>,
    /// The stand-in (代理) who signed for them, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stand_in: Option<String>,
    /// Their checklist answers, if the sign-off has a checklist.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub checklist: Map<String, Value>,
}

/// An active state of an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Token {
    /// The state.
    pub state: StateId,
    /// When it became active.
    pub entered_at: DateTime<FixedOffset>,
    /// When its deadline falls due, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime<FixedOffset>>,
    /// Signatures so far, for a sign-off.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<Signature>,
    /// The child instance, for a call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<i64>,
    /// The one person this step was transferred to (转办): only they may act on it now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Handed to someone to work on (委派), who hands it back to the delegator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegation: Option<Delegation>,
    /// How many of the deadline's automatic reminders were sent.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reminders_sent: usize,
    /// When someone was last reminded to act on it (催办).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminded_at: Option<DateTime<FixedOffset>>,
    /// A sign-off's signers once someone added or removed one (加签, 减签), in signing order;
    /// `None` while they are the definition's roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slots: Option<Vec<Slot>>,
}

/// One signer a sign-off waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// Someone holding this role.
    Role(String),
    /// This person, added to the sign-off; their signature's role is `ADDED_SIGNER`.
    Person(String),
}

/// The role recorded on the signature of a person added to a sign-off.
pub const ADDED_SIGNER: &str = "added_signer";

impl Slot {
    /// Whether `signatures` fill this slot.
    #[must_use]
    pub fn signed_in(&self, signatures: &[Signature]) -> bool {
        match self {
            Slot::Role(r) => signatures.iter().any(|s| &s.role == r),
            Slot::Person(p) => signatures.iter().any(|s| &s.person == p && s.role == ADDED_SIGNER),
        }
    }

    /// Whether `person` (holding `roles`) may fill it.
    #[must_use]
    pub fn fits(&self, person: &str, roles: &[String]) -> bool {
        match self {
            Slot::Role(r) => roles.contains(r),
            Slot::Person(p) => p == person,
        }
    }
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Slot::Role(r) => write!(f, "`{r}`"),
            Slot::Person(p) => write!(f, "{p} (added)"),
        }
    }
}

impl Token {
    /// A fresh token on `state`, entered at `at`.
    #[must_use]
    pub fn new(state: StateId, at: DateTime<FixedOffset>) -> Token {
        Token {
            state,
            entered_at: at,
            due: None,
            signatures: Vec::new(),
            child: None,
            assignee: None,
            delegation: None,
            reminders_sent: 0,
            reminded_at: None,
            slots: None,
        }
    }
}

/// What falls due on a token: one of its deadline's reminders, or the deadline itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alarm {
    /// The next automatic reminder (催办) before the deadline.
    Reminder,
    /// The deadline.
    Deadline,
}

impl Token {
    /// When the next thing falls due on this token, and what: reminders go out `remind` before
    /// the deadline, earliest first, each once.
    #[must_use]
    pub fn next_alarm(&self, workflow: &crate::model::workflow::Workflow) -> Option<(DateTime<FixedOffset>, Alarm)> {
        let due = self.due?;
        let mut leads: Vec<std::time::Duration> =
            workflow.state(self.state).deadline().map(|d| d.remind().to_vec()).unwrap_or_default();
        leads.sort_unstable_by(|a, b| b.cmp(a));
        match leads.get(self.reminders_sent).and_then(|l| chrono::Duration::from_std(*l).ok()) {
            Some(lead) => Some((due - lead, Alarm::Reminder)),
            None => Some((due, Alarm::Deadline)),
        }
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A step handed to someone to work on, who hands it back to the person who delegated it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// Who works on it now.
    pub to: String,
    /// Who delegated it and takes the decision when it comes back.
    pub by: String,
}

/// The call state of a parent instance that started this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentLink {
    /// The parent instance.
    pub instance: i64,
    /// Its call state.
    pub state: StateId,
}

/// The state of one instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// Running, finished or cancelled.
    #[serde(flatten)]
    pub status: Status,
    /// Who started it.
    pub requester: String,
    /// When it started.
    pub started_at: DateTime<FixedOffset>,
    /// Its active states.
    pub tokens: Vec<Token>,
    /// Its data, by field.
    pub data: Map<String, Value>,
    /// Who acted in which state, in order: separation-of-duty rules read it.
    pub actors: Vec<(StateId, String)>,
    /// The states entered, in order: operators may return an instance to one of them.
    pub visited: Vec<StateId>,
    /// The parent's call state, for a sub-workflow instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentLink>,
    /// The organisation role bound to each role parameter, as recorded when it started.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub roles: super::Bindings,
    /// How often each state was entered and each action taken, for `visits` and `taken`.
    #[serde(default, skip_serializing_if = "super::Counts::is_empty")]
    pub counts: super::Counts,
    /// Fields no action may change now, each with the state whose `freeze` froze it.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub frozen: std::collections::BTreeMap<String, String>,
    /// Every value set for each versioned field, in order.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub versions: super::Versions,
    /// The workflow's parameters in force when it started, by id: its rules for its whole life.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub params: Map<String, Value>,
    /// The resources it has booked; they are held while it runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bookings: Vec<super::Booking>,
}

impl Instance {
    /// The token on `state`, if that state is active.
    #[must_use]
    pub fn token(&self, state: StateId) -> Option<&Token> {
        self.tokens.iter().find(|t| t.state == state)
    }

    /// Whether `person` acted in `state`.
    #[must_use]
    pub fn acted_in(&self, state: StateId, person: &str) -> bool {
        self.actors.iter().any(|(s, p)| *s == state && p == person)
    }

    /// Whether it is still running.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.status == Status::Active
    }
}
