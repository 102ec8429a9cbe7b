//! Scenarios after every name in them was checked against the workflows and the org: what
//! `super::run` executes. Only `super::resolve` builds them.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

use crate::syntax::source_map::Span;

/// The scenarios of one file, ready to run.
#[derive(Debug, Clone)]
pub struct ScenarioFile {
    pub(crate) path: PathBuf,
    pub(crate) workflow: String,
    pub(crate) clock: DateTime<FixedOffset>,
    pub(crate) scenarios: Vec<Scenario>,
}

impl ScenarioFile {
    /// The file.
    #[must_use]
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The id of the workflow under test.
    #[must_use]
    pub fn workflow(&self) -> &str {
        &self.workflow
    }

    /// How many scenarios it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.scenarios.len()
    }

    /// Whether it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.scenarios.is_empty()
    }
}

/// One scenario.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub(crate) name: String,
    pub(crate) at: Span,
    pub(crate) start: Start,
    pub(crate) steps: Vec<Step>,
    /// Parameter values set over the org file's: the file's, then the scenario's own.
    pub(crate) settings: crate::org::Settings,
}

/// Starting an instance.
#[derive(Debug, Clone)]
pub(crate) struct Start {
    pub(crate) actor: String,
    pub(crate) data: Map<String, Value>,
    pub(crate) roles: std::collections::BTreeMap<String, String>,
}

/// One step, with where it is written and how to name it in a report.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub(crate) at: Span,
    pub(crate) label: String,
    pub(crate) kind: StepKind,
}

/// Which instance a step addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// The instance the scenario started.
    Main,
    /// The most recently started instance of this workflow.
    Latest(String),
}

/// Something a person does to an instance.
#[derive(Debug, Clone)]
pub(crate) enum Operation {
    Act {
        action: String,
        state: Option<String>,
        actor: String,
        data: Map<String, Value>,
        comment: Option<String>,
    },
    Sign {
        state: String,
        actor: String,
        checklist: Map<String, Value>,
        comment: Option<String>,
    },
    Reject {
        state: String,
        actor: String,
        comment: Option<String>,
    },
    Cancel {
        actor: String,
        reason: String,
    },
    Start(Start),
    /// One of the everyday approval operations (transfer, delegate, hand back, return,
    /// withdraw, remind), as `liucheng` runs it.
    Approval {
        op: crate::service::Op,
        state: Option<String>,
        actor: String,
        comment: Option<String>,
    },
    /// Name a stand-in from now for `period`.
    StandIn {
        person: String,
        by: String,
        period: Duration,
        reason: String,
    },
    /// Act, sign or reject as someone's stand-in.
    For {
        principal: String,
        op: Box<Operation>,
    },
}

/// What a step does.
#[derive(Debug, Clone)]
pub(crate) enum StepKind {
    /// Do it; it must succeed.
    Do { op: Operation, target: Target },
    /// Move the clock.
    Advance(Duration),
    /// Fire what is due; with `fired`, exactly these states' deadlines must fire.
    Tick { fired: Option<Vec<String>> },
    /// Check the instance.
    Expect { expect: Expectation, target: Target },
    /// Try it; it must be refused, with this reason when one is given.
    Refused { op: Operation, target: Target, reason: Option<String> },
}

/// What an instance must look like; `None` and empty mean "not checked".
#[derive(Debug, Clone, Default)]
pub(crate) struct Expectation {
    pub(crate) states: Option<Vec<String>>,
    pub(crate) status: Option<&'static str>,
    pub(crate) outcome: Option<String>,
    pub(crate) data: Map<String, Value>,
    pub(crate) can_act: Vec<(String, Vec<String>)>,
    pub(crate) cannot_act: Vec<String>,
    /// A state, or `state.action`, and the count it must have.
    pub(crate) counts: Vec<(String, i64)>,
}
