//! The org file as written: people and the duty roster.
//! Resolved into `Org` by `super::resolve`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An organisation file: the people who act in workflows, and who is on duty when.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "liucheng organisation")]
pub struct RawOrg {
    /// What this organisation is, e.g. `市人民医院 / City hospital`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// People by id (the id operators type with `--as`).
    pub people: IndexMap<String, RawPerson>,
    /// Duty shifts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roster: Vec<RawShift>,
    /// The business's values for workflow parameters, by workflow id then parameter id, e.g.
    /// `{decoration-complaint-handling: {gm_compensation_limit: 8000.0}}`. Checked against the
    /// deployed workflows' `params:` when loaded; a parameter not set keeps its default. An
    /// instance keeps the values in force when it started.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub settings: IndexMap<String, IndexMap<String, serde_json::Value>>,
    /// Shared resources that workflows book (`books:` on an action), by kind and then by name,
    /// e.g. `{theatre: {OR-1: {title: 一号手术间}}}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub resources: IndexMap<String, IndexMap<String, RawResource>>,
}

/// A resource that instances book, such as one theatre or one meeting room.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawResource {
    /// What it is called, e.g. `急诊手术间 / Emergency theatre`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Only instances of these workflows may book it, e.g. `[emergency-surgery]`; anyone when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reserved_for: Vec<String>,
}

/// A person.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPerson {
    /// Name, e.g. `张三`.
    pub name: String,
    /// Role ids held, as workflows name them.
    pub roles: Vec<String>,
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Attributes authority rules read, e.g. `{rank: 3, licensed: true}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub attributes: IndexMap<String, serde_json::Value>,
}

/// A duty shift.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawShift {
    /// The person on duty.
    pub person: String,
    /// The role they are on duty as.
    pub role: String,
    /// Start, RFC 3339.
    pub from: String,
    /// End (exclusive), RFC 3339.
    pub until: String,
}
