//! Names of states, roles and fields: their spelling rules, and lookups that report undeclared
//! names with the closest declared one.

use std::collections::HashMap;

use crate::diagnostic::{suggest, Problem, Report};
use crate::model::workflow::{FieldId, RoleId, StateId};
use crate::syntax::raw::RawWorkflow;
use crate::syntax::source_map::YamlPath;

/// The word that means "whoever started the instance" in `not_by` and `cancel.by`.
pub(crate) const REQUESTER: &str = "requester";

/// Names guards already use, or that CEL reserves.
const RESERVED: &[&str] = &[
    "actor",
    "requester",
    "params",
    "now",
    "instance",
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

const SNAKE_RULE: &str = "use lower-case letters, digits and `_`, starting with a letter, e.g. `manager_review`";
const KEBAB_RULE: &str = "use lower-case letters, digits and `-`, starting with a letter, e.g. `emergency-surgery`";

fn is_snake(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && id.len() <= 64
}

/// Report every entry of a written list that repeats an earlier one.
pub(crate) fn no_repeats(written: &[String], path: &YamlPath, report: &mut Report) {
    for (i, name) in written.iter().enumerate() {
        if written[..i].contains(name) {
            report.error(Problem::DuplicateEntry { name: name.clone() }, &path.index(i));
        }
    }
}

/// Check a workflow id.
pub(crate) fn check_workflow_id(id: &str, path: &YamlPath, report: &mut Report) {
    let mut chars = id.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id.len() <= 64;
    if !ok {
        report.error(Problem::InvalidId { what: "workflow", id: id.to_owned(), rule: KEBAB_RULE }, path);
    }
}

/// Check a state, role, field or action id; returns whether it is usable.
pub(crate) fn check_id(what: &'static str, id: &str, path: &YamlPath, report: &mut Report) -> bool {
    if !is_snake(id) {
        report.error_at_key(Problem::InvalidId { what, id: id.to_owned(), rule: SNAKE_RULE }, path);
        return false;
    }
    let reserved = match what {
        "field" => RESERVED.contains(&id),
        "state" | "role" => id == REQUESTER,
        _ => false,
    };
    if reserved {
        report.error_at_key(Problem::ReservedName { what, name: id.to_owned() }, path);
        return false;
    }
    true
}

/// The declared names of one workflow, by kind.
#[derive(Debug, Default)]
pub(crate) struct Names {
    states: HashMap<String, StateId>,
    state_order: Vec<String>,
    roles: HashMap<String, RoleId>,
    role_order: Vec<String>,
    fields: HashMap<String, FieldId>,
    field_order: Vec<String>,
}

impl Names {
    pub(crate) fn collect(raw: &RawWorkflow, report: &mut Report) -> Self {
        let mut names = Names::default();
        let root = YamlPath::root();
        for (i, name) in raw.states.keys().enumerate() {
            check_id("state", name, &root.key("states").key(name), report);
            names.states.insert(name.clone(), StateId(i as u32));
            names.state_order.push(name.clone());
        }
        for (i, name) in raw.roles.keys().enumerate() {
            check_id("role", name, &root.key("roles").key(name), report);
            names.roles.insert(name.clone(), RoleId(i as u32));
            names.role_order.push(name.clone());
        }
        for (i, name) in raw.fields.keys().enumerate() {
            check_id("field", name, &root.key("fields").key(name), report);
            names.fields.insert(name.clone(), FieldId(i as u32));
            names.field_order.push(name.clone());
        }
        names
    }

    pub(crate) fn find_field(&self, name: &str) -> Option<FieldId> {
        self.fields.get(name).copied()
    }

    /// Report an undeclared name written as a mapping key (marked on the key).
    pub(crate) fn undeclared_at_key(&self, what: &'static str, name: &str, path: &YamlPath, report: &mut Report) {
        let known = match what {
            "field" => &self.field_order,
            "role" => &self.role_order,
            _ => &self.state_order,
        };
        let suggestion = suggest(name, known.iter().map(String::as_str));
        report.error_at_key(Problem::Undeclared { what, name: name.to_owned(), suggestion }, path);
    }

    fn undeclared(what: &'static str, name: &str, known: &[String], path: &YamlPath, report: &mut Report) {
        let suggestion = suggest(name, known.iter().map(String::as_str));
        report.error(Problem::Undeclared { what, name: name.to_owned(), suggestion }, path);
    }

    pub(crate) fn state(&self, name: &str, path: &YamlPath, report: &mut Report) -> Option<StateId> {
        let found = self.states.get(name).copied();
        if found.is_none() {
            Self::undeclared("state", name, &self.state_order, path, report);
        }
        found
    }

    pub(crate) fn find_state(&self, name: &str) -> Option<StateId> {
        self.states.get(name).copied()
    }

    pub(crate) fn state_names(&self) -> &[String] {
        &self.state_order
    }

    pub(crate) fn role(&self, name: &str, path: &YamlPath, report: &mut Report) -> Option<RoleId> {
        let found = self.roles.get(name).copied();
        if found.is_none() {
            Self::undeclared("role", name, &self.role_order, path, report);
        }
        found
    }

    pub(crate) fn field(&self, name: &str, path: &YamlPath, report: &mut Report) -> Option<FieldId> {
        let found = self.fields.get(name).copied();
        if found.is_none() {
            Self::undeclared("field", name, &self.field_order, path, report);
        }
        found
    }

    /// Resolve a list of roles at `path`, reporting each undeclared or repeated one at its index.
    pub(crate) fn roles(&self, names: &[String], path: &YamlPath, report: &mut Report) -> Vec<RoleId> {
        self.roles_at(names, names, path, report)
    }

    /// Resolve `names`, a subset of the list `written` at `path`, so each problem points at its
    /// place in the written list.
    pub(crate) fn roles_at(
        &self,
        names: &[String],
        written: &[String],
        path: &YamlPath,
        report: &mut Report,
    ) -> Vec<RoleId> {
        let mut out = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                continue;
            }
            let index = written.iter().position(|w| w == name).unwrap_or(0);
            if let Some(id) = self.role(name, &path.index(index), report) {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        no_repeats(written, path, report);
        out
    }

    /// Resolve a list of fields at `path`.
    pub(crate) fn fields(&self, names: &[String], path: &YamlPath, report: &mut Report) -> Vec<FieldId> {
        let mut out = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if let Some(id) = self.field(name, &path.index(i), report) {
                if out.contains(&id) {
                    report.error(Problem::DuplicateEntry { name: name.clone() }, &path.index(i));
                } else {
                    out.push(id);
                }
            }
        }
        out
    }

    /// Resolve a list of states at `path`.
    pub(crate) fn states(&self, names: &[String], path: &YamlPath, report: &mut Report) -> Vec<StateId> {
        let mut out = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if let Some(id) = self.state(name, &path.index(i), report) {
                if out.contains(&id) {
                    report.error(Problem::DuplicateEntry { name: name.clone() }, &path.index(i));
                } else {
                    out.push(id);
                }
            }
        }
        out
    }
}
