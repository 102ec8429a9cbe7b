//! Checks on the state graph alone: states unreachable from the start, cycles with no exit
//! (livelocks, with a path from the start), and `return_to` targets that do not come earlier.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, EdgeRef, Reversed};

use crate::diagnostic::{Problem, Report, Severity, Target};
use crate::model::workflow::{ArcKind, Workflow};
use crate::syntax::source_map::YamlPath;

/// The workflow's states as a petgraph graph; node `i` is state `i`.
#[must_use]
pub fn state_graph(workflow: &Workflow) -> DiGraph<(), ()> {
    let mut graph = DiGraph::with_capacity(workflow.states().len(), workflow.states().len() * 2);
    for _ in workflow.states() {
        graph.add_node(());
    }
    for arc in workflow.arcs() {
        graph.add_edge(NodeIndex::new(arc.from.index()), NodeIndex::new(arc.to.index()), ());
    }
    graph
}

fn reachable_from(graph: &DiGraph<(), ()>, starts: &[usize]) -> Vec<bool> {
    let mut seen = vec![false; graph.node_count()];
    for &s in starts {
        let mut bfs = Bfs::new(graph, NodeIndex::new(s));
        while let Some(n) = bfs.next(graph) {
            seen[n.index()] = true;
        }
    }
    seen
}

fn reaching(graph: &DiGraph<(), ()>, targets: &[usize]) -> Vec<bool> {
    let reversed = Reversed(graph);
    let mut seen = vec![false; graph.node_count()];
    for &t in targets {
        let mut bfs = Bfs::new(reversed, NodeIndex::new(t));
        while let Some(n) = bfs.next(reversed) {
            seen[n.index()] = true;
        }
    }
    seen
}

/// What the graph checks found.
#[derive(Debug)]
pub struct GraphVerdict {
    /// Whether the graph has no errors, so that exploring it makes sense.
    pub ok: bool,
    /// For each state, whether it is reachable from the start.
    pub reachable: Vec<bool>,
}

/// Report unreachable states (warnings, like other dead steps, unless `dead_are_errors`) and
/// states with no path to an end. Exploring a graph that fails these only adds noise.
pub fn check(workflow: &Workflow, dead_are_errors: bool, report: &mut Report) -> GraphVerdict {
    let graph = state_graph(workflow);
    let reachable = reachable_from(&graph, &[workflow.start().to().index()]);
    let ends: Vec<usize> = workflow.states().iter().enumerate().filter(|(_, s)| s.is_end()).map(|(i, _)| i).collect();
    let to_end = reaching(&graph, &ends);
    let mut ok = true;
    for (i, state) in workflow.states().iter().enumerate() {
        if !reachable[i] {
            let path = YamlPath::at(&["states", state.name()]);
            let severity = if dead_are_errors { Severity::Error } else { Severity::Warning };
            report.push(
                severity,
                Problem::Unreachable { state: state.name().to_owned() },
                &path,
                Target::Key,
                Vec::new(),
            );
        }
    }
    if (0..graph.node_count()).any(|i| reachable[i] && !to_end[i]) {
        ok = false;
        report_trapped(workflow, &graph, &reachable, &to_end, report);
    }
    if ends.is_empty() {
        report.error_at_key(Problem::NoEnd, &YamlPath::at(&["states"]));
        ok = false;
    }
    for (i, state) in workflow.states().iter().enumerate() {
        let Some(targets) = state.return_to() else { continue };
        for (n, target) in targets.iter().enumerate() {
            let before = reachable_from(&graph, &[target.index()]);
            if !before[i] {
                let problem = Problem::ReturnToLater {
                    state: state.name().to_owned(),
                    target: workflow.state(*target).name().to_owned(),
                };
                report.error(problem, &YamlPath::at(&["states", state.name(), "return_to"]).index(n));
            }
        }
    }
    GraphVerdict { ok, reachable }
}

/// Explain reachable states that cannot reach an end: each cycle with no exit is a livelock,
/// shown with a path from the start and the cycle; any other such state is reported alone.
fn report_trapped(
    workflow: &Workflow,
    graph: &DiGraph<(), ()>,
    reachable: &[bool],
    to_end: &[bool],
    report: &mut Report,
) {
    let mut explained = vec![false; graph.node_count()];
    for scc in tarjan_scc(graph) {
        let first = scc[0].index();
        if !reachable[first] || to_end[first] {
            continue;
        }
        let is_cycle = scc.len() > 1 || graph.contains_edge(scc[0], scc[0]);
        let leaves = scc.iter().any(|n| graph.neighbors(*n).any(|m| !scc.contains(&m)));
        if !is_cycle || leaves {
            continue;
        }
        let mut members: Vec<usize> = scc.iter().map(|n| n.index()).collect();
        members.sort_unstable();
        let entry = members.iter().copied().min_by_key(|m| distance_from_start(workflow, graph, *m)).unwrap_or(first);
        let names: Vec<String> = members.iter().map(|m| format!("`{}`", workflow.states()[*m].name())).collect();
        let detail =
            format!("{} form a cycle with no exit, so an instance that enters it never ends", names.join(", "));
        let mut notes =
            vec![format!("counterexample, from the start at `{}`:", workflow.state(workflow.start().to()).name())];
        notes.extend(
            shortest_path(workflow, graph, entry).into_iter().enumerate().map(|(i, s)| format!("{:>3}. {s}", i + 1)),
        );
        notes.push("then round and round, never reaching an end".into());
        let path = YamlPath::at(&["states", workflow.states()[entry].name()]);
        report.push(Severity::Error, Problem::Livelock { detail }, &path, Target::Key, notes);
        for m in members {
            explained[m] = true;
        }
    }
    // States that only lead into a reported cycle need no message of their own.
    let reversed = Reversed(graph);
    let explained_start: Vec<usize> = (0..graph.node_count()).filter(|i| explained[*i]).collect();
    for s in explained_start {
        let mut bfs = Bfs::new(reversed, NodeIndex::new(s));
        while let Some(n) = bfs.next(reversed) {
            if !to_end[n.index()] {
                explained[n.index()] = true;
            }
        }
    }
    for (i, state) in workflow.states().iter().enumerate() {
        if reachable[i] && !to_end[i] && !explained[i] {
            let path = YamlPath::at(&["states", state.name()]);
            report.error_at_key(Problem::NoPathToEnd { state: state.name().to_owned() }, &path);
        }
    }
}

fn distance_from_start(workflow: &Workflow, graph: &DiGraph<(), ()>, target: usize) -> usize {
    shortest_path(workflow, graph, target).len()
}

/// The shortest chain of steps from the start state to `target`, described for people.
fn shortest_path(workflow: &Workflow, graph: &DiGraph<(), ()>, target: usize) -> Vec<String> {
    let start = workflow.start().to().index();
    let mut parent: Vec<Option<usize>> = vec![None; graph.node_count()];
    let mut seen = vec![false; graph.node_count()];
    let mut queue = std::collections::VecDeque::from([start]);
    seen[start] = true;
    while let Some(n) = queue.pop_front() {
        if n == target {
            break;
        }
        for e in graph.edges(NodeIndex::new(n)) {
            let m = e.target().index();
            if !seen[m] {
                seen[m] = true;
                parent[m] = Some(n);
                queue.push_back(m);
            }
        }
    }
    let mut chain = vec![target];
    while let Some(p) = parent[*chain.last().unwrap_or(&start)] {
        chain.push(p);
    }
    chain.reverse();
    chain
        .windows(2)
        .map(|w| {
            let (from, to) = (w[0], w[1]);
            let via = workflow.states()[from]
                .arcs(crate::model::workflow::StateId(from as u32))
                .into_iter()
                .find(|a| a.to.index() == to)
                .map_or(ArcKind::Fork, |a| a.via);
            format!(
                "`{}` {} `{}`",
                workflow.states()[from].name(),
                super::net::arc_label(workflow, from, via),
                workflow.states()[to].name()
            )
        })
        .collect()
}
