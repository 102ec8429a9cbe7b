//! Checks a parsed scenario file against the workflows of its folder and the org: every person,
//! workflow, state, action, field and outcome it names must exist ("did you mean …" otherwise),
//! and every step must say one thing to do with the keys that go with it.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::DateTime;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::diagnostic::{suggest, Problem, Report};
use crate::model::schedule::parse_duration;
use crate::model::workflow::{FieldType, StateKind, Workflow};
use crate::org::Org;
use crate::scenario::model::{Expectation, Operation, Scenario, ScenarioFile, Start, Step, StepKind, Target};
use crate::scenario::raw::{RawCancel, RawExpect, RawRefused, RawScenarioFile, RawStart, RawStatus, RawStep};
use crate::syntax::loader::Loaded;
use crate::syntax::source_map::YamlPath;

/// Where the fake clock starts when a file does not say.
pub const DEFAULT_CLOCK: &str = "2026-01-05T09:00:00+08:00";

const STEP_KINDS: &[&str] = &[
    "act",
    "sign",
    "reject",
    "cancel",
    "advance",
    "tick",
    "expect",
    "refused",
    "start",
    "transfer",
    "delegate",
    "hand_back",
    "return",
    "withdraw",
    "remind",
    "add_signer",
    "remove_signer",
    "stand_in",
];
const REFUSED_KINDS: &[&str] = &[
    "act",
    "sign",
    "reject",
    "cancel",
    "start",
    "transfer",
    "delegate",
    "hand_back",
    "return",
    "withdraw",
    "remind",
    "add_signer",
    "remove_signer",
];
const COMPANIONS: &[&str] = &["as", "state", "data", "comment", "checklist", "in", "for", "reason"];

/// The keys that may go with each kind of step (`refused` adds `reason` to its own).
fn companions(kind: &str) -> &'static [&'static str] {
    match kind {
        "act" => &["as", "state", "data", "comment", "in", "for"],
        "sign" => &["as", "checklist", "comment", "in", "for"],
        "reject" => &["as", "comment", "in", "for"],
        "transfer" | "delegate" | "return" | "add_signer" | "remove_signer" => &["as", "state", "comment", "in"],
        "hand_back" | "remind" => &["as", "comment", "in"],
        "withdraw" => &["as", "in"],
        "cancel" | "expect" | "refused" | "start" => &["in"],
        _ => &[],
    }
}

/// The keys a person's step was written with, whether it stands alone or under `refused`.
struct OneOp<'r> {
    kind: &'static str,
    name: String,
    actor: Option<&'r String>,
    state: Option<&'r String>,
    data: Option<&'r IndexMap<String, Value>>,
    comment: Option<String>,
    checklist: Option<&'r IndexMap<String, Value>>,
    on_behalf_of: Option<&'r String>,
}

macro_rules! one_op {
    ($kind:expr, $raw:expr) => {
        OneOp {
            kind: $kind,
            // The value of the step's own key: an action, a state, a person or a reason.
            name: match $kind {
                "act" => $raw.act.clone(),
                "sign" => $raw.sign.clone(),
                "reject" => $raw.reject.clone(),
                "transfer" => $raw.transfer.clone(),
                "delegate" => $raw.delegate.clone(),
                "hand_back" => $raw.hand_back.clone(),
                "return" => $raw.return_to.clone(),
                "withdraw" => $raw.withdraw.clone(),
                "remind" => $raw.remind.clone(),
                "add_signer" => $raw.add_signer.clone(),
                "remove_signer" => $raw.remove_signer.clone(),
                _ => None,
            }
            .unwrap_or_default(),
            actor: $raw.actor.as_ref(),
            state: $raw.state.as_ref(),
            data: $raw.data.as_ref(),
            comment: $raw.comment.clone(),
            checklist: $raw.checklist.as_ref(),
            on_behalf_of: $raw.on_behalf_of.as_ref(),
        }
    };
}

/// The workflows a scenario file may name, by id, and the people it may name.
pub(crate) struct Names<'a> {
    pub(crate) workflows: &'a BTreeMap<String, &'a Workflow>,
    pub(crate) org: &'a Org,
}

struct Resolver<'a> {
    names: &'a Names<'a>,
    loaded: &'a Loaded<RawScenarioFile>,
    main: Option<&'a Workflow>,
    report: Report,
}

/// Resolve `loaded` (the file at `path`); the report holds every problem found.
pub(crate) fn resolve(path: &Path, loaded: &Loaded<RawScenarioFile>, names: &Names<'_>) -> (ScenarioFile, Report) {
    let raw = &loaded.raw;
    let mut r = Resolver { names, loaded, main: None, report: Report::default() };
    r.main = r.workflow(&raw.workflow, &YamlPath::at(&["workflow"]));
    let clock_text = raw.clock.as_deref().unwrap_or(DEFAULT_CLOCK);
    let clock = DateTime::parse_from_rfc3339(clock_text).unwrap_or_else(|_| {
        r.report.error(Problem::BadTime { text: clock_text.to_owned() }, &YamlPath::at(&["clock"]));
        DateTime::parse_from_rfc3339(DEFAULT_CLOCK).expect("the default clock is a time")
    });
    let mut seen = HashSet::new();
    let mut scenarios = Vec::new();
    for (i, s) in raw.scenarios.iter().enumerate() {
        let path = YamlPath::at(&["scenarios"]).index(i);
        if !seen.insert(s.name.as_str()) {
            r.report.error(Problem::DuplicateEntry { name: s.name.clone() }, &path.key("name"));
        }
        let start = r.start(&s.start, r.main, &path.key("start"));
        let steps =
            s.steps.iter().enumerate().filter_map(|(j, step)| r.step(step, &path.key("steps").index(j))).collect();
        let mut settings = crate::org::Settings::new();
        for layer in [&raw.settings, &s.settings] {
            for (workflow, values) in layer {
                let entry = settings.entry(workflow.clone()).or_default();
                entry.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        scenarios.push(Scenario {
            name: s.name.clone(),
            at: loaded.map.value_span(&path.key("name")),
            start,
            steps,
            settings,
        });
    }
    let file = ScenarioFile { path: path.to_owned(), workflow: raw.workflow.clone(), clock, scenarios };
    (file, r.report)
}

impl<'a> Resolver<'a> {
    fn has(&self, path: &YamlPath) -> bool {
        self.loaded.map.contains(path)
    }

    fn workflow(&mut self, id: &str, path: &YamlPath) -> Option<&'a Workflow> {
        let found = self.names.workflows.get(id).copied();
        if found.is_none() {
            let suggestion = suggest(id, self.names.workflows.keys().map(String::as_str));
            self.report.error(Problem::WorkflowNotHere { name: id.to_owned(), suggestion }, path);
        }
        found
    }

    /// The workflow a step addresses, and the target; `None` when `in` names no workflow here.
    fn target(&mut self, within: Option<&String>, path: &YamlPath) -> Option<(Option<&'a Workflow>, Target)> {
        match within {
            None => Some((self.main, Target::Main)),
            Some(id) => {
                let w = self.workflow(id, &path.key("in"))?;
                Some((Some(w), Target::Latest(id.clone())))
            }
        }
    }

    /// `in` may stand beside the step's key or inside its mapping, not both; returns it and the
    /// path of the mapping that holds it.
    fn within<'r>(
        &mut self,
        outer: Option<&'r String>,
        inner: Option<&'r String>,
        path: &YamlPath,
        key: &str,
    ) -> (Option<&'r String>, YamlPath) {
        match (outer, inner) {
            (Some(_), Some(_)) => {
                let first_line = self.loaded.map.key_span(&path.key("in")).line;
                self.report
                    .error_at_key(Problem::DuplicateKey { key: "in".into(), first_line }, &path.key(key).key("in"));
                (outer, path.clone())
            }
            (None, Some(_)) => (inner, path.key(key)),
            _ => (outer, path.clone()),
        }
    }

    fn person(&mut self, id: &str, path: &YamlPath) {
        if self.names.org.person(id).is_none() {
            let suggestion = suggest(id, self.names.org.people.keys().map(String::as_str));
            self.report.error(Problem::Undeclared { what: "person", name: id.to_owned(), suggestion }, path);
        }
    }

    fn undeclared(&mut self, what: &'static str, name: &str, candidates: &[&str], path: &YamlPath) {
        let suggestion = suggest(name, candidates.iter().copied());
        self.report.error(Problem::Undeclared { what, name: name.to_owned(), suggestion }, path);
    }

    fn state(&mut self, w: Option<&Workflow>, name: &str, path: &YamlPath) {
        let Some(w) = w else { return };
        if w.find_state(name).is_none() {
            let names: Vec<&str> = w.states().iter().map(|s| s.name()).collect();
            self.undeclared("state", name, &names, path);
        }
    }

    fn signoff(&mut self, w: Option<&Workflow>, name: &str, path: &YamlPath) {
        let Some(w) = w else { return };
        let is_signoff = |n: &str| w.find_state(n).is_some_and(|s| matches!(w.state(s).kind(), StateKind::Signoff(_)));
        if !is_signoff(name) {
            let names: Vec<&str> = w.states().iter().map(|s| s.name()).filter(|n| is_signoff(n)).collect();
            self.undeclared("sign-off state", name, &names, path);
        }
    }

    /// An action name of `state` (or of any state), `sign` and `reject` included for sign-offs.
    fn action(&mut self, w: Option<&Workflow>, name: &str, state: Option<&str>, path: &YamlPath) {
        let Some(w) = w else { return };
        let names = action_names(w, state);
        if !names.iter().any(|n| n == name) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            self.undeclared("action", name, &names, path);
        }
    }

    fn fields(&mut self, w: Option<&Workflow>, data: &IndexMap<String, Value>, path: &YamlPath) -> Map<String, Value> {
        if let Some(w) = w {
            for key in data.keys() {
                if w.find_field(key).is_none() {
                    let names: Vec<&str> = w.fields().iter().map(|f| f.name()).collect();
                    let suggestion = suggest(key, names.iter().copied());
                    let problem = Problem::Undeclared { what: "field", name: key.clone(), suggestion };
                    self.report.error_at_key(problem, &path.key(key));
                }
            }
        }
        data.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    fn checklist(
        &mut self,
        w: Option<&Workflow>,
        state: &str,
        items: &IndexMap<String, Value>,
        path: &YamlPath,
    ) -> Map<String, Value> {
        let known: Option<Vec<String>> = w.and_then(|w| {
            let s = w.find_state(state)?;
            let StateKind::Signoff(signoff) = w.state(s).kind() else { return None };
            match w.field(signoff.checklist()?).kind() {
                FieldType::Checklist(items) => Some(items.iter().map(|(id, _)| id.clone()).collect()),
                _ => None,
            }
        });
        if let Some(known) = known {
            for key in items.keys().filter(|k| !known.contains(k)) {
                let suggestion = suggest(key, known.iter().map(String::as_str));
                let problem = Problem::Undeclared { what: "checklist item", name: key.clone(), suggestion };
                self.report.error_at_key(problem, &path.key(key));
            }
        }
        items.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    fn start(&mut self, raw: &RawStart, w: Option<&Workflow>, path: &YamlPath) -> Start {
        self.person(&raw.actor, &path.key("as"));
        let data = self.fields(w, &raw.data, &path.key("data"));
        for (parameter, role) in &raw.roles {
            let at = path.key("roles").key(parameter);
            if let Some(w) = w {
                if !w.parameters().any(|p| p.name() == parameter) {
                    let suggestion = suggest(parameter, w.parameters().map(|p| p.name()));
                    let problem = Problem::Undeclared { what: "role parameter", name: parameter.clone(), suggestion };
                    self.report.error_at_key(problem, &at);
                }
            }
            if self.names.org.holders(role).is_empty() {
                let mut known: Vec<&str> =
                    self.names.org.people.values().flat_map(|p| p.roles.iter().map(String::as_str)).collect();
                known.sort_unstable();
                known.dedup();
                let suggestion = suggest(role, known);
                self.report.error(Problem::Undeclared { what: "org role", name: role.clone(), suggestion }, &at);
            }
        }
        let roles = raw.roles.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        Start { actor: raw.actor.clone(), data, roles }
    }

    /// Exactly one of `kinds` must be present at `path`; every other key present must go with it.
    fn kind_of(
        &mut self,
        path: &YamlPath,
        kinds: &'static [&'static str],
        extra: &[&'static str],
    ) -> Option<&'static str> {
        let found: Vec<&'static str> = kinds.iter().copied().filter(|k| self.has(&path.key(k))).collect();
        if found.len() != 1 {
            let problem = Problem::StepKind { found: found.iter().map(|k| (*k).to_owned()).collect(), expected: kinds };
            match found.get(1) {
                Some(second) => self.report.error_at_key(problem, &path.key(second)),
                None => self.report.error(problem, path),
            }
            return None;
        }
        let kind = found[0];
        let allowed = companions(kind);
        for key in COMPANIONS {
            if self.has(&path.key(key)) && !allowed.contains(key) && !extra.contains(key) {
                let all: &'static [&'static str] =
                    if extra.is_empty() { allowed } else { companions_with_reason(kind) };
                self.report.error_at_key(
                    Problem::StepKeyNotAllowed { key: (*key).to_owned(), kind, allowed: all },
                    &path.key(key),
                );
            }
        }
        Some(kind)
    }

    fn actor(&mut self, actor: Option<&String>, kind: &'static str, path: &YamlPath) -> String {
        match actor {
            Some(a) => {
                self.person(a, &path.key("as"));
                a.clone()
            }
            None => {
                self.report.error(Problem::StepKeyRequired { key: "as", kind }, path);
                String::new()
            }
        }
    }

    fn cancel(&mut self, raw: &RawCancel, path: &YamlPath) -> Operation {
        self.person(&raw.actor, &path.key("as"));
        Operation::Cancel { actor: raw.actor.clone(), reason: raw.reason.clone().unwrap_or_else(|| "cancelled".into()) }
    }

    fn step(&mut self, raw: &RawStep, path: &YamlPath) -> Option<Step> {
        let kind = self.kind_of(path, STEP_KINDS, &[])?;
        let at = self.loaded.map.key_span(&path.key(kind));
        let (kind, label) = match kind {
            "advance" => {
                let text = raw.advance.clone().unwrap_or_default();
                let Some(d) = parse_duration(&text) else {
                    self.report.error(Problem::BadDuration { text: text.clone() }, &path.key("advance"));
                    return None;
                };
                (StepKind::Advance(d), format!("advance {text}"))
            }
            "tick" => {
                let fired = raw.tick.as_ref().and_then(|t| t.fired.clone());
                for (i, s) in fired.iter().flatten().enumerate() {
                    self.any_state(s, &path.key("tick").key("fired").index(i));
                }
                (StepKind::Tick { fired }, "tick".to_owned())
            }
            "expect" => {
                let inner = raw.expect.as_ref().and_then(|e| e.within.as_ref());
                let (within, within_path) = self.within(raw.within.as_ref(), inner, path, "expect");
                let (w, target) = self.target(within, &within_path)?;
                let expect = self.expect(raw.expect.as_ref().cloned().unwrap_or_default(), w, &path.key("expect"));
                (StepKind::Expect { expect, target }, "expect".to_owned())
            }
            "refused" => {
                let refused = raw.refused.clone().unwrap_or_default();
                let inner = path.key("refused");
                let (within, within_path) = self.within(raw.within.as_ref(), refused.within.as_ref(), path, "refused");
                let (w, target) = self.target(within, &within_path)?;
                let (op, label) = self.refused(&refused, w, &inner)?;
                (StepKind::Refused { op, target, reason: refused.reason.clone() }, format!("refused {label}"))
            }
            kind => {
                let inner = raw.cancel.as_ref().and_then(|c| c.within.as_ref());
                let (within, within_path) = self.within(raw.within.as_ref(), inner, path, "cancel");
                let (w, target) = self.target(within, &within_path)?;
                let (op, label) = match kind {
                    "cancel" => {
                        let c = raw.cancel.as_ref()?;
                        (self.cancel(c, &path.key("cancel")), format!("cancel as {}", c.actor))
                    }
                    "start" => {
                        let s = raw.start.as_ref()?;
                        let start = self.start(s, w, &path.key("start"));
                        let label = format!("start as {}", start.actor);
                        (Operation::Start(start), label)
                    }
                    "stand_in" => {
                        let s = raw.stand_in.as_ref()?;
                        let at = path.key("stand_in");
                        self.person(&s.person, &at.key("for"));
                        self.person(&s.by, &at.key("by"));
                        let Some(period) = parse_duration(&s.period) else {
                            self.report.error(Problem::BadDuration { text: s.period.clone() }, &at.key("for_the_next"));
                            return None;
                        };
                        let label = format!("stand-in {} for {}", s.by, s.person);
                        let op = Operation::StandIn {
                            person: s.person.clone(),
                            by: s.by.clone(),
                            period,
                            reason: s.reason.clone(),
                        };
                        (op, label)
                    }
                    _ => {
                        let one = one_op!(kind, raw);
                        self.operation(&one, w, path)
                    }
                };
                (StepKind::Do { op, target }, label)
            }
        };
        Some(Step { at, label, kind })
    }

    fn refused(&mut self, raw: &RawRefused, w: Option<&Workflow>, path: &YamlPath) -> Option<(Operation, String)> {
        let kind = self.kind_of(path, REFUSED_KINDS, &["reason"])?;
        match kind {
            "cancel" => {
                let c = raw.cancel.as_ref()?;
                Some((self.cancel(c, &path.key("cancel")), format!("cancel as {}", c.actor)))
            }
            "start" => {
                let s = raw.start.as_ref()?;
                let start = self.start(s, w, &path.key("start"));
                let label = format!("start as {}", start.actor);
                Some((Operation::Start(start), label))
            }
            _ => {
                let one = one_op!(kind, raw);
                Some(self.operation(&one, w, path))
            }
        }
    }

    fn operation(&mut self, one: &OneOp<'_>, w: Option<&Workflow>, path: &YamlPath) -> (Operation, String) {
        let (op, label) = self.operation_itself(one, w, path);
        match one.on_behalf_of {
            Some(principal) => {
                self.person(principal, &path.key("for"));
                let label = format!("{label} for {principal}");
                (Operation::For { principal: principal.clone(), op: Box::new(op) }, label)
            }
            None => (op, label),
        }
    }

    fn operation_itself(&mut self, one: &OneOp<'_>, w: Option<&Workflow>, path: &YamlPath) -> (Operation, String) {
        use crate::service::Op;
        let kind: &'static str = one.kind;
        let actor = self.actor(one.actor, kind, path);
        let name = one.name.clone();
        if let Some(state) = one.state.filter(|_| kind != "act") {
            self.state(w, state, &path.key("state"));
        }
        let approval = |op: Op, label: String| {
            let state = one.state.cloned();
            (Operation::Approval { op, state, actor: actor.clone(), comment: one.comment.clone() }, label)
        };
        match kind {
            "transfer" | "delegate" => {
                self.person(&name, &path.key(kind));
                let label = format!("{kind} to {name} as {actor}");
                let op = if kind == "transfer" { Op::Transfer { to: name } } else { Op::Delegate { to: name } };
                return approval(op, label);
            }
            "return" => {
                self.state(w, &name, &path.key("return"));
                return approval(Op::Return { to: name.clone() }, format!("return to `{name}` as {actor}"));
            }
            "hand_back" | "remind" => {
                self.state(w, &name, &path.key(kind));
                let op = if kind == "remind" { Op::Remind } else { Op::HandBack };
                let label = format!("{kind} `{name}` as {actor}");
                return (Operation::Approval { op, state: Some(name), actor, comment: one.comment.clone() }, label);
            }
            "add_signer" => {
                self.person(&name, &path.key(kind));
                let op = Op::AddSigner { person: name.clone(), before: false };
                return approval(op, format!("add signer {name} as {actor}"));
            }
            "remove_signer" => {
                let op = Op::RemoveSigner { signer: name.clone() };
                return approval(op, format!("remove signer {name} as {actor}"));
            }
            "withdraw" => {
                let label = format!("withdraw as {actor}");
                let comment = Some(name).filter(|n| !n.is_empty());
                return (Operation::Approval { op: Op::Withdraw, state: None, actor, comment }, label);
            }
            _ => {}
        }
        match kind {
            "act" => {
                if let Some(state) = one.state {
                    self.state(w, state, &path.key("state"));
                }
                let state_ok = one.state.filter(|s| w.is_some_and(|w| w.find_state(s).is_some()));
                self.action(w, &name, state_ok.map(String::as_str), &path.key("act"));
                let data = one.data.map(|d| self.fields(w, d, &path.key("data"))).unwrap_or_default();
                let label = format!("act `{name}` as {actor}");
                let op = Operation::Act {
                    action: name,
                    state: one.state.cloned(),
                    actor,
                    data,
                    comment: one.comment.clone(),
                };
                (op, label)
            }
            "sign" => {
                self.signoff(w, &name, &path.key("sign"));
                let checklist =
                    one.checklist.map(|c| self.checklist(w, &name, c, &path.key("checklist"))).unwrap_or_default();
                let label = format!("sign `{name}` as {actor}");
                (Operation::Sign { state: name, actor, checklist, comment: one.comment.clone() }, label)
            }
            _ => {
                self.signoff(w, &name, &path.key("reject"));
                let label = format!("reject `{name}` as {actor}");
                (Operation::Reject { state: name, actor, comment: one.comment.clone() }, label)
            }
        }
    }

    /// A state of any workflow here (a tick fires deadlines in every instance).
    fn any_state(&mut self, name: &str, path: &YamlPath) {
        let all: Vec<&str> = self.names.workflows.values().flat_map(|w| w.states().iter().map(|s| s.name())).collect();
        if !all.contains(&name) {
            let mut preferred: Vec<&str> =
                self.main.map(|w| w.states().iter().map(|s| s.name()).collect()).unwrap_or_default();
            preferred.extend(all);
            self.undeclared("state", name, &preferred, path);
        }
    }

    fn expect(&mut self, raw: RawExpect, w: Option<&Workflow>, path: &YamlPath) -> Expectation {
        for (i, s) in raw.states.iter().flatten().enumerate() {
            self.state(w, s, &path.key("states").index(i));
        }
        if let (Some(outcome), Some(w)) = (&raw.outcome, w) {
            if !w.outcomes().contains(&outcome.as_str()) {
                self.undeclared("end outcome", outcome, &w.outcomes(), &path.key("outcome"));
            }
        }
        let data = raw.data.as_ref().map(|d| self.fields(w, d, &path.key("data"))).unwrap_or_default();
        let mut can_act = Vec::new();
        for (person, actions) in raw.can_act.iter().flatten() {
            let p = path.key("can_act");
            if self.names.org.person(person).is_none() {
                let suggestion = suggest(person, self.names.org.people.keys().map(String::as_str));
                self.report.error_at_key(
                    Problem::Undeclared { what: "person", name: person.clone(), suggestion },
                    &p.key(person),
                );
            }
            // `hand-back` is what a step delegated to someone offers them, whatever the step.
            for (i, a) in actions.iter().enumerate().filter(|(_, a)| a.as_str() != "hand-back") {
                self.action(w, a, None, &p.key(person).index(i));
            }
            can_act.push((person.clone(), actions.clone()));
        }
        for (i, person) in raw.cannot_act.iter().flatten().enumerate() {
            self.person(person, &path.key("cannot_act").index(i));
        }
        for key in raw.counts.iter().flatten().map(|(k, _)| k) {
            let at = path.key("counts").key(key);
            match key.split_once('.') {
                Some((state, action)) => {
                    self.state(w, state, &at);
                    if w.and_then(|w| w.find_state(state)).is_some() {
                        self.action(w, action, Some(state), &at);
                    }
                }
                None => self.state(w, key, &at),
            }
        }
        Expectation {
            states: raw.states,
            status: raw.status.map(|s| match s {
                RawStatus::Active => "active",
                RawStatus::Done => "done",
                RawStatus::Cancelled => "cancelled",
            }),
            outcome: raw.outcome,
            data,
            can_act,
            cannot_act: raw.cannot_act.unwrap_or_default(),
            counts: raw.counts.unwrap_or_default().into_iter().collect(),
        }
    }
}

fn companions_with_reason(kind: &str) -> &'static [&'static str] {
    match kind {
        "act" => &["as", "state", "data", "comment", "in", "for", "reason"],
        "sign" => &["as", "checklist", "comment", "in", "for", "reason"],
        "reject" => &["as", "comment", "in", "for", "reason"],
        "transfer" | "delegate" | "return" | "add_signer" | "remove_signer" => {
            &["as", "state", "comment", "in", "reason"]
        }
        "hand_back" | "remind" => &["as", "comment", "in", "reason"],
        "withdraw" => &["as", "in", "reason"],
        _ => &["in", "reason"],
    }
}

/// The names a person can act with in `state` (or anywhere in the workflow).
fn action_names(w: &Workflow, state: Option<&str>) -> Vec<String> {
    let mut names = Vec::new();
    for s in w.states() {
        if state.is_some_and(|n| n != s.name()) {
            continue;
        }
        match s.kind() {
            StateKind::Task { actions } => names.extend(actions.iter().map(|a| a.name().to_owned())),
            StateKind::Signoff(signoff) => {
                names.push("sign".to_owned());
                if signoff.reject().is_some() {
                    names.push("reject".to_owned());
                }
            }
            _ => {}
        }
    }
    names.dedup();
    names
}
