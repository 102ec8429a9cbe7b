//! Evaluating guards and `with` expressions against an instance: data as CEL values (money and
//! decimals as doubles, dates as RFC 3339 text), plus `actor`, `requester`, `now` and `instance`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use cel::extractors::Arguments;
use cel::objects::{Key, Map as CelMap};
use cel::{Context, Value as Cel};
use serde_json::{Map, Value};

use crate::model::expr::Expr;
use crate::model::workflow::{FieldType, Workflow};
use crate::org::{Org, Person};
use crate::runtime::counts::{Counts, TAKEN, VISITS};
use crate::runtime::query::{is_query_function, Query, Read, COUNT_INSTANCES, EXISTS_INSTANCE, SUM_INSTANCES};
use crate::runtime::versions::{previous, version, Versions, PREVIOUS, VERSION};
use crate::runtime::RuntimeError;

/// A JSON value as CEL sees it, typed by the field it belongs to when known.
fn json_to_cel(value: &Value, kind: Option<&FieldType>) -> Cel {
    match (value, kind) {
        (Value::Null, _) => Cel::Null,
        (Value::Bool(b), _) => Cel::Bool(*b),
        (Value::Number(n), Some(FieldType::Decimal | FieldType::Money)) => Cel::Float(n.as_f64().unwrap_or(f64::NAN)),
        (Value::String(s), Some(FieldType::Decimal | FieldType::Money)) => Cel::Float(s.parse().unwrap_or(f64::NAN)),
        (Value::Number(n), _) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Cel::Int(i),
            (None, Some(f)) => Cel::Float(f),
            (None, None) => Cel::Null,
        },
        (Value::String(s), _) => Cel::String(Arc::new(s.clone())),
        (Value::Array(items), Some(FieldType::List(inner))) => {
            Cel::List(Arc::new(items.iter().map(|i| json_to_cel(i, Some(inner))).collect()))
        }
        (Value::Array(items), _) => Cel::List(Arc::new(items.iter().map(|i| json_to_cel(i, None)).collect())),
        (Value::Object(map), _) => {
            let entries: HashMap<Key, Cel> =
                map.iter().map(|(k, v)| (Key::String(Arc::new(k.clone())), json_to_cel(v, None))).collect();
            Cel::Map(CelMap { map: Arc::new(entries) })
        }
    }
}

/// The instance data as CEL values: every declared field, `null` when unset.
#[must_use]
pub fn data_to_cel(workflow: &Workflow, data: &Map<String, Value>) -> Vec<(String, Cel)> {
    workflow
        .fields()
        .iter()
        .map(|f| (f.name().to_owned(), data.get(f.name()).map_or(Cel::Null, |v| json_to_cel(v, Some(f.kind())))))
        .collect()
}

/// The parameters in force as guards see `params`: each typed by its declaration (money as a
/// double), durations left out since only deadlines read them.
#[must_use]
pub fn params_to_cel(workflow: &Workflow, params: &Map<String, Value>) -> Cel {
    use crate::model::params::ParamType;
    fn typed(value: &Value, kind: &ParamType) -> Cel {
        match (kind, value) {
            (ParamType::Value(f), v) => json_to_cel(v, Some(f)),
            (ParamType::Table { of, .. }, Value::Object(entries)) => {
                let entries: HashMap<Key, Cel> =
                    entries.iter().map(|(k, v)| (Key::String(Arc::new(k.clone())), typed(v, of))).collect();
                Cel::Map(CelMap { map: Arc::new(entries) })
            }
            (_, v) => json_to_cel(v, None),
        }
    }
    let entries: HashMap<Key, Cel> = workflow
        .params()
        .iter()
        .enumerate()
        .filter(|(_, p)| *p.kind() != ParamType::Duration)
        .map(|(i, p)| {
            let id = crate::model::workflow::ParamId(u32::try_from(i).unwrap_or(u32::MAX));
            (Key::String(Arc::new(p.name().to_owned())), typed(workflow.param_value(params, id), p.kind()))
        })
        .collect();
    Cel::Map(CelMap { map: Arc::new(entries) })
}

/// The acting person as guards see `actor`: id, name, roles, department and attributes.
#[must_use]
pub fn actor_value(person: Option<&Person>) -> Value {
    match person {
        None => Value::Null,
        Some(p) => {
            let mut map = p.attributes.clone();
            map.insert("id".into(), Value::String(p.id.clone()));
            map.insert("name".into(), Value::String(p.name.clone()));
            map.insert("roles".into(), Value::Array(p.roles.iter().cloned().map(Value::String).collect()));
            map.insert("department".into(), p.department.clone().map_or(Value::Null, Value::String));
            Value::Object(map)
        }
    }
}

/// The functions an action's or a sign-off's guard may call to ask about the duty roster and
/// the people of the org, e.g. `on_duty("duty_doctor") && actor.rank ==
/// on_duty_max("duty_doctor", "rank")` ("the most senior doctor on duty now") or
/// `person(primary_surgeon).privilege_grade >= operation_grade`. Choices may not call them:
/// `apply` depends on events alone, and the org changes.
#[must_use]
pub fn authority_functions() -> Vec<crate::model::expr::FunctionSig> {
    use crate::model::expr::{CelType, FunctionSig};
    vec![
        FunctionSig { name: "on_duty", args: vec![CelType::String], result: CelType::Bool },
        FunctionSig { name: "on_duty_max", args: vec![CelType::String, CelType::String], result: CelType::Dyn },
        FunctionSig { name: PERSON, args: vec![CelType::String], result: CelType::Dyn },
    ]
}

/// `person(id)`: another person as guards see `actor` (id, name, roles, department and
/// attributes), or `null` when the org has nobody of that id.
pub const PERSON: &str = "person";

/// The roster an action's guard reads, fixed when the action is checked.
#[derive(Clone)]
pub(crate) struct Roster {
    pub(crate) org: Arc<Org>,
    pub(crate) now: chrono::DateTime<chrono::FixedOffset>,
    pub(crate) person: String,
}

/// The variables of one evaluation.
pub(crate) struct Scope<'a> {
    pub(crate) workflow: &'a Workflow,
    pub(crate) data: &'a Map<String, Value>,
    pub(crate) requester: &'a str,
    pub(crate) actor: Value,
    /// Present for an action's guard only.
    pub(crate) roster: Option<Roster>,
    /// The answers to queries over other instances known so far.
    pub(crate) reads: &'a [Read],
    /// When the step is taken, in the workflow's time zone: it fixes the period a query asks about.
    pub(crate) at: chrono::DateTime<chrono::FixedOffset>,
    /// The instance's counters, for `visits` and `taken`.
    pub(crate) counts: &'a Counts,
    /// The versioned fields' values, for `version` and `previous`.
    pub(crate) versions: &'a Versions,
    /// The parameters in force for the instance.
    pub(crate) params: &'a Map<String, Value>,
    /// When the instance started: what `instance.started_at` reads.
    pub(crate) started_at: chrono::DateTime<chrono::FixedOffset>,
}

impl<'a> Scope<'a> {
    /// What automatic steps see at the time `now` of the event that runs them: the instance's
    /// data and requester, no actor and no roster.
    pub(crate) fn of_instance(
        workflow: &'a Workflow,
        instance: &'a crate::runtime::Instance,
        reads: &'a [Read],
        at: chrono::DateTime<chrono::FixedOffset>,
    ) -> Self {
        Scope {
            workflow,
            data: &instance.data,
            requester: &instance.requester,
            actor: Value::Null,
            roster: None,
            reads,
            at: at.with_timezone(&workflow.timezone()),
            counts: &instance.counts,
            versions: &instance.versions,
            params: &instance.params,
            started_at: instance.started_at,
        }
    }

    /// What a person's guards see: the data, the requester, the person as `actor`, the duty
    /// roster and people of `org` at `now`, and the instance's counters and versions.
    pub(crate) fn of_person(
        workflow: &'a Workflow,
        instance: &'a crate::runtime::Instance,
        data: &'a Map<String, Value>,
        person: &Person,
        (org, now): (&Arc<Org>, chrono::DateTime<chrono::FixedOffset>),
        reads: &'a [Read],
    ) -> Self {
        Scope {
            workflow,
            data,
            requester: &instance.requester,
            actor: actor_value(Some(person)),
            roster: Some(Roster { org: Arc::clone(org), now, person: person.id.clone() }),
            reads,
            at: now.with_timezone(&workflow.timezone()),
            counts: &instance.counts,
            versions: &instance.versions,
            params: &instance.params,
            started_at: instance.started_at,
        }
    }

    /// Evaluate `expr`. A query over other instances whose answer is not among `reads` makes it
    /// fail with `NeedsReads`: the caller looks the answers up and evaluates again.
    pub(crate) fn eval(&self, expr: &Expr) -> Result<Cel, RuntimeError> {
        let mut context = Context::default();
        for (name, value) in data_to_cel(self.workflow, self.data) {
            context.add_variable_from_value(name, value);
        }
        context.add_variable_from_value("requester", Cel::String(Arc::new(self.requester.to_owned())));
        context.add_variable_from_value("actor", json_to_cel(&self.actor, None));
        context.add_variable_from_value("params", params_to_cel(self.workflow, self.params));
        crate::runtime::clock::add_time(&mut context, self.at, self.started_at, self.workflow.timezone());
        if let Some(roster) = &self.roster {
            let r = roster.clone();
            let _ = context.add_function("on_duty", move |role: Arc<String>| r.org.on_duty(&r.person, &role, r.now));
            let r = roster.clone();
            let _ = context.add_function("on_duty_max", move |role: Arc<String>, attribute: Arc<String>| {
                let best = r
                    .org
                    .on_duty_as(&role, r.now)
                    .into_iter()
                    .filter_map(|p| p.attributes.get(attribute.as_str()).and_then(Value::as_f64))
                    .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
                best.map_or(Cel::Null, Cel::Float)
            });
            let r = roster.clone();
            let _ =
                context.add_function(PERSON, move |id: Arc<String>| json_to_cel(&actor_value(r.org.person(&id)), None));
        }
        if expr.calls_function(VISITS) || expr.calls_function(TAKEN) {
            let counts = Arc::new(self.counts.clone());
            let c = Arc::clone(&counts);
            let _ = context.add_function(VISITS, move |state: Arc<String>| c.visits(&state));
            let _ = context
                .add_function(TAKEN, move |state: Arc<String>, action: Arc<String>| counts.taken(&state, &action));
        }
        if expr.calls_function(VERSION) || expr.calls_function(PREVIOUS) {
            let versions = Arc::new(self.versions.clone());
            let v = Arc::clone(&versions);
            let _ = context.add_function(VERSION, move |field: Arc<String>| version(&v, &field));
            // The earlier value reads as the field's type, like the current one.
            let kinds: HashMap<String, FieldType> = self
                .workflow
                .fields()
                .iter()
                .filter(|f| f.versioned())
                .map(|f| (f.name().to_owned(), f.kind().clone()))
                .collect();
            let _ = context.add_function(PREVIOUS, move |field: Arc<String>| {
                previous(&versions, &field).map_or(Cel::Null, |value| json_to_cel(value, kinds.get(field.as_str())))
            });
        }
        let missing = Arc::new(Mutex::new(Vec::new()));
        if expr.calls().iter().any(|c| is_query_function(c.name)) {
            let reads: Arc<Vec<Read>> = Arc::new(self.reads.to_vec());
            let at = self.at.with_timezone(&self.workflow.timezone());
            // The recorded answer to a query, or a note of the question and a stand-in answer.
            // What follows the filter: a sum's field, then the optional calendar period.
            let ask = {
                let missing = Arc::clone(&missing);
                move |args: &[Cel], sums: bool| -> (i64, f64) {
                    let text = |v: Option<&Cel>| match v {
                        Some(Cel::String(s)) => Some(s.to_string()),
                        _ => None,
                    };
                    let filter = match args.get(2).map(cel_to_json) {
                        Some(Value::Object(map)) => map.into_iter().collect(),
                        _ => std::collections::BTreeMap::new(),
                    };
                    // A list of outcomes asks about finished instances that ended so.
                    let (status, outcomes) = match args.get(1).map(cel_to_json) {
                        Some(Value::Array(items)) => {
                            ("done".to_owned(), items.iter().filter_map(|o| o.as_str().map(str::to_owned)).collect())
                        }
                        Some(Value::String(s)) => (s, Vec::new()),
                        other => (other.map(|o| o.to_string()).unwrap_or_default(), Vec::new()),
                    };
                    let rest = args.get(3..).unwrap_or_default();
                    let (sum, period) = if sums { (text(rest.first()), rest.get(1)) } else { (None, rest.first()) };
                    let since = text(period).and_then(|p| crate::runtime::period_start(&p, at)).map(|t| t.to_rfc3339());
                    let workflow = text(args.first()).unwrap_or_default();
                    let query = Query { workflow, status, outcomes, filter, sum, since };
                    match query.answer(&reads) {
                        Some(read) => (read.count, read.total.unwrap_or(0.0)),
                        None => {
                            missing.lock().expect("not poisoned").push(query);
                            (0, 0.0)
                        }
                    }
                }
            };
            let count = ask.clone();
            let _ = context.add_function(COUNT_INSTANCES, move |Arguments(args): Arguments| count(&args, false).0);
            let exists = ask.clone();
            let _ = context.add_function(EXISTS_INSTANCE, move |Arguments(args): Arguments| exists(&args, false).0 > 0);
            let _ = context.add_function(SUM_INSTANCES, move |Arguments(args): Arguments| ask(&args, true).1);
        }
        let result = expr
            .program()
            .execute(&context)
            .map_err(|e| RuntimeError::GuardError { guard: expr.source().to_owned(), message: e.to_string() });
        let mut missing = std::mem::take(&mut *missing.lock().expect("not poisoned"));
        if !missing.is_empty() {
            missing.dedup();
            return Err(RuntimeError::NeedsReads(missing));
        }
        result
    }

    /// Evaluate a guard; anything but `true` is false, and an evaluation error is an error.
    pub(crate) fn holds(&self, expr: &Expr) -> Result<bool, RuntimeError> {
        match self.eval(expr)? {
            Cel::Bool(b) => Ok(b),
            other => Err(RuntimeError::GuardError {
                guard: expr.source().to_owned(),
                message: format!("it gave {other:?}, not true or false"),
            }),
        }
    }
}

/// A CEL value as JSON, for data set by `with` expressions.
pub(crate) fn cel_to_json(value: &Cel) -> Value {
    match value {
        Cel::Null => Value::Null,
        Cel::Bool(b) => Value::Bool(*b),
        Cel::Int(i) => Value::from(*i),
        Cel::UInt(u) => Value::from(*u),
        Cel::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Cel::String(s) => Value::String(s.to_string()),
        Cel::List(items) => Value::Array(items.iter().map(cel_to_json).collect()),
        Cel::Map(m) => Value::Object(
            m.map
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Key::String(s) => s.to_string(),
                        Key::Int(i) => i.to_string(),
                        Key::Uint(u) => u.to_string(),
                        Key::Bool(b) => b.to_string(),
                    };
                    (key, cel_to_json(v))
                })
                .collect(),
        ),
        _ => Value::Null,
    }
}
