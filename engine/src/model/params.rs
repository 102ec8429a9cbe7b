//! Parameters: figures a workflow lets the business set without editing the graph, each typed
//! with a default, and the check that a value (a default or an org setting) fits one.

use serde_json::{Map, Value};

use crate::diagnostic::suggest;
use crate::model::value::check_value;
use crate::model::workflow::{FieldId, FieldType, ParamId, SignoffRule, Workflow};

/// The type of a parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamType {
    /// A value of a field type (string, integer, money, enum, list, …).
    Value(FieldType),
    /// A length of time, written as in deadlines (`48h`, `2d`).
    Duration,
    /// A role id of the workflow.
    Role,
    /// One entry of type `of` for each value of the enum field `key`.
    Table {
        /// The enum field whose values are the keys.
        key: FieldId,
        /// Its values: every one needs an entry.
        keys: Vec<String>,
        /// The type of each entry.
        of: Box<ParamType>,
    },
}

impl ParamType {
    /// The type's name as written in files.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            ParamType::Value(f) => f.name(),
            ParamType::Duration => "duration",
            ParamType::Role => "role",
            ParamType::Table { .. } => "table",
        }
    }
}

/// A parameter of a workflow.
#[derive(Debug)]
pub struct Param {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) kind: ParamType,
    pub(crate) default: Value,
    /// For an integer that is the k of a sign-off over a fixed list of signers: the largest k
    /// that can be met, and the sign-off that sets it.
    pub(crate) most: Option<(usize, String)>,
    /// For an integer that is the k of a sign-off: k is at least 1.
    pub(crate) counts_signers: bool,
    /// For a duration a deadline runs for: the longest of its reminders, which must fall after
    /// the state is entered, and the state.
    pub(crate) outlasts: Option<(std::time::Duration, String)>,
}

impl Param {
    /// Its id in the file.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its title, if any.
    #[must_use]
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
    /// Its type.
    #[must_use]
    pub fn kind(&self) -> &ParamType {
        &self.kind
    }
    /// The value in force unless the org's settings give another.
    #[must_use]
    pub fn default(&self) -> &Value {
        &self.default
    }

    /// Check that `value` fits this parameter of `workflow`.
    ///
    /// # Errors
    /// A sentence naming what was expected.
    pub fn check(&self, workflow: &Workflow, value: &Value) -> Result<(), String> {
        let roles: Vec<&str> = workflow.roles().iter().map(crate::model::workflow::Role::name).collect();
        self.check_with_roles(&roles, value)
    }

    /// `check`, with the workflow's role ids given (the resolver has no workflow yet).
    pub(crate) fn check_with_roles(&self, roles: &[&str], value: &Value) -> Result<(), String> {
        check_type(&self.kind, roles, value)?;
        if let Some((remind, state)) = &self.outlasts {
            let text = value.as_str().unwrap_or_default();
            if crate::model::schedule::parse_duration(text).is_some_and(|d| d <= *remind) {
                return Err(format!(
                    "the deadline of `{state}` reminds {} before it falls due, so it must be longer than that, not {text}",
                    crate::model::workflow::format_duration(*remind)
                ));
            }
        }
        if self.counts_signers {
            let k = value.as_i64().unwrap_or_default();
            if k < 1 {
                return Err(format!("it is the number of signatures a sign-off needs, so at least 1, not {k}"));
            }
            if let Some((most, state)) = &self.most {
                if usize::try_from(k).unwrap_or(usize::MAX) > *most {
                    return Err(format!(
                        "sign-off `{state}` has {most} signers, so it cannot need {k} signatures; at most {most}"
                    ));
                }
            }
        }
        Ok(())
    }
}

fn check_type(kind: &ParamType, roles: &[&str], value: &Value) -> Result<(), String> {
    let found = || match value {
        Value::String(s) => format!("the text \"{s}\""),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("`{b}`"),
        Value::Null => "nothing".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    };
    match kind {
        ParamType::Value(f) => check_value(f, value),
        ParamType::Duration => match value.as_str().and_then(crate::model::schedule::parse_duration) {
            Some(_) => Ok(()),
            None => Err(format!("expected a duration such as `48h` or `2d`, found {}", found())),
        },
        ParamType::Role => match value.as_str() {
            Some(r) if roles.contains(&r) => Ok(()),
            Some(r) => {
                let hint =
                    suggest(r, roles.iter().copied()).map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default();
                Err(format!("`{r}` is not a role of this workflow{hint}; the roles are {}", ticked(roles)))
            }
            None => Err(format!("expected a role id, found {}", found())),
        },
        ParamType::Table { keys, of, .. } => {
            let Value::Object(entries) = value else {
                return Err(format!("expected a mapping from each of {} to a value, found {}", ticked(keys), found()));
            };
            for (key, entry) in entries {
                if !keys.contains(key) {
                    let hint = suggest(key, keys.iter().map(String::as_str))
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    return Err(format!("`{key}` is not a key of this table{hint}; the keys are {}", ticked(keys)));
                }
                check_type(of, roles, entry).map_err(|e| format!("entry `{key}`: {e}"))?;
            }
            match keys.iter().find(|k| !entries.contains_key(*k)) {
                Some(missing) => Err(format!("no entry for `{missing}`; every key needs one: {}", ticked(keys))),
                None => Ok(()),
            }
        }
    }
}

fn ticked<S: AsRef<str>>(items: &[S]) -> String {
    items.iter().map(|i| format!("`{}`", i.as_ref())).collect::<Vec<_>>().join(", ")
}

impl Workflow {
    /// A parameter by name.
    #[must_use]
    pub fn find_param(&self, name: &str) -> Option<ParamId> {
        self.params.iter().position(|p| p.name == name).map(|i| ParamId(u32::try_from(i).unwrap_or(u32::MAX)))
    }

    /// The values in force for a new instance: each parameter's setting when `settings` gives
    /// one, else its default. Settings for parameters this definition no longer declares are
    /// left out.
    ///
    /// # Errors
    /// The parameter whose setting does not fit, and why.
    pub fn params_in_force(
        &self,
        settings: Option<&Map<String, Value>>,
    ) -> Result<Map<String, Value>, (String, String)> {
        let mut values = Map::new();
        for p in &self.params {
            let value = match settings.and_then(|s| s.get(&p.name)) {
                Some(v) => {
                    p.check(self, v).map_err(|e| (p.name.clone(), e))?;
                    v.clone()
                }
                None => p.default.clone(),
            };
            values.insert(p.name.clone(), value);
        }
        Ok(values)
    }

    /// The value of parameter `id` an instance holds (`params`, recorded when it started); the
    /// default when it holds none.
    #[must_use]
    pub fn param_value<'a>(&'a self, params: &'a Map<String, Value>, id: ParamId) -> &'a Value {
        let p = self.param(id);
        params.get(&p.name).unwrap_or(&p.default)
    }

    /// A sign-off rule as it applies to an instance holding `params`: a rule taken from a
    /// parameter becomes the number in force.
    #[must_use]
    pub fn rule_in_force(&self, rule: SignoffRule, params: &Map<String, Value>) -> SignoffRule {
        match rule {
            SignoffRule::Param(id) => {
                let k = self.param_value(params, id).as_u64().unwrap_or(1);
                SignoffRule::AtLeast(usize::try_from(k).unwrap_or(usize::MAX))
            }
            other => other,
        }
    }

    /// The duration parameter `id` in force for an instance holding `params`.
    #[must_use]
    pub fn duration_in_force(&self, params: &Map<String, Value>, id: ParamId) -> Option<std::time::Duration> {
        self.param_value(params, id).as_str().and_then(crate::model::schedule::parse_duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table() -> Param {
        Param {
            name: "authority".into(),
            title: None,
            kind: ParamType::Table {
                key: FieldId(0),
                keys: vec!["staff".into(), "manager".into()],
                of: Box::new(ParamType::Role),
            },
            default: Value::Null,
            most: None,
            counts_signers: false,
            outlasts: None,
        }
    }

    #[test]
    fn a_table_needs_an_entry_for_every_key_and_roles_of_the_workflow() {
        let roles = ["dept_manager", "general_manager"];
        let p = table();
        assert_eq!(p.check_with_roles(&roles, &json!({"staff": "dept_manager", "manager": "general_manager"})), Ok(()));
        assert_eq!(
            p.check_with_roles(&roles, &json!({"staff": "dept_manager"})),
            Err("no entry for `manager`; every key needs one: `staff`, `manager`".into())
        );
        assert_eq!(
            p.check_with_roles(&roles, &json!({"staf": "dept_manager", "manager": "general_manager"})),
            Err("`staf` is not a key of this table (did you mean `staff`?); the keys are `staff`, `manager`".into())
        );
        assert_eq!(
            p.check_with_roles(&roles, &json!({"staff": "dept_manger", "manager": "general_manager"})),
            Err("entry `staff`: `dept_manger` is not a role of this workflow (did you mean `dept_manager`?); the roles are `dept_manager`, `general_manager`".into())
        );
    }

    #[test]
    fn a_signature_count_is_between_one_and_the_signers() {
        let p = Param {
            name: "quorum".into(),
            title: None,
            kind: ParamType::Value(FieldType::Integer),
            default: json!(2),
            most: Some((3, "review".into())),
            counts_signers: true,
            outlasts: None,
        };
        assert_eq!(p.check_with_roles(&[], &json!(3)), Ok(()));
        assert_eq!(
            p.check_with_roles(&[], &json!(0)),
            Err("it is the number of signatures a sign-off needs, so at least 1, not 0".into())
        );
        assert_eq!(
            p.check_with_roles(&[], &json!(4)),
            Err("sign-off `review` has 3 signers, so it cannot need 4 signatures; at most 3".into())
        );
        assert!(p.check_with_roles(&[], &json!(2.5)).is_err());
    }

    #[test]
    fn durations_are_written_as_in_deadlines() {
        let p = Param {
            name: "sla".into(),
            title: None,
            kind: ParamType::Duration,
            default: json!("48h"),
            most: None,
            counts_signers: false,
            outlasts: Some((std::time::Duration::from_secs(4 * 3600), "review".into())),
        };
        assert_eq!(p.check_with_roles(&[], &json!("2d")), Ok(()));
        assert_eq!(
            p.check_with_roles(&[], &json!("4h")),
            Err("the deadline of `review` reminds 4h before it falls due, so it must be longer than that, not 4h"
                .into())
        );
        assert_eq!(
            p.check_with_roles(&[], &json!(48)),
            Err("expected a duration such as `48h` or `2d`, found the number 48".into())
        );
    }
}
