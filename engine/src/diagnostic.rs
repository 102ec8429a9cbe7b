//! Problems found in a workflow file, as data: a kind with a stable code, a place and a hint.
//! The engine only builds them; the CLI renders them (text or JSON) in one place.

use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::syntax::source_map::{SourceMap, Span, YamlPath};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; the workflow is still valid.
    Warning,
    /// The workflow is invalid.
    Error,
}

/// Every problem the loader and the validator can report. `Display` is the message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Problem {
    #[error("cannot read `{path}`: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the file is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error("the file is larger than {limit} bytes, the limit for workflow files")]
    FileTooLarge { limit: u64 },
    #[error("YAML syntax error: {message}")]
    YamlSyntax { message: String },
    #[error("the document nests deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("the document expands to more than {limit} nodes (aliases included)")]
    TooManyNodes { limit: usize },
    #[error("duplicate key `{key}`")]
    DuplicateKey { key: String, first_line: usize },
    #[error("a workflow file holds one YAML document, this one holds several")]
    MultipleDocuments,
    #[error("the file is empty")]
    Empty,
    #[error("unknown key `{key}`")]
    UnknownKey { key: String, expected: Vec<String>, suggestion: Option<String> },
    #[error("unknown value `{value}`")]
    UnknownValue { value: String, expected: Vec<String>, suggestion: Option<String> },
    #[error("missing key `{key}`")]
    MissingKey { key: String },
    #[error("{message}")]
    WrongType { message: String },
    #[error("`{id}` is not a valid {what} id")]
    InvalidId { what: &'static str, id: String, rule: &'static str },
    #[error("`{name}` is a reserved name and cannot be used as a {what} id")]
    ReservedName { what: &'static str, name: String },
    #[error("workflow `{id}` is defined twice")]
    DuplicateWorkflow { id: String, other_file: String },
    #[error("`{name}` is listed twice")]
    DuplicateEntry { name: String },
    #[error("undeclared {what} `{name}`")]
    Undeclared { what: &'static str, name: String, suggestion: Option<String> },
    #[error("state `{state}` has no kind")]
    NoKind { state: String },
    #[error("state `{state}` is both {first} and {second}")]
    TwoKinds { state: String, first: &'static str, second: &'static str },
    #[error("`{key}` does not belong on {kind} state `{state}`")]
    KeyNotAllowed { key: &'static str, kind: &'static str, state: String },
    #[error("{kind} state `{state}` needs `{key}`")]
    KeyRequired { key: &'static str, kind: &'static str, state: String },
    #[error("exclusive choice `{state}` has no default branch")]
    MissingDefault { state: String },
    #[error("{kind} `{state}` needs at least {min} {what}, it has {count}")]
    TooFew { kind: &'static str, state: String, min: usize, what: &'static str, count: usize },
    #[error("state `{state}` is unreachable from the start")]
    Unreachable { state: String },
    #[error("no end state can be reached from state `{state}`")]
    NoPathToEnd { state: String },
    #[error("state `{state}` has no way out")]
    DeadEnd { state: String },
    #[error("waiting state `{state}` feeds joins `{first}` and `{second}`")]
    SharedJoinInput { state: String, first: String, second: String },
    #[error("join input `{state}` is {kind} state; a join consumes waiting states only")]
    JoinInputNotWaiting { state: String, kind: &'static str },
    #[error("`{target}` is a join and cannot be entered directly")]
    EnterJoin { target: String, inputs: Vec<String> },
    #[error("expression does not parse: {message}")]
    GuardSyntax { message: String },
    #[error("expression names undeclared field `{name}`")]
    GuardUndeclared { name: String, suggestion: Option<String> },
    #[error("expression mixes types: {message}")]
    GuardType { message: String },
    #[error("guard yields {found}, not a boolean")]
    GuardNotBool { found: String },
    #[error("`{field}` is {expected}, but its `set:` expression yields {found}")]
    SetType { field: String, expected: String, found: String },
    #[error("`{field}` is both set by the engine and given by the actor")]
    SetAndGiven { field: String },
    #[error("a `valid:` rule has no message")]
    EmptyMessage,
    #[error("`{function}` {message}")]
    QueryArgument { function: String, message: String },
    #[error("`{function}` {message}")]
    CounterArgument { function: String, message: String },
    #[error("`{function}` reads the versions of `{field}`, which is not versioned")]
    NotVersioned { function: String, field: String },
    #[error("`{value}` is not a value of {field}")]
    GuardEnumValue { field: String, value: String, values: Vec<String> },
    #[error("`{text}` is not a duration")]
    BadDuration { text: String },
    #[error("bad schedule: {message}")]
    BadSchedule { message: String },
    #[error("`{text}` is not a UTC offset")]
    BadTimezone { text: String },
    #[error("`{text}` is not a rule of {kind}")]
    BadRule { text: String, kind: &'static str },
    #[error("sign-off rule needs {k} signers but only {n} are listed")]
    ImpossibleSignoff { k: u64, n: usize },
    #[error("`{field}` is the checklist of sign-off `{signoff}`: only its signers fill it in, each when they sign")]
    ChecklistOutsideSignoff { field: String, signoff: String },
    #[error("join rule needs {k} arrivals but the join has only {n} inputs")]
    ImpossibleJoin { k: u64, n: usize },
    #[error("deadline needs exactly one of `after`, `at` and `before`")]
    DeadlineWhen,
    #[error("deadline needs exactly one of `escalate` and `action`")]
    DeadlineThen,
    #[error("`by` goes with `before`")]
    DeadlineBy,
    #[error("`cases` go with `after`")]
    DeadlineCases,
    #[error("`{key}` goes with `at`")]
    DeadlineCalendar { key: &'static str },
    #[error("`{text}` is not a time of day")]
    BadClockTime { text: String },
    #[error("the workflow has no `end` state")]
    NoEnd,
    #[error("`{field}` is a {found} field, a deadline needs a datetime field")]
    DeadlineField { field: String, found: &'static str },
    #[error("`{field}` is of type {found}, but a booking's `{key}` must be {wants} field")]
    BookingField { field: String, key: &'static str, wants: &'static str, found: &'static str },
    #[error("`books` needs how long: `for` or `until`, one of them")]
    BookingLength,
    #[error("`{field}` is a {found} field, the schedule's occurrence needs a datetime field")]
    OccurrenceField { field: String, found: &'static str },
    #[error("`{field}` is set to the occurrence, so `data` may not set it too")]
    OccurrenceInData { field: String },
    #[error("reminder {remind} is not shorter than the deadline's {after}")]
    RemindTooLate { remind: String, after: String },
    #[error("field `{field}`: {message}")]
    BadField { field: String, message: String },
    #[error("value of `{field}`: {message}")]
    BadValue { field: String, message: String },
    #[error("parameter `{param}`: {message}")]
    BadParam { param: String, message: String },
    #[error("expression names undeclared parameter `params.{name}`")]
    GuardUnknownParam { name: String, suggestion: Option<String> },
    #[error("workflow `{callee}` has outcome `{outcome}`, which `{state}` does not handle")]
    UnhandledOutcome { state: String, callee: String, outcome: String },
    #[error("workflow `{callee}` has role parameter `{role}`, which `{state}` does not bind")]
    UnboundRoleParameter { state: String, callee: String, role: String },
    #[error("`{role}` is an optional parameter and may be unbound, but `{parameter}` of `{callee}` must be bound")]
    OptionalToRequired { role: String, parameter: String, callee: String },
    #[error("`optional` on role `{role}`, which is not a parameter")]
    OptionalRole { role: String },
    #[error("a schedule cannot bind role parameter `{role}`")]
    ScheduledParameter { role: String },
    #[error("`{state}` can never enter the state it returns to; `return_to` names `{target}`")]
    ReturnToLater { state: String, target: String },
    #[error("deadlock: {detail}")]
    Deadlock { detail: String },
    #[error("lack of synchronisation: {detail}")]
    LackOfSync { detail: String },
    #[error("livelock: {detail}")]
    Livelock { detail: String },
    #[error("the graph is too large to verify: stopped after {explored} combinations of active states")]
    TooLargeToVerify { explored: usize },
    #[error("dead step: {step} can never happen")]
    DeadStep { step: String },
    #[error("{}", step_kind_message(.found))]
    StepKind { found: Vec<String>, expected: &'static [&'static str] },
    #[error("`{key}` does not go with `{kind}`")]
    StepKeyNotAllowed { key: String, kind: &'static str, allowed: &'static [&'static str] },
    #[error("`{kind}` needs `{key}`")]
    StepKeyRequired { key: &'static str, kind: &'static str },
    #[error("`{text}` is not a date and time")]
    BadTime { text: String },
    #[error("no workflow `{name}` in this folder")]
    WorkflowNotHere { name: String, suggestion: Option<String> },
}

fn step_kind_message(found: &[String]) -> String {
    if found.is_empty() {
        "this step does not say what to do".into()
    } else {
        format!("this step says several things to do: {}", list(found))
    }
}

impl Problem {
    /// The stable code of this kind of problem, for documentation and tools.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Unreadable { .. } => "unreadable",
            Problem::NotUtf8 { .. } => "not-utf8",
            Problem::FileTooLarge { .. } => "file-too-large",
            Problem::YamlSyntax { .. } => "yaml-syntax",
            Problem::TooDeep { .. } => "yaml-too-deep",
            Problem::TooManyNodes { .. } => "yaml-too-many-nodes",
            Problem::DuplicateKey { .. } => "duplicate-key",
            Problem::MultipleDocuments => "multiple-documents",
            Problem::Empty => "empty-file",
            Problem::UnknownKey { .. } => "unknown-key",
            Problem::UnknownValue { .. } => "unknown-value",
            Problem::MissingKey { .. } => "missing-key",
            Problem::WrongType { .. } => "wrong-type",
            Problem::InvalidId { .. } => "invalid-id",
            Problem::ReservedName { .. } => "reserved-name",
            Problem::DuplicateWorkflow { .. } => "duplicate-workflow",
            Problem::DuplicateEntry { .. } => "duplicate-entry",
            Problem::Undeclared { what, .. } => match *what {
                "state" => "undeclared-state",
                "role" => "undeclared-role",
                "field" => "undeclared-field",
                "workflow" => "undeclared-workflow",
                "action" => "undeclared-action",
                "outcome" => "undeclared-outcome",
                "role parameter" => "undeclared-role-parameter",
                "org role" => "undeclared-role",
                "person" => "undeclared-person",
                "parameter" => "undeclared-parameter",
                "sign-off state" => "undeclared-state",
                "end outcome" => "undeclared-outcome",
                _ => "undeclared",
            },
            Problem::NoKind { .. } | Problem::TwoKinds { .. } => "state-kind",
            Problem::KeyNotAllowed { .. } | Problem::KeyRequired { .. } => "state-keys",
            Problem::MissingDefault { .. } => "missing-default",
            Problem::TooFew { .. } => "too-few",
            Problem::Unreachable { .. } => "unreachable-state",
            Problem::NoPathToEnd { .. } => "no-path-to-end",
            Problem::DeadEnd { .. } => "dead-end",
            Problem::SharedJoinInput { .. } | Problem::JoinInputNotWaiting { .. } => "join-input",
            Problem::EnterJoin { .. } => "enter-join",
            Problem::GuardSyntax { .. } => "guard-syntax",
            Problem::GuardUndeclared { .. } => "guard-undeclared",
            Problem::GuardType { .. } | Problem::GuardNotBool { .. } => "guard-type",
            Problem::SetType { .. } => "set-type",
            Problem::SetAndGiven { .. } => "set-and-given",
            Problem::EmptyMessage => "empty-message",
            Problem::GuardEnumValue { .. } => "guard-enum-value",
            Problem::QueryArgument { .. } => "query-argument",
            Problem::CounterArgument { .. } => "counter-argument",
            Problem::NotVersioned { .. } => "not-versioned",
            Problem::BadDuration { .. } => "bad-duration",
            Problem::BadSchedule { .. } => "bad-schedule",
            Problem::BadTimezone { .. } => "bad-timezone",
            Problem::BadRule { .. } => "bad-rule",
            Problem::ImpossibleSignoff { .. } => "impossible-signoff",
            Problem::ChecklistOutsideSignoff { .. } => "checklist-outside-signoff",
            Problem::ImpossibleJoin { .. } => "impossible-join",
            Problem::DeadlineWhen
            | Problem::DeadlineThen
            | Problem::DeadlineBy
            | Problem::DeadlineCases
            | Problem::DeadlineCalendar { .. } => "deadline-shape",
            Problem::BadClockTime { .. } => "bad-time",
            Problem::NoEnd => "no-end",
            Problem::DeadlineField { .. } => "deadline-field",
            Problem::BookingField { .. } | Problem::BookingLength => "booking-shape",
            Problem::OccurrenceField { .. } => "occurrence-field",
            Problem::OccurrenceInData { .. } => "occurrence-in-data",
            Problem::RemindTooLate { .. } => "remind-too-late",
            Problem::BadField { .. } => "bad-field",
            Problem::BadValue { .. } => "bad-value",
            Problem::BadParam { .. } => "bad-param",
            Problem::GuardUnknownParam { .. } => "guard-undeclared",
            Problem::UnhandledOutcome { .. } => "unhandled-outcome",
            Problem::UnboundRoleParameter { .. } | Problem::OptionalToRequired { .. } => "unbound-role-parameter",
            Problem::OptionalRole { .. } | Problem::ScheduledParameter { .. } => "role-parameter",
            Problem::ReturnToLater { .. } => "return-to-later",
            Problem::Deadlock { .. } => "deadlock",
            Problem::LackOfSync { .. } => "lack-of-synchronisation",
            Problem::Livelock { .. } => "livelock",
            Problem::TooLargeToVerify { .. } => "too-large-to-verify",
            Problem::DeadStep { .. } => "dead-step",
            Problem::StepKind { .. } => "step-kind",
            Problem::StepKeyNotAllowed { .. } | Problem::StepKeyRequired { .. } => "step-keys",
            Problem::BadTime { .. } => "bad-time",
            Problem::WorkflowNotHere { .. } => "undeclared-workflow",
        }
    }

    /// What to do about it.
    #[must_use]
    pub fn hint(&self) -> Option<String> {
        let did_you_mean = |s: &Option<String>| s.as_ref().map(|s| format!("did you mean `{s}`?"));
        Some(match self {
            Problem::NotUtf8 { .. } => "save the file as UTF-8".into(),
            Problem::FileTooLarge { .. } => "split the process into sub-workflows called with `call`".into(),
            Problem::TooDeep { .. } | Problem::TooManyNodes { .. } => {
                "a workflow file never needs this much nesting or aliasing; write it out plainly".into()
            }
            Problem::DuplicateKey { first_line, .. } => {
                format!("the first one is on line {first_line}; keep one and delete the other")
            }
            Problem::MultipleDocuments => "put each workflow in its own file".into(),
            Problem::Empty => "a workflow needs at least `id`, `title`, `version`, `roles`, `start` and `states`".into(),
            Problem::UnknownKey { suggestion, expected, .. } | Problem::UnknownValue { suggestion, expected, .. } => {
                match did_you_mean(suggestion) {
                    Some(s) => s,
                    None if expected.is_empty() => return None,
                    None => format!("expected one of {}", list(expected)),
                }
            }
            Problem::MissingKey { key } => format!("add `{key}:`"),
            Problem::InvalidId { rule, .. } => (*rule).to_owned(),
            Problem::ReservedName { what, name } => {
                if *name == "requester" && *what != "field" {
                    "`requester` means whoever started the instance (in `not_by` and `cancel.by`); rename it".into()
                } else {
                    "rename it; expressions use this name for something else".into()
                }
            }
            Problem::DuplicateWorkflow { other_file, .. } => format!("the other definition is in {other_file}; give one of them another id"),
            Problem::DuplicateEntry { .. } => "list it once".into(),
            Problem::Undeclared { what, suggestion, .. } => match did_you_mean(suggestion) {
                Some(s) => s,
                None => match *what {
                    "workflow" => "validate the called workflow's file together with this one, e.g. `liucheng validate workflows/`".into(),
                    "action" => "name one of this state's actions (a sign-off or call has none: use `escalate`)".into(),
                    "outcome" => "name an outcome of the called workflow's end states".into(),
                    "role parameter" => "name a role the workflow declares with `parameter: true`".into(),
                    "org role" => "bind it to a role that someone in the org file holds".into(),
                    "person" => "people come from the org file beside the scenarios (`org:`)".into(),
                    "deployed workflow" => "deploy it first (`liucheng deploy FILE`), or correct the name".into(),
                    "parameter" => "parameters are declared under the workflow's `params:`; name one of those".into(),
                    "end outcome" => "name the outcome of one of the workflow's end states (`end: OUTCOME`)".into(),
                    "sign-off state" => "name a state with `signoff:`; `act` takes the actions of other human steps".into(),
                    _ => format!("declare the {what} or correct the name"),
                },
            },
            Problem::NoKind { .. } => "give it `actions`, `choice`, `fork`, `join`, `signoff`, `call` or `end`, or make it the input of a join".into(),
            Problem::TwoKinds { .. } => "split it into two states".into(),
            Problem::KeyNotAllowed { key, .. } => format!("remove `{key}`"),
            Problem::KeyRequired { key, .. } => format!("add `{key}:`"),
            Problem::MissingDefault { .. } => "add `default: STATE`, the state taken when no guard holds".into(),
            Problem::Unreachable { .. } => "lead a transition to it from a reachable state, or delete it".into(),
            Problem::NoPathToEnd { .. } => "every state needs a path to an `end` state; add a transition that leads towards one".into(),
            Problem::DeadEnd { .. } => "add an action, or make it an `end` state".into(),
            Problem::SharedJoinInput { .. } => "give each join its own waiting states".into(),
            Problem::JoinInputNotWaiting { .. } => "lead the branch into a waiting state (a state with only a title) and list that in the join".into(),
            Problem::EnterJoin { inputs, .. } => format!("lead the branch to one of the join's inputs: {}", list(inputs)),
            Problem::GuardSyntax { message } if message.contains('=') || message.contains("mismatched input") => {
                "compare with `==`, combine with `&&` and `||`, and quote text with \"…\"".into()
            }
            Problem::GuardSyntax { .. } => "guards are CEL expressions, e.g. `amount > 10000 && grade == \"A\"`".into(),
            Problem::GuardUndeclared { suggestion, .. } => match did_you_mean(suggestion) {
                Some(s) => s,
                None => "declare it under `fields:`".into(),
            },
            Problem::GuardUnknownParam { suggestion, .. } => match did_you_mean(&suggestion.as_ref().map(|s| format!("params.{s}"))) {
                Some(s) => s,
                None => "declare it under `params:` (a duration parameter is for deadlines only)".into(),
            },
            Problem::GuardType { .. } => "compare values of the same type; fields have the types declared under `fields:`".into(),
            Problem::GuardNotBool { .. } => "a guard must be true or false, e.g. `amount > 0`".into(),
            Problem::SetType { expected, .. } => format!("write an expression that yields {expected}, or declare the field with the type it yields"),
            Problem::SetAndGiven { field } => format!("take `{field}` out of `requires`/`accepts`, or out of `set:`"),
            Problem::EmptyMessage => "say what is wrong and what to do, e.g. `message: the fine for a first offence is 50`".into(),
            Problem::QueryArgument { function, .. } if function == crate::runtime::SUM_INSTANCES => format!(
                "write it as `{function}(\"workflow-id\", \"done\", {{\"field\": value}}, \"number_field\")`: the workflow, the status (active, done, cancelled or any), the field names and the field to add up literally, and optionally a last \"day\", \"week\", \"month\" or \"year\", so they are checked before it runs"
            ),
            Problem::CounterArgument { .. } => "write the names as literal strings (`visits(\"state\")`, `taken(\"state\", \"action\")`, `previous(\"field\")`), so they are checked before it runs".into(),
            Problem::NotVersioned { field, .. } => format!("declare it with `versioned: true` (`{field}: {{type: …, versioned: true}}`) so every value is kept"),
            Problem::QueryArgument { function, .. } => format!(
                "write it as `{function}(\"workflow-id\", \"done\", {{\"field\": value}})`: the workflow, the status (active, done, cancelled or any) and the field names literally, and optionally a last \"day\", \"week\", \"month\" or \"year\", so they are checked before it runs"
            ),
            Problem::GuardEnumValue { values, .. } => format!("its values are {}", list(values)),
            Problem::BadDuration { .. } => "write a duration such as `30m`, `24h`, `2d` or `1h 30m`".into(),
            Problem::BadSchedule { .. } => "e.g. `every: {weekday: saturday, at: \"09:00\"}` or `every: {day: last, at: \"15:00\"}`".into(),
            Problem::BadTimezone { .. } => "write an offset such as `+08:00`".into(),
            Problem::BadRule { kind, .. } => {
                if *kind == "a sign-off" {
                    "use `all`, `any`, `in_order`, `majority` or a number k (at least k)".into()
                } else {
                    "use `all`, `any` or a number k (at least k)".into()
                }
            }
            Problem::ImpossibleSignoff { .. } => "lower the rule's count or list more signing roles".into(),
            Problem::ChecklistOutsideSignoff { .. } => {
                "take it out of this list, so the form cannot be filled in before the check; to record something else, declare another field".into()
            }
            Problem::ImpossibleJoin { .. } => "lower the rule's count or add inputs".into(),
            Problem::DeadlineWhen => "e.g. `after: 24h`, or `at: arrival_time`, or `before: meeting_start` with `by: 2d`".into(),
            Problem::DeadlineThen => "say what happens when it passes: `escalate: STATE` or `action: ACTION`".into(),
            Problem::DeadlineBy => "`before: FIELD` with `by: 2d` falls due two days before the time in FIELD; with `after` or `at`, remove `by`".into(),
            Problem::DeadlineCases => "`cases` choose another duration than `after` by the instance's data, so give the default as `after: 30m`; a deadline at a field's time has no cases".into(),
            Problem::DeadlineCalendar { .. } => "`at: FIELD` with `day: -1` and `time: \"20:00\"` falls due at 20:00 on the day before the date in FIELD".into(),
            Problem::BadClockTime { .. } => "write the time as `HH:MM` in quotes, e.g. `time: \"20:00\"`".into(),
            Problem::NoEnd => "add a state such as `approved: {end: approved}` and lead the last step to it".into(),
            Problem::DeadlineField { .. } | Problem::OccurrenceField { .. } => {
                "declare the field with `type: datetime`".into()
            }
            Problem::OccurrenceInData { .. } => "remove it from `data`; the engine sets it".into(),
            Problem::BookingField { wants, .. } => format!("name {wants} field, or change the field's `type`"),
            Problem::BookingLength => "e.g. `for: 3h`, or `until: operation_end` (a datetime field)".into(),
            Problem::RemindTooLate { .. } => "a reminder is sent that long before the deadline, so it must be shorter".into(),
            Problem::UnhandledOutcome { outcome, .. } => format!("add `{outcome}: STATE` under `outcomes:`"),
            Problem::UnboundRoleParameter { role, .. } => {
                format!("add `{role}: ROLE` under `roles:`, naming the role of this workflow that plays it")
            }
            Problem::OptionalToRequired { parameter, callee, .. } => {
                format!("bind `{parameter}` to a role that is always played, or make it `optional: true` in `{callee}`")
            }
            Problem::OptionalRole { .. } => "add `parameter: true`, or remove `optional`".into(),
            Problem::ScheduledParameter { .. } => {
                "nobody is there to bind it when a schedule starts an instance; make it an ordinary role, or start by hand with `--role`".into()
            }
            Problem::ReturnToLater { .. } => "list only states that come before this one".into(),
            Problem::Deadlock { .. } => "every branch a join waits for must be able to arrive; follow the counterexample to see why one cannot".into(),
            Problem::LackOfSync { .. } => "join the parallel branches before they end, and keep loops from reopening an active state".into(),
            Problem::Livelock { .. } => "give the cycle an exit towards an end state".into(),
            Problem::TooLargeToVerify { .. } => {
                "the parallel parts were not fully explored (anything reported above is real); raise `--max-states` or split the process into sub-workflows".into()
            }
            Problem::TooFew { kind, .. } => match *kind {
                "fork" => "a fork needs two or more branches; with one, lead to that state directly".into(),
                _ => "a join needs two or more inputs; with one, lead the branch on directly".into(),
            },
            Problem::YamlSyntax { .. } => "check the indentation, quotes and brackets on this line and the lines before it".into(),
            Problem::WrongType { message } if message.contains("expected a string") || message.contains("expected a list") => {
                "see docs/language.md, or let an editor check the file against schemas/workflow.schema.json".into()
            }
            Problem::DeadStep { .. } => "remove it, or correct the branch that should lead to it".into(),
            Problem::StepKind { found, expected } if found.is_empty() => {
                format!("give it one of {}", expected.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))
            }
            Problem::StepKind { .. } => "split it into one step for each".into(),
            Problem::StepKeyNotAllowed { allowed: [], .. } => "remove it".into(),
            Problem::StepKeyNotAllowed { allowed, .. } => format!(
                "remove it; this kind of step takes {}",
                allowed.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ),
            Problem::StepKeyRequired { key, .. } => format!("add `{key}:`"),
            Problem::WorkflowNotHere { suggestion, .. } => match did_you_mean(suggestion) {
                Some(s) => s,
                None => "scenarios test the workflows defined in their own folder".into(),
            },
            Problem::BadTime { .. } => "write a date and time with its offset, e.g. `2026-03-02T09:00:00+08:00`".into(),
            _ => return None,
        })
    }
}

fn list(items: &[String]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

/// A problem at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub problem: Problem,
    /// The file it is in.
    pub file: PathBuf,
    /// Where in the file, when known.
    pub span: Option<Span>,
    /// The YAML path of the offending node, when known.
    pub path: Option<String>,
    /// Further lines, such as a counterexample path.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A diagnostic about a whole file, with no position.
    #[must_use]
    pub fn file(problem: Problem, file: &Path) -> Self {
        Self { severity: Severity::Error, problem, file: file.to_owned(), span: None, path: None, notes: Vec::new() }
    }

    /// The line and column of the start, if known.
    #[must_use]
    pub fn line_column(&self) -> Option<(usize, usize)> {
        self.span.map(|s| (s.line, s.column))
    }
}

/// Which part of a YAML node a problem points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The key that holds the node.
    Key,
    /// The node's value.
    Value,
    /// Characters `start..end` of the node's text (a place inside a guard expression).
    Within(usize, usize),
}

/// Collects problems by YAML path while a document is checked, then places them in the file.
#[derive(Debug, Default)]
pub struct Report {
    items: Vec<(Severity, Problem, YamlPath, Target, Vec<String>)>,
}

impl Report {
    /// Record an error at the value of `path`.
    pub fn error(&mut self, problem: Problem, path: &YamlPath) {
        self.items.push((Severity::Error, problem, path.clone(), Target::Value, Vec::new()));
    }

    /// Record an error at the key of `path`.
    pub fn error_at_key(&mut self, problem: Problem, path: &YamlPath) {
        self.items.push((Severity::Error, problem, path.clone(), Target::Key, Vec::new()));
    }

    /// Record a problem with notes.
    pub fn push(&mut self, severity: Severity, problem: Problem, path: &YamlPath, target: Target, notes: Vec<String>) {
        self.items.push((severity, problem, path.clone(), target, notes));
    }

    /// Whether any error (not warning) was recorded.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|i| i.0 == Severity::Error)
    }

    /// Place every problem in `file` (whose text is `text`) using its source map, in file order.
    #[must_use]
    pub fn locate(self, file: &Path, text: &str, map: &SourceMap) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self
            .items
            .into_iter()
            .map(|(severity, problem, path, target, notes)| {
                let span = match target {
                    Target::Key => map.key_span(&path),
                    Target::Value => map.value_span(&path),
                    Target::Within(start, end) => within(text, map.value_span(&path), start, end),
                };
                let span = first_line(text, span);
                Diagnostic {
                    severity,
                    problem,
                    file: file.to_owned(),
                    span: Some(span),
                    path: Some(path.to_string()),
                    notes,
                }
            })
            .collect();
        out.sort_by_key(|d| d.span.map(|s| s.start));
        out
    }
}

/// A mark over a block mapping would run down to the next key; people need only its first line.
fn first_line(text: &str, span: Span) -> Span {
    let Some(marked) = text.get(span.start..span.end) else { return span };
    match marked.find('\n') {
        Some(i) => Span { end: span.start + marked[..i].trim_end().len().max(1).min(marked.len()), ..span },
        None => span,
    }
}

/// Narrow the span of a one-line scalar to characters `start..end` of its content; a scalar
/// written over several lines, or in a form whose content is not its text, keeps its whole span.
fn within(text: &str, scalar: Span, start: usize, end: usize) -> Span {
    let Some(written) = text.get(scalar.start..scalar.end) else { return scalar };
    if written.contains('\n') || written.contains('\\') || written.contains("''") || written.starts_with(['|', '>']) {
        return scalar;
    }
    let quote = usize::from(written.starts_with(['"', '\'']));
    let content = &written[quote..];
    let byte = |chars: usize| content.char_indices().nth(chars).map_or(content.len(), |(b, _)| b);
    let (from, to) = (byte(start), byte(end.max(start + 1)));
    if from >= content.len() {
        return scalar;
    }
    Span {
        start: scalar.start + quote + from,
        end: scalar.start + quote + to,
        line: scalar.line,
        column: scalar.column + quote + content[..from].chars().count(),
    }
}

/// The closest of `candidates` to `name`, if it is close enough to be a likely typo.
#[must_use]
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| {
            // A shortened or lengthened form (`draft` for `drafting`) is as likely as a typo.
            let affix = name.len().min(c.len()) >= 4 && (c.starts_with(name) || name.starts_with(*c));
            *d <= (name.chars().count() / 3).max(1) || affix
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_owned())
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("aprove", ["approve", "reject"]), Some("approve".into()));
        assert_eq!(suggest("xyz", ["approve", "reject"]), None);
        assert_eq!(suggest("drafting", ["draft", "review"]), Some("draft".into()));
        assert_eq!(suggest("manger_review", ["manager_review", "draft"]), Some("manager_review".into()));
    }
}
