//! Versioned fields: every value set for a field declared `versioned: true`, kept in order with
//! who set it and when, and the guard functions that read them (`version`, `previous`).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::expr::{CelType, FunctionSig};
use crate::model::workflow::Workflow;

/// The number of a versioned field's current value: `version("drawings")`, 1 for the first.
pub const VERSION: &str = "version";
/// The value before the current one: `previous("drawing_version")`, `null` before a second.
pub const PREVIOUS: &str = "previous";

/// The version functions, for the type checker. Their argument names a versioned field literally.
#[must_use]
pub fn version_functions() -> Vec<FunctionSig> {
    vec![
        FunctionSig { name: VERSION, args: vec![CelType::String], result: CelType::Int },
        FunctionSig { name: PREVIOUS, args: vec![CelType::String], result: CelType::Dyn },
    ]
}

/// One kept value of a versioned field; its version is its position, from 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Version {
    /// The value.
    pub value: Value,
    /// Who set it.
    pub by: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// Every versioned field's values so far, by field name.
pub type Versions = BTreeMap<String, Vec<Version>>;

/// Keep the values `data` sets for versioned fields.
pub(crate) fn keep(
    workflow: &Workflow,
    versions: &mut Versions,
    data: &Map<String, Value>,
    by: &str,
    at: DateTime<FixedOffset>,
) {
    for (name, value) in data {
        if workflow.find_field(name).is_some_and(|f| workflow.field(f).versioned()) && !value.is_null() {
            versions.entry(name.clone()).or_default().push(Version { value: value.clone(), by: by.to_owned(), at });
        }
    }
}

/// The current version number of `field` (0 before any value).
#[must_use]
pub fn version(versions: &Versions, field: &str) -> i64 {
    versions.get(field).map_or(0, |v| i64::try_from(v.len()).unwrap_or(i64::MAX))
}

/// The value before the current one, if there is one.
#[must_use]
pub fn previous<'v>(versions: &'v Versions, field: &str) -> Option<&'v Value> {
    versions.get(field).and_then(|v| v.len().checked_sub(2).map(|i| &v[i].value))
}
