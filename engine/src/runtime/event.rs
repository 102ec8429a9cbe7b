//! Events: everything that happens to an instance, each the input of one `apply`. The store
//! keeps them append-only; replaying them rebuilds the instance exactly.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::workflow::StateId;

/// The actor recorded for what the engine does by itself (deadlines, schedules).
pub const SYSTEM: &str = "system";

/// One thing that happened to an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When.
    pub at: DateTime<FixedOffset>,
    /// Who: a person id, or `system`.
    pub actor: String,
    /// The role they acted as, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Their comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// What happened.
    pub kind: EventKind,
    /// The person a stand-in (代理) acted for; `actor` is the stand-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// The version of the organisation (its number in `liucheng org`) the actor's roles and
    /// attributes were checked against: who held which role when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<i64>,
    /// What guards read about other instances to decide this event, so that replay reads the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<super::Read>,
    /// The resources this event booked, checked against every other running instance's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bookings: Vec<super::Booking>,
}

impl Event {
    /// An event with no comment, no role and nothing read yet.
    #[must_use]
    pub fn new(at: DateTime<FixedOffset>, actor: impl Into<String>, kind: EventKind) -> Event {
        Event {
            at,
            actor: actor.into(),
            role: None,
            comment: None,
            kind,
            on_behalf_of: None,
            org: None,
            reads: Vec::new(),
            bookings: Vec::new(),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The instance started with this data.
    Started {
        /// Initial data.
        data: Map<String, Value>,
        /// The parent's call state, for a sub-workflow.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<super::ParentLink>,
        /// The organisation role bound to each role parameter: by the caller's `roles:`, or by
        /// whoever started it.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        roles: super::Bindings,
        /// The workflow's parameters in force when it started (defaults, or the org's
        /// settings), by id: the instance is judged by these for its whole life.
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        params: Map<String, Value>,
    },
    /// A human step's action was taken.
    Acted {
        /// The state.
        state: StateId,
        /// The action's position in the state.
        action: usize,
        /// Data filled in.
        data: Map<String, Value>,
    },
    /// A signer signed a sign-off.
    Signed {
        /// The sign-off state.
        state: StateId,
        /// The checklist answers.
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        checklist: Map<String, Value>,
        /// For a sign-off by every holder of a role: how many holders there were when signing.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body_size: Option<usize>,
    },
    /// A signer rejected a sign-off.
    Rejected {
        /// The sign-off state.
        state: StateId,
    },
    /// A deadline passed and was acted on.
    DeadlinePassed {
        /// The state whose deadline passed.
        state: StateId,
    },
    /// A sub-workflow instance was started for a call state.
    ChildStarted {
        /// The call state.
        state: StateId,
        /// The child instance.
        child: i64,
    },
    /// A sub-workflow instance finished.
    ChildFinished {
        /// The call state.
        state: StateId,
        /// The child instance.
        child: i64,
        /// Its outcome.
        outcome: String,
        /// The caller's fields set from the child's (`returns:`), as they were when it finished.
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        data: Map<String, Value>,
    },
    /// The instance was withdrawn or cancelled.
    Cancelled {
        /// Why.
        reason: String,
    },
    /// 转办: the actor handed the step to another person, whose step it is from then on.
    Transferred {
        /// The step.
        state: StateId,
        /// The person it now belongs to.
        to: String,
    },
    /// 委派: the actor handed the step to someone to work on; it comes back to the actor.
    Delegated {
        /// The step.
        state: StateId,
        /// Who works on it.
        to: String,
    },
    /// The person a step was delegated to handed it back, with their view in the comment.
    DelegationReturned {
        /// The step.
        state: StateId,
    },
    /// 退回: the instance was sent back from a step to an earlier one, the reason in the comment.
    Returned {
        /// The step it was sent back from.
        from: StateId,
        /// The earlier step it goes back to.
        to: StateId,
        /// The steps whose tokens are withdrawn: `from` alone when `to` lies in its parallel
        /// branch, every active step when `to` lies before the branches split.
        withdrawn: Vec<StateId>,
    },
    /// 撤回: the actor took back their last action before anyone acted on what it led to.
    Withdrawn {
        /// The step they had acted in, active again.
        state: StateId,
        /// The steps their action had made active, withdrawn again.
        withdrawn: Vec<StateId>,
        /// The values their action had changed, set back.
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        restore: Map<String, Value>,
        /// The step's token as it was before their action, put back; `None` when only their
        /// signature on a sign-off still in progress is taken back.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<Box<super::Token>>,
        /// The counters (`visits`, `taken`) as they were before their action, set back; `None`
        /// when their action changed none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        counts: Option<super::Counts>,
        /// The frozen fields as they were before their action, set back; `None` when their
        /// action froze or reopened none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        frozen: Option<std::collections::BTreeMap<String, String>>,
        /// The versioned fields' values as they were before their action, set back; `None` when
        /// their action set none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        versions: Option<super::Versions>,
    },
    /// 加签: a signer was added to a sign-off in progress.
    SignerAdded {
        /// The sign-off.
        state: StateId,
        /// Who must sign too.
        person: String,
        /// Where among the signers, for a sign-off signed in order: 0 is first.
        position: usize,
    },
    /// 减签: a signer who had not yet signed was taken off a sign-off in progress.
    SignerRemoved {
        /// The sign-off.
        state: StateId,
        /// Which signer.
        slot: super::Slot,
    },
    /// 催办: whoever must act on a step was reminded (by a person, or by `tick` before a deadline).
    Reminded {
        /// The step.
        state: StateId,
        /// Who was reminded.
        to: Vec<String>,
        /// Sent by `tick` as one of the deadline's automatic reminders.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        automatic: bool,
    },
}

impl EventKind {
    /// A short name for listings, e.g. `acted`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Started { .. } => "started",
            EventKind::Acted { .. } => "acted",
            EventKind::Signed { .. } => "signed",
            EventKind::Rejected { .. } => "rejected",
            EventKind::DeadlinePassed { .. } => "deadline",
            EventKind::ChildStarted { .. } => "child_started",
            EventKind::ChildFinished { .. } => "child_finished",
            EventKind::Cancelled { .. } => "cancelled",
            EventKind::Transferred { .. } => "transferred",
            EventKind::Delegated { .. } => "delegated",
            EventKind::DelegationReturned { .. } => "delegation_returned",
            EventKind::Returned { .. } => "returned",
            EventKind::Withdrawn { .. } => "withdrawn",
            EventKind::Reminded { .. } => "reminded",
            EventKind::SignerAdded { .. } => "signer_added",
            EventKind::SignerRemoved { .. } => "signer_removed",
        }
    }
}
