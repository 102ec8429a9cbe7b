//! Coverage: which states and actions of each workflow no scenario reached, over every instance
//! the scenarios created (children started by calls included).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::Serialize;

use crate::model::workflow::{StateKind, Workflow};
use crate::scenario::{FileReport, Suite};

/// What was reached of one set of names.
#[derive(Debug, Clone, Serialize)]
pub struct Tally {
    /// How many there are.
    pub total: usize,
    /// How many were reached.
    pub covered: usize,
    /// Those never reached, in definition order.
    pub missed: Vec<String>,
}

impl Tally {
    fn of(all: &[String], reached: &BTreeSet<String>) -> Tally {
        let missed: Vec<String> = all.iter().filter(|n| !reached.contains(*n)).cloned().collect();
        Tally { total: all.len(), covered: all.len() - missed.len(), missed }
    }

    /// The share reached, in percent (100 when there is nothing to reach).
    #[must_use]
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            // Counts of states and actions are far below 2^52.
            #[allow(clippy::cast_precision_loss)]
            let p = 100.0 * self.covered as f64 / self.total as f64;
            p
        }
    }
}

/// The coverage of one workflow.
#[derive(Debug, Clone, Serialize)]
pub struct WorkflowCoverage {
    /// Its id.
    pub workflow: String,
    /// The file that defines it.
    pub file: String,
    /// Its states.
    pub states: Tally,
    /// Its actions: `state.action`, and `state.sign`, `state.reject`, `state.deadline`.
    pub actions: Tally,
}

#[derive(Debug, Default)]
struct Entry {
    id: String,
    states: Vec<String>,
    actions: Vec<String>,
    visited: BTreeSet<String>,
    taken: BTreeSet<String>,
}

/// Coverage gathered over several scenario files.
#[derive(Debug, Default)]
pub struct Coverage {
    by_file: BTreeMap<PathBuf, Entry>,
}

impl Coverage {
    /// Add the runs of `suite`'s scenarios; every workflow of its folder is counted, run or not.
    pub fn add(&mut self, suite: &Suite, report: &FileReport) {
        for (id, (path, workflow)) in &suite.definitions {
            self.by_file.entry(path.clone()).or_insert_with(|| Entry {
                id: id.clone(),
                states: workflow.states().iter().map(|s| s.name().to_owned()).collect(),
                actions: actions_of(workflow),
                ..Entry::default()
            });
        }
        for trace in report.scenarios.iter().flat_map(|s| &s.traces) {
            let Some((path, _)) = suite.definitions.get(&trace.workflow) else { continue };
            if let Some(entry) = self.by_file.get_mut(path) {
                entry.visited.extend(trace.visited.iter().cloned());
                entry.taken.extend(trace.taken.iter().cloned());
            }
        }
    }

    /// Per workflow, in file order.
    #[must_use]
    pub fn report(&self) -> Vec<WorkflowCoverage> {
        self.by_file
            .iter()
            .map(|(path, e)| WorkflowCoverage {
                workflow: e.id.clone(),
                file: path.display().to_string(),
                states: Tally::of(&e.states, &e.visited),
                actions: Tally::of(&e.actions, &e.taken),
            })
            .collect()
    }
}

/// Every step a scenario can take in `workflow`, as `state.action`.
fn actions_of(workflow: &Workflow) -> Vec<String> {
    let mut out = Vec::new();
    for s in workflow.states() {
        match s.kind() {
            StateKind::Task { actions } => out.extend(actions.iter().map(|a| format!("{}.{}", s.name(), a.name()))),
            StateKind::Signoff(signoff) => {
                out.push(format!("{}.sign", s.name()));
                if signoff.reject().is_some() {
                    out.push(format!("{}.reject", s.name()));
                }
            }
            _ => {}
        }
        if s.deadline().is_some() {
            out.push(format!("{}.deadline", s.name()));
        }
    }
    out
}
