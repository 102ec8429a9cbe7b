//! Role parameters at run time: which organisation role plays each parameter of an instance,
//! and a person seen through those bindings, so that every role check reads the parameter.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::workflow::{Parameter, StateKind, Workflow};
use crate::org::{Org, Person};
use crate::runtime::{Instance, RuntimeError};

/// The organisation role bound to one role parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The role of the organisation whose holders play the parameter.
    pub role: String,
    /// Its title, as the calling workflow gives it (none when started by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// The bindings of an instance, by parameter name.
pub type Bindings = BTreeMap<String, Binding>;

impl std::fmt::Display for Binding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.title {
            Some(t) => write!(f, "{} ({t})", self.role),
            None => f.write_str(&self.role),
        }
    }
}

/// `person` as `workflow` sees them under `bindings`: a parameter's name among their roles when
/// they hold the organisation role bound to it, and never merely because an organisation role
/// happens to share the parameter's name. Without parameters, `person` unchanged.
#[must_use]
pub fn played<'p>(workflow: &Workflow, bindings: &Bindings, person: &'p Person) -> Cow<'p, Person> {
    if workflow.parameters().next().is_none() {
        return Cow::Borrowed(person);
    }
    let is_parameter = |name: &str| workflow.parameters().any(|p| p.name() == name);
    let mut roles: Vec<String> = person.roles.iter().filter(|r| !is_parameter(r)).cloned().collect();
    for p in workflow.parameters() {
        if bindings.get(p.name()).is_some_and(|b| person.roles.contains(&b.role)) {
            roles.push(p.name().to_owned());
        }
    }
    Cow::Owned(Person { roles, ..person.clone() })
}

impl Instance {
    /// `person` as this instance's workflow sees them (see [`played`]).
    #[must_use]
    pub fn played<'p>(&self, workflow: &Workflow, person: &'p Person) -> Cow<'p, Person> {
        played(workflow, &self.roles, person)
    }

    /// The organisation role that role `name` of `workflow` stands for here: the bound role of a
    /// parameter (`None` when an optional one is unbound), else the role itself.
    #[must_use]
    pub fn org_role<'a>(&'a self, workflow: &Workflow, name: &'a str) -> Option<&'a str> {
        let parameter = workflow.find_role(name).is_some_and(|r| workflow.role(r).parameter().is_some());
        if parameter {
            self.roles.get(name).map(|b| b.role.as_str())
        } else {
            Some(name)
        }
    }
}

/// The bindings a call state hands to its child: each caller role by name and title, or, for
/// a role parameter of the caller, its own binding passed on (left out when it is unbound).
#[must_use]
pub fn call_bindings(workflow: &Workflow, instance: &Instance, call: &crate::model::workflow::Call) -> Bindings {
    let mut out = Bindings::new();
    for (parameter, role) in call.roles() {
        let role = workflow.role(*role);
        let binding = match role.parameter() {
            Some(_) => instance.roles.get(role.name()).cloned(),
            None => Some(Binding { role: role.name().to_owned(), title: Some(role.title().to_owned()) }),
        };
        if let Some(b) = binding {
            out.insert(parameter.clone(), b);
        }
    }
    out
}

/// Check the bindings someone gives when starting `workflow` by hand: each names a parameter
/// and a role somebody in `org` holds, and every parameter that must be bound is.
///
/// # Errors
/// `BadRoleBinding` naming the first thing wrong.
pub fn check_bindings(
    workflow: &Workflow,
    org: &Org,
    given: &BTreeMap<String, String>,
) -> Result<Bindings, RuntimeError> {
    let parameters: Vec<&str> = workflow.parameters().map(|p| p.name()).collect();
    let listed = || parameters.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
    let bad = |problem: String, hint: String| RuntimeError::BadRoleBinding {
        workflow: workflow.id().to_owned(),
        problem,
        hint,
    };
    let mut out = Bindings::new();
    for (name, role) in given {
        if !parameters.contains(&name.as_str()) {
            let hint = match crate::diagnostic::suggest(name, parameters.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if parameters.is_empty() => "this workflow has no role parameters; leave out `--role`".into(),
                None => format!("its role parameters are {}", listed()),
            };
            return Err(bad(format!("`{name}` is not one of its role parameters"), hint));
        }
        if org.holders(role).is_empty() {
            let mut known: Vec<&str> = org.people.values().flat_map(|p| p.roles.iter().map(String::as_str)).collect();
            known.sort_unstable();
            known.dedup();
            let hint = match crate::diagnostic::suggest(role, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "bind it to a role that someone in the org file holds".into(),
            };
            return Err(bad(format!("nobody in the organisation holds `{role}`, bound to `{name}`"), hint));
        }
        out.insert(name.clone(), Binding { role: role.clone(), title: None });
    }
    for p in workflow.parameters() {
        if p.parameter() == Some(Parameter::Required) && !out.contains_key(p.name()) {
            return Err(bad(
                format!("role parameter `{}` ({}) is not bound", p.name(), p.title()),
                format!("bind it to a role of the organisation, e.g. `--role {}=ROLE`", p.name()),
            ));
        }
    }
    Ok(out)
}

/// Whether a sign-off's listed role is played by anybody here: an unbound optional parameter
/// drops out of the signers.
pub(crate) fn signs(workflow: &Workflow, instance: &Instance, role: &str) -> bool {
    instance.org_role(workflow, role).is_some()
}

/// Whether `workflow` lists an unbound parameter among the signers of sign-off `state`.
pub(crate) fn lacks_signer(workflow: &Workflow, instance: &Instance, state: crate::model::workflow::StateId) -> bool {
    match workflow.state(state).kind() {
        StateKind::Signoff(s) => match s.signers() {
            crate::model::workflow::Signers::Roles(r) => {
                r.iter().any(|r| !signs(workflow, instance, workflow.role(*r).name()))
            }
            crate::model::workflow::Signers::Body(_) => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = "id: pass-on\ntitle: Pass on\nversion: 1\nroles:\n  clerk: {title: Clerk}\n  giver: {title: Giver, parameter: true}\n  witness: {title: Witness, parameter: true, optional: true}\nstart: {to: give, by: [giver]}\nstates:\n  give:\n    actions:\n      give: {by: [giver, clerk], to: done}\n  done: {end: done}\n";

    fn workflow() -> Workflow {
        crate::validate_one(std::path::Path::new("pass-on.yaml"), FLOW).expect("valid")
    }

    fn person(roles: &[&str]) -> Person {
        Person {
            id: "p".into(),
            name: "P".into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            department: None,
            attributes: serde_json::Map::new(),
        }
    }

    fn bound(pairs: &[(&str, &str)]) -> Bindings {
        pairs.iter().map(|(p, r)| ((*p).to_owned(), Binding { role: (*r).to_owned(), title: None })).collect()
    }

    #[test]
    fn a_person_plays_the_parameters_whose_bound_role_they_hold() {
        let w = workflow();
        let nurse = person(&["nurse", "clerk"]);
        let seen = played(&w, &bound(&[("giver", "nurse")]), &nurse);
        assert_eq!(seen.roles, ["nurse", "clerk", "giver"]);
    }

    #[test]
    fn an_org_role_named_like_a_parameter_plays_nothing() {
        let w = workflow();
        let namesake = person(&["giver", "witness"]);
        let seen = played(&w, &bound(&[("giver", "nurse")]), &namesake);
        assert!(seen.roles.is_empty(), "{:?}", seen.roles);
    }

    fn org(people: &[(&str, &[&str])]) -> Org {
        let mut org = Org::default();
        for (id, roles) in people {
            org.people.insert((*id).to_owned(), Person { id: (*id).to_owned(), ..person(roles) });
        }
        org
    }

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn bindings_given_by_hand_are_checked_against_the_workflow_and_the_org() {
        let w = workflow();
        let org = org(&[("a", &["nurse"]), ("b", &["porter"])]);
        let ok = check_bindings(&w, &org, &given(&[("giver", "nurse")])).expect("the witness is optional");
        assert_eq!(ok, bound(&[("giver", "nurse")]));
        let problem = |pairs: &[(&str, &str)]| match check_bindings(&w, &org, &given(pairs)) {
            Err(RuntimeError::BadRoleBinding { problem, hint, .. }) => format!("{problem} — {hint}"),
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(problem(&[]), "role parameter `giver` (Giver) is not bound — bind it to a role of the organisation, e.g. `--role giver=ROLE`");
        assert_eq!(
            problem(&[("giver", "nures")]),
            "nobody in the organisation holds `nures`, bound to `giver` — did you mean `nurse`?"
        );
        assert_eq!(
            problem(&[("giver", "nurse"), ("witnes", "porter")]),
            "`witnes` is not one of its role parameters — did you mean `witness`?"
        );
    }

    #[test]
    fn an_unbound_optional_parameter_stands_for_no_org_role() {
        let w = workflow();
        let mut instance: Instance = serde_json::from_value(serde_json::json!({
            "status": "active", "requester": "a", "started_at": "2026-01-05T09:00:00+08:00",
            "tokens": [], "data": {}, "actors": [], "visited": []
        }))
        .expect("an instance");
        instance.roles = bound(&[("giver", "nurse")]);
        assert_eq!(instance.org_role(&w, "giver"), Some("nurse"));
        assert_eq!(instance.org_role(&w, "witness"), None);
        assert_eq!(instance.org_role(&w, "clerk"), Some("clerk"));
    }
}
