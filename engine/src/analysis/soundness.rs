//! Soundness of a workflow net by exploring its reachable combinations of active states.
//! Finds deadlocks, lack of synchronisation and livelocks, each with the shortest counterexample.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use thiserror::Error;

/// A workflow compiled for analysis: states as places, steps as transitions.
#[derive(Debug, Clone, Default)]
pub struct Net {
    /// Names, for messages.
    pub places: Vec<String>,
    pub transitions: Vec<Transition>,
    /// The place holding the single start token.
    pub initial: usize,
    /// End places.
    pub finals: Vec<usize>,
    /// When an instance counts as properly ended.
    pub completion: Completion,
}

/// When an instance counts as properly ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Completion {
    /// Exactly one token, on an end place; an end reached while other tokens are active is a
    /// lack of synchronisation (classic workflow nets).
    #[default]
    SingleEnd,
    /// Every token on an end place, at most one per place (BPMN's implicit end, and the
    /// notion of the IBM model library's published verdicts).
    AllBranches,
}

/// One step of the workflow, possibly a join or a fork.
#[derive(Debug, Clone)]
pub struct Transition {
    /// E.g. "review --approve--> done".
    pub label: String,
    /// Distinct places.
    pub inputs: Vec<usize>,
    /// Enabled when at least this many inputs hold a token: `inputs.len()` for an ordinary
    /// transition, 1 for an "any" join, k for a k-of-n join.
    pub min_inputs: usize,
    pub outputs: Vec<usize>,
    /// Places emptied when it fires (cancelled branches of an any / k-of-n join); may overlap inputs.
    pub resets: Vec<usize>,
}

/// How much of the state space [`check`] may explore before giving up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Distinct reachable markings to store; one more yields [`Finding::TooLarge`].
    pub max_markings: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_markings: 200_000 }
    }
}

/// One way the workflow can go wrong, with a replayable counterexample.
///
/// `marking` lists the marked places in ascending order, repeated once per token;
/// `path` is a shortest sequence of transition indices leading there from the start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A reachable combination where nothing can fire and the instance has not properly ended (e.g. a join that can never fire).
    Deadlock { marking: Vec<usize>, path: Vec<usize> },
    /// A place receives a second token (a join fired twice, or a state reached twice while still active).
    DoubleToken { place: usize, marking: Vec<usize>, path: Vec<usize> },
    /// An end place is marked while other tokens are still active.
    EndWithActive { end: usize, marking: Vec<usize>, path: Vec<usize> },
    /// A reachable combination from which no proper end can be reached, although steps can still fire forever (a cycle with no exit).
    Livelock { marking: Vec<usize>, path: Vec<usize>, cycle: Vec<usize> },
    /// Transition never enabled in any reachable combination (only reported when exploration was complete).
    DeadTransition { transition: usize },
    /// Exploration hit the cap; nothing else about soundness can be concluded.
    TooLarge { explored: usize },
}

/// Why a [`Net`] cannot be analysed. These are compiler bugs, not workflow mistakes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidNet {
    #[error("place {place} does not exist (the net has {count} places)")]
    UnknownPlace { place: usize, count: usize },
    #[error("transition {transition} has no inputs")]
    NoInputs { transition: usize },
    #[error("transition {transition} lists input place {place} twice")]
    RepeatedInput { transition: usize, place: usize },
    #[error("transition {transition} needs {min_inputs} of its {inputs} inputs")]
    BadThreshold { transition: usize, min_inputs: usize, inputs: usize },
    #[error("the net is too large to analyse ({places} places, {transitions} transitions)")]
    TooLarge { places: usize, transitions: usize },
}

/// Indices are stored as `u32` to halve the size of markings; `u32::MAX` is kept as a sentinel.
const NO_INDEX: u32 = u32::MAX;

/// Checks that every index is in range and every threshold can be met.
pub fn validate(net: &Net) -> Result<(), InvalidNet> {
    let count = net.places.len();
    let limit = NO_INDEX as usize;
    if count >= limit || net.transitions.len() >= limit {
        return Err(InvalidNet::TooLarge { places: count, transitions: net.transitions.len() });
    }
    known_place(net.initial, count)?;
    net.finals.iter().try_for_each(|&end| known_place(end, count))?;
    net.transitions.iter().enumerate().try_for_each(|(index, transition)| validate_transition(index, transition, count))
}

fn known_place(place: usize, count: usize) -> Result<(), InvalidNet> {
    if place < count {
        Ok(())
    } else {
        Err(InvalidNet::UnknownPlace { place, count })
    }
}

fn validate_transition(index: usize, transition: &Transition, count: usize) -> Result<(), InvalidNet> {
    let mut places = transition.inputs.iter().chain(&transition.outputs).chain(&transition.resets);
    places.try_for_each(|&place| known_place(place, count))?;
    let inputs = transition.inputs.len();
    if inputs == 0 {
        return Err(InvalidNet::NoInputs { transition: index });
    }
    if transition.min_inputs == 0 || transition.min_inputs > inputs {
        return Err(InvalidNet::BadThreshold { transition: index, min_inputs: transition.min_inputs, inputs });
    }
    let mut sorted = transition.inputs.clone();
    sorted.sort_unstable();
    match sorted.windows(2).find(|pair| pair[0] == pair[1]) {
        Some(pair) => Err(InvalidNet::RepeatedInput { transition: index, place: pair[0] }),
        None => Ok(()),
    }
}

/// Explores every combination of active states reachable from the start token, breadth first.
///
/// Findings come grouped by kind in declaration order (deadlock, double tokens by place,
/// ends with active tokens by end place, livelock, dead transitions, too large).
/// An invalid net (see [`validate`]) yields no findings, so callers should validate first.
pub fn check(net: &Net, limits: &Limits) -> Vec<Finding> {
    if validate(net).is_err() {
        return Vec::new();
    }
    let mut explorer = Explorer::new(net, limits.max_markings);
    let complete = explorer.run();
    explorer.into_findings(complete)
}

/// Renders a marking for a message, e.g. "`a`, `b`, `b`".
pub fn describe_marking(net: &Net, marking: &[usize]) -> String {
    if marking.is_empty() {
        return "no active state".to_owned();
    }
    let names: Vec<String> = marking
        .iter()
        .map(|&place| match net.places.get(place) {
            Some(name) => format!("`{name}`"),
            None => format!("#{place}"),
        })
        .collect();
    names.join(", ")
}

/// The labels of the transitions along a path, in firing order.
pub fn describe_path(net: &Net, path: &[usize]) -> Vec<String> {
    path.iter()
        .map(|&transition| match net.transitions.get(transition) {
            Some(step) => step.label.clone(),
            None => format!("#{transition}"),
        })
        .collect()
}

/// What a stored marking turned out to be; decides whether it is explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Running,
    ProperEnd,
    /// A double token or an end with active tokens: reported, never explored.
    Error,
    Deadlock,
}

/// The explored reachability graph. States are numbered in discovery order, which under
/// breadth-first search is also non-decreasing distance from the start.
#[derive(Default)]
struct Graph {
    markings: Vec<Rc<[u32]>>,
    /// (previous state, transition fired) on a shortest path; `NO_INDEX` for the start.
    parents: Vec<(u32, u32)>,
    kinds: Vec<Kind>,
    /// Edges of state `s` are `edges[edge_start[s]..edge_start[s + 1]]`, as (target, transition).
    edge_start: Vec<usize>,
    edges: Vec<(u32, u32)>,
}

impl Graph {
    fn len(&self) -> usize {
        self.markings.len()
    }

    fn successors(&self, state: usize) -> &[(u32, u32)] {
        &self.edges[self.edge_start[state]..self.edge_start[state + 1]]
    }

    fn marking(&self, state: usize) -> Vec<usize> {
        self.markings[state].iter().map(|&place| place as usize).collect()
    }

    fn path_to(&self, mut state: usize) -> Vec<usize> {
        let mut path = Vec::new();
        while let Some(&(parent, transition)) = self.parents.get(state) {
            if parent == NO_INDEX {
                break;
            }
            path.push(transition as usize);
            state = parent as usize;
        }
        path.reverse();
        path
    }

    /// Reverse adjacency in the same compressed layout as `edges`.
    fn predecessors(&self) -> (Vec<usize>, Vec<u32>) {
        let mut start = vec![0usize; self.len() + 1];
        for &(target, _) in &self.edges {
            start[target as usize + 1] += 1;
        }
        for index in 1..start.len() {
            start[index] += start[index - 1];
        }
        let mut fill = start.clone();
        let mut sources = vec![0u32; self.edges.len()];
        for state in 0..self.len() {
            for &(target, _) in self.successors(state) {
                sources[fill[target as usize]] = state as u32;
                fill[target as usize] += 1;
            }
        }
        (start, sources)
    }

    fn reaching(&self, predecessors: &(Vec<usize>, Vec<u32>), seed: impl Fn(Kind) -> bool) -> Vec<bool> {
        let (start, sources) = predecessors;
        let mut reached: Vec<bool> = self.kinds.iter().map(|&kind| seed(kind)).collect();
        let mut pending: Vec<usize> = (0..self.len()).filter(|&state| reached[state]).collect();
        while let Some(state) = pending.pop() {
            for &source in &sources[start[state]..start[state + 1]] {
                if !reached[source as usize] {
                    reached[source as usize] = true;
                    pending.push(source as usize);
                }
            }
        }
        reached
    }

    /// A stuck state can reach neither a proper end nor any error, so every run from it is
    /// infinite. Its successors are stuck too, so the finite graph has a cycle among them;
    /// the reported marking is the shallowest stuck one on such a cycle, so the cycle replays from it.
    fn livelock(&self) -> Option<Finding> {
        let predecessors = self.predecessors();
        let ends = self.reaching(&predecessors, |kind| kind == Kind::ProperEnd);
        let errors = self.reaching(&predecessors, |kind| matches!(kind, Kind::Error | Kind::Deadlock));
        let stuck: Vec<bool> =
            (0..self.len()).map(|state| self.kinds[state] == Kind::Running && !ends[state] && !errors[state]).collect();
        if !stuck.contains(&true) {
            return None;
        }
        let on_cycle = Components::new(self, &stuck).on_cycle();
        let state = on_cycle.iter().position(|&cyclic| cyclic)?;
        Some(Finding::Livelock {
            marking: self.marking(state),
            path: self.path_to(state),
            cycle: self.shortest_cycle(state)?,
        })
    }

    fn shortest_cycle(&self, origin: usize) -> Option<Vec<usize>> {
        let mut reached_by = vec![(NO_INDEX, NO_INDEX); self.len()];
        let mut pending = VecDeque::from([origin]);
        while let Some(state) = pending.pop_front() {
            for &(target, transition) in self.successors(state) {
                let target = target as usize;
                if target == origin {
                    return Some(self.unwind(&reached_by, origin, state, transition));
                }
                if reached_by[target].0 == NO_INDEX {
                    reached_by[target] = (state as u32, transition);
                    pending.push_back(target);
                }
            }
        }
        None
    }

    fn unwind(&self, reached_by: &[(u32, u32)], origin: usize, mut state: usize, last: u32) -> Vec<usize> {
        let mut cycle = vec![last as usize];
        while state != origin {
            let (previous, transition) = reached_by[state];
            cycle.push(transition as usize);
            state = previous as usize;
        }
        cycle.reverse();
        cycle
    }
}

/// Tarjan's strongly connected components, iterative so deep graphs cannot overflow the stack.
struct Components<'g> {
    graph: &'g Graph,
    inside: &'g [bool],
    order: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next_order: u32,
    cyclic: Vec<bool>,
}

impl<'g> Components<'g> {
    fn new(graph: &'g Graph, inside: &'g [bool]) -> Self {
        let count = graph.len();
        Self {
            graph,
            inside,
            order: vec![NO_INDEX; count],
            low: vec![0; count],
            on_stack: vec![false; count],
            stack: Vec::new(),
            next_order: 0,
            cyclic: vec![false; count],
        }
    }

    /// Marks the states of `inside` that lie on a cycle within `inside`.
    fn on_cycle(mut self) -> Vec<bool> {
        for root in 0..self.graph.len() {
            if self.inside[root] && self.order[root] == NO_INDEX {
                self.search(root);
            }
        }
        self.cyclic
    }

    fn visit(&mut self, state: usize) {
        self.order[state] = self.next_order;
        self.low[state] = self.next_order;
        self.next_order += 1;
        self.stack.push(state);
        self.on_stack[state] = true;
    }

    fn search(&mut self, root: usize) {
        self.visit(root);
        let mut calls = vec![(root, self.graph.edge_start[root])];
        while let Some(&(state, position)) = calls.last() {
            if position == self.graph.edge_start[state + 1] {
                calls.pop();
                if let Some(&(parent, _)) = calls.last() {
                    self.low[parent] = self.low[parent].min(self.low[state]);
                }
                if self.low[state] == self.order[state] {
                    self.close_component(state);
                }
                continue;
            }
            if let Some(call) = calls.last_mut() {
                call.1 += 1;
            }
            let target = self.graph.edges[position].0 as usize;
            if !self.inside[target] {
                continue;
            }
            if target == state {
                self.cyclic[state] = true;
            }
            if self.order[target] == NO_INDEX {
                self.visit(target);
                calls.push((target, self.graph.edge_start[target]));
            } else if self.on_stack[target] {
                self.low[state] = self.low[state].min(self.order[target]);
            }
        }
    }

    fn close_component(&mut self, root: usize) {
        let at = self.stack.iter().rposition(|&state| state == root).unwrap_or(0);
        let members = self.stack.split_off(at);
        let cyclic = members.len() > 1;
        for state in members {
            self.on_stack[state] = false;
            self.cyclic[state] |= cyclic;
        }
    }
}

/// Markings are short keys built by this module, so SipHash's flooding resistance buys
/// nothing here and would dominate the lookup cost; this is an FxHash-style mix.
#[derive(Default)]
struct KeyHasher(u64);

impl KeyHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    /// The table picks buckets from the low bits and tags from the high ones; the
    /// multiply alone leaves the low bits weak, so fold the high half down.
    fn finish(&self) -> u64 {
        let hash = self.0;
        (hash ^ (hash >> 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (hash >> 29)
    }
}

type KeyMap = HashMap<Rc<[u32]>, u32, BuildHasherDefault<KeyHasher>>;

/// Breadth-first exploration state, plus per-place and per-transition scratch space reused
/// across markings so the inner loop does not allocate.
struct Explorer<'n> {
    net: &'n Net,
    /// For each place, the transitions it feeds: only these can become enabled by its token.
    consumers: Vec<Vec<u32>>,
    /// For each transition, its inputs and resets, sorted: in a marking without repeats,
    /// firing removes exactly these places.
    removes: Vec<Vec<u32>>,
    outputs: Vec<Vec<u32>>,
    is_final: Vec<bool>,
    cap: usize,
    graph: Graph,
    known: KeyMap,
    tokens: Vec<u32>,
    /// Per transition, the stamp of the last marking that examined it, to test each once.
    examined: Vec<u32>,
    enabled: Vec<u32>,
    successor: Vec<u32>,
    ever_enabled: Vec<bool>,
    first_deadlock: Option<usize>,
    /// First (hence shallowest) state per offending place.
    double_tokens: BTreeMap<u32, u32>,
    ends_with_active: BTreeMap<u32, u32>,
}

impl<'n> Explorer<'n> {
    fn new(net: &'n Net, max_markings: usize) -> Self {
        let place_count = net.places.len();
        let mut consumers = vec![Vec::new(); place_count];
        for (index, transition) in net.transitions.iter().enumerate() {
            for &place in &transition.inputs {
                consumers[place].push(index as u32);
            }
        }
        let mut is_final = vec![false; place_count];
        for &end in &net.finals {
            is_final[end] = true;
        }
        let transition_count = net.transitions.len();
        Self {
            net,
            consumers,
            removes: net.transitions.iter().map(removed_places).collect(),
            outputs: net.transitions.iter().map(|t| sorted_places(&t.outputs)).collect(),
            is_final,
            // Stamps are state index + 1, so the last index must stay below the sentinel.
            cap: max_markings.min(NO_INDEX as usize - 1),
            graph: Graph::default(),
            known: KeyMap::default(),
            tokens: vec![0; place_count],
            examined: vec![0; transition_count],
            enabled: Vec::new(),
            successor: Vec::new(),
            ever_enabled: vec![false; transition_count],
            first_deadlock: None,
            double_tokens: BTreeMap::new(),
            ends_with_active: BTreeMap::new(),
        }
    }

    /// Returns whether every reachable marking was explored within the cap.
    fn run(&mut self) -> bool {
        let start = [self.net.initial as u32];
        if self.intern(&start, NO_INDEX, NO_INDEX).is_none() {
            return false;
        }
        let mut state = 0;
        while state < self.graph.len() {
            if !self.expand(state) {
                return false;
            }
            state += 1;
        }
        self.graph.edge_start.push(self.graph.edges.len());
        true
    }

    /// Returns the state of a marking, storing it if new; `None` once the cap is reached.
    fn intern(&mut self, marking: &[u32], parent: u32, transition: u32) -> Option<u32> {
        if let Some(&state) = self.known.get(marking) {
            return Some(state);
        }
        let state = self.graph.len();
        if state >= self.cap {
            return None;
        }
        let state = state as u32;
        let kind = self.classify(marking, state);
        let shared: Rc<[u32]> = Rc::from(marking);
        self.known.insert(Rc::clone(&shared), state);
        self.graph.markings.push(shared);
        self.graph.parents.push((parent, transition));
        self.graph.kinds.push(kind);
        Some(state)
    }

    /// Records the error findings of a new marking. Discovery order is breadth-first, so the
    /// first marking recorded per place has a shortest path.
    fn classify(&mut self, marking: &[u32], state: u32) -> Kind {
        let mut kind = Kind::Running;
        for pair in marking.windows(2) {
            if pair[0] == pair[1] {
                self.double_tokens.entry(pair[0]).or_insert(state);
                kind = Kind::Error;
            }
        }
        if self.net.completion == Completion::AllBranches {
            // Ends are inert: other branches may go on, and the instance is done when all ended.
            if kind == Kind::Running && !marking.is_empty() && marking.iter().all(|&p| self.is_final[p as usize]) {
                kind = Kind::ProperEnd;
            }
            return kind;
        }
        // Sorted, so differing ends mean tokens on two places; `end, end` alone is only a double token.
        let spread = marking.first() != marking.last();
        for &place in marking {
            if spread && self.is_final[place as usize] {
                self.ends_with_active.entry(place).or_insert(state);
                kind = Kind::Error;
            }
        }
        if kind == Kind::Running && marking.len() == 1 && self.is_final[marking[0] as usize] {
            kind = Kind::ProperEnd;
        }
        kind
    }

    /// Stores the successors of one state; returns false if the cap cut it short.
    fn expand(&mut self, state: usize) -> bool {
        self.graph.edge_start.push(self.graph.edges.len());
        let kind = self.graph.kinds[state];
        if kind == Kind::ProperEnd {
            return true;
        }
        let marking = Rc::clone(&self.graph.markings[state]);
        self.collect_enabled(&marking, state as u32 + 1);
        for &transition in &self.enabled {
            self.ever_enabled[transition as usize] = true;
        }
        if kind == Kind::Error {
            return true;
        }
        if self.enabled.is_empty() {
            self.graph.kinds[state] = Kind::Deadlock;
            self.first_deadlock.get_or_insert(state);
            return true;
        }
        self.fire_all(&marking, state as u32)
    }

    fn fire_all(&mut self, marking: &[u32], state: u32) -> bool {
        let enabled = std::mem::take(&mut self.enabled);
        let mut successor = std::mem::take(&mut self.successor);
        let mut complete = true;
        for &transition in &enabled {
            let index = transition as usize;
            fire(marking, &self.removes[index], &self.outputs[index], &mut successor);
            match self.intern(&successor, state, transition) {
                Some(target) => self.graph.edges.push((target, transition)),
                None => {
                    complete = false;
                    break;
                }
            }
        }
        self.enabled = enabled;
        self.successor = successor;
        complete
    }

    /// Fills `enabled` in index order, so ties between shortest paths break the same way every run.
    fn collect_enabled(&mut self, marking: &[u32], stamp: u32) {
        for &place in marking {
            self.tokens[place as usize] += 1;
        }
        self.enabled.clear();
        for &place in marking {
            for &transition in &self.consumers[place as usize] {
                let index = transition as usize;
                if self.examined[index] == stamp {
                    continue;
                }
                self.examined[index] = stamp;
                if is_enabled(&self.net.transitions[index], &self.tokens) {
                    self.enabled.push(transition);
                }
            }
        }
        for &place in marking {
            self.tokens[place as usize] = 0;
        }
        self.enabled.sort_unstable();
    }

    fn into_findings(self, complete: bool) -> Vec<Finding> {
        let graph = &self.graph;
        let mut findings = Vec::new();
        if let Some(state) = self.first_deadlock {
            findings.push(Finding::Deadlock { marking: graph.marking(state), path: graph.path_to(state) });
        }
        for (&place, &state) in &self.double_tokens {
            findings.push(Finding::DoubleToken {
                place: place as usize,
                marking: graph.marking(state as usize),
                path: graph.path_to(state as usize),
            });
        }
        for (&end, &state) in &self.ends_with_active {
            findings.push(Finding::EndWithActive {
                end: end as usize,
                marking: graph.marking(state as usize),
                path: graph.path_to(state as usize),
            });
        }
        if !complete {
            findings.push(Finding::TooLarge { explored: graph.len() });
            return findings;
        }
        findings.extend(graph.livelock());
        let dead = self.ever_enabled.iter().enumerate().filter(|(_, &enabled)| !enabled);
        findings.extend(dead.map(|(transition, _)| Finding::DeadTransition { transition }));
        findings
    }
}

fn is_enabled(transition: &Transition, tokens: &[u32]) -> bool {
    let marked = transition.inputs.iter().filter(|&&place| tokens[place] > 0).count();
    marked >= transition.min_inputs
}

fn sorted_places(places: &[usize]) -> Vec<u32> {
    let mut sorted: Vec<u32> = places.iter().map(|&place| place as u32).collect();
    sorted.sort_unstable();
    sorted
}

fn removed_places(transition: &Transition) -> Vec<u32> {
    let mut removed = sorted_places(&[transition.inputs.as_slice(), &transition.resets].concat());
    removed.dedup();
    removed
}

/// Only called on markings without repeats, where consuming every marked input is the same
/// as removing all inputs: the result is `marking - removes + outputs`, kept sorted.
fn fire(marking: &[u32], removes: &[u32], outputs: &[u32], successor: &mut Vec<u32>) {
    successor.clear();
    let mut next_removed = 0;
    for &place in marking {
        while next_removed < removes.len() && removes[next_removed] < place {
            next_removed += 1;
        }
        if removes.get(next_removed) != Some(&place) {
            successor.push(place);
        }
    }
    successor.extend_from_slice(outputs);
    successor.sort_unstable();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(places: &[&str], finals: &[usize]) -> Net {
        Net {
            places: places.iter().map(|&name| name.to_owned()).collect(),
            transitions: Vec::new(),
            initial: 0,
            finals: finals.to_vec(),
            completion: Completion::SingleEnd,
        }
    }

    fn join(net: &mut Net, inputs: &[usize], min_inputs: usize, outputs: &[usize], resets: &[usize]) {
        let label = format!("{} -> {}", describe_marking(net, inputs), describe_marking(net, outputs));
        net.transitions.push(Transition {
            label,
            inputs: inputs.to_vec(),
            min_inputs,
            outputs: outputs.to_vec(),
            resets: resets.to_vec(),
        });
    }

    fn step(net: &mut Net, inputs: &[usize], outputs: &[usize]) {
        join(net, inputs, inputs.len(), outputs, &[]);
    }

    fn check_default(net: &Net) -> Vec<Finding> {
        check(net, &Limits::default())
    }

    /// A fork into `branches` branches of `steps` steps each, then an AND-join into the end.
    fn parallel(branches: usize, steps: usize) -> Net {
        let mut places = vec!["start".to_owned()];
        for branch in 0..branches {
            places.extend((0..=steps).map(|at| format!("b{branch}s{at}")));
        }
        places.push("done".to_owned());
        let done = places.len() - 1;
        let first = |branch: usize| 1 + branch * (steps + 1);
        let mut net = Net { places, finals: vec![done], ..Net::default() };
        let starts: Vec<usize> = (0..branches).map(first).collect();
        step(&mut net, &[0], &starts);
        for branch in 0..branches {
            for at in 0..steps {
                step(&mut net, &[first(branch) + at], &[first(branch) + at + 1]);
            }
        }
        let lasts: Vec<usize> = (0..branches).map(|branch| first(branch) + steps).collect();
        step(&mut net, &lasts, &[done]);
        net
    }

    #[test]
    fn sequence_is_sound() {
        let mut net = net(&["start", "review", "done"], &[2]);
        step(&mut net, &[0], &[1]);
        step(&mut net, &[1], &[2]);
        assert_eq!(check_default(&net), vec![]);
    }

    #[test]
    fn fork_and_join_is_sound() {
        let mut net = net(&["start", "left", "right", "left_done", "right_done", "done"], &[5]);
        step(&mut net, &[0], &[1, 2]);
        step(&mut net, &[1], &[3]);
        step(&mut net, &[2], &[4]);
        step(&mut net, &[3, 4], &[5]);
        assert_eq!(check_default(&net), vec![]);
    }

    #[test]
    fn exclusive_choice_into_and_join_deadlocks() {
        let mut net = net(&["start", "left", "right", "done"], &[3]);
        step(&mut net, &[0], &[1]);
        step(&mut net, &[0], &[2]);
        step(&mut net, &[1, 2], &[3]);
        let expected =
            vec![Finding::Deadlock { marking: vec![1], path: vec![0] }, Finding::DeadTransition { transition: 2 }];
        assert_eq!(check_default(&net), expected);
    }

    #[test]
    fn parallel_split_into_exclusive_merge_lacks_synchronisation() {
        let mut net = net(&["start", "a", "b", "merge", "done"], &[4]);
        step(&mut net, &[0], &[1, 2]);
        step(&mut net, &[1], &[3]);
        step(&mut net, &[2], &[3]);
        step(&mut net, &[3], &[4]);
        let expected = vec![
            Finding::DoubleToken { place: 3, marking: vec![3, 3], path: vec![0, 1, 2] },
            Finding::EndWithActive { end: 4, marking: vec![2, 4], path: vec![0, 1, 3] },
        ];
        assert_eq!(check_default(&net), expected);
    }

    #[test]
    fn parallel_split_into_two_ends_ends_with_active_tokens() {
        let mut net = net(&["start", "a", "b", "end_a", "end_b"], &[3, 4]);
        step(&mut net, &[0], &[1, 2]);
        step(&mut net, &[1], &[3]);
        step(&mut net, &[2], &[4]);
        let expected = vec![
            Finding::EndWithActive { end: 3, marking: vec![2, 3], path: vec![0, 1] },
            Finding::EndWithActive { end: 4, marking: vec![1, 4], path: vec![0, 2] },
        ];
        assert_eq!(check_default(&net), expected);
    }

    fn any_join(resets: &[usize]) -> Net {
        let mut net = net(&["start", "a", "b", "a_done", "b_done", "done"], &[5]);
        step(&mut net, &[0], &[1, 2]);
        step(&mut net, &[1], &[3]);
        step(&mut net, &[2], &[4]);
        join(&mut net, &[3, 4], 1, &[5], resets);
        net
    }

    #[test]
    fn any_join_cancelling_the_other_branch_is_sound() {
        assert_eq!(check_default(&any_join(&[1, 2, 3, 4])), vec![]);
    }

    #[test]
    fn any_join_without_resets_leaves_the_slow_branch_active() {
        let expected = vec![Finding::EndWithActive { end: 5, marking: vec![2, 5], path: vec![0, 1, 3] }];
        assert_eq!(check_default(&any_join(&[])), expected);
    }

    #[test]
    fn two_of_three_join_with_resets_is_sound() {
        let names = ["start", "a", "b", "c", "a_done", "b_done", "c_done", "done"];
        let mut net = net(&names, &[7]);
        step(&mut net, &[0], &[1, 2, 3]);
        step(&mut net, &[1], &[4]);
        step(&mut net, &[2], &[5]);
        step(&mut net, &[3], &[6]);
        join(&mut net, &[4, 5, 6], 2, &[7], &[1, 2, 3, 4, 5, 6]);
        assert_eq!(check_default(&net), vec![]);
    }

    #[test]
    fn cycle_without_exit_is_a_livelock_reported_on_the_cycle() {
        let mut net = net(&["start", "draft", "review", "rework", "done"], &[4]);
        step(&mut net, &[0], &[1]);
        step(&mut net, &[1], &[2]);
        step(&mut net, &[2], &[3]);
        step(&mut net, &[3], &[2]);
        step(&mut net, &[0], &[4]);
        let expected = vec![Finding::Livelock { marking: vec![2], path: vec![0, 1], cycle: vec![2, 3] }];
        assert_eq!(check_default(&net), expected);
    }

    #[test]
    fn cycle_with_exit_is_sound() {
        let mut net = net(&["start", "review", "rework", "done"], &[3]);
        step(&mut net, &[0], &[1]);
        step(&mut net, &[1], &[2]);
        step(&mut net, &[2], &[1]);
        step(&mut net, &[1], &[3]);
        assert_eq!(check_default(&net), vec![]);
    }

    #[test]
    fn livelock_that_can_also_fail_is_reported_as_the_failure() {
        let mut net = net(&["start", "a", "b", "done"], &[3]);
        step(&mut net, &[0], &[1]);
        step(&mut net, &[1], &[2]);
        step(&mut net, &[2], &[1]);
        step(&mut net, &[2], &[2, 2]);
        let expected = vec![Finding::DoubleToken { place: 2, marking: vec![2, 2], path: vec![0, 1, 3] }];
        assert_eq!(check_default(&net), expected);
    }

    #[test]
    fn unreachable_and_after_end_transitions_are_dead() {
        let mut net = net(&["start", "done", "orphan"], &[1]);
        step(&mut net, &[0], &[1]);
        step(&mut net, &[2], &[1]);
        step(&mut net, &[1], &[0]);
        let expected = vec![Finding::DeadTransition { transition: 1 }, Finding::DeadTransition { transition: 2 }];
        assert_eq!(check_default(&net), expected);
    }

    #[test]
    fn losing_every_token_is_a_deadlock() {
        let mut net = net(&["start", "done"], &[1]);
        step(&mut net, &[0], &[]);
        let expected = vec![Finding::Deadlock { marking: vec![], path: vec![0] }];
        assert_eq!(check_default(&net), expected);
    }

    #[test]
    fn small_parallel_region_is_sound() {
        assert_eq!(check_default(&parallel(4, 3)), vec![]);
    }

    #[test]
    fn exploration_stops_at_the_cap() {
        let limits = Limits { max_markings: 50 };
        assert_eq!(check(&parallel(4, 3), &limits), vec![Finding::TooLarge { explored: 50 }]);
    }

    #[test]
    fn twelve_branches_exceed_the_default_cap() {
        let expected = vec![Finding::TooLarge { explored: 200_000 }];
        assert_eq!(check_default(&parallel(12, 3)), expected);
    }

    #[test]
    fn counterexamples_found_before_the_cap_are_kept() {
        let mut net = parallel(4, 3);
        net.places.push("stuck".to_owned());
        let stuck = net.places.len() - 1;
        step(&mut net, &[0], &[stuck]);
        let expected = vec![
            Finding::Deadlock { marking: vec![stuck], path: vec![net.transitions.len() - 1] },
            Finding::TooLarge { explored: 30 },
        ];
        assert_eq!(check(&net, &Limits { max_markings: 30 }), expected);
    }

    #[test]
    fn long_chain_is_sound() {
        let names: Vec<String> = (0..10_000).map(|index| format!("s{index}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut net = net(&names, &[9_999]);
        for index in 0..9_999 {
            step(&mut net, &[index], &[index + 1]);
        }
        assert_eq!(check_default(&net), vec![]);
    }

    #[test]
    fn invalid_nets_are_rejected_without_findings() {
        let mut bad_initial = net(&["start"], &[0]);
        bad_initial.initial = 3;
        let mut no_threshold = net(&["start", "done"], &[1]);
        join(&mut no_threshold, &[0], 0, &[1], &[]);
        let mut repeated = net(&["start", "done"], &[1]);
        step(&mut repeated, &[0, 0], &[1]);
        let mut bad_output = net(&["start", "done"], &[1]);
        step(&mut bad_output, &[0], &[7]);
        let cases = [
            (bad_initial, InvalidNet::UnknownPlace { place: 3, count: 1 }),
            (no_threshold, InvalidNet::BadThreshold { transition: 0, min_inputs: 0, inputs: 1 }),
            (repeated, InvalidNet::RepeatedInput { transition: 0, place: 0 }),
            (bad_output, InvalidNet::UnknownPlace { place: 7, count: 2 }),
        ];
        for (net, error) in cases {
            assert_eq!(validate(&net), Err(error));
            assert_eq!(check_default(&net), vec![]);
        }
    }

    #[test]
    fn markings_and_paths_are_described_by_name() {
        let mut net = net(&["start", "a", "b"], &[]);
        step(&mut net, &[0], &[1, 2]);
        assert_eq!(describe_marking(&net, &[1, 2, 2]), "`a`, `b`, `b`");
        assert_eq!(describe_marking(&net, &[]), "no active state");
        assert_eq!(describe_marking(&net, &[9]), "#9");
        assert_eq!(describe_path(&net, &[0, 4]), vec!["`start` -> `a`, `b`", "#4"]);
    }

    #[test]
    fn every_branch_ending_on_its_own_is_sound_when_completion_waits_for_all_branches() {
        // fork → {a, b}; a → end_a; b → end_b.
        let mut net = net(&["start", "a", "b", "end_a", "end_b"], &[3, 4]);
        net.transitions = vec![
            Transition { label: "fork".into(), inputs: vec![0], min_inputs: 1, outputs: vec![1, 2], resets: vec![] },
            Transition { label: "a".into(), inputs: vec![1], min_inputs: 1, outputs: vec![3], resets: vec![] },
            Transition { label: "b".into(), inputs: vec![2], min_inputs: 1, outputs: vec![4], resets: vec![] },
        ];
        assert!(matches!(check(&net, &Limits::default()).as_slice(), [Finding::EndWithActive { .. }, ..]));
        net.completion = Completion::AllBranches;
        assert_eq!(check(&net, &Limits::default()), vec![]);
        // Both branches into the same end: a double token even when all branches may end.
        net.transitions[2].outputs = vec![3];
        assert!(matches!(check(&net, &Limits::default()).as_slice(), [Finding::DoubleToken { place: 3, .. }, ..]));
    }
}
