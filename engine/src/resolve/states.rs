//! States of the graph: each state's kind decided from its keys, the keys checked against the
//! kind, and every reference (states, roles, fields, actions, workflows) resolved.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use crate::diagnostic::{suggest, Problem, Report, Target};
use crate::model::expr::{CelType, Expr, ExprError, Variable};
use crate::model::schedule::parse_duration;
use crate::model::shift::{split_offset, Shift};
use crate::model::workflow::{
    Action, BookingSpan, Books, Branch, Call, Deadline, Due, DueCase, Duty, Escalation, Field, FieldId, FieldType,
    JoinRule, RoleId, Signers, Signoff, SignoffRule, State, StateId, StateKind, Validation,
};
use crate::resolve::names::{check_id, Names, REQUESTER};
use crate::resolve::{operations, Callees, OrPlaceholder, PathExt};
use crate::syntax::raw::{RawAction, RawBooks, RawDeadline, RawParamType, RawRule, RawSignoff, RawState, RawWorkflow};
use crate::syntax::source_map::YamlPath;

/// The keys that decide a state's kind, in the order they are named in messages.
fn kinds_of(s: &RawState) -> Vec<&'static str> {
    [
        ("actions", s.actions.is_some()),
        ("choice", s.choice.is_some()),
        ("fork", s.fork.is_some()),
        ("join", s.join.is_some()),
        ("signoff", s.signoff.is_some()),
        ("call", s.call.is_some()),
        ("end", s.end.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, present)| present.then_some(k))
    .collect()
}

/// The optional keys present on a state, with the kinds that accept each.
fn extra_keys(s: &RawState) -> Vec<(&'static str, &'static [&'static str])> {
    const HUMAN: &[&str] = &["actions", "signoff"];
    let mut keys: Vec<(&'static str, &'static [&'static str])> = Vec::new();
    let mut add = |present: bool, key: &'static str, kinds: &'static [&'static str]| {
        if present {
            keys.push((key, kinds));
        }
    };
    add(s.default.is_some(), "default", &["choice"]);
    add(s.rule.is_some(), "rule", &["join", "signoff"]);
    add(s.to.is_some(), "to", &["join", "signoff"]);
    add(s.reject.is_some(), "reject", &["signoff"]);
    add(!s.with.is_empty(), "with", &["call"]);
    add(!s.outcomes.is_empty(), "outcomes", &["call"]);
    add(!s.returns.is_empty(), "returns", &["call"]);
    add(!s.roles.is_empty(), "roles", &["call"]);
    add(s.deadline.is_some(), "deadline", &["actions", "signoff", "call"]);
    add(!s.forbid.is_empty(), "forbid", HUMAN);
    add(s.return_to.is_some(), "return_to", HUMAN);
    add(!s.add_signer_by.is_empty(), "add_signer_by", &["signoff"]);
    keys
}

fn kind_label(key: &str) -> &'static str {
    match key {
        "actions" => "a task",
        "choice" => "a choice",
        "fork" => "a fork",
        "join" => "a join",
        "signoff" => "a sign-off",
        "call" => "a call",
        "end" => "an end",
        _ => "a waiting",
    }
}

struct Ctx<'a> {
    raw: &'a RawWorkflow,
    names: &'a Names,
    fields: &'a [Field],
    variables: &'a [Variable],
    callees: &'a Callees,
    /// Each waiting state and the join that consumes it.
    join_of: HashMap<String, String>,
}

pub(crate) fn resolve_states(
    raw: &RawWorkflow,
    names: &Names,
    fields: &[Field],
    variables: &[Variable],
    callees: &Callees,
    report: &mut Report,
) -> Vec<State> {
    let mut join_of: HashMap<String, String> = HashMap::new();
    for (name, state) in &raw.states {
        for (i, input) in state.join.iter().flatten().enumerate() {
            if let Some(first) = join_of.get(input) {
                if first != name {
                    let problem =
                        Problem::SharedJoinInput { state: input.clone(), first: first.clone(), second: name.clone() };
                    report.error(problem, &YamlPath::at(&["states", name, "join"]).index(i));
                }
                continue;
            }
            join_of.insert(input.clone(), name.clone());
        }
    }
    let ctx = Ctx { raw, names, fields, variables, callees, join_of };
    let mut states: Vec<State> = raw.states.iter().map(|(name, s)| ctx.state(name, s, report)).collect();
    compute_cancel_regions(&mut states);
    states
}

impl Ctx<'_> {
    fn state(&self, name: &str, s: &RawState, report: &mut Report) -> State {
        let path = YamlPath::at(&["states", name]);
        let kinds = kinds_of(s);
        if kinds.len() > 1 {
            let problem = Problem::TwoKinds { state: name.to_owned(), first: kinds[0], second: kinds[1] };
            report.error_at_key(problem, &path.key(kinds[1]));
        }
        let kind_key = kinds.first().copied();
        for (key, accepted) in extra_keys(s) {
            if !kind_key.is_some_and(|k| accepted.contains(&k)) {
                let kind = kind_key.map_or("a waiting", kind_label);
                report.error_at_key(Problem::KeyNotAllowed { key, kind, state: name.to_owned() }, &path.key(key));
            }
        }
        let kind = match kind_key {
            Some("actions") => self.task(name, s, &path, report),
            Some("choice") => self.choice(name, s, &path, report),
            Some("fork") => {
                let to = self.names.states(s.fork.as_deref().unwrap_or_default(), &path.key("fork"), report);
                self.at_least(2, to.len(), "fork", name, "branches", &path.key("fork"), report);
                for (i, t) in to.iter().enumerate() {
                    self.no_join_target(*t, &path.key("fork").index(i), report);
                }
                StateKind::Fork { to }
            }
            Some("join") => self.join(name, s, &path, report),
            Some("signoff") => self.signoff(name, s, &path, report),
            Some("call") => self.call(name, s, &path, report),
            Some(_) => StateKind::End { outcome: s.end.clone().unwrap_or_default() },
            None => match self.join_of.get(name).and_then(|j| self.names.find_state(j)) {
                Some(join) => StateKind::Wait { join },
                None => {
                    report.error_at_key(Problem::NoKind { state: name.to_owned() }, &path);
                    StateKind::End { outcome: String::new() }
                }
            },
        };
        if let StateKind::End { outcome } = &kind {
            if kind_key == Some("end") {
                check_id("outcome", outcome, &path.key("end"), report);
            }
        }
        let deadline = s.deadline.as_ref().and_then(|d| self.deadline(d, &kind, &path.key("deadline"), report));
        let return_to = s.return_to.as_ref().map(|targets| {
            let ids = self.names.states(targets, &path.key("return_to"), report);
            for (i, t) in targets.iter().enumerate() {
                if let Some(k) = self.raw.states.get(t) {
                    if k.actions.is_none() && k.signoff.is_none() {
                        let problem = Problem::WrongType {
                            message: format!("`{t}` is not a human step, so nothing can be returned to it"),
                        };
                        report.error(problem, &path.key("return_to").index(i));
                    }
                }
            }
            ids
        });
        State {
            name: name.to_owned(),
            title: s.title.clone(),
            kind,
            deadline,
            forbid: operations(&s.forbid),
            return_to,
            add_signer_by: self.names.roles(&s.add_signer_by, &path.key("add_signer_by"), report),
            freeze: self.names.fields(&s.freeze, &path.key("freeze"), report),
            unfreeze: self.names.fields(&s.unfreeze, &path.key("unfreeze"), report),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn at_least(
        &self,
        min: usize,
        count: usize,
        kind: &'static str,
        state: &str,
        what: &'static str,
        path: &YamlPath,
        report: &mut Report,
    ) {
        if count < min {
            report.error(Problem::TooFew { kind, state: state.to_owned(), min, what, count }, path);
        }
    }

    /// A join is fired by its inputs, never entered by a transition.
    fn no_join_target(&self, target: StateId, path: &YamlPath, report: &mut Report) {
        let name = &self.names.state_names()[target.index()];
        if let Some(inputs) = self.raw.states.get(name).and_then(|s| s.join.clone()) {
            report.error(Problem::EnterJoin { target: name.clone(), inputs }, path);
        }
    }

    fn target(&self, name: &str, path: &YamlPath, report: &mut Report) -> StateId {
        let id = self.names.state(name, path, report);
        if let Some(id) = id {
            self.no_join_target(id, path, report);
        }
        id.unwrap_or_default_id()
    }

    fn task(&self, name: &str, s: &RawState, path: &YamlPath, report: &mut Report) -> StateKind {
        let mut actions = Vec::new();
        for (action_name, a) in s.actions.iter().flatten() {
            let at = path.at_key(&["actions", action_name]);
            check_id("action", action_name, &at, report);
            actions.push(self.action(name, action_name, a, &at, report));
        }
        if actions.is_empty() {
            report.error(Problem::DeadEnd { state: name.to_owned() }, &path.key("actions"));
        }
        StateKind::Task { actions }
    }

    fn action(&self, _state: &str, name: &str, a: &RawAction, path: &YamlPath, report: &mut Report) -> Action {
        if a.by.is_empty() {
            report.error(Problem::MissingKey { key: "by".into() }, &path.key("by"));
        }
        let action_functions = || {
            let mut functions = crate::runtime::authority_functions();
            functions.extend(crate::runtime::query_functions());
            functions.extend(crate::runtime::count_functions());
            functions.extend(crate::runtime::version_functions());
            functions
        };
        let requires = self.names.fields(&a.requires, &path.key("requires"), report);
        let accepts = self.names.fields(&a.accepts, &path.key("accepts"), report);
        let set = self.assignments(a, &requires, &accepts, &action_functions(), &path.key("set"), report);
        let valid = a
            .valid
            .iter()
            .enumerate()
            .filter_map(|(i, rule)| {
                let at = path.key("valid").index(i);
                if rule.message.trim().is_empty() {
                    report.error(Problem::EmptyMessage, &at.key("message"));
                }
                let when = self.guard_with(&rule.when, &at.key("when"), &action_functions(), report)?;
                Some(Validation { when, message: rule.message.clone() })
            })
            .collect();
        Action {
            name: name.to_owned(),
            title: a.title.clone(),
            by: self.names.roles(&a.by, &path.key("by"), report),
            to: self.target(&a.to, &path.key("to"), report),
            guard: a.when.as_ref().and_then(|w| self.guard_with(w, &path.key("when"), &action_functions(), report)),
            requires,
            accepts,
            not_by: self.duties(&a.not_by, &path.key("not_by"), report),
            comment_required: a.comment_required,
            books: a.books.as_ref().and_then(|b| self.books(b, &path.key("books"), report)),
            set,
            valid,
        }
    }

    fn books(&self, b: &RawBooks, path: &YamlPath, report: &mut Report) -> Option<Books> {
        let typed =
            |name: &str, key: &'static str, wants: &'static str, ok: fn(&FieldType) -> bool, report: &mut Report| {
                let at = path.key(key);
                let id = self.names.field(name, &at, report)?;
                let found = &self.fields[id.index()].kind;
                if !ok(found) {
                    report
                        .error(Problem::BookingField { field: name.to_owned(), key, wants, found: found.name() }, &at);
                }
                Some(id)
            };
        let value = typed(
            &b.value,
            "value",
            "a string or enum",
            |k| matches!(k, FieldType::String | FieldType::Enum(_)),
            report,
        );
        let from = typed(&b.from, "from", "a datetime", |k| *k == FieldType::Datetime, report);
        let span = match (&b.length, &b.until) {
            (Some(text), None) => {
                let parsed = parse_duration(text);
                if parsed.is_none() {
                    report.error(Problem::BadDuration { text: text.clone() }, &path.key("for"));
                }
                parsed.map(BookingSpan::For)
            }
            (None, Some(until)) => {
                typed(until, "until", "a datetime", |k| *k == FieldType::Datetime, report).map(BookingSpan::Until)
            }
            _ => {
                report.error_at_key(Problem::BookingLength, path);
                None
            }
        };
        let last_of_day = match &b.last_of_day {
            Some(name) => Some(typed(name, "last_of_day", "a boolean", |k| *k == FieldType::Boolean, report)?),
            None => None,
        };
        Some(Books { resource: b.resource.clone(), value: value?, from: from?, span: span?, last_of_day })
    }

    /// An action's `set:`: each a declared field the actor does not also give, with an
    /// expression whose type fits the field's where the type is known before it runs.
    fn assignments(
        &self,
        a: &RawAction,
        requires: &[FieldId],
        accepts: &[FieldId],
        functions: &[crate::model::expr::FunctionSig],
        path: &YamlPath,
        report: &mut Report,
    ) -> Vec<(FieldId, Expr)> {
        let mut set = Vec::new();
        for (name, source) in &a.set {
            let at = path.key(name);
            let Some(field) = self.names.field(name, &at, report) else { continue };
            if requires.contains(&field) || accepts.contains(&field) {
                report.error(Problem::SetAndGiven { field: name.clone() }, &at);
                continue;
            }
            let Some(expr) = self.expr_with(source, &at, functions, report) else { continue };
            if !self.queries_resolve(&expr, &at, report)
                | !self.counters_resolve(&expr, &at, report)
                | !self.versions_resolve(&expr, &at, report)
            {
                continue;
            }
            let expected = crate::resolve::fields::cel_type(&self.fields[field.index()].kind);
            let found = expr.result_type();
            let fits = found == &expected
                || matches!(found, CelType::Dyn | CelType::Null)
                || (expected == CelType::Double && found == &CelType::Int)
                || matches!((&expected, found), (CelType::List(_), CelType::List(e)) if **e == CelType::Dyn);
            if !fits {
                report.error(
                    Problem::SetType { field: name.clone(), expected: expected.article(), found: found.article() },
                    &at,
                );
                continue;
            }
            set.push((field, expr));
        }
        set
    }

    fn duties(&self, raw: &[String], path: &YamlPath, report: &mut Report) -> Vec<Duty> {
        crate::resolve::names::no_repeats(raw, path, report);
        raw.iter()
            .enumerate()
            .filter_map(|(i, entry)| {
                if entry == REQUESTER {
                    return Some(Duty::Requester);
                }
                let at = path.index(i);
                let id = self.names.state(entry, &at, report)?;
                let human = self.raw.states.get(entry).is_some_and(|s| s.actions.is_some() || s.signoff.is_some());
                if !human {
                    let message = format!("`{entry}` is not a human step, so nobody acts there; name `requester` or a task or sign-off state");
                    report.error(Problem::WrongType { message }, &at);
                }
                Some(Duty::ActorOf(id))
            })
            .collect()
    }

    fn choice(&self, name: &str, s: &RawState, path: &YamlPath, report: &mut Report) -> StateKind {
        let mut branches = Vec::new();
        for (i, b) in s.choice.iter().flatten().enumerate() {
            let at = path.key("choice").index(i);
            let guard = self.guard(&b.when, &at.key("when"), report);
            let to = self.target(&b.to, &at.key("to"), report);
            if let Some(guard) = guard {
                branches.push(Branch { guard, to });
            }
        }
        let default = match &s.default {
            Some(d) => self.target(d, &path.key("default"), report),
            None => {
                report.error_at_key(Problem::MissingDefault { state: name.to_owned() }, &path.key("choice"));
                StateId(0)
            }
        };
        StateKind::Choice { branches, default }
    }

    fn join(&self, name: &str, s: &RawState, path: &YamlPath, report: &mut Report) -> StateKind {
        let raw_inputs = s.join.as_deref().unwrap_or_default();
        let inputs = self.names.states(raw_inputs, &path.key("join"), report);
        for (i, input) in raw_inputs.iter().enumerate() {
            if let Some(kinds) = self.raw.states.get(input).map(kinds_of) {
                if let Some(k) = kinds.first() {
                    let problem = Problem::JoinInputNotWaiting { state: input.clone(), kind: kind_label(k) };
                    report.error(problem, &path.key("join").index(i));
                }
            }
        }
        self.at_least(2, inputs.len(), "join", name, "inputs", &path.key("join"), report);
        let rule = match &s.rule {
            None => JoinRule::All,
            Some(RawRule::Named(n)) if n == "all" => JoinRule::All,
            Some(RawRule::Named(n)) if n == "any" => JoinRule::Any,
            Some(RawRule::AtLeast(k)) if *k >= 1 => {
                if *k as usize > inputs.len() && inputs.len() >= 2 {
                    report.error(Problem::ImpossibleJoin { k: *k, n: inputs.len() }, &path.key("rule"));
                }
                JoinRule::AtLeast(*k as usize)
            }
            Some(RawRule::Named(n)) if n.starts_with(super::params::PREFIX) => {
                let message = "a join's rule is fixed in the workflow (the soundness check counts its arrivals); \
                               only a sign-off's rule may come from a parameter"
                    .into();
                report.error(Problem::WrongType { message }, &path.key("rule"));
                JoinRule::All
            }
            Some(other) => {
                report.error(Problem::BadRule { text: rule_text(other), kind: "a join" }, &path.key("rule"));
                JoinRule::All
            }
        };
        let to = match &s.to {
            Some(t) => self.target(t, &path.key("to"), report),
            None => {
                report.error_at_key(Problem::KeyRequired { key: "to", kind: "join", state: name.to_owned() }, path);
                StateId(0)
            }
        };
        StateKind::Join { inputs, rule, to, cancels: Vec::new() }
    }

    fn signoff(&self, name: &str, s: &RawState, path: &YamlPath, report: &mut Report) -> StateKind {
        let raw: &RawSignoff = s.signoff.as_ref().expect("kind decided by the signoff key");
        let at = path.key("signoff");
        let signers = match (&raw.by[..], &raw.body) {
            ([], Some(body)) => Signers::Body(
                self.names.role(body, &at.key("body"), report).unwrap_or(crate::model::workflow::RoleId(0)),
            ),
            (by, None) if !by.is_empty() => Signers::Roles(self.names.roles(by, &at.key("by"), report)),
            ([], None) => {
                report.error_at_key(
                    Problem::WrongType { message: "a sign-off needs `by: [roles]` or `body: ROLE`".into() },
                    &at,
                );
                Signers::Roles(Vec::new())
            }
            _ => {
                report.error_at_key(
                    Problem::WrongType { message: "a sign-off takes `by` or `body`, not both".into() },
                    &at.key("body"),
                );
                Signers::Roles(Vec::new())
            }
        };
        let listed = match &signers {
            Signers::Roles(r) => Some(r.len()),
            Signers::Body(_) => None,
        };
        let rule = match &s.rule {
            None => SignoffRule::All,
            Some(RawRule::Named(n)) if n == "all" => SignoffRule::All,
            Some(RawRule::Named(n)) if n == "any" => SignoffRule::Any,
            Some(RawRule::Named(n)) if n == "majority" => SignoffRule::Majority,
            Some(RawRule::Named(n)) if n == "in_order" => {
                if listed.is_none() {
                    let message = "`in_order` needs the signers listed with `by`, in order".into();
                    report.error(Problem::WrongType { message }, &path.key("rule"));
                }
                SignoffRule::InOrder
            }
            Some(RawRule::Named(n)) if n.starts_with(super::params::PREFIX) => {
                match super::params::named(n, self.raw, RawParamType::Integer, &path.key("rule"), report) {
                    Some(Some(id)) => SignoffRule::Param(id),
                    _ => SignoffRule::All,
                }
            }
            Some(RawRule::AtLeast(k)) if *k >= 1 => {
                if let Some(n) = listed {
                    if *k as usize > n && n > 0 {
                        report.error(Problem::ImpossibleSignoff { k: *k, n }, &path.key("rule"));
                    }
                }
                SignoffRule::AtLeast(*k as usize)
            }
            Some(other) => {
                report.error(Problem::BadRule { text: rule_text(other), kind: "a sign-off" }, &path.key("rule"));
                SignoffRule::All
            }
        };
        let checklist = raw.checklist.as_ref().and_then(|c| {
            let id = self.names.field(c, &at.key("checklist"), report)?;
            let field = &self.fields[id.index()];
            if !matches!(field.kind, FieldType::Checklist(_)) {
                let message =
                    format!("`{c}` is a {} field; a sign-off's checklist must be a checklist field", field.kind.name());
                report.error(Problem::WrongType { message }, &at.key("checklist"));
            }
            Some(id)
        });
        let to = match &s.to {
            Some(t) => self.target(t, &path.key("to"), report),
            None => {
                report.error_at_key(Problem::KeyRequired { key: "to", kind: "signoff", state: name.to_owned() }, path);
                StateId(0)
            }
        };
        let reject = s.reject.as_ref().map(|r| self.target(r, &path.key("reject"), report));
        let not_by = self.duties(&raw.not_by, &at.key("not_by"), report);
        let guard = raw
            .when
            .as_ref()
            .and_then(|w| self.guard_with(w, &at.key("when"), &crate::runtime::authority_functions(), report));
        StateKind::Signoff(Signoff { signers, rule, checklist, not_by, guard, to, reject })
    }

    fn call(&self, name: &str, s: &RawState, path: &YamlPath, report: &mut Report) -> StateKind {
        let workflow = s.call.clone().unwrap_or_default();
        let callee = self.callees.get(&workflow);
        if callee.is_none() {
            let suggestion = suggest(&workflow, self.callees.keys().map(String::as_str));
            report
                .error(Problem::Undeclared { what: "workflow", name: workflow.clone(), suggestion }, &path.key("call"));
        }
        let mut with = Vec::new();
        for (field, source) in &s.with {
            let at = path.at_key(&["with", field]);
            if let Some(c) = callee {
                if !c.fields.contains(field) {
                    let suggestion = suggest(field, c.fields.iter().map(String::as_str));
                    report.error_at_key(Problem::Undeclared { what: "field", name: field.clone(), suggestion }, &at);
                }
            }
            if let Some(expr) = self.expr(source, &at, report) {
                with.push((field.clone(), expr));
            }
        }
        let mut outcomes = Vec::new();
        for (outcome, target) in &s.outcomes {
            let at = path.at_key(&["outcomes", outcome]);
            if let Some(c) = callee {
                if !c.outcomes.contains(outcome) {
                    let suggestion = suggest(outcome, c.outcomes.iter().map(String::as_str));
                    report
                        .error_at_key(Problem::Undeclared { what: "outcome", name: outcome.clone(), suggestion }, &at);
                }
            }
            outcomes.push((outcome.clone(), self.target(target, &at, report)));
        }
        if let Some(c) = callee {
            for outcome in &c.outcomes {
                if !s.outcomes.contains_key(outcome) {
                    let problem = Problem::UnhandledOutcome {
                        state: name.to_owned(),
                        callee: workflow.clone(),
                        outcome: outcome.clone(),
                    };
                    report.error_at_key(problem, &path.key(if s.outcomes.is_empty() { "call" } else { "outcomes" }));
                }
            }
        }
        let mut returns = Vec::new();
        for (field, from) in &s.returns {
            let at = path.at_key(&["returns", field]);
            let here = self.names.find_field(field);
            if here.is_none() {
                self.names.undeclared_at_key("field", field, &at, report);
            }
            if let Some(c) = callee {
                if !c.fields.contains(from) {
                    let suggestion = suggest(from, c.fields.iter().map(String::as_str));
                    report.error(Problem::Undeclared { what: "field", name: from.clone(), suggestion }, &at);
                }
            }
            if let Some(id) = here {
                returns.push((id, from.clone()));
            }
        }
        let roles = self.call_roles(name, &workflow, callee, s, path, report);
        StateKind::Call(Call { workflow, with, outcomes, returns, roles })
    }

    /// The `roles:` of a call: each key a role parameter of the child, each value a role here,
    /// and every parameter of the child bound unless it is optional.
    fn call_roles(
        &self,
        name: &str,
        workflow: &str,
        callee: Option<&crate::resolve::Callee>,
        s: &RawState,
        path: &YamlPath,
        report: &mut Report,
    ) -> Vec<(String, RoleId)> {
        let mut roles = Vec::new();
        for (parameter, role) in &s.roles {
            let at = path.at_key(&["roles", parameter]);
            let declared = callee.map(|c| c.parameters.iter().find(|(p, _)| p == parameter));
            if let Some(None) = declared {
                let params = callee.map(|c| c.parameters.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>());
                let suggestion = suggest(parameter, params.unwrap_or_default());
                let problem = Problem::Undeclared { what: "role parameter", name: parameter.clone(), suggestion };
                report.error_at_key(problem, &at);
            }
            let Some(id) = self.names.role(role, &at, report) else { continue };
            let caller_optional = self.raw.roles.get(role).is_some_and(|r| r.parameter && r.optional);
            if let Some(Some((_, false))) = declared {
                if caller_optional {
                    let problem = Problem::OptionalToRequired {
                        role: role.clone(),
                        parameter: parameter.clone(),
                        callee: workflow.to_owned(),
                    };
                    report.error(problem, &at);
                }
            }
            roles.push((parameter.clone(), id));
        }
        if let Some(c) = callee {
            for (parameter, optional) in &c.parameters {
                if !optional && !s.roles.contains_key(parameter) {
                    let problem = Problem::UnboundRoleParameter {
                        state: name.to_owned(),
                        callee: workflow.to_owned(),
                        role: parameter.clone(),
                    };
                    report.error_at_key(problem, &path.key(if s.roles.is_empty() { "call" } else { "roles" }));
                }
            }
        }
        roles
    }

    fn deadline(&self, d: &RawDeadline, kind: &StateKind, path: &YamlPath, report: &mut Report) -> Option<Deadline> {
        let duration = |text: &str, at: &YamlPath, report: &mut Report| {
            let parsed = parse_duration(text);
            if parsed.is_none() {
                report.error(Problem::BadDuration { text: text.to_owned() }, at);
            }
            parsed
        };
        let datetime_field = |name: &str, at: &YamlPath, report: &mut Report| {
            let id = self.names.field(name, at, report)?;
            let field = &self.fields[id.index()];
            if field.kind != FieldType::Datetime {
                report.error(Problem::DeadlineField { field: name.to_owned(), found: field.kind.name() }, at);
            }
            Some(id)
        };
        if d.by.is_some() && d.before.is_none() {
            report.error_at_key(Problem::DeadlineBy, &path.key("by"));
        }
        let mut shift = Shift::default();
        for (key, given) in [("day", d.day.is_some()), ("time", d.time.is_some())] {
            if given && d.at.is_none() {
                report.error_at_key(Problem::DeadlineCalendar { key }, &path.key(key));
            }
        }
        shift.day = d.day.unwrap_or_default();
        if let Some(time) = &d.time {
            match chrono::NaiveTime::parse_from_str(time, "%H:%M") {
                Ok(t) => shift.time = Some(t),
                Err(_) => report.error(Problem::BadClockTime { text: time.clone() }, &path.key("time")),
            }
        }
        let due = match (&d.after, &d.at, &d.before) {
            (Some(after), None, None) => {
                match super::params::named(after, self.raw, RawParamType::Duration, &path.key("after"), report) {
                    Some(param) => param.map(Due::AfterParam),
                    None => duration(after, &path.key("after"), report).map(Due::After),
                }
            }
            (None, Some(at), None) => {
                let (name, offset) = split_offset(at);
                let field = datetime_field(name, &path.key("at"), report);
                let offset = match offset {
                    None => Some(0),
                    Some((sign, text)) => duration(text, &path.key("at"), report)
                        .map(|d| sign * i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
                };
                shift.offset = offset.unwrap_or_default();
                field.zip(offset).map(|(f, _)| Due::At(f))
            }
            (None, None, Some(before)) => {
                let field = datetime_field(before, &path.key("before"), report);
                let lead = match &d.by {
                    Some(by) => duration(by, &path.key("by"), report),
                    None => {
                        report.error_at_key(Problem::MissingKey { key: "by".into() }, path);
                        None
                    }
                };
                field.zip(lead).map(|(f, l)| Due::Before(f, l))
            }
            _ => {
                report.error_at_key(Problem::DeadlineWhen, path);
                None
            }
        };
        let then = match (&d.escalate, &d.action) {
            (Some(to), None) => Some(Escalation::Escalate(self.target(to, &path.key("escalate"), report))),
            (None, Some(action)) => {
                let actions = match kind {
                    StateKind::Task { actions } => actions.iter().map(|a| a.name.as_str()).collect(),
                    _ => Vec::new(),
                };
                match actions.iter().position(|a| a == action) {
                    Some(i) => Some(Escalation::Action(i)),
                    None => {
                        let suggestion = suggest(action, actions.iter().copied());
                        report.error(
                            Problem::Undeclared { what: "action", name: action.clone(), suggestion },
                            &path.key("action"),
                        );
                        None
                    }
                }
            }
            _ => {
                report.error_at_key(Problem::DeadlineThen, path);
                None
            }
        };
        if !d.cases.is_empty() && d.after.is_none() {
            report.error_at_key(Problem::DeadlineCases, &path.key("cases"));
        }
        let mut cases = Vec::new();
        let mut durations: Vec<(Duration, &str)> =
            d.after.iter().filter_map(|a| Some((parse_duration(a)?, a.as_str()))).collect();
        for (i, case) in d.cases.iter().enumerate() {
            let at = path.key("cases").index(i);
            let when = self.guard(&case.when, &at.key("when"), report);
            let after = duration(&case.after, &at.key("after"), report);
            if let Some(after) = after {
                durations.push((after, case.after.as_str()));
            }
            if let (Some(when), Some(after)) = (when, after) {
                cases.push(DueCase { when, after });
            }
        }
        let mut remind = Vec::new();
        for (i, r) in d.remind.iter().enumerate() {
            let at = path.key("remind").index(i);
            if let Some(lead) = duration(r, &at, report) {
                // Every duration the data may choose must leave room for the reminder.
                if let Some((_, after)) = durations.iter().filter(|(after, _)| lead >= *after).min() {
                    report.error(Problem::RemindTooLate { remind: r.clone(), after: (*after).to_owned() }, &at);
                }
                remind.push(lead);
            }
        }
        Some(Deadline { due: due?, then: then?, remind, cases, shift })
    }

    /// A choice's guard: it may ask about other instances (the answers are recorded on the event)
    /// but not about the roster, because `apply` must not depend on anything but the events.
    fn guard(&self, source: &str, path: &YamlPath, report: &mut Report) -> Option<Expr> {
        let mut functions = crate::runtime::query_functions();
        functions.extend(crate::runtime::count_functions());
        functions.extend(crate::runtime::version_functions());
        self.guard_with(source, path, &functions, report)
    }

    /// A guard that may also call `functions`.
    fn guard_with(
        &self,
        source: &str,
        path: &YamlPath,
        functions: &[crate::model::expr::FunctionSig],
        report: &mut Report,
    ) -> Option<Expr> {
        let expr = self.expr_with(source, path, functions, report)?;
        if !self.queries_resolve(&expr, path, report)
            | !self.counters_resolve(&expr, path, report)
            | !self.versions_resolve(&expr, path, report)
        {
            return None;
        }
        match expr.result_type() {
            CelType::Bool | CelType::Dyn => Some(expr),
            other => {
                report.error(Problem::GuardNotBool { found: other.to_string() }, path);
                None
            }
        }
    }

    /// Check that every query over other instances names a known workflow, a status and that
    /// workflow's fields literally; false when one does not.
    fn queries_resolve(&self, expr: &Expr, path: &YamlPath, report: &mut Report) -> bool {
        use crate::model::expr::CallArg;
        use crate::runtime::{is_query_function, QUERY_PERIODS, QUERY_STATUSES, SUM_INSTANCES};
        let mut ok = true;
        let mut fail = |problem: Problem, offset: Option<(usize, usize)>, report: &mut Report| {
            ok = false;
            let target = offset.map_or(Target::Value, |(a, b)| Target::Within(a, b));
            report.push(crate::diagnostic::Severity::Error, problem, path, target, Vec::new());
        };
        for call in expr.calls().iter().filter(|c| is_query_function(c.name)) {
            let function = call.name.to_owned();
            let at = |i: usize| call.offsets.get(i).copied().flatten().or(call.offset);
            let callee = match call.args.first() {
                Some(CallArg::Str(workflow)) => match self.callees.get(workflow) {
                    Some(c) => Some(c),
                    None => {
                        let suggestion = suggest(workflow, self.callees.keys().map(String::as_str));
                        fail(
                            Problem::Undeclared { what: "workflow", name: workflow.clone(), suggestion },
                            at(0),
                            report,
                        );
                        None
                    }
                },
                _ => {
                    let message = "names the workflow it asks about with a literal string".to_owned();
                    fail(Problem::QueryArgument { function: function.clone(), message }, at(0), report);
                    None
                }
            };
            match call.args.get(1) {
                Some(CallArg::Str(status)) if QUERY_STATUSES.contains(&status.as_str()) => {}
                Some(CallArg::List(outcomes)) if !outcomes.is_empty() => {
                    for (problem, offset) in
                        literal_names(outcomes, &function, ("outcome", "outcomes"), callee.map(|c| &c.outcomes[..]))
                    {
                        fail(problem, offset, report);
                    }
                }
                _ => {
                    let message = "takes the status as `\"active\"`, `\"done\"`, `\"cancelled\"` or `\"any\"`, or a list of outcomes such as `[\"penalised\", \"dismissed\"]`".to_owned();
                    fail(Problem::QueryArgument { function: function.clone(), message }, at(1), report);
                }
            }
            match call.args.get(2) {
                Some(CallArg::Map(keys)) => {
                    for (problem, offset) in
                        literal_names(keys, &function, ("field", "field names"), callee.map(|c| &c.fields[..]))
                    {
                        fail(problem, offset, report);
                    }
                }
                _ => {
                    let message =
                        "takes the fields to match as a map literal, e.g. `{\"employee\": employee}`".to_owned();
                    fail(Problem::QueryArgument { function: function.clone(), message }, at(2), report);
                }
            }
            if call.name == SUM_INSTANCES {
                match call.args.get(3) {
                    Some(CallArg::Str(field)) => {
                        let numbers = callee.and_then(|c| c.numbers.as_ref().map(|n| (c, n)));
                        if let Some((callee, numbers)) = numbers {
                            if !numbers.contains(field) {
                                let problem = if callee.fields.contains(field) {
                                    let message = format!(
                                        "adds up a number field (integer, decimal or money); `{field}` is not one"
                                    );
                                    Problem::QueryArgument { function: function.clone(), message }
                                } else {
                                    let suggestion = suggest(field, numbers.iter().map(String::as_str));
                                    Problem::Undeclared { what: "field", name: field.clone(), suggestion }
                                };
                                fail(problem, at(3), report);
                            }
                        }
                    }
                    _ => {
                        let message =
                            "names the number field it adds up as a literal string, e.g. `\"amount\"`".to_owned();
                        fail(Problem::QueryArgument { function: function.clone(), message }, at(3), report);
                    }
                }
            }
            let period = if call.name == SUM_INSTANCES { 4 } else { 3 };
            match call.args.get(period) {
                None => {}
                Some(CallArg::Str(p)) if QUERY_PERIODS.contains(&p.as_str()) => {}
                Some(_) => {
                    let message = "takes its optional last argument, the calendar period, as `\"day\"`, `\"week\"`, `\"month\"` or `\"year\"` written literally".to_owned();
                    fail(Problem::QueryArgument { function: function.clone(), message }, at(period), report);
                }
            }
        }
        ok
    }

    /// Check that every counter (`visits`, `taken`) names a state of this workflow and, for
    /// `taken`, one of that state's actions, literally; false when one does not.
    fn counters_resolve(&self, expr: &Expr, path: &YamlPath, report: &mut Report) -> bool {
        use crate::model::expr::CallArg;
        use crate::runtime::{TAKEN, VISITS};
        let mut ok = true;
        let mut fail = |problem: Problem, offset: Option<(usize, usize)>, report: &mut Report| {
            ok = false;
            let target = offset.map_or(Target::Value, |(a, b)| Target::Within(a, b));
            report.push(crate::diagnostic::Severity::Error, problem, path, target, Vec::new());
        };
        for call in expr.calls().iter().filter(|c| c.name == VISITS || c.name == TAKEN) {
            let at = |i: usize| call.offsets.get(i).copied().flatten().or(call.offset);
            let literal = |function: &str, what: &str| Problem::CounterArgument {
                function: function.to_owned(),
                message: format!("names the {what} it counts with a literal string"),
            };
            let state = match call.args.first() {
                Some(CallArg::Str(name)) => match self.raw.states.get(name) {
                    Some(s) => Some(s),
                    None => {
                        let suggestion = suggest(name, self.raw.states.keys().map(String::as_str));
                        fail(Problem::Undeclared { what: "state", name: name.clone(), suggestion }, at(0), report);
                        None
                    }
                },
                _ => {
                    fail(literal(call.name, "state"), at(0), report);
                    None
                }
            };
            if call.name != TAKEN {
                continue;
            }
            match call.args.get(1) {
                Some(CallArg::Str(action)) => {
                    let Some(s) = state else { continue };
                    let actions: Vec<&str> = s.actions.iter().flatten().map(|(a, _)| a.as_str()).collect();
                    if !actions.contains(&action.as_str()) {
                        let suggestion = suggest(action, actions.iter().copied());
                        fail(Problem::Undeclared { what: "action", name: action.clone(), suggestion }, at(1), report);
                    }
                }
                _ => fail(literal(call.name, "action"), at(1), report),
            }
        }
        ok
    }

    /// Check that every `version` and `previous` names a versioned field literally; false when
    /// one does not.
    fn versions_resolve(&self, expr: &Expr, path: &YamlPath, report: &mut Report) -> bool {
        use crate::model::expr::CallArg;
        use crate::runtime::{PREVIOUS, VERSION};
        let mut ok = true;
        for call in expr.calls().iter().filter(|c| c.name == VERSION || c.name == PREVIOUS) {
            let offset = call.offsets.first().copied().flatten().or(call.offset);
            let function = call.name.to_owned();
            let problem = match call.args.first() {
                Some(CallArg::Str(name)) => match self.fields.iter().find(|f| f.name() == name) {
                    Some(f) if f.versioned() => continue,
                    Some(_) => Problem::NotVersioned { function, field: name.clone() },
                    None => {
                        let suggestion = suggest(name, self.fields.iter().map(|f| f.name()));
                        Problem::Undeclared { what: "field", name: name.clone(), suggestion }
                    }
                },
                _ => Problem::CounterArgument {
                    function,
                    message:
                        "names the versioned field it reads with a literal string, e.g. `previous(\"drawing_version\")`"
                            .into(),
                },
            };
            ok = false;
            let target = offset.map_or(Target::Value, |(a, b)| Target::Within(a, b));
            report.push(crate::diagnostic::Severity::Error, problem, path, target, Vec::new());
        }
        ok
    }

    fn expr(&self, source: &str, path: &YamlPath, report: &mut Report) -> Option<Expr> {
        self.expr_with(source, path, &[], report)
    }

    fn expr_with(
        &self,
        source: &str,
        path: &YamlPath,
        functions: &[crate::model::expr::FunctionSig],
        report: &mut Report,
    ) -> Option<Expr> {
        let mut functions = functions.to_vec();
        functions.extend(crate::runtime::time_functions());
        match Expr::compile_with(source, self.variables, &functions) {
            Ok(e) => Some(e),
            Err(errors) => {
                for e in errors {
                    let (mut problem, offset) = expr_problem(e);
                    if let Problem::GuardSyntax { message } = &mut problem {
                        let authority = crate::runtime::authority_functions();
                        let queries = crate::runtime::query_functions();
                        if let Some(f) = authority.iter().find(|f| message == &format!("unknown function `{}`", f.name))
                        {
                            *message = format!(
                                "`{}` asks about people and the duty roster, so only an action's or a sign-off's `when` may call it",
                                f.name
                            );
                        } else if let Some(f) =
                            queries.iter().find(|f| message == &format!("unknown function `{}`", f.name))
                        {
                            *message = format!(
                                "`{}` asks about other instances, so only an action's `when` or a choice may call it",
                                f.name
                            );
                        }
                    }
                    let target = offset.map_or(Target::Value, |(a, b)| Target::Within(a, b));
                    report.push(crate::diagnostic::Severity::Error, problem, path, target, Vec::new());
                }
                None
            }
        }
    }
}

/// The problems with names a query writes out (outcomes, or the fields of its filter): one that
/// is not a literal string, or one the queried workflow (when known) does not have.
fn literal_names(
    items: &[crate::model::expr::LiteralAt],
    function: &str,
    (what, written): (&'static str, &str),
    known: Option<&[String]>,
) -> Vec<(Problem, Option<(usize, usize)>)> {
    let mut out = Vec::new();
    for (name, offset) in items {
        match (name, known) {
            (None, _) => {
                let message = format!("takes {written} as literal strings");
                out.push((Problem::QueryArgument { function: function.to_owned(), message }, *offset));
            }
            (Some(n), Some(known)) if !known.contains(n) => {
                let suggestion = suggest(n, known.iter().map(String::as_str));
                out.push((Problem::Undeclared { what, name: n.clone(), suggestion }, *offset));
            }
            _ => {}
        }
    }
    out
}

fn expr_problem(e: ExprError) -> (Problem, Option<(usize, usize)>) {
    match e {
        ExprError::Syntax { message, offset } => (Problem::GuardSyntax { message }, offset),
        ExprError::Undeclared { name, suggestion, offset } => match name.strip_prefix(super::params::PREFIX) {
            Some(param) => {
                let suggestion = suggestion.map(|s| s.strip_prefix(super::params::PREFIX).unwrap_or(&s).to_owned());
                (Problem::GuardUnknownParam { name: param.to_owned(), suggestion }, offset)
            }
            None => (Problem::GuardUndeclared { name, suggestion }, offset),
        },
        ExprError::UnknownFunction { name, suggestion, offset } => {
            let hint = suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
            (Problem::GuardSyntax { message: format!("unknown function `{name}`{hint}") }, offset)
        }
        ExprError::Type { message, offset } => (Problem::GuardType { message }, offset),
        ExprError::EnumValue { field, value, values, offset } => {
            (Problem::GuardEnumValue { field, value, values }, offset)
        }
    }
}

fn rule_text(rule: &RawRule) -> String {
    match rule {
        RawRule::Named(n) => n.clone(),
        RawRule::AtLeast(k) => k.to_string(),
    }
}

/// For each `any` or k-of-n join: the states still heading into it, whose tokens are withdrawn
/// when it fires. Walks back from the inputs and stops at the fork that splits towards two or
/// more of them, so a nested fork inside one branch stays part of that branch.
fn compute_cancel_regions(states: &mut [State]) {
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); states.len()];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); states.len()];
    for (i, s) in states.iter().enumerate() {
        for t in s.arcs(StateId(i as u32)).into_iter().map(|a| a.to.index()) {
            if t < states.len() {
                preds[t].push(i);
                succs[i].push(t);
            }
        }
    }
    for j in 0..states.len() {
        let StateKind::Join { inputs, rule, .. } = &states[j].kind else { continue };
        if *rule == JoinRule::All {
            continue;
        }
        let inputs: Vec<usize> = inputs.iter().map(|s| s.index()).collect();
        let mut region: HashSet<usize> = inputs.iter().copied().collect();
        let mut queue: VecDeque<usize> = inputs.iter().copied().collect();
        while let Some(s) = queue.pop_front() {
            for &p in &preds[s] {
                if p == j || region.contains(&p) {
                    continue;
                }
                if matches!(states[p].kind, StateKind::Fork { .. }) && reaches_inputs(p, &succs, &inputs, j) >= 2 {
                    continue;
                }
                region.insert(p);
                queue.push_back(p);
            }
        }
        let mut cancels: Vec<StateId> = region.into_iter().map(|i| StateId(i as u32)).collect();
        cancels.sort();
        if let StateKind::Join { cancels: c, .. } = &mut states[j].kind {
            *c = cancels;
        }
    }
}

/// How many of `inputs` each output of fork `f` reaches, counting distinct inputs, without
/// passing through join `j`.
fn reaches_inputs(f: usize, succs: &[Vec<usize>], inputs: &[usize], j: usize) -> usize {
    let mut reached: HashSet<usize> = HashSet::new();
    let mut seen: HashSet<usize> = HashSet::from([f]);
    let mut queue: VecDeque<usize> = VecDeque::from([f]);
    while let Some(s) = queue.pop_front() {
        for &t in &succs[s] {
            if t == j || !seen.insert(t) {
                continue;
            }
            if inputs.contains(&t) {
                reached.insert(t);
            }
            queue.push_back(t);
        }
    }
    reached.len()
}
