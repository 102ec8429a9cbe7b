//! The resolver: turns the raw structs of one file into a validated `Workflow`, reporting every
//! name that does not resolve and every rule that is broken, each at its YAML path.

mod fields;
mod names;
mod states;

use std::collections::HashMap;

use crate::diagnostic::{Problem, Report};
use crate::model::expr::Variable;
use crate::model::schedule::{parse_offset, Recurrence};
use crate::model::workflow::{Cancel, FieldType, Operation, Operations, Schedule, Start, Workflow};
use crate::syntax::raw::{RawOperation, RawWorkflow};
use crate::syntax::source_map::YamlPath;

pub(crate) use names::Names;

/// Check a person id of an org file (same spelling rules as state ids).
pub(crate) fn check_person_id(id: &str, path: &YamlPath, report: &mut Report) {
    names::check_id("person", id, path, report);
}

/// What the resolver knows of a workflow that another one calls.
#[derive(Debug, Clone, Default)]
pub struct Callee {
    /// The outcomes of its end states.
    pub outcomes: Vec<String>,
    /// Its field names.
    pub fields: Vec<String>,
}

/// The workflows a definition may call, by id.
pub type Callees = HashMap<String, Callee>;

/// What a raw workflow says about itself when called: its outcomes and fields.
#[must_use]
pub fn callee_of(raw: &RawWorkflow) -> Callee {
    let mut outcomes: Vec<String> = Vec::new();
    for state in raw.states.values() {
        if let Some(o) = &state.end {
            if !outcomes.contains(o) {
                outcomes.push(o.clone());
            }
        }
    }
    Callee { outcomes, fields: raw.fields.keys().cloned().collect() }
}

/// Resolve one workflow. Returns `None` when any error was reported.
pub fn resolve(raw: &RawWorkflow, callees: &Callees, report: &mut Report) -> Option<Workflow> {
    let root = YamlPath::root();
    names::check_workflow_id(&raw.id, &root.key("id"), report);
    if raw.version == 0 {
        report.error(Problem::WrongType { message: "`version` starts at 1".into() }, &root.key("version"));
    }
    let timezone = match &raw.timezone {
        None => chrono::FixedOffset::east_opt(0).expect("zero is a valid offset"),
        Some(text) => parse_offset(text).unwrap_or_else(|| {
            report.error(Problem::BadTimezone { text: text.clone() }, &root.key("timezone"));
            chrono::FixedOffset::east_opt(0).expect("zero is a valid offset")
        }),
    };
    let names = Names::collect(raw, report);
    let roles = fields::roles(raw, report);
    let fields = fields::fields(raw, report);
    let variables: Vec<Variable> = fields::variables(&fields);

    if raw.states.get(&raw.start.to).is_some_and(|s| s.join.is_some()) {
        let inputs = raw.states[&raw.start.to].join.clone().unwrap_or_default();
        report.error(Problem::EnterJoin { target: raw.start.to.clone(), inputs }, &root.at_key(&["start", "to"]));
    }
    let start = Start {
        to: names.state(&raw.start.to, &root.at_key(&["start", "to"]), report).unwrap_or_default_id(),
        by: names.roles(&raw.start.by, &root.at_key(&["start", "by"]), report),
        requires: names.fields(&raw.start.requires, &root.at_key(&["start", "requires"]), report),
        accepts: names.fields(&raw.start.accepts, &root.at_key(&["start", "accepts"]), report),
    };
    if raw.start.by.is_empty() {
        report.error(Problem::MissingKey { key: "by".into() }, &root.at_key(&["start", "by"]));
    }
    let cancel = raw.cancel.as_ref().map(|c| {
        let path = root.at_key(&["cancel", "by"]);
        let requester = c.by.iter().any(|r| r == names::REQUESTER);
        let others: Vec<String> = c.by.iter().filter(|r| *r != names::REQUESTER).cloned().collect();
        let roles = names.roles_at(&others, &c.by, &path, report);
        Cancel { requester, roles }
    });
    let schedules = raw
        .schedules
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let path = root.key("schedules").index(i);
            let every = Recurrence::parse(&s.every)
                .map_err(|message| report.error(Problem::BadSchedule { message }, &path.key("every")))
                .ok();
            let role = names.role(&s.role, &path.key("role"), report);
            for (key, value) in &s.data {
                let at = path.at_key(&["data", key]);
                match names.find_field(key) {
                    Some(id) => {
                        if let Err(message) = crate::model::value::check_value(&fields[id.index()].kind, value) {
                            report.error(Problem::BadValue { field: key.clone(), message }, &at);
                        }
                    }
                    None => names.undeclared_at_key("field", key, &at, report),
                }
            }
            let lead = match &s.lead {
                None => Some(std::time::Duration::ZERO),
                Some(text) => {
                    let parsed = crate::model::schedule::parse_duration(text);
                    if parsed.is_none() {
                        report.error(Problem::BadDuration { text: text.clone() }, &path.key("lead"));
                    }
                    parsed
                }
            };
            let occurrence = match &s.occurrence {
                None => Some(None),
                Some(name) => {
                    let at = path.key("occurrence");
                    names.field(name, &at, report).and_then(|id| {
                        let kind = &fields[id.index()].kind;
                        if *kind != FieldType::Datetime {
                            report.error(Problem::OccurrenceField { field: name.clone(), found: kind.name() }, &at);
                            return None;
                        }
                        if s.data.contains_key(name) {
                            let field = name.clone();
                            report.error(Problem::OccurrenceInData { field }, &path.at_key(&["data", name.as_str()]));
                            return None;
                        }
                        Some(Some(id))
                    })
                }
            };
            Some(Schedule {
                title: s.title.clone(),
                every: every?,
                role: role?,
                data: s.data.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                lead: lead?,
                occurrence: occurrence?,
            })
        })
        .collect();

    let states = states::resolve_states(raw, &names, &fields, &variables, callees, report);

    if report.has_errors() {
        return None;
    }
    Some(Workflow {
        id: raw.id.clone(),
        title: raw.title.clone(),
        version: raw.version,
        description: raw.description.clone(),
        timezone,
        roles,
        fields,
        start,
        cancel,
        completion: match raw.completion {
            Some(crate::syntax::raw::RawCompletion::AllBranches) => crate::model::workflow::Completion::AllBranches,
            _ => crate::model::workflow::Completion::SingleEnd,
        },
        forbid: operations(&raw.forbid),
        schedules,
        states,
    })
}

pub(crate) fn operations(raw: &[RawOperation]) -> Operations {
    let mut set = Operations::default();
    for op in raw {
        set.insert(match op {
            RawOperation::Transfer => Operation::Transfer,
            RawOperation::Delegate => Operation::Delegate,
            RawOperation::Return => Operation::Return,
            RawOperation::Withdraw => Operation::Withdraw,
            RawOperation::Remind => Operation::Remind,
            RawOperation::StandIn => Operation::StandIn,
        });
    }
    set
}

/// Convenience for building paths from several keys.
pub(crate) trait PathExt {
    fn at_key(&self, keys: &[&str]) -> YamlPath;
}

impl PathExt for YamlPath {
    fn at_key(&self, keys: &[&str]) -> YamlPath {
        keys.iter().fold(self.clone(), |p, k| p.key(k))
    }
}

/// A placeholder for a reference that did not resolve; the workflow is discarded anyway because an
/// error was reported, so the placeholder is never followed.
pub(crate) trait OrPlaceholder<T> {
    fn unwrap_or_default_id(self) -> T;
}

impl OrPlaceholder<crate::model::workflow::StateId> for Option<crate::model::workflow::StateId> {
    fn unwrap_or_default_id(self) -> crate::model::workflow::StateId {
        self.unwrap_or(crate::model::workflow::StateId(0))
    }
}
