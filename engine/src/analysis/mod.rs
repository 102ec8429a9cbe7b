//! Analysis of a resolved workflow: graph checks first, then, for workflows with parallel parts,
//! soundness by exploring the combinations of active states, each finding with a counterexample.

pub mod graph;
pub mod net;
pub mod soundness;

use crate::diagnostic::{Problem, Report, Severity, Target};
use crate::model::workflow::{StateKind, Workflow};
use crate::syntax::source_map::YamlPath;
use soundness::{describe_marking, describe_path, Finding, Limits, Net};

/// How far the analysis goes.
#[derive(Debug, Clone)]
pub struct Options {
    /// The most combinations of active states explored before giving up.
    pub max_markings: usize,
    /// Report steps that can never happen as errors instead of warnings.
    pub dead_steps_are_errors: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self { max_markings: Limits::default().max_markings, dead_steps_are_errors: false }
    }
}

/// Analyse `workflow`, adding what is found to `report`.
pub fn analyse(workflow: &Workflow, options: &Options, report: &mut Report) {
    let verdict = graph::check(workflow, options.dead_steps_are_errors, report);
    if !verdict.ok {
        return;
    }
    let (net, owners) = net::compile_with_owners(workflow);
    let findings = soundness::verify(&net, &Limits { max_markings: options.max_markings });
    for finding in findings {
        // A step of an unreachable state is dead, and that state was reported already.
        if let Finding::DeadTransition { transition } = finding {
            if owners.get(transition).is_some_and(|o| !verdict.reachable[*o]) {
                continue;
            }
        }
        report_finding(workflow, &net, &owners, &finding, options, report);
    }
}

fn state_path(net: &Net, place: usize) -> YamlPath {
    YamlPath::at(&["states", &net.places[place]])
}

fn path_notes(net: &Net, path: &[usize]) -> Vec<String> {
    let mut notes = vec![format!("counterexample, from the start at `{}`:", net.places[net.initial])];
    notes.extend(describe_path(net, path).into_iter().enumerate().map(|(i, step)| format!("{:>3}. {step}", i + 1)));
    notes
}

fn report_finding(
    workflow: &Workflow,
    net: &Net,
    owners: &[usize],
    finding: &Finding,
    options: &Options,
    report: &mut Report,
) {
    match finding {
        Finding::Deadlock { marking, path } => {
            let (detail, at) = deadlock_detail(workflow, net, marking);
            let mut notes = path_notes(net, path);
            notes.push(format!("then nothing can move: active {}", describe_marking(net, marking)));
            report.push(Severity::Error, Problem::Deadlock { detail }, &state_path(net, at), Target::Key, notes);
        }
        Finding::DoubleToken { place, marking, path } => {
            let detail = format!("`{}` becomes active a second time while it is still active", net.places[*place]);
            let mut notes = path_notes(net, path);
            notes.push(format!("active then: {}", describe_marking(net, marking)));
            report.push(Severity::Error, Problem::LackOfSync { detail }, &state_path(net, *place), Target::Key, notes);
        }
        Finding::EndWithActive { end, marking, path } => {
            let others: Vec<usize> = marking.iter().copied().filter(|p| p != end).collect();
            let detail = format!(
                "the instance ends at `{}` while {} still active",
                net.places[*end],
                describe_marking(net, &others) + if others.len() == 1 { " is" } else { " are" }
            );
            report.push(
                Severity::Error,
                Problem::LackOfSync { detail },
                &state_path(net, *end),
                Target::Key,
                path_notes(net, path),
            );
        }
        Finding::Livelock { marking, path, cycle } => {
            let detail = format!(
                "from {} the steps can only go round in a cycle that never ends",
                describe_marking(net, marking)
            );
            let mut notes = path_notes(net, path);
            notes.push("then, forever:".into());
            notes.extend(describe_path(net, cycle).into_iter().map(|s| format!("     {s}")));
            let at = marking.first().copied().unwrap_or(net.initial);
            report.push(Severity::Error, Problem::Livelock { detail }, &state_path(net, at), Target::Key, notes);
        }
        Finding::DeadTransition { transition } => {
            let severity = if options.dead_steps_are_errors { Severity::Error } else { Severity::Warning };
            let t = &net.transitions[*transition];
            let at = owners.get(*transition).copied().unwrap_or(net.initial);
            report.push(
                severity,
                Problem::DeadStep { step: t.label.clone() },
                &state_path(net, at),
                Target::Key,
                Vec::new(),
            );
        }
        Finding::TooLarge { explored } => {
            report.push(
                Severity::Warning,
                Problem::TooLargeToVerify { explored: *explored },
                &YamlPath::at(&["states"]),
                Target::Key,
                Vec::new(),
            );
        }
    }
}

/// Name the join that can never fire, if the stuck combination waits at one.
fn deadlock_detail(workflow: &Workflow, net: &Net, marking: &[usize]) -> (String, usize) {
    for (j, state) in workflow.states().iter().enumerate() {
        let StateKind::Join { inputs, rule, .. } = state.kind() else { continue };
        let arrived: Vec<usize> = inputs.iter().map(|s| s.index()).filter(|i| marking.contains(i)).collect();
        if arrived.is_empty() {
            continue;
        }
        let missing: Vec<usize> = inputs.iter().map(|s| s.index()).filter(|i| !marking.contains(i)).collect();
        let needed = rule.needed(inputs.len());
        let detail = format!(
            "join `{}` can never fire: {} arrived, it needs {needed} of {}, and {} can no longer arrive",
            state.name(),
            describe_marking(net, &arrived),
            inputs.len(),
            describe_marking(net, &missing)
        );
        return (detail, j);
    }
    let at = marking.first().copied().unwrap_or(net.initial);
    (format!("{} can never move on and the instance never ends", describe_marking(net, marking)), at)
}
