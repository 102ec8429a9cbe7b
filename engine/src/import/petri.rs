//! Place/transition nets as the PNML and LoLA readers produce them, and their translation into
//! a workflow with exactly the same token game: places become states, transitions become steps.
//!
//! A place consumed by one-input transitions is a human step with one action per transition
//! (a free choice); a place consumed by a transition with several inputs is a waiting state of a
//! `join`; a transition with several outputs goes through a `fork`; a place nothing consumes is
//! an end. Free-choice nets (transitions that share an input place share all of them) translate
//! exactly; the added fork, join and choice states only split a transition into steps that
//! always follow each other, which the soundness check's reductions fuse back.

use indexmap::IndexMap;

use super::names::{kebab, snake, Ids};
use super::{Format, ImportError, Note};
use crate::syntax::raw::{RawAction, RawCompletion, RawRole, RawStart, RawState, RawWorkflow};

/// A place/transition net.
#[derive(Debug, Clone, Default)]
pub(crate) struct Net {
    /// Names the workflow (kebab-cased).
    pub id: String,
    /// The net's own name, if it has one.
    pub title: Option<String>,
    pub places: Vec<Place>,
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub id: String,
    pub name: Option<String>,
    pub line: u32,
    /// Tokens in the initial marking.
    pub tokens: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Transition {
    pub id: String,
    pub name: Option<String>,
    pub line: u32,
    /// (place, weight), each place once.
    pub inputs: Vec<(usize, u64)>,
    /// (place, weight), each place once.
    pub outputs: Vec<(usize, u64)>,
}

/// The one role of an imported net: nets say nothing about who acts.
const ROLE: &str = "participant";

/// Adds `weight` to the arc towards `place`, so that repeated arcs add up as in the net.
pub(crate) fn add_arc(arcs: &mut Vec<(usize, u64)>, place: usize, weight: u64) {
    match arcs.iter_mut().find(|(p, _)| *p == place) {
        Some((_, w)) => *w = w.saturating_add(weight),
        None => arcs.push((place, weight)),
    }
}

/// Translate `net`, adding a note for every element that is not represented exactly.
pub(crate) fn to_workflow(
    net: &Net,
    source: &str,
    format: Format,
    notes: &mut Vec<Note>,
) -> Result<RawWorkflow, ImportError> {
    let kept = free_choice_transitions(net, notes);
    let mut builder = Builder::new(net, &kept);
    builder.name_places();
    let start = builder.start(notes)?;
    builder.build_steps(notes);
    let mut states = IndexMap::new();
    for (name, state) in builder.states {
        states.insert(name, state);
    }
    let title = net.title.clone().unwrap_or_else(|| net.id.clone());
    Ok(RawWorkflow {
        id: Ids::default().claim_with(&kebab(&net.id, "net"), '-'),
        title,
        version: 1,
        description: Some(format!(
            "Imported from the {} net {source}: each place is a state, each transition a step.",
            match format {
                Format::Pnml => "PNML",
                _ => "LoLA",
            }
        )),
        timezone: None,
        roles: IndexMap::from([(
            ROLE.to_owned(),
            RawRole { title: "Participant".to_owned(), parameter: false, optional: false },
        )]),
        fields: IndexMap::new(),
        params: IndexMap::new(),
        start: RawStart { to: start, by: vec![ROLE.to_owned()], requires: Vec::new(), accepts: Vec::new() },
        completion: Some(RawCompletion::AllBranches),
        cancel: None,
        forbid: Vec::new(),
        schedules: Vec::new(),
        staffing: Vec::new(),
        states,
    })
}

/// The transitions the language can express, in file order. A transition is left out (with a
/// warning) when it has no input place, or when one of its input places already feeds a
/// transition that waits for a different set of places: that is not a free choice, and a
/// waiting state belongs to exactly one join.
fn free_choice_transitions(net: &Net, notes: &mut Vec<Note>) -> Vec<usize> {
    let mut owner: Vec<Option<usize>> = vec![None; net.places.len()];
    let mut kept = Vec::new();
    for (index, t) in net.transitions.iter().enumerate() {
        if t.inputs.is_empty() {
            notes.push(Note::warning(
                "transition",
                &t.id,
                t.line,
                "it has no input place, so it could fire at any moment and again and again; no workflow step does that, so it is left out",
            ));
            continue;
        }
        let preset = preset(t);
        let conflict = preset
            .iter()
            .find_map(|&p| owner[p].filter(|&other| preset_of(net, other) != preset).map(|other| (p, other)));
        if let Some((place, other)) = conflict {
            notes.push(Note::warning(
                "transition",
                &t.id,
                t.line,
                format!(
                    "it shares input place `{}` with transition `{}` (line {}), which waits for a different set of places; \
                     that is not a free choice, which the language cannot express, so it is left out",
                    net.places[place].id, net.transitions[other].id, net.transitions[other].line
                ),
            ));
            continue;
        }
        for (place, weight) in t.inputs.iter().chain(&t.outputs) {
            if *weight > 1 {
                let direction = if t.inputs.iter().any(|(p, _)| p == place) { "from" } else { "to" };
                notes.push(Note::warning(
                    "arc",
                    &format!("{} {direction} {}", t.id, net.places[*place].id),
                    t.line,
                    format!("weight {weight} imported as 1: a state holds one token at a time"),
                ));
            }
        }
        for &p in &preset {
            owner[p].get_or_insert(index);
        }
        kept.push(index);
    }
    kept
}

fn preset(t: &Transition) -> Vec<usize> {
    let mut places: Vec<usize> = t.inputs.iter().map(|(p, _)| *p).collect();
    places.sort_unstable();
    places
}

fn preset_of(net: &Net, transition: usize) -> Vec<usize> {
    preset(&net.transitions[transition])
}

struct Builder<'n> {
    net: &'n Net,
    /// Kept transitions, in file order.
    kept: &'n [usize],
    ids: Ids,
    /// The state of each place.
    place_state: Vec<String>,
    /// Per place, the kept transitions consuming it.
    consumers: Vec<Vec<usize>>,
    /// Per place, the kept transitions producing it.
    producers: Vec<Vec<usize>>,
    states: Vec<(String, RawState)>,
}

impl<'n> Builder<'n> {
    fn new(net: &'n Net, kept: &'n [usize]) -> Self {
        let mut consumers = vec![Vec::new(); net.places.len()];
        let mut producers = vec![Vec::new(); net.places.len()];
        for &t in kept {
            for &(p, _) in &net.transitions[t].inputs {
                consumers[p].push(t);
            }
            for &(p, _) in &net.transitions[t].outputs {
                producers[p].push(t);
            }
        }
        Self { net, kept, ids: Ids::default(), place_state: Vec::new(), consumers, producers, states: Vec::new() }
    }

    /// State ids for the places, in file order. A place between the two halves of one task
    /// (`callToTask.X.inputCriterion…used` between `…inputCriterion` and `…outputCriterion`) is
    /// the task itself, so it is named after their common prefix.
    fn name_places(&mut self) {
        for (index, place) in self.net.places.iter().enumerate() {
            let wanted =
                self.task_prefix(index).map_or_else(|| snake(&place.id, "place"), |prefix| snake(prefix, "task"));
            let id = self.ids.claim(&wanted);
            self.place_state.push(id);
        }
        for (index, place) in self.net.places.iter().enumerate() {
            let mut state =
                RawState { title: Some(element_title(place.name.as_deref(), &place.id)), ..RawState::default() };
            if self.consumers[index].is_empty() {
                state.end = Some(self.place_state[index].clone());
            }
            self.states.push((self.place_state[index].clone(), state));
        }
    }

    fn task_prefix(&self, place: usize) -> Option<&'n str> {
        let ([before], [after]) = (&self.producers[place][..], &self.consumers[place][..]) else { return None };
        let net = self.net;
        let (before, after) = (&net.transitions[*before].id, &net.transitions[*after].id);
        let shared = common_prefix(common_prefix(before, after), &net.places[place].id);
        (shared.matches('.').count() >= 2 && shared.len() < net.places[place].id.len()).then_some(shared)
    }

    /// The state the instance starts in: the marked place, or a fork into the marked places.
    fn start(&mut self, notes: &mut Vec<Note>) -> Result<String, ImportError> {
        let net = self.net;
        let marked: Vec<usize> = (0..net.places.len()).filter(|&p| net.places[p].tokens > 0).collect();
        for &p in &marked {
            if net.places[p].tokens > 1 {
                notes.push(Note::warning(
                    "place",
                    &net.places[p].id,
                    net.places[p].line,
                    format!(
                        "{} tokens in the initial marking imported as 1: a state holds one token at a time",
                        net.places[p].tokens
                    ),
                ));
            }
        }
        match marked[..] {
            [only] => Ok(self.place_state[only].clone()),
            [] => {
                let sources: Vec<usize> = (0..net.places.len())
                    .filter(|&p| self.producers[p].is_empty() && !self.consumers[p].is_empty())
                    .collect();
                let [only] = sources[..] else {
                    return Err(ImportError::Empty {
                        message: format!(
                            "net `{}` has no initial marking, and not exactly one place without incoming arcs to start from",
                            net.id
                        ),
                    });
                };
                let place = &net.places[only];
                notes.push(Note::warning(
                    "place",
                    &place.id,
                    place.line,
                    "the net has no initial marking; the instance starts here, at the only place without incoming arcs",
                ));
                Ok(self.place_state[only].clone())
            }
            _ => {
                let id = self.ids.claim("start");
                let fork = marked.iter().map(|&p| self.place_state[p].clone()).collect();
                let state =
                    RawState { title: Some("Initial marking".to_owned()), fork: Some(fork), ..RawState::default() };
                self.states.push((id.clone(), state));
                Ok(id)
            }
        }
    }

    /// Actions on the places that one-input transitions consume; joins (then a choice when several
    /// transitions share the same input places) for the others.
    fn build_steps(&mut self, notes: &mut Vec<Note>) {
        let net = self.net;
        let mut clusters: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
        for &t in self.kept {
            let preset = preset(&net.transitions[t]);
            match clusters.iter_mut().find(|(p, _)| *p == preset) {
                Some((_, members)) => members.push(t),
                None => clusters.push((preset, vec![t])),
            }
        }
        for (preset, members) in clusters {
            if let [place] = preset[..] {
                let actions = self.actions(&net.places[place].id, &members, notes);
                self.states[place].1.actions = Some(actions);
                continue;
            }
            let first = &net.transitions[members[0]];
            let (join_id, to) = if let [only] = members[..] {
                let join_id = self.ids.claim(&snake(&first.id, "join"));
                (join_id, self.target(only, "_split", notes))
            } else {
                let join_id = self.ids.claim(&format!("{}_join", snake(&first.id, "join")));
                let choice_id = self.ids.claim(&format!("{}_choice", snake(&first.id, "choice")));
                let names: Vec<&str> = members.iter().map(|&t| net.transitions[t].id.as_str()).collect();
                let actions = self.actions("", &members, notes);
                let state = RawState {
                    title: Some(format!("choice between {}", names.join(", "))),
                    actions: Some(actions),
                    ..RawState::default()
                };
                self.states.push((choice_id.clone(), state));
                (join_id, choice_id)
            };
            let title = if members.len() == 1 {
                element_title(first.name.as_deref(), &first.id)
            } else {
                format!(
                    "join of the places {}",
                    preset.iter().map(|&p| net.places[p].id.as_str()).collect::<Vec<_>>().join(", ")
                )
            };
            let state = RawState {
                title: Some(title),
                join: Some(preset.iter().map(|&p| self.place_state[p].clone()).collect()),
                to: Some(to),
                ..RawState::default()
            };
            self.states.push((join_id, state));
        }
    }

    /// One action per transition, named after the part of its id that differs from `place_id`.
    fn actions(&mut self, place_id: &str, members: &[usize], notes: &mut Vec<Note>) -> IndexMap<String, RawAction> {
        let mut action_ids = Ids::default();
        let mut actions = IndexMap::new();
        let net = self.net;
        for &t in members {
            let transition = &net.transitions[t];
            let shared = common_prefix(&transition.id, place_id);
            let own = &transition.id[shared.len()..];
            let name = action_ids.claim(&snake(own, "fire"));
            let to = self.target(t, "", notes);
            actions.insert(
                name,
                super::action(element_title(transition.name.as_deref(), &transition.id), vec![ROLE.to_owned()], to),
            );
        }
        actions
    }

    /// Where firing `t` leads: its one output place, or a fork into its output places.
    fn target(&mut self, t: usize, fork_suffix: &str, notes: &mut Vec<Note>) -> String {
        let net = self.net;
        let transition = &net.transitions[t];
        let outputs: Vec<String> = transition.outputs.iter().map(|&(p, _)| self.place_state[p].clone()).collect();
        match &outputs[..] {
            [only] => only.clone(),
            [] => {
                notes.push(Note::warning(
                    "transition",
                    &transition.id,
                    transition.line,
                    "it has no output place, so its token vanishes; a workflow branch cannot vanish, so it ends in an added end state instead",
                ));
                let id = self.ids.claim(&format!("{}_vanished", snake(&transition.id, "transition")));
                let state = RawState {
                    title: Some(format!("{} (no output place)", transition.id)),
                    end: Some("vanished".to_owned()),
                    ..RawState::default()
                };
                self.states.push((id.clone(), state));
                id
            }
            _ => {
                let id = self.ids.claim(&format!("{}{fork_suffix}", snake(&transition.id, "fork")));
                let state = RawState {
                    title: Some(element_title(transition.name.as_deref(), &transition.id)),
                    fork: Some(outputs),
                    ..RawState::default()
                };
                self.states.push((id.clone(), state));
                id
            }
        }
    }
}

/// `name (id)`, or the id alone when there is no name or it says the same.
fn element_title(name: Option<&str>, id: &str) -> String {
    match name.map(str::trim) {
        Some(name) if !name.is_empty() && name != id => format!("{name} ({id})"),
        _ => id.to_owned(),
    }
}

/// The longest common prefix of `a` and `b` that ends at a `.` (both continue after it).
fn common_prefix<'a>(a: &'a str, b: &str) -> &'a str {
    let same = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    match a[..same].rfind('.') {
        Some(dot) => &a[..=dot],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(id: &str, tokens: u64) -> Place {
        Place { id: id.to_owned(), name: None, line: 1, tokens }
    }

    fn transition(id: &str, inputs: &[usize], outputs: &[usize]) -> Transition {
        Transition {
            id: id.to_owned(),
            name: None,
            line: 2,
            inputs: inputs.iter().map(|&p| (p, 1)).collect(),
            outputs: outputs.iter().map(|&p| (p, 1)).collect(),
        }
    }

    #[test]
    fn common_prefixes_end_at_a_dot() {
        assert_eq!(
            common_prefix("callToTask.s1.inputCriterion.s2", "callToTask.s1.outputCriterion.s3"),
            "callToTask.s1."
        );
        assert_eq!(common_prefix("decision.s1.fire.s2", "decision.s1.activated"), "decision.s1.");
        assert_eq!(common_prefix("abc", "abd"), "");
    }

    #[test]
    fn a_non_free_choice_transition_is_reported_and_left_out() {
        // t0: {a, b} → c; t1: {a} → c. Place a feeds both, with different presets.
        let net = Net {
            id: "n".into(),
            title: None,
            places: vec![place("a", 1), place("b", 0), place("c", 0)],
            transitions: vec![transition("t0", &[0, 1], &[2]), transition("t1", &[0], &[2])],
        };
        let mut notes = Vec::new();
        assert_eq!(free_choice_transitions(&net, &mut notes), vec![0]);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].id, "t1");
        assert!(notes[0].message.contains("shares input place `a` with transition `t0`"), "{}", notes[0].message);
    }

    #[test]
    fn pin_places_of_one_task_are_named_after_the_task() {
        let net = Net {
            id: "n".into(),
            title: None,
            places: vec![place("alpha", 1), place("callToTask.s1.inputCriterion.s2.used", 0), place("omega", 0)],
            transitions: vec![
                transition("callToTask.s1.inputCriterion.s2", &[0], &[1]),
                transition("callToTask.s1.outputCriterion.s3", &[1], &[2]),
            ],
        };
        let mut notes = Vec::new();
        let raw = to_workflow(&net, "n.lola", Format::Lola, &mut notes).expect("imports");
        let names: Vec<&str> = raw.states.keys().map(String::as_str).collect();
        assert_eq!(names, ["alpha", "call_to_task_s1", "omega"]);
        let task = &raw.states["call_to_task_s1"];
        let actions = task.actions.as_ref().expect("a task");
        assert_eq!(actions.keys().collect::<Vec<_>>(), ["output_criterion_s3"]);
        assert_eq!(raw.states["omega"].end.as_deref(), Some("omega"));
        assert!(notes.is_empty());
    }
}
