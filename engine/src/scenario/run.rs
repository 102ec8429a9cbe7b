//! Runs resolved scenarios through the `Service`, exactly as operators run workflows: each on a
//! fresh in-memory database with the folder's workflows deployed and the org loaded. The first
//! step that does not go as written ends its scenario with a `Failure`; afterwards every
//! instance's stored state must equal the replay of its events.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::scenario::model::{Expectation, Operation, Scenario, Step, StepKind, Target};
use crate::scenario::Suite;
use crate::service::{ActRequest, Service, ServiceError};
use crate::store::InstanceFilter;
use crate::syntax::source_map::Span;

/// The results of one scenario file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The scenario file.
    pub file: String,
    /// The workflow under test.
    pub workflow: String,
    /// One result per scenario, in file order.
    pub scenarios: Vec<ScenarioReport>,
}

impl FileReport {
    /// How many scenarios failed.
    #[must_use]
    pub fn failed(&self) -> usize {
        self.scenarios.iter().filter(|s| s.failure.is_some()).count()
    }
}

/// The result of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    /// Its name.
    pub name: String,
    /// The line its name is on.
    pub line: usize,
    /// Why it failed; `None` when it passed.
    pub failure: Option<Failure>,
    /// How long it took, in milliseconds.
    pub millis: u128,
    /// What each instance it created went through, for coverage.
    #[serde(skip)]
    pub traces: Vec<Trace>,
}

/// Where and why a scenario failed.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The line of the failing step.
    pub line: usize,
    /// Its column.
    pub column: usize,
    /// The step's number from 1 (0 for the start).
    pub step: usize,
    /// Byte offsets of the step's key in the file, for pointing at it.
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
    /// The step as written, e.g. ``act `approve` as wang_wu``.
    pub label: String,
    /// What went wrong, in one sentence.
    pub message: String,
    /// Expected against found, one entry per thing that differs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
    /// The refusal, when a step that should have worked was refused (or refused for another reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
}

/// One thing that is not as expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What was compared, e.g. `states` or `data.days`.
    pub what: String,
    /// As written in the scenario.
    pub expected: String,
    /// As found.
    pub found: String,
}

/// A refusal, as the engine gave it.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    /// Its stable code, e.g. `missing-role`.
    pub code: String,
    /// Its message.
    pub message: String,
    /// Its hint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl From<&ServiceError> for Refusal {
    fn from(e: &ServiceError) -> Self {
        Refusal { code: e.code().to_owned(), message: e.to_string(), hint: e.hint() }
    }
}

/// What one instance went through: the states it entered and the steps taken in it.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// Its workflow.
    pub workflow: String,
    /// The states it entered.
    pub visited: Vec<String>,
    /// `state.action` for every action taken, `state.sign`, `state.reject`, `state.deadline`.
    pub taken: Vec<String>,
}

/// A step that did not go as written; becomes a `Failure` once placed.
struct Miss {
    message: String,
    differences: Vec<Difference>,
    refusal: Option<Refusal>,
}

impl Miss {
    fn says(message: impl Into<String>) -> Self {
        Miss { message: message.into(), differences: Vec::new(), refusal: None }
    }
}

impl From<ServiceError> for Miss {
    fn from(e: ServiceError) -> Self {
        Miss { message: "the engine failed".into(), differences: Vec::new(), refusal: Some(Refusal::from(&e)) }
    }
}

/// Run every scenario of `suite`.
#[must_use]
pub fn run(suite: &Suite) -> FileReport {
    FileReport {
        file: suite.file.path.display().to_string(),
        workflow: suite.file.workflow.clone(),
        scenarios: suite.file.scenarios.iter().map(|s| run_one(suite, s)).collect(),
    }
}

/// One scenario's database, clock and instances.
struct World<'s> {
    suite: &'s Suite,
    service: Service,
    now: DateTime<FixedOffset>,
    /// Every instance, in the order started, with its workflow.
    instances: Vec<(i64, String)>,
    main: i64,
    /// Instances the scenario's own steps started besides `main`.
    started: Vec<i64>,
}

fn run_one(suite: &Suite, scenario: &Scenario) -> ScenarioReport {
    let began = std::time::Instant::now();
    let mut world = None;
    let mut failure = match World::new(suite, scenario) {
        Ok(w) => {
            world = Some(w);
            None
        }
        Err(miss) => Some(place(miss, scenario.at, 0, "start")),
    };
    if let Some(w) = &mut world {
        for (i, step) in scenario.steps.iter().enumerate() {
            if let Err(miss) = w.step(step) {
                failure = Some(place(miss, step.at, i + 1, &step.label));
                break;
            }
        }
    }
    let mut traces = Vec::new();
    if let Some(w) = &mut world {
        match w.check_replay() {
            Ok(t) => traces = t,
            Err(miss) if failure.is_none() => {
                failure = Some(place(miss, scenario.at, scenario.steps.len(), "after the steps"));
            }
            Err(_) => {}
        }
    }
    ScenarioReport {
        name: scenario.name.clone(),
        line: scenario.at.line,
        failure,
        millis: began.elapsed().as_millis(),
        traces,
    }
}

fn place(miss: Miss, at: Span, step: usize, label: &str) -> Failure {
    Failure {
        line: at.line,
        column: at.column,
        span: at.start..at.end,
        step,
        label: label.to_owned(),
        message: miss.message,
        differences: miss.differences,
        refusal: miss.refusal,
    }
}

impl<'s> World<'s> {
    fn new(suite: &'s Suite, scenario: &Scenario) -> Result<World<'s>, Miss> {
        let now = suite.file.clock;
        let mut service = Service::in_memory()?;
        service.deploy(&suite.workflows, now)?;
        service.load_org_with(&suite.org.path, &suite.org.bytes, &scenario.settings, now).map_err(|e| match e {
            ServiceError::InvalidOrg(problems) => Miss::says(format!(
                "the settings do not fit the workflows: {}",
                problems
                    .iter()
                    .map(|d| {
                        let hint = d.problem.hint().map(|h| format!(" ({h})")).unwrap_or_default();
                        format!("{}: {}{hint}", d.path.as_deref().unwrap_or("settings"), d.problem)
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            other => other.into(),
        })?;
        let start = &scenario.start;
        let outcome = service
            .start_with_roles(&suite.file.workflow, &start.actor, start.data.clone(), &start.roles, now)
            .map_err(|e| Miss {
                message: format!("`{}` could not start `{}`", start.actor, suite.file.workflow),
                differences: Vec::new(),
                refusal: Some(Refusal::from(&e)),
            })?;
        let mut world =
            World { suite, service, now, instances: Vec::new(), main: outcome.instance, started: Vec::new() };
        world.note_instances()?;
        Ok(world)
    }

    /// Record instances started since the last look (children of calls, scheduled starts).
    fn note_instances(&mut self) -> Result<(), ServiceError> {
        let mut all = self.service.list(&InstanceFilter::default(), None, false, self.now)?;
        all.sort_by_key(|i| i.id);
        for item in all {
            if !self.instances.iter().any(|(id, _)| *id == item.id) {
                self.instances.push((item.id, item.workflow));
            }
        }
        Ok(())
    }

    /// Whether `id` is an instance of the workflow under test (started by the scenario or by
    /// its schedules), another one the scenario started, or a sub-workflow instance of those.
    fn in_scenario(&mut self, id: i64) -> Result<bool, ServiceError> {
        let under_test = &self.suite.file.workflow;
        if self.instances.iter().any(|(i, w)| *i == id && w == under_test) {
            return Ok(true);
        }
        let mut at = id;
        loop {
            if at == self.main || self.started.contains(&at) {
                return Ok(true);
            }
            match self.service.show(at, None, self.now)?.parent {
                Some((parent, _)) => at = parent,
                None => return Ok(false),
            }
        }
    }

    fn instance(&self, target: &Target) -> Result<i64, Miss> {
        match target {
            Target::Main => Ok(self.main),
            Target::Latest(workflow) => {
                self.instances.iter().rev().find(|(_, w)| w == workflow).map(|(id, _)| *id).ok_or_else(|| {
                    Miss::says(format!("no instance of `{workflow}` has been started in this scenario yet"))
                })
            }
        }
    }

    fn step(&mut self, step: &Step) -> Result<(), Miss> {
        match &step.kind {
            StepKind::Advance(d) => {
                self.now += chrono::Duration::from_std(*d).map_err(|_| Miss::says("the duration is too long"))?;
                Ok(())
            }
            StepKind::Tick { fired } => {
                let report = self.service.tick(self.now)?;
                self.note_instances()?;
                if let Some(expected) = fired {
                    // Only this scenario's instances: schedules of other workflows in the folder
                    // start instances of their own, whose deadlines are not what it tests.
                    let mut found: Vec<String> = Vec::new();
                    for d in &report.deadlines {
                        if self.in_scenario(d.instance)? {
                            found.push(d.state.clone());
                        }
                    }
                    if sorted(expected) != sorted(&found) {
                        return Err(Miss {
                            message: "other deadlines fired than expected".into(),
                            differences: vec![Difference {
                                what: "fired".into(),
                                expected: list(&sorted(expected)),
                                found: list(&sorted(&found)),
                            }],
                            refusal: None,
                        });
                    }
                }
                Ok(())
            }
            StepKind::Do { op, target } => {
                let result = self.attempt(op, target)?;
                self.note_instances()?;
                result.map_err(|e| Miss {
                    message: "the step was refused".into(),
                    differences: Vec::new(),
                    refusal: Some(Refusal::from(&e)),
                })
            }
            StepKind::Refused { op, target, reason } => self.refused(op, target, reason.as_deref()),
            StepKind::Expect { expect, target } => {
                let id = self.instance(target)?;
                let differences = self.compare(id, expect)?;
                if differences.is_empty() {
                    Ok(())
                } else {
                    Err(Miss { message: "the instance is not as expected".into(), differences, refusal: None })
                }
            }
        }
    }

    /// Try `op`: the outer error is a scenario problem, the inner one the engine's refusal.
    fn attempt(&mut self, op: &Operation, target: &Target) -> Result<Result<(), ServiceError>, Miss> {
        let now = self.now;
        if let Operation::Start(start) = op {
            let workflow = match target {
                Target::Main => self.suite.file.workflow.clone(),
                Target::Latest(w) => w.clone(),
            };
            let started = self.service.start_with_roles(&workflow, &start.actor, start.data.clone(), &start.roles, now);
            return Ok(started.map(|o| {
                // A new instance of the workflow under test becomes the one later steps address.
                if *target == Target::Main {
                    self.started.push(self.main);
                    self.main = o.instance;
                } else {
                    self.started.push(o.instance);
                }
            }));
        }
        if let Operation::StandIn { person, by, period, reason } = op {
            let until = now + chrono::Duration::from_std(*period).map_err(|_| Miss::says("the period is too long"))?;
            return Ok(self.service.name_stand_in(person, by, (now, until), reason, now).map(|_| ()));
        }
        let instance = self.instance(target)?;
        let request =
            |action: &str, state: Option<&String>, actor: &str, data: &Map<String, Value>, comment: Option<String>| {
                ActRequest {
                    instance,
                    action: action.to_owned(),
                    state: state.cloned(),
                    actor: actor.to_owned(),
                    data: data.clone(),
                    comment,
                    expect_version: None,
                    now,
                }
            };
        let (op, principal) = match op {
            Operation::For { principal, op } => (op.as_ref(), Some(principal.as_str())),
            other => (other, None),
        };
        let result = match op {
            Operation::Approval { op, state, actor, comment } => {
                let request = crate::service::OperationRequest {
                    instance,
                    state: state.clone(),
                    actor: actor.clone(),
                    comment: comment.clone(),
                    expect_version: None,
                    now,
                };
                self.service.operate(&request, op)
            }
            Operation::Act { action, state, actor, data, comment } => {
                self.service.act_for(&request(action, state.as_ref(), actor, data, comment.clone()), principal)
            }
            Operation::Sign { state, actor, checklist, comment } => {
                self.service.act_for(&request("sign", Some(state), actor, checklist, comment.clone()), principal)
            }
            Operation::Reject { state, actor, comment } => {
                let comment = Some(comment.clone().unwrap_or_else(|| "rejected".into()));
                self.service.act_for(&request("reject", Some(state), actor, &Map::new(), comment), principal)
            }
            Operation::Cancel { actor, reason } => self.service.cancel(instance, actor, reason, now),
            Operation::Start(_) | Operation::StandIn { .. } | Operation::For { .. } => {
                unreachable!("handled above; `for` never wraps itself")
            }
        };
        Ok(result.map(|_| ()))
    }

    /// The number of events of every instance, to see that a refusal changed nothing.
    fn versions(&mut self) -> Result<Vec<(i64, i64)>, ServiceError> {
        let mut out = Vec::new();
        for (id, _) in self.instances.clone() {
            out.push((id, self.service.show(id, None, self.now)?.version));
        }
        Ok(out)
    }

    fn refused(&mut self, op: &Operation, target: &Target, reason: Option<&str>) -> Result<(), Miss> {
        let before = self.versions()?;
        let result = self.attempt(op, target)?;
        self.note_instances()?;
        match result {
            Ok(()) => Err(Miss::says("the step was not refused: it went through")),
            Err(e) => {
                let code = e.code();
                let message = e.to_string();
                if let Some(reason) = reason {
                    if reason != code && !message.contains(reason) {
                        return Err(Miss {
                            message: "the step was refused for another reason".into(),
                            differences: vec![Difference {
                                what: "reason".into(),
                                expected: reason.to_owned(),
                                found: format!("{code}: {message}"),
                            }],
                            refusal: Some(Refusal::from(&e)),
                        });
                    }
                }
                if self.versions()? != before {
                    return Err(Miss::says("the step was refused but an instance changed"));
                }
                Ok(())
            }
        }
    }

    fn compare(&mut self, id: i64, expect: &Expectation) -> Result<Vec<Difference>, Miss> {
        let view = self.service.show(id, None, self.now)?;
        let mut out = Vec::new();
        let mut differ = |what: &str, expected: String, found: String| {
            if expected != found {
                out.push(Difference { what: what.to_owned(), expected, found });
            }
        };
        if let Some(states) = &expect.states {
            let found: Vec<String> = view.active.iter().map(|t| t.state.clone()).collect();
            differ("states", list(&sorted(states)), list(&sorted(&found)));
        }
        if let Some(status) = expect.status {
            differ("status", status.to_owned(), view.status.clone());
        }
        if let Some(outcome) = &expect.outcome {
            let found = match (view.status.as_str(), &view.outcome) {
                ("done", Some(o)) => o.clone(),
                (status, _) => format!("(none: the instance is {status})"),
            };
            differ("outcome", outcome.clone(), found);
        }
        for (field, value) in &expect.data {
            let found = view.data.get(field);
            if !found.is_some_and(|f| same_value(f, value)) {
                differ(
                    &format!("data.{field}"),
                    value.to_string(),
                    found.map_or_else(|| "(not set)".into(), Value::to_string),
                );
            }
        }
        if !expect.counts.is_empty() {
            let counts = self.service.counts(id)?;
            for (key, expected) in &expect.counts {
                let found = match key.split_once('.') {
                    Some((state, action)) => counts.taken(state, action),
                    None => counts.visits(key),
                };
                differ(&format!("counts.{key}"), expected.to_string(), found.to_string());
            }
        }
        for (person, actions) in &expect.can_act {
            let found = self.offered(id, person)?;
            differ(&format!("can_act.{person}"), list(&sorted(actions)), list(&found));
        }
        for person in &expect.cannot_act {
            let found = self.offered(id, person)?;
            if !found.is_empty() {
                out.push(Difference {
                    what: format!("cannot_act.{person}"),
                    expected: "[]".into(),
                    found: list(&found),
                });
            }
        }
        Ok(out)
    }

    /// The actions `person` may take now, sorted, each once.
    fn offered(&mut self, id: i64, person: &str) -> Result<Vec<String>, Miss> {
        let offers = self.service.offers(id, person, self.now)?;
        let mut names: Vec<String> = offers.into_iter().map(|(_, a)| a).collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Check every instance against the replay of its events, and collect what each went through.
    fn check_replay(&mut self) -> Result<Vec<Trace>, Miss> {
        self.note_instances()?;
        let mut traces = Vec::new();
        for (id, workflow) in self.instances.clone() {
            if !self.service.snapshot_matches_replay(id)? {
                return Err(Miss::says(format!("instance {id} (`{workflow}`) differs from the replay of its events")));
            }
            let taken = self
                .service
                .events(id)?
                .into_iter()
                .filter(|e| matches!(e.kind.as_str(), "acted" | "signed" | "rejected" | "deadline"))
                .filter_map(|e| Some(format!("{}.{}", e.state?, e.action?)))
                .collect();
            traces.push(Trace { workflow, visited: self.service.visited(id)?, taken });
        }
        Ok(traces)
    }
}

/// Numbers compare by value (`3` equals `3.0`); everything else as JSON.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut v = items.to_vec();
    v.sort();
    v
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.join(", "))
}
