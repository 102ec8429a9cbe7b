//! The business's parameter values in an org file, checked against the deployed workflows'
//! declarations: an unknown workflow or parameter, or a value of the wrong type, is an error.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::diagnostic::{suggest, Problem, Report};
use crate::model::workflow::Workflow;
use crate::syntax::source_map::YamlPath;

/// Parameter values by workflow id, then parameter id.
pub type Settings = BTreeMap<String, Map<String, Value>>;

/// Check `settings` against `deployed` (the latest definition of every deployed workflow, by
/// id), reporting each problem at its place under `settings:`.
pub fn check_settings(settings: &Settings, deployed: &BTreeMap<String, &Workflow>, report: &mut Report) {
    for (id, values) in settings {
        let path = YamlPath::at(&["settings", id]);
        let Some(workflow) = deployed.get(id) else {
            let suggestion = suggest(id, deployed.keys().map(String::as_str));
            report.error_at_key(Problem::Undeclared { what: "deployed workflow", name: id.clone(), suggestion }, &path);
            continue;
        };
        for (name, value) in values {
            let at = path.key(name);
            match workflow.find_param(name) {
                None => {
                    let suggestion = suggest(name, workflow.params().iter().map(crate::model::params::Param::name));
                    report.error_at_key(Problem::Undeclared { what: "parameter", name: name.clone(), suggestion }, &at);
                }
                Some(p) => {
                    if let Err(message) = workflow.param(p).check(workflow, value) {
                        report.error(Problem::BadParam { param: name.clone(), message }, &at);
                    }
                }
            }
        }
    }
}
