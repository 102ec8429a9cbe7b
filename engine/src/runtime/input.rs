//! Checking what an actor fills in against the declared fields: names, types, enum values, and
//! which fields the action requires or accepts — every problem at once.

use serde_json::{Map, Value};

use crate::diagnostic::suggest;
use crate::model::value::check_value;
use crate::model::workflow::{FieldId, Workflow};
use crate::runtime::RuntimeError;

/// Check `input` for an action that requires `requires` and accepts `accepts`, given the data the
/// instance already has. A required field may already hold a value (from an earlier round).
///
/// # Errors
/// `BadInput` listing every problem.
pub fn check_input(
    workflow: &Workflow,
    what: &str,
    requires: &[FieldId],
    accepts: &[FieldId],
    existing: &Map<String, Value>,
    input: &Map<String, Value>,
) -> Result<(), RuntimeError> {
    let mut problems = Vec::new();
    let settable: Vec<&str> = requires.iter().chain(accepts).map(|f| workflow.field(*f).name()).collect();
    for (name, value) in input {
        let Some(id) = workflow.find_field(name) else {
            let known = workflow.fields().iter().map(|f| f.name());
            let hint = suggest(name, known).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
            problems.push(format!("`{name}` is not a field of this workflow{hint}"));
            continue;
        };
        if !settable.contains(&name.as_str()) {
            let sets = if settable.is_empty() {
                "it sets no fields".to_owned()
            } else {
                format!("it sets {}", settable.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "))
            };
            problems.push(format!("`{name}` cannot be set by {what}; {sets}"));
            continue;
        }
        if let Err(message) = check_value(workflow.field(id).kind(), value) {
            problems.push(format!("`{name}`: {message}"));
        }
    }
    for id in requires {
        let name = workflow.field(*id).name();
        let given = input.get(name).or_else(|| existing.get(name));
        if given.is_none_or(|v| v.is_null() || v.as_str() == Some("")) {
            let title = workflow.field(*id).title().map(|t| format!(" ({t})")).unwrap_or_default();
            problems.push(format!("`{name}`{title} is required by {what}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(RuntimeError::BadInput { problems })
    }
}

/// The values of `action`'s `set:`, computed in `scope` and checked like input: a value the
/// field cannot hold refuses the action rather than reaching the data.
///
/// # Errors
/// `BadInput` listing every value that cannot be computed or does not fit the field.
pub(crate) fn assigned(
    workflow: &Workflow,
    action: &crate::model::workflow::Action,
    scope: &crate::runtime::eval::Scope<'_>,
) -> Result<Map<String, Value>, RuntimeError> {
    let mut values = Map::new();
    let mut problems = Vec::new();
    for (field, expr) in action.set() {
        let name = workflow.field(*field).name();
        let value = match scope.eval(expr) {
            Ok(v) => crate::runtime::eval::cel_to_json(&v),
            // Usually a value it reads is missing, such as a person the org file does not have.
            Err(RuntimeError::GuardError { message, .. }) => {
                let ask = if expr.calls_function(crate::runtime::eval::PERSON) {
                    "; is everyone it names in the org file, with that attribute?"
                } else {
                    "; are the fields it reads filled in?"
                };
                problems.push(format!("`{name}` could not be computed by `{}`: {message}{ask}", expr.source()));
                continue;
            }
            Err(e) => return Err(e),
        };
        match check_value(workflow.field(*field).kind(), &value) {
            Ok(()) => {
                values.insert(name.to_owned(), value);
            }
            Err(message) => {
                problems.push(format!("`{name}`, set by `{}` to `{}`: {message}", action.name(), expr.source()))
            }
        }
    }
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(RuntimeError::BadInput { problems })
    }
}
