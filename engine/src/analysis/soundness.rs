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

/// Checks soundness like [`check`], but first shrinks the net by reductions that are proven
/// not to change the verdict, so that long branches and wide parallel regions cost little.
///
/// The reductions apply to nets whose instances end when every branch has ended
/// ([`Completion::AllBranches`], the notion of imported process models); other nets are
/// explored as they are, which keeps the shortest counterexamples `check` gives them.
/// Findings are translated back: markings and paths name the original places and transitions
/// (a path may then be longer than the shortest one), and a transition is dead only if every
/// reduced step that stands for it is.
pub fn verify(net: &Net, limits: &Limits) -> Vec<Finding> {
    verify_with(net, limits, SHORTEST_BUDGET)
}

/// Markings an unsound reduced net may spend on exploring the original net again, for the
/// shortest counterexamples (a fused step moves tokens on early, which lengthens paths and can
/// hide the state that first received a second token).
const SHORTEST_BUDGET: usize = 20_000;

fn verify_with(net: &Net, limits: &Limits, shortest_budget: usize) -> Vec<Finding> {
    if validate(net).is_err() {
        return Vec::new();
    }
    if net.completion != Completion::AllBranches {
        return check(net, limits);
    }
    let reduced = reduce::Reduced::new(net);
    let findings = reduced.translate(net, check(&reduced.net, limits));
    let unsound = findings.iter().any(|f| {
        matches!(
            f,
            Finding::Deadlock { .. }
                | Finding::DoubleToken { .. }
                | Finding::EndWithActive { .. }
                | Finding::Livelock { .. }
        )
    });
    if unsound && shortest_budget > 0 {
        // Both explorations are exact, so the verdict is the same; this one's paths are shortest.
        let plain = check(net, &Limits { max_markings: limits.max_markings.min(shortest_budget) });
        if !plain.iter().any(|f| matches!(f, Finding::TooLarge { .. })) {
            return plain;
        }
    }
    findings
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

/// Reductions that shrink a net without changing its soundness verdict, and the bookkeeping
/// that translates findings on the reduced net back to the original places and transitions.
///
/// Three rules, applied until none applies (or a bounded number of rounds has passed):
/// - post-agglomeration (Berthelot): a place `p` whose only consumer `u` takes only `p` and
///   gives a token back elsewhere is removed, and every producer of `p` fires `u` at once.
///   Each reachable marking `M` maps to `M - k·p + k·u•` (fire the pending `u`s), which the
///   reduced net reaches; a double token in `M` stays a double token in that image, a deadlock
///   or a marking with no way to a proper end has `p` empty and is reached unchanged. So safety,
///   deadlocks and the option to complete are exactly those of the original net.
/// - fusion of parallel places (Murata): two places with the same producers and consumers hold
///   equal token counts in every reachable marking, so one of them is dropped and shadows the other.
/// - duplicate transitions (same inputs, same outputs) have the same effect; one is kept.
///
/// Only plain parts of the net take part: a place reset by, or feeding, an `any` or k-of-n join
/// keeps its tokens where they are, because firing such a join early or late changes what it removes.
mod reduce {
    use std::collections::HashMap;

    use super::{Finding, Net, Transition};

    /// Rounds of the global rules; each round that changes something removes an element, and
    /// stopping early only leaves more for the explorer.
    const MAX_ROUNDS: usize = 64;

    /// A piece of the firing sequence a reduced transition stands for.
    #[derive(Debug, Clone, Copy)]
    enum Part {
        /// An original transition.
        Step(usize),
        /// A sequence that was frozen when the transition holding it was absorbed; shared by
        /// every producer that absorbed it, so it is stored once.
        Frozen(usize),
    }

    /// The reduced net and the way back.
    pub(super) struct Reduced {
        pub(super) net: Net,
        /// Per reduced transition: the original firing sequence it stands for.
        sequence: Vec<Vec<Part>>,
        /// Per reduced transition: further original transitions enabled whenever it is enabled
        /// (duplicates that were removed).
        alike: Vec<Vec<Part>>,
        frozen: Vec<Vec<Part>>,
        /// Per place: the removed places that always hold as many tokens as it.
        shadows: Vec<Vec<usize>>,
        original_transitions: usize,
    }

    struct Reducer<'n> {
        net: &'n Net,
        inputs: Vec<Vec<usize>>,
        outputs: Vec<Vec<usize>>,
        alive: Vec<bool>,
        /// Per transition: no resets and needs every input (so it may absorb or be absorbed).
        plain: Vec<bool>,
        /// Per place: reset by, or input of, a transition that is not plain.
        touchy: Vec<bool>,
        /// Per place: may not be removed (touchy, the start, or an end).
        fixed: Vec<bool>,
        removed: Vec<bool>,
        producers: Vec<Vec<usize>>,
        consumers: Vec<Vec<usize>>,
        sequence: Vec<Vec<Part>>,
        alike: Vec<Vec<Part>>,
        frozen: Vec<Vec<Part>>,
        shadows: Vec<Vec<usize>>,
    }

    impl Reduced {
        /// Reduces a net that passed [`super::validate`].
        pub(super) fn new(net: &Net) -> Self {
            let mut reducer = Reducer::new(net);
            reducer.run();
            reducer.finish()
        }

        /// Findings on the reduced net, in terms of the original one.
        pub(super) fn translate(&self, original: &Net, findings: Vec<Finding>) -> Vec<Finding> {
            let mut translated = Vec::with_capacity(findings.len());
            let mut dead = Vec::new();
            for finding in findings {
                translated.push(match finding {
                    Finding::Deadlock { marking, path } => {
                        Finding::Deadlock { marking: self.marking(&marking), path: self.path(&path) }
                    }
                    Finding::DoubleToken { place, marking, path } => {
                        let path = self.path(&path);
                        // A fused step may carry a token through the place that really doubled;
                        // replaying the original steps finds the first double token.
                        match first_double_token(original, &path) {
                            Some((place, marking, prefix)) => Finding::DoubleToken { place, marking, path: prefix },
                            None => Finding::DoubleToken { place, marking: self.marking(&marking), path },
                        }
                    }
                    Finding::EndWithActive { end, marking, path } => {
                        Finding::EndWithActive { end, marking: self.marking(&marking), path: self.path(&path) }
                    }
                    Finding::Livelock { marking, path, cycle } => Finding::Livelock {
                        marking: self.marking(&marking),
                        path: self.path(&path),
                        cycle: self.path(&cycle),
                    },
                    Finding::DeadTransition { transition } => {
                        dead.push(transition);
                        continue;
                    }
                    too_large @ Finding::TooLarge { .. } => too_large,
                });
            }
            // Dead transitions are only reported after a complete exploration; none dead in the
            // reduced net means none dead in the original one.
            if !dead.is_empty() {
                let live = self.live_originals(&dead);
                let dead_originals = live.iter().enumerate().filter(|(_, &is_live)| !is_live);
                translated.extend(dead_originals.map(|(transition, _)| Finding::DeadTransition { transition }));
            }
            translated
        }

        fn marking(&self, marking: &[usize]) -> Vec<usize> {
            let mut full = Vec::with_capacity(marking.len());
            for &place in marking {
                full.push(place);
                full.extend_from_slice(&self.shadows[place]);
            }
            full.sort_unstable();
            full
        }

        fn path(&self, path: &[usize]) -> Vec<usize> {
            let mut steps = Vec::new();
            for &transition in path {
                self.flatten(&self.sequence[transition], &mut steps);
            }
            steps
        }

        /// Appends the original transitions of `parts` in firing order.
        fn flatten(&self, parts: &[Part], steps: &mut Vec<usize>) {
            let mut stack: Vec<Part> = parts.iter().rev().copied().collect();
            while let Some(part) = stack.pop() {
                match part {
                    Part::Step(transition) => steps.push(transition),
                    Part::Frozen(index) => stack.extend(self.frozen[index].iter().rev().copied()),
                }
            }
        }

        /// Whether each original transition is enabled in some explored marking, given the reduced
        /// transitions that never were.
        fn live_originals(&self, dead: &[usize]) -> Vec<bool> {
            let mut is_dead = vec![false; self.sequence.len()];
            for &transition in dead {
                is_dead[transition] = true;
            }
            let mut live = vec![false; self.original_transitions];
            let mut visited = vec![false; self.frozen.len()];
            let mut stack = Vec::new();
            for transition in (0..self.sequence.len()).filter(|&t| !is_dead[t]) {
                stack.extend(self.sequence[transition].iter().chain(&self.alike[transition]).copied());
                while let Some(part) = stack.pop() {
                    match part {
                        Part::Step(original) => live[original] = true,
                        Part::Frozen(index) if !visited[index] => {
                            visited[index] = true;
                            stack.extend(self.frozen[index].iter().copied());
                        }
                        Part::Frozen(_) => {}
                    }
                }
            }
            live
        }
    }

    impl<'n> Reducer<'n> {
        fn new(net: &'n Net) -> Self {
            let places = net.places.len();
            let plain: Vec<bool> =
                net.transitions.iter().map(|t| t.resets.is_empty() && t.min_inputs == t.inputs.len()).collect();
            let mut touchy = vec![false; places];
            for (transition, t) in net.transitions.iter().enumerate() {
                if !plain[transition] {
                    for &place in t.inputs.iter().chain(&t.resets) {
                        touchy[place] = true;
                    }
                }
            }
            let mut fixed = touchy.clone();
            fixed[net.initial] = true;
            for &end in &net.finals {
                fixed[end] = true;
            }
            let mut producers = vec![Vec::new(); places];
            let mut consumers = vec![Vec::new(); places];
            for (transition, t) in net.transitions.iter().enumerate() {
                for &place in &t.inputs {
                    consumers[place].push(transition);
                }
                for &place in &t.outputs {
                    if !producers[place].contains(&transition) {
                        producers[place].push(transition);
                    }
                }
            }
            let count = net.transitions.len();
            Self {
                net,
                inputs: net.transitions.iter().map(|t| sorted(&t.inputs)).collect(),
                outputs: net.transitions.iter().map(|t| t.outputs.clone()).collect(),
                alive: vec![true; count],
                plain,
                touchy,
                fixed,
                removed: vec![false; places],
                producers,
                consumers,
                sequence: (0..count).map(|t| vec![Part::Step(t)]).collect(),
                alike: vec![Vec::new(); count],
                frozen: Vec::new(),
                shadows: vec![Vec::new(); places],
            }
        }

        fn run(&mut self) {
            let mut pending: Vec<usize> = (0..self.net.places.len()).rev().collect();
            for _ in 0..MAX_ROUNDS {
                while let Some(place) = pending.pop() {
                    self.agglomerate(place, &mut pending);
                }
                let duplicates = self.remove_duplicate_transitions(&mut pending);
                let parallel = self.fuse_parallel_places(&mut pending);
                if !duplicates && !parallel {
                    break;
                }
            }
        }

        fn freeze(&mut self, parts: Vec<Part>) -> Part {
            if let [only] = parts[..] {
                return only;
            }
            self.frozen.push(parts);
            Part::Frozen(self.frozen.len() - 1)
        }

        /// Post-agglomeration of `place` into its producers, when the rule applies.
        fn agglomerate(&mut self, place: usize, pending: &mut Vec<usize>) {
            if self.fixed[place] || self.removed[place] {
                return;
            }
            let [consumer] = self.consumers[place][..] else { return };
            if !self.plain[consumer] || self.inputs[consumer] != [place] || self.outputs[consumer].is_empty() {
                return;
            }
            // Tokens move into the consumer's outputs earlier than they would; that is only
            // harmless where no reset or threshold join looks at them.
            if self.outputs[consumer].iter().any(|&out| out == place || self.touchy[out]) {
                return;
            }
            let producers = self.producers[place].clone();
            if producers.is_empty()
                || producers.iter().any(|&t| self.outputs[t].iter().filter(|&&out| out == place).count() != 1)
            {
                return;
            }
            let sequence = std::mem::take(&mut self.sequence[consumer]);
            let sequence = self.freeze(sequence);
            let alike = std::mem::take(&mut self.alike[consumer]);
            let alike = if alike.is_empty() { None } else { Some(self.freeze(alike)) };
            let outputs = std::mem::take(&mut self.outputs[consumer]);
            for &out in &outputs {
                self.producers[out].retain(|&t| t != consumer);
            }
            for &producer in &producers {
                let outs = &mut self.outputs[producer];
                if let Some(at) = outs.iter().position(|&out| out == place) {
                    outs.remove(at);
                }
                outs.extend_from_slice(&outputs);
                for &out in &outputs {
                    if !self.producers[out].contains(&producer) {
                        self.producers[out].push(producer);
                    }
                }
                self.sequence[producer].push(sequence);
                self.alike[producer].extend(alike);
            }
            self.alive[consumer] = false;
            self.inputs[consumer].clear();
            self.consumers[place].clear();
            self.producers[place].clear();
            self.removed[place] = true;
            pending.extend(outputs);
        }

        fn remove_duplicate_transitions(&mut self, pending: &mut Vec<usize>) -> bool {
            let mut seen: HashMap<(Vec<usize>, Vec<usize>), usize> = HashMap::new();
            let mut changed = false;
            for transition in 0..self.alive.len() {
                if !self.alive[transition] || !self.plain[transition] {
                    continue;
                }
                let key = (self.inputs[transition].clone(), sorted(&self.outputs[transition]));
                let Some(&kept) = seen.get(&key) else {
                    seen.insert(key, transition);
                    continue;
                };
                let sequence = std::mem::take(&mut self.sequence[transition]);
                let sequence = self.freeze(sequence);
                self.alike[kept].push(sequence);
                let alike = std::mem::take(&mut self.alike[transition]);
                self.alike[kept].extend(alike);
                for &place in &self.inputs[transition] {
                    self.consumers[place].retain(|&t| t != transition);
                    pending.push(place);
                }
                for &place in &self.outputs[transition] {
                    self.producers[place].retain(|&t| t != transition);
                    pending.push(place);
                }
                self.inputs[transition].clear();
                self.outputs[transition].clear();
                self.alive[transition] = false;
                changed = true;
            }
            changed
        }

        fn fuse_parallel_places(&mut self, pending: &mut Vec<usize>) -> bool {
            let mut seen: HashMap<(Vec<usize>, Vec<usize>), usize> = HashMap::new();
            let mut changed = false;
            for place in 0..self.removed.len() {
                if self.fixed[place] || self.removed[place] || self.producers[place].is_empty() {
                    continue;
                }
                let once = |t: &usize| self.outputs[*t].iter().filter(|&&out| out == place).count() == 1;
                if !self.producers[place].iter().all(once) {
                    continue;
                }
                let key = (sorted(&self.producers[place]), sorted(&self.consumers[place]));
                let Some(&kept) = seen.get(&key) else {
                    seen.insert(key, place);
                    continue;
                };
                for &producer in &self.producers[place] {
                    let outs = &mut self.outputs[producer];
                    if let Some(at) = outs.iter().position(|&out| out == place) {
                        outs.remove(at);
                    }
                }
                for &consumer in &self.consumers[place] {
                    self.inputs[consumer].retain(|&p| p != place);
                }
                let shadows = std::mem::take(&mut self.shadows[place]);
                self.shadows[kept].push(place);
                self.shadows[kept].extend(shadows);
                self.producers[place].clear();
                self.consumers[place].clear();
                self.removed[place] = true;
                pending.push(kept);
                changed = true;
            }
            changed
        }

        fn finish(self) -> Reduced {
            let mut transitions = Vec::new();
            let mut sequence = Vec::new();
            let mut alike = Vec::new();
            for (index, original) in self.net.transitions.iter().enumerate() {
                if !self.alive[index] {
                    continue;
                }
                let inputs = self.inputs[index].clone();
                let min_inputs = if self.plain[index] { inputs.len() } else { original.min_inputs };
                transitions.push(Transition {
                    label: original.label.clone(),
                    inputs,
                    min_inputs,
                    outputs: self.outputs[index].clone(),
                    resets: original.resets.clone(),
                });
                sequence.push(self.sequence[index].clone());
                alike.push(self.alike[index].clone());
            }
            Reduced {
                net: Net {
                    places: self.net.places.clone(),
                    transitions,
                    initial: self.net.initial,
                    finals: self.net.finals.clone(),
                    completion: self.net.completion,
                },
                sequence,
                alike,
                frozen: self.frozen,
                shadows: self.shadows,
                original_transitions: self.net.transitions.len(),
            }
        }
    }

    fn sorted(places: &[usize]) -> Vec<usize> {
        let mut sorted = places.to_vec();
        sorted.sort_unstable();
        sorted
    }

    /// Fires `path` in the original net from its start and returns the first place that gets a
    /// second token, with the marking then and the steps that led there.
    fn first_double_token(net: &Net, path: &[usize]) -> Option<(usize, Vec<usize>, Vec<usize>)> {
        let mut tokens = vec![0u32; net.places.len()];
        tokens[net.initial] = 1;
        for (step, &transition) in path.iter().enumerate() {
            let t = net.transitions.get(transition)?;
            for &place in t.inputs.iter().chain(&t.resets) {
                tokens[place] = 0;
            }
            for &place in &t.outputs {
                tokens[place] += 1;
            }
            if let Some(place) = tokens.iter().position(|&count| count > 1) {
                let marking = tokens
                    .iter()
                    .enumerate()
                    .flat_map(|(place, &count)| std::iter::repeat_n(place, count as usize))
                    .collect();
                return Some((place, marking, path[..=step].to_vec()));
            }
        }
        None
    }
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

    fn all_branches(mut net: Net) -> Net {
        net.completion = Completion::AllBranches;
        net
    }

    #[test]
    fn reductions_collapse_long_parallel_branches_below_a_tiny_cap() {
        let net = all_branches(parallel(12, 3));
        let tiny = Limits { max_markings: 10 };
        assert_eq!(check(&net, &tiny), vec![Finding::TooLarge { explored: 10 }]);
        assert_eq!(verify(&net, &tiny), vec![]);
    }

    #[test]
    fn reduced_deadlock_names_original_places_and_replays_original_steps() {
        // start -t0-> x -t1-> a; start -t2-> b; join {a, b} -t3-> done: an exclusive choice
        // into a join. x is absorbed into t0, so the reduced path [t0'] must replay as [t0, t1].
        let mut net = all_branches(net(&["start", "x", "a", "b", "done"], &[4]));
        step(&mut net, &[0], &[1]);
        step(&mut net, &[1], &[2]);
        step(&mut net, &[0], &[3]);
        step(&mut net, &[2, 3], &[4]);
        let expected =
            vec![Finding::Deadlock { marking: vec![2], path: vec![0, 1] }, Finding::DeadTransition { transition: 3 }];
        assert_eq!(verify_with(&net, &Limits::default(), 0), expected);
        // With a budget for it, the plain exploration gives the shortest counterexample instead.
        let shortest =
            vec![Finding::Deadlock { marking: vec![3], path: vec![2] }, Finding::DeadTransition { transition: 3 }];
        assert_eq!(verify(&net, &Limits::default()), shortest);
    }

    #[test]
    fn fused_parallel_places_reappear_in_reported_markings() {
        // start forks into p and q, which only a join also waiting for the never-marked z consumes.
        let mut net = all_branches(net(&["start", "p", "q", "z", "done"], &[4]));
        step(&mut net, &[0], &[1, 2]);
        step(&mut net, &[1, 2, 3], &[4]);
        let findings = verify_with(&net, &Limits::default(), 0);
        let expected =
            vec![Finding::Deadlock { marking: vec![1, 2], path: vec![0] }, Finding::DeadTransition { transition: 1 }];
        assert_eq!(findings, expected);
    }

    #[test]
    fn a_branch_absorbed_into_a_fork_still_shows_its_double_token() {
        // fork → {a, b}; a → merge; b → merge; merge → done: both branches reach `merge`.
        let mut net = all_branches(net(&["start", "a", "b", "merge", "done"], &[4]));
        step(&mut net, &[0], &[1, 2]);
        step(&mut net, &[1], &[3]);
        step(&mut net, &[2], &[3]);
        step(&mut net, &[3], &[4]);
        // `merge` is fused into both branches, so the reduced net doubles `done`; the replayed
        // original steps are a real run that ends with two tokens there.
        let expected = vec![Finding::DoubleToken { place: 4, marking: vec![4, 4], path: vec![0, 1, 3, 2, 3] }];
        assert_eq!(verify_with(&net, &Limits::default(), 0), expected);
        // Given the budget, plain exploration finds the shorter run that doubles `merge` itself.
        let shortest = Finding::DoubleToken { place: 3, marking: vec![3, 3], path: vec![0, 1, 2] };
        assert_eq!(verify(&net, &Limits::default())[0], shortest);
    }

    #[test]
    fn steps_absorbed_behind_a_dead_step_are_dead_too() {
        // t1 can never fire (`never` is never marked), and t2 only follows it.
        let mut net = all_branches(net(&["start", "never", "x", "y", "done"], &[4]));
        step(&mut net, &[0], &[4]);
        step(&mut net, &[1], &[2]);
        step(&mut net, &[2], &[3]);
        step(&mut net, &[3], &[4]);
        let findings = verify(&net, &Limits::default());
        let expected: Vec<Finding> = (1..4).map(|transition| Finding::DeadTransition { transition }).collect();
        assert_eq!(findings, expected);
    }

    #[test]
    fn joins_that_cancel_branches_are_left_alone() {
        let net = all_branches(any_join(&[1, 2, 3, 4]));
        assert_eq!(verify(&net, &Limits::default()), check(&net, &Limits::default()));
    }

    /// The verdict the published soundness notion gives, from a list of findings: a double
    /// token anywhere, else a deadlock or livelock, else sound.
    fn verdict(findings: &[Finding]) -> Option<&'static str> {
        if findings.iter().any(|f| matches!(f, Finding::TooLarge { .. })) {
            return None;
        }
        if findings.iter().any(|f| matches!(f, Finding::DoubleToken { .. })) {
            Some("lack of synchronisation")
        } else if findings.iter().any(|f| matches!(f, Finding::Deadlock { .. } | Finding::Livelock { .. })) {
            Some("deadlock")
        } else {
            Some("sound")
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// On random nets, the reduced check reaches the same verdict as plain exploration.
        #[test]
        fn reductions_never_change_the_verdict(
            shape in proptest::collection::vec(
                (proptest::collection::vec(0usize..5, 1..3), proptest::collection::vec(0usize..6, 0..3)),
                1..7,
            ),
        ) {
            let names: Vec<String> = (0..6).map(|p| format!("p{p}")).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut net = all_branches(net(&names, &[5]));
            for (mut inputs, outputs) in shape {
                inputs.sort_unstable();
                inputs.dedup();
                inputs.retain(|&p| p != 5);
                if !inputs.is_empty() {
                    step(&mut net, &inputs, &outputs);
                }
            }
            let limits = Limits { max_markings: 3_000 };
            let (plain, reduced) = (check(&net, &limits), verify_with(&net, &limits, 0));
            if let (Some(plain), Some(reduced)) = (verdict(&plain), verdict(&reduced)) {
                proptest::prop_assert_eq!(plain, reduced, "net {:?}", net.transitions);
            }
        }
    }
}
