//! Compiles a workflow into the net that the soundness check explores: each state a place, each
//! way of leaving a state (action, branch, fork, join, sign-off, outcome, escalation) a transition.

use crate::analysis::soundness::{Net, Transition};
use crate::model::workflow::{ArcKind, StateKind, Workflow};

/// The net of a workflow. Data is abstracted away: every guarded branch may be taken.
#[must_use]
pub fn compile(workflow: &Workflow) -> Net {
    compile_with_owners(workflow).0
}

/// The net, and for each transition the state it belongs to (a join's transition belongs to the
/// join, not to its inputs), to place findings about transitions.
#[must_use]
pub fn compile_with_owners(workflow: &Workflow) -> (Net, Vec<usize>) {
    let mut owners = Vec::new();
    let name = |i: usize| format!("`{}`", workflow.states()[i].name());
    let mut net = Net {
        places: workflow.states().iter().map(|s| s.name().to_owned()).collect(),
        transitions: Vec::new(),
        initial: workflow.start().to().index(),
        finals: workflow.states().iter().enumerate().filter(|(_, s)| s.is_end()).map(|(i, _)| i).collect(),
        completion: workflow.completion(),
    };
    for (i, state) in workflow.states().iter().enumerate() {
        let before = net.transitions.len();
        match state.kind() {
            StateKind::Fork { to } => net.transitions.push(Transition {
                label: format!(
                    "{} forks into {}",
                    name(i),
                    to.iter().map(|t| name(t.index())).collect::<Vec<_>>().join(", ")
                ),
                inputs: vec![i],
                min_inputs: 1,
                outputs: to.iter().map(|t| t.index()).collect(),
                resets: Vec::new(),
            }),
            StateKind::Join { inputs, rule, to, cancels } => net.transitions.push(Transition {
                label: format!(
                    "join {} fires ({}) and goes to {}",
                    name(i),
                    rule_label(*rule, inputs.len()),
                    name(to.index())
                ),
                inputs: inputs.iter().map(|s| s.index()).collect(),
                min_inputs: rule.needed(inputs.len()),
                outputs: vec![to.index()],
                resets: cancels.iter().map(|s| s.index()).collect(),
            }),
            StateKind::Wait { .. } => {}
            _ => {
                for arc in state.arcs(crate::model::workflow::StateId(i as u32)) {
                    net.transitions.push(Transition {
                        label: format!("{} {} {}", name(i), arc_label(workflow, i, arc.via), name(arc.to.index())),
                        inputs: vec![i],
                        min_inputs: 1,
                        outputs: vec![arc.to.index()],
                        resets: Vec::new(),
                    });
                }
            }
        }
        owners.resize(owners.len() + net.transitions.len() - before, i);
    }
    (net, owners)
}

fn rule_label(rule: crate::model::workflow::JoinRule, n: usize) -> String {
    use crate::model::workflow::JoinRule;
    match rule {
        JoinRule::All => format!("all {n}"),
        JoinRule::Any => format!("any of {n}"),
        JoinRule::AtLeast(k) => format!("{k} of {n}"),
    }
}

pub(crate) fn arc_label(workflow: &Workflow, state: usize, via: ArcKind) -> String {
    let kind = workflow.states()[state].kind();
    match (via, kind) {
        (ArcKind::Action(a), StateKind::Task { actions }) => format!("--{}-->", actions[a].name()),
        (ArcKind::Branch(b), StateKind::Choice { branches, .. }) => format!("--[{}]-->", branches[b].guard().source()),
        (ArcKind::Default, _) => "--[default]-->".into(),
        (ArcKind::Signed, _) => "--signed-->".into(),
        (ArcKind::Rejected, _) => "--rejected-->".into(),
        (ArcKind::Outcome(o), StateKind::Call(call)) => format!("--{}-->", call.outcomes()[o].0),
        (ArcKind::Escalation, _) => "--deadline passed-->".into(),
        (ArcKind::Fork, _) => "--fork-->".into(),
        (ArcKind::Wait, _) => "--waits for-->".into(),
        (ArcKind::Join, _) => "--join fires-->".into(),
        _ => "-->".into(),
    }
}
