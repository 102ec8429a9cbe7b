//! The resolver: turns the raw structs of one file into a validated `Workflow`, reporting every
//! name that does not resolve and every rule that is broken, each at its YAML path.

mod fields;
mod names;
mod params;
mod states;

use std::collections::HashMap;

use crate::diagnostic::{Problem, Report};
use crate::model::expr::Variable;
use crate::model::schedule::{parse_offset, Recurrence};
use crate::model::workflow::{Cancel, FieldType, Operation, Operations, Schedule, Staffing, Start, Workflow};
use crate::syntax::raw::{RawFieldType, RawOperation, RawWorkflow};
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
    /// Its number fields (integer, decimal, money), which `sum_instances` may add up; `None`
    /// when not known, for a definition deployed before they were recorded.
    pub numbers: Option<Vec<String>>,
    /// Its role parameters, each with whether it may be left unbound.
    pub parameters: Vec<(String, bool)>,
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
    let numbers = raw
        .fields
        .iter()
        .filter(|(_, f)| matches!(f.kind, RawFieldType::Integer | RawFieldType::Decimal | RawFieldType::Money))
        .map(|(name, _)| name.clone())
        .collect();
    let parameters = raw.roles.iter().filter(|(_, r)| r.parameter).map(|(n, r)| (n.clone(), r.optional)).collect();
    Callee { outcomes, fields: raw.fields.keys().cloned().collect(), numbers: Some(numbers), parameters }
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
    let mut params = params::params(raw, &fields, report);
    let mut variables: Vec<Variable> = fields::variables(&fields);
    variables.extend(params::variables(&params));

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

    let staffing = raw
        .staffing
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let path = root.key("staffing").index(i);
            if s.at_least == Some(0) {
                let message = "`at_least` counts people on duty and starts at 1".to_owned();
                report.error(Problem::WrongType { message }, &path.key("at_least"));
            }
            Some(Staffing {
                role: names.role(&s.role, &path.key("role"), report)?,
                at_least: s.at_least.unwrap_or(1) as usize,
                title: s.title.clone(),
            })
        })
        .collect();

    if !raw.schedules.is_empty() {
        if let Some((name, _)) = raw.roles.iter().find(|(_, r)| r.parameter && !r.optional) {
            report.error(Problem::ScheduledParameter { role: name.clone() }, &root.at_key(&["roles", name]));
        }
    }
    let states = states::resolve_states(raw, &names, &fields, &variables, callees, report);
    checklists_only_signed(raw, &root, report);
    params::bound_by_rules(raw, &mut params, &states, report);

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
        params,
        start,
        cancel,
        completion: match raw.completion {
            Some(crate::syntax::raw::RawCompletion::AllBranches) => crate::model::workflow::Completion::AllBranches,
            _ => crate::model::workflow::Completion::SingleEnd,
        },
        forbid: operations(&raw.forbid),
        schedules,
        staffing,
        states,
    })
}

/// A sign-off's checklist is filled in by its signers as they sign, so that the form cannot be
/// completed before the check: no start, action, call return or schedule may write it.
fn checklists_only_signed(raw: &RawWorkflow, root: &YamlPath, report: &mut Report) {
    let signed: Vec<(&str, &str)> = raw
        .states
        .iter()
        .filter_map(|(name, s)| Some((s.signoff.as_ref()?.checklist.as_deref()?, name.as_str())))
        .collect();
    if signed.is_empty() {
        return;
    }
    let problem = |field: &str| {
        signed.iter().find(|(f, _)| *f == field).map(|(_, signoff)| Problem::ChecklistOutsideSignoff {
            field: field.to_owned(),
            signoff: (*signoff).to_owned(),
        })
    };
    let mut lists: Vec<(&[String], YamlPath)> = vec![
        (&raw.start.requires, root.at_key(&["start", "requires"])),
        (&raw.start.accepts, root.at_key(&["start", "accepts"])),
    ];
    for (name, state) in &raw.states {
        for (action, a) in state.actions.iter().flatten() {
            let at = root.at_key(&["states", name, "actions", action]);
            lists.push((&a.requires, at.key("requires")));
            lists.push((&a.accepts, at.key("accepts")));
        }
        for field in state.returns.keys() {
            if let Some(p) = problem(field) {
                report.error_at_key(p, &root.at_key(&["states", name, "returns", field]));
            }
        }
    }
    for (list, path) in lists {
        for (i, field) in list.iter().enumerate() {
            if let Some(p) = problem(field) {
                report.error(p, &path.index(i));
            }
        }
    }
    for (i, schedule) in raw.schedules.iter().enumerate() {
        for field in schedule.data.keys() {
            if let Some(p) = problem(field) {
                report.error_at_key(p, &root.key("schedules").index(i).at_key(&["data", field]));
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use crate::diagnostic::Problem;
    use crate::model::workflow::{Parameter, StateKind};
    use crate::syntax::source_map::YamlPath;

    use super::{Callee, Callees};

    const CALLER: &str = "id: caller\ntitle: Caller\nversion: 1\nroles:\n  nurse: {title: Nurse}\n  lead: {title: Lead, parameter: true, optional: true}\nstart: {to: hand, by: [nurse]}\nstates:\n  hand:\n    call: handover\n    ROLES\n    outcomes: {done: done}\n  done: {end: done}\n";

    fn callees() -> Callees {
        let handover = Callee {
            outcomes: vec!["done".into()],
            fields: Vec::new(),
            numbers: Some(Vec::new()),
            parameters: vec![("giver".into(), false), ("witness".into(), true)],
        };
        Callees::from([("handover".to_owned(), handover)])
    }

    fn check(roles: &str) -> Result<crate::model::workflow::Workflow, Vec<(Problem, Option<String>)>> {
        let text = CALLER.replace("ROLES", roles);
        let files = [crate::SourceFile { path: "caller.yaml".into(), bytes: text.into_bytes() }];
        let mut checked = crate::validate::validate(&files, &callees(), &crate::analysis::Options::default());
        let checked = checked.remove(0);
        checked.workflow.ok_or_else(|| checked.diagnostics.into_iter().map(|d| (d.problem, d.path)).collect())
    }

    #[test]
    fn a_call_binds_each_parameter_to_a_role_of_the_caller() {
        let w = check("roles: {giver: nurse, witness: lead}").expect("valid");
        let StateKind::Call(call) = w.state(w.find_state("hand").unwrap()).kind() else { panic!("a call") };
        let bound: Vec<(&str, &str)> = call.roles().iter().map(|(p, r)| (p.as_str(), w.role(*r).name())).collect();
        assert_eq!(bound, [("giver", "nurse"), ("witness", "lead")]);
        assert_eq!(w.role(w.find_role("lead").unwrap()).parameter(), Some(Parameter::Optional));
        assert_eq!(w.role(w.find_role("nurse").unwrap()).parameter(), None);
    }

    #[test]
    fn an_optional_parameter_of_the_child_may_be_left_unbound() {
        assert!(check("roles: {giver: nurse}").is_ok());
    }

    #[test]
    fn unknown_parameters_unknown_roles_and_missing_bindings_are_reported() {
        let problems = check("roles: {givr: nurse, witness: nures}").unwrap_err();
        let at = |p: &[&str]| Some(p.iter().fold(YamlPath::root(), |y, k| y.key(k)).to_string());
        assert!(problems.contains(&(
            Problem::Undeclared { what: "role parameter", name: "givr".into(), suggestion: Some("giver".into()) },
            at(&["states", "hand", "roles", "givr"])
        )));
        assert!(problems.iter().any(|(p, _)| matches!(p,
            Problem::Undeclared { what: "role", name, suggestion: Some(s) } if name == "nures" && s == "nurse")));
        assert!(problems.contains(&(
            Problem::UnboundRoleParameter { state: "hand".into(), callee: "handover".into(), role: "giver".into() },
            at(&["states", "hand", "roles"])
        )));
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn an_optional_parameter_cannot_fill_one_that_must_be_bound() {
        let problems = check("roles: {giver: lead}").unwrap_err();
        assert_eq!(
            problems.into_iter().map(|(p, _)| p).collect::<Vec<_>>(),
            [Problem::OptionalToRequired { role: "lead".into(), parameter: "giver".into(), callee: "handover".into() }]
        );
    }

    #[test]
    fn roles_go_on_call_states_only() {
        let text = CALLER.replace(
            "call: handover\n    ROLES\n    outcomes: {done: done}",
            "actions: {ok: {by: [nurse], to: done}}\n    roles: {giver: nurse}",
        );
        let files = [crate::SourceFile { path: "caller.yaml".into(), bytes: text.into_bytes() }];
        let checked = crate::validate::validate(&files, &callees(), &crate::analysis::Options::default());
        assert!(checked[0]
            .diagnostics
            .iter()
            .any(|d| matches!(&d.problem, Problem::KeyNotAllowed { key: "roles", .. })));
    }
}
