//! Scenarios: process owners' tests of their workflows, written in YAML (`*.test.yaml`).
//!
//! The pipeline is `parse` (the positioned YAML loader into `raw`), then `prepare` (validate the
//! folder's workflows, read the org, and `resolve` every name the file uses), then `run` (each
//! scenario through the `Service` on a fresh in-memory database), then `coverage` over all runs.
//! The engine reads no files here: the caller hands in their bytes.

pub mod coverage;
mod model;
pub mod raw;
mod resolve;
mod run;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::analysis::Options;
use crate::diagnostic::{Diagnostic, Problem, Report, Severity};
use crate::model::workflow::Workflow;
use crate::org::Org;
use crate::resolve::Callees;
use crate::syntax::loader::{load, Loaded};
use crate::syntax::source_map::YamlPath;
use crate::validate::{validate, SourceFile};

pub use model::ScenarioFile;
pub use raw::RawScenarioFile;
pub use resolve::DEFAULT_CLOCK;
pub use run::{Difference, Failure, FileReport, Refusal, ScenarioReport, Trace};

/// A scenario file that parsed, waiting for its workflows and org.
#[derive(Debug)]
pub struct Parsed {
    path: PathBuf,
    loaded: Loaded<RawScenarioFile>,
}

impl Parsed {
    /// The org file it names (`org:`), relative to its folder; `org.yaml` beside it by default.
    #[must_use]
    pub fn org_path(&self) -> PathBuf {
        let folder = self.path.parent().unwrap_or_else(|| Path::new(""));
        folder.join(self.loaded.raw.org.as_deref().unwrap_or("org.yaml"))
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The org file cannot be read: a diagnostic at `org:` (or on the file, when it names none).
    #[must_use]
    pub fn unreadable_org(&self, reason: &str) -> Diagnostic {
        let problem = Problem::Unreadable { path: self.org_path().display().to_string(), reason: reason.to_owned() };
        let mut report = Report::default();
        report.error(problem.clone(), &YamlPath::at(&["org"]));
        match self.loaded.raw.org {
            Some(_) => report.locate(&self.path, &self.loaded.text, &self.loaded.map).remove(0),
            None => Diagnostic::file(problem, &self.path),
        }
    }
}

/// Read a scenario file.
///
/// # Errors
/// Every structural problem (YAML, unknown keys, wrong types), placed in the file.
pub fn parse(file: &SourceFile) -> Result<Parsed, Vec<Diagnostic>> {
    let loaded = load::<RawScenarioFile>(&file.path, &file.bytes)?;
    Ok(Parsed { path: file.path.clone(), loaded })
}

/// Scenarios checked against their workflows and org, ready to run.
#[derive(Debug)]
pub struct Suite {
    file: ScenarioFile,
    workflows: Vec<SourceFile>,
    org: SourceFile,
    /// The folder's workflows by id, with the file each is defined in.
    definitions: BTreeMap<String, (PathBuf, Workflow)>,
}

impl Suite {
    /// The scenarios.
    #[must_use]
    pub fn file(&self) -> &ScenarioFile {
        &self.file
    }

    /// Run every scenario.
    #[must_use]
    pub fn run(&self) -> FileReport {
        run::run(self)
    }
}

/// Check `parsed` against `workflows` (every workflow file of its folder, validated together)
/// and `org`.
///
/// # Errors
/// The errors of an invalid workflow or org file, or every name the scenario file gets wrong.
pub fn prepare(parsed: Parsed, workflows: Vec<SourceFile>, org: SourceFile) -> Result<Suite, Vec<Diagnostic>> {
    let checked = validate(&workflows, &Callees::new(), &Options::default());
    let errors: Vec<Diagnostic> =
        checked.iter().flat_map(|c| c.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned()).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut definitions = BTreeMap::new();
    for c in checked {
        if let Some(w) = c.workflow {
            definitions.insert(w.id().to_owned(), (c.path, w));
        }
    }
    let org_model = Org::read(&org.path, &org.bytes)?;
    let workflows_by_id: BTreeMap<String, &Workflow> = definitions.iter().map(|(k, (_, w))| (k.clone(), w)).collect();
    let names = resolve::Names { workflows: &workflows_by_id, org: &org_model };
    let (file, report) = resolve::resolve(&parsed.path, &parsed.loaded, &names);
    if report.has_errors() {
        return Err(report.locate(&parsed.path, &parsed.loaded.text, &parsed.loaded.map));
    }
    Ok(Suite { file, workflows, org, definitions })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
    }

    fn source(path: PathBuf) -> SourceFile {
        let bytes = std::fs::read(&path).expect("readable");
        SourceFile { path, bytes }
    }

    fn suite(text: &str) -> Result<Suite, Vec<Diagnostic>> {
        let dir = examples();
        let parsed = parse(&SourceFile { path: dir.join("t.test.yaml"), bytes: text.as_bytes().to_vec() })?;
        let mut workflows: Vec<SourceFile> = std::fs::read_dir(&dir)
            .expect("examples")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".yaml") && !p.to_string_lossy().ends_with(".test.yaml"))
            .filter(|p| !p.ends_with("org.yaml"))
            .map(source)
            .collect();
        workflows.sort_by(|a, b| a.path.cmp(&b.path));
        prepare(parsed, workflows, source(dir.join("org.yaml")))
    }

    #[test]
    fn a_scenario_runs_through_the_service_and_reports_what_it_went_through() {
        let suite = suite(
            "workflow: leave-request\nscenarios:\n  - name: s\n    start: {as: zhang_san, data: {days: 1, reason: x}}\n    steps:\n      - act: submit\n        as: zhang_san\n      - expect: {states: [review]}\n",
        )
        .expect("valid");
        let report = suite.run();
        assert_eq!(report.failed(), 0, "{report:?}");
        let trace = &report.scenarios[0].traces[0];
        assert_eq!(trace.visited, ["draft", "review"]);
        assert_eq!(trace.taken, ["draft.submit"]);
    }

    #[test]
    fn in_may_not_stand_both_beside_and_inside_a_step() {
        let errors = suite(
            "workflow: supplier-selection\nscenarios:\n  - name: s\n    start: {as: zhang_san}\n    steps:\n      - expect: {in: signing-in-order}\n        in: signing-in-order\n",
        )
        .expect_err("invalid");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].problem.code(), "duplicate-key");
    }

    #[test]
    fn a_failing_step_is_placed_on_its_line() {
        let suite = suite(
            "workflow: leave-request\nscenarios:\n  - name: s\n    start: {as: zhang_san, data: {days: 1, reason: x}}\n    steps:\n      - advance: 1h\n      - expect: {status: done}\n",
        )
        .expect("valid");
        let failure = suite.run().scenarios[0].failure.clone().expect("fails");
        assert_eq!((failure.line, failure.step, failure.label.as_str()), (7, 2, "expect"));
        assert_eq!(failure.differences[0].found, "active");
    }
}
