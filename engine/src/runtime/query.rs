//! Queries over other instances that guards may ask (`count_instances`, `exists_instance`), and
//! the answers an event records so that replaying it reads the same numbers as acting did.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::expr::{CelType, FunctionSig};

/// Counts the other instances of a workflow: `count_instances("staff-discipline", "done",
/// {"employee": employee})`.
pub const COUNT_INSTANCES: &str = "count_instances";
/// Whether another such instance exists: `exists_instance("after-sales-service", "any", {…})`.
pub const EXISTS_INSTANCE: &str = "exists_instance";

/// The statuses a query may ask for, as written in the second argument.
pub const QUERY_STATUSES: [&str; 4] = ["active", "done", "cancelled", "any"];

/// The query functions, for the type checker. The second argument is a status, or a list of
/// outcomes of finished instances.
#[must_use]
pub fn query_functions() -> Vec<FunctionSig> {
    let args = vec![CelType::String, CelType::Dyn, CelType::Map(Box::new(CelType::String), Box::new(CelType::Dyn))];
    vec![
        FunctionSig { name: COUNT_INSTANCES, args: args.clone(), result: CelType::Int },
        FunctionSig { name: EXISTS_INSTANCE, args, result: CelType::Bool },
    ]
}

/// One question about other instances: those of `workflow` with `status` whose data has every
/// field of `filter` equal to the given value. The asking instance itself never counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// The workflow id.
    pub workflow: String,
    /// `active`, `done`, `cancelled` or `any`.
    pub status: String,
    /// For finished instances: only those that ended with one of these outcomes (all if empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<String>,
    /// Field name → the value it must have.
    pub filter: BTreeMap<String, Value>,
}

/// The answer to a query, as recorded on the event that needed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Read {
    /// The question.
    #[serde(flatten)]
    pub query: Query,
    /// How many instances matched.
    pub count: i64,
}

impl Query {
    /// The answer among `reads`, if this query was asked before.
    #[must_use]
    pub fn answer(&self, reads: &[Read]) -> Option<i64> {
        reads.iter().find(|r| &r.query == self).map(|r| r.count)
    }
}

impl Query {
    fn describe(&self, f: &mut std::fmt::Formatter<'_>, plural: bool) -> std::fmt::Result {
        let filter: Vec<String> = self.filter.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let noun = if plural { "instances" } else { "instance" };
        write!(f, "{} {noun} of `{}`", self.status, self.workflow)?;
        if !self.outcomes.is_empty() {
            write!(f, " that ended {}", self.outcomes.join(" or "))?;
        }
        if !filter.is_empty() {
            write!(f, " where {}", filter.join(" and "))?;
        }
        Ok(())
    }
}

/// "done instances of `fine-ladder` where employee = "zhang_san"".
impl std::fmt::Display for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.describe(f, true)
    }
}

/// "1 done instance of `fine-ladder` where employee = "zhang_san"".
impl std::fmt::Display for Read {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ", self.count)?;
        self.query.describe(f, self.count != 1)
    }
}
