//! The organisation: people, their roles, departments and attributes, and duty rosters, loaded
//! from an org file. Authority rules ask it who holds a role, and who is on duty when.

mod coverage;
mod raw;
mod settings;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Problem, Report};
use crate::syntax::loader::load;
use crate::syntax::source_map::YamlPath;

pub use coverage::Gap;
pub use raw::{RawOrg, RawPerson, RawResource, RawShift};
pub use settings::{check_settings, Settings};

/// A person who may act.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Their id, as operators type it (`--as zhang_san`).
    pub id: String,
    /// Their name, e.g. `张三`.
    pub name: String,
    /// Role ids they hold.
    pub roles: Vec<String>,
    /// Their department, if any.
    pub department: Option<String>,
    /// Attributes such as `rank` or `licensed`, as authority rules read them.
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// A duty shift: who holds a role, from when until when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shift {
    /// The person on duty.
    pub person: String,
    /// The role they are on duty as.
    pub role: String,
    /// Start, inclusive.
    pub from: DateTime<FixedOffset>,
    /// End, exclusive.
    pub until: DateTime<FixedOffset>,
}

/// A loaded organisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Org {
    /// People by id.
    pub people: BTreeMap<String, Person>,
    /// Duty rosters.
    pub shifts: Vec<Shift>,
    /// Parameter values the business set, by workflow id, then parameter id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// Resources workflows book, by kind and then by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: BTreeMap<String, BTreeMap<String, Resource>>,
}

/// A resource instances book: one theatre, one meeting room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// What it is called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The workflows whose instances alone may book it; anyone's when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reserved_for: Vec<String>,
}

impl Org {
    /// A person by id.
    #[must_use]
    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.get(id)
    }

    /// Whether `person` is on duty as `role` at `at`.
    #[must_use]
    pub fn on_duty(&self, person: &str, role: &str, at: DateTime<FixedOffset>) -> bool {
        self.shifts.iter().any(|s| s.person == person && s.role == role && s.from <= at && at < s.until)
    }

    /// Everyone on duty as `role` at `at`.
    #[must_use]
    pub fn on_duty_as(&self, role: &str, at: DateTime<FixedOffset>) -> Vec<&Person> {
        let mut ids: Vec<&str> = self
            .shifts
            .iter()
            .filter(|s| s.role == role && s.from <= at && at < s.until)
            .map(|s| s.person.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().filter_map(|id| self.people.get(id)).collect()
    }

    /// Everyone holding `role`.
    #[must_use]
    pub fn holders(&self, role: &str) -> Vec<&Person> {
        self.people.values().filter(|p| p.roles.iter().any(|r| r == role)).collect()
    }

    /// Read an org file.
    ///
    /// # Errors
    /// Every problem found, placed in the file.
    pub fn read(file: &Path, bytes: &[u8]) -> Result<Org, Vec<Diagnostic>> {
        Org::read_checking(file, bytes, |_, _| {})
    }

    /// Read an org file, `check` adding what it finds wrong with the result (its settings
    /// against the deployed workflows) to the problems placed in the file.
    ///
    /// # Errors
    /// Every problem found, placed in the file.
    pub fn read_checking(
        file: &Path,
        bytes: &[u8],
        check: impl FnOnce(&Org, &mut Report),
    ) -> Result<Org, Vec<Diagnostic>> {
        let loaded = load::<RawOrg>(file, bytes)?;
        let mut report = Report::default();
        let org = resolve(&loaded.raw, &mut report);
        check(&org, &mut report);
        if report.has_errors() {
            return Err(report.locate(file, &loaded.text, &loaded.map));
        }
        Ok(org)
    }
}

fn resolve(raw: &RawOrg, report: &mut Report) -> Org {
    let mut people = BTreeMap::new();
    for (id, p) in &raw.people {
        let path = YamlPath::at(&["people", id]);
        crate::resolve::check_person_id(id, &path, report);
        if p.roles.is_empty() {
            report.error(Problem::MissingKey { key: "roles".into() }, &path);
        }
        people.insert(
            id.clone(),
            Person {
                id: id.clone(),
                name: p.name.clone(),
                roles: p.roles.clone(),
                department: p.department.clone(),
                attributes: p.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            },
        );
    }
    let mut shifts = Vec::new();
    for (i, s) in raw.roster.iter().enumerate() {
        let path = YamlPath::at(&["roster"]).index(i);
        let Some(person) = people.get(&s.person) else {
            let suggestion = crate::diagnostic::suggest(&s.person, people.keys().map(String::as_str));
            report
                .error(Problem::Undeclared { what: "person", name: s.person.clone(), suggestion }, &path.key("person"));
            continue;
        };
        if !person.roles.contains(&s.role) {
            let message = format!("`{}` does not hold role `{}`; add it to their `roles` first", s.person, s.role);
            report.error(Problem::WrongType { message }, &path.key("role"));
        }
        let time = |text: &str, key: &str, report: &mut Report| {
            DateTime::parse_from_rfc3339(text)
                .map_err(|_| {
                    let message = format!("`{text}` is not a date and time; write e.g. `2026-11-29T08:00:00+08:00`");
                    report.error(Problem::WrongType { message }, &path.key(key));
                })
                .ok()
        };
        let (Some(from), Some(until)) = (time(&s.from, "from", report), time(&s.until, "until", report)) else {
            continue;
        };
        if until <= from {
            report.error(Problem::WrongType { message: "a shift must end after it starts".into() }, &path.key("until"));
        }
        shifts.push(Shift { person: s.person.clone(), role: s.role.clone(), from, until });
    }
    let settings = raw
        .settings
        .iter()
        .map(|(w, values)| (w.clone(), values.iter().map(|(k, v)| (k.clone(), v.clone())).collect()))
        .collect();
    let resources = raw
        .resources
        .iter()
        .map(|(kind, named)| {
            let named = named
                .iter()
                .map(|(name, r)| {
                    (name.clone(), Resource { title: r.title.clone(), reserved_for: r.reserved_for.clone() })
                })
                .collect();
            (kind.clone(), named)
        })
        .collect();
    Org { people, shifts, settings, resources }
}
