//! What a diagram shows, independent of the drawing language: a node per state (plus the start)
//! and an edge per way of leaving a state, labelled for people.

use crate::model::workflow::{
    format_duration, ArcKind, Due, Escalation, JoinRule, Signers, SignoffRule, State, StateId, StateKind, Workflow,
};

/// How a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The start marker.
    Start,
    /// A human step.
    Task,
    /// An exclusive choice.
    Choice,
    /// A fork or a join bar.
    Bar,
    /// A waiting state.
    Wait,
    /// A multi-party sign-off.
    Signoff,
    /// A sub-workflow call.
    Call,
    /// An end state.
    End,
}

/// A node.
#[derive(Debug, Clone)]
pub struct Node {
    /// Identifier in the drawing.
    pub id: String,
    /// Lines of its label.
    pub lines: Vec<String>,
    /// How it is drawn.
    pub shape: Shape,
}

/// How an edge is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeStyle {
    /// A step people or rules take.
    Normal,
    /// Part of a parallel split or join.
    Parallel,
    /// Taken when a deadline passes.
    Deadline,
}

/// An edge.
#[derive(Debug, Clone)]
pub struct Edge {
    /// Source node id.
    pub from: String,
    /// Target node id.
    pub to: String,
    /// Its label, possibly empty.
    pub label: String,
    /// How it is drawn.
    pub style: EdgeStyle,
}

/// A diagram of one workflow.
#[derive(Debug, Clone)]
pub struct Diagram {
    /// The workflow's title and id.
    pub title: String,
    /// Nodes, the start first.
    pub nodes: Vec<Node>,
    /// Edges.
    pub edges: Vec<Edge>,
}

const START: &str = "__start";

fn roles(workflow: &Workflow, ids: &[crate::model::workflow::RoleId]) -> String {
    ids.iter().map(|r| workflow.role(*r).name()).collect::<Vec<_>>().join(" / ")
}

fn node_lines(workflow: &Workflow, state: &State) -> Vec<String> {
    let mut lines = vec![state.title().to_owned()];
    if state.has_title() {
        lines.push(format!("({})", state.name()));
    }
    match state.kind() {
        StateKind::Signoff(s) => {
            let who = match s.signers() {
                Signers::Roles(r) => roles(workflow, r),
                Signers::Body(r) => format!("every {}", workflow.role(*r).name()),
            };
            let rule = match s.rule() {
                SignoffRule::All => "all".to_owned(),
                SignoffRule::Any => "any".to_owned(),
                SignoffRule::AtLeast(k) => format!("{k} of"),
                SignoffRule::Param(p) => format!("params.{} of", workflow.param(p).name()),
                SignoffRule::InOrder => "in order".to_owned(),
                SignoffRule::Majority => "a majority of".to_owned(),
            };
            lines.push(format!("会签 sign-off: {rule}: {who}"));
            if let Some(g) = s.guard() {
                lines.push(format!("signers: [{}]", g.source()));
            }
            if let Some(c) = s.checklist() {
                lines.push(format!("☑ {}", workflow.field(c).name()));
            }
        }
        StateKind::Call(c) => lines.push(format!("⤷ {}", c.workflow())),
        StateKind::End { outcome } => lines.push(format!("end: {outcome}")),
        StateKind::Join { rule, inputs, .. } => lines.push(match rule {
            JoinRule::All => "join: all".to_owned(),
            JoinRule::Any => "join: any (others cancelled)".to_owned(),
            JoinRule::AtLeast(k) => format!("join: {k} of {} (others cancelled)", inputs.len()),
        }),
        StateKind::Fork { .. } => lines.push("fork".to_owned()),
        _ => {}
    }
    if let Some(d) = state.deadline() {
        let due = match d.due() {
            Due::After(t) => format!("⏱ {}{}", format_duration(*t), by_data(d)),
            Due::AfterParam(p) => format!("⏱ params.{}{}", workflow.param(*p).name(), by_data(d)),
            Due::At(f) => format!("⏱ at {}{}", workflow.field(*f).name(), d.shift().describe()),
            Due::Before(f, t) => format!("⏱ {} before {}", format_duration(*t), workflow.field(*f).name()),
        };
        let then = match (d.then(), state.kind()) {
            (Escalation::Action(a), StateKind::Task { actions }) => format!(" → auto {}", actions[*a].name()),
            _ => String::new(),
        };
        lines.push(format!("{due}{then}"));
    }
    lines
}

/// The other durations a deadline's data may choose, e.g. ` (15m by data)`.
fn by_data(deadline: &crate::model::workflow::Deadline) -> String {
    if deadline.cases().is_empty() {
        return String::new();
    }
    let others: Vec<String> = deadline.cases().iter().map(|c| format_duration(c.after())).collect();
    format!(" ({} by data)", others.join(", "))
}

fn shape(state: &State) -> Shape {
    match state.kind() {
        StateKind::Task { .. } => Shape::Task,
        StateKind::Choice { .. } => Shape::Choice,
        StateKind::Fork { .. } | StateKind::Join { .. } => Shape::Bar,
        StateKind::Wait { .. } => Shape::Wait,
        StateKind::Signoff(_) => Shape::Signoff,
        StateKind::Call(_) => Shape::Call,
        StateKind::End { .. } => Shape::End,
    }
}

/// Describe `workflow` as a diagram.
#[must_use]
pub fn diagram(workflow: &Workflow) -> Diagram {
    let mut nodes = vec![Node { id: START.into(), lines: vec!["start".into()], shape: Shape::Start }];
    nodes.extend(workflow.states().iter().map(|s| Node {
        id: s.name().to_owned(),
        lines: node_lines(workflow, s),
        shape: shape(s),
    }));
    let start = workflow.start();
    let mut edges = vec![Edge {
        from: START.into(),
        to: workflow.state(start.to()).name().to_owned(),
        label: roles(workflow, start.by()),
        style: EdgeStyle::Normal,
    }];
    for (i, state) in workflow.states().iter().enumerate() {
        for arc in state.arcs(StateId(i as u32)) {
            let (label, style) = match (arc.via, state.kind()) {
                (ArcKind::Action(a), StateKind::Task { actions }) => {
                    let action = &actions[a];
                    let mut label = format!("{} · {}", action.title(), roles(workflow, action.by()));
                    if let Some(g) = action.guard() {
                        label.push_str(&format!(" [{}]", g.source()));
                    }
                    (label, EdgeStyle::Normal)
                }
                (ArcKind::Branch(b), StateKind::Choice { branches, .. }) => {
                    (format!("[{}]", branches[b].guard().source()), EdgeStyle::Normal)
                }
                (ArcKind::Default, _) => ("default".into(), EdgeStyle::Normal),
                (ArcKind::Fork | ArcKind::Join | ArcKind::Wait, _) => (String::new(), EdgeStyle::Parallel),
                (ArcKind::Signed, _) => ("signed".into(), EdgeStyle::Normal),
                (ArcKind::Rejected, _) => ("rejected".into(), EdgeStyle::Normal),
                (ArcKind::Outcome(o), StateKind::Call(c)) => (c.outcomes()[o].0.clone(), EdgeStyle::Normal),
                (ArcKind::Escalation, _) => {
                    let due = match state.deadline().map(crate::model::workflow::Deadline::due) {
                        Some(Due::After(t)) => format!(
                            "⏱ after {}{}",
                            format_duration(*t),
                            state.deadline().map(by_data).unwrap_or_default()
                        ),
                        Some(Due::AfterParam(p)) => format!(
                            "⏱ after params.{}{}",
                            workflow.param(*p).name(),
                            state.deadline().map(by_data).unwrap_or_default()
                        ),
                        _ => "⏱ deadline passed".to_owned(),
                    };
                    (due, EdgeStyle::Deadline)
                }
                _ => (String::new(), EdgeStyle::Normal),
            };
            edges.push(Edge {
                from: state.name().to_owned(),
                to: workflow.state(arc.to).name().to_owned(),
                label,
                style,
            });
        }
    }
    Diagram { title: format!("{} ({} v{})", workflow.title(), workflow.id(), workflow.version()), nodes, edges }
}
