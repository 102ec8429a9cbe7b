//! `liucheng test`: run scenario files (`*.test.yaml`) and report what passed, what failed and
//! where, as text, JSON or JUnit XML, with coverage of states and actions on request.

use std::path::{Path, PathBuf};

use liucheng_engine::diagnostic::{Diagnostic, Problem};
use liucheng_engine::scenario::coverage::{Coverage, Tally, WorkflowCoverage};
use liucheng_engine::scenario::{self, Failure, FileReport};
use liucheng_engine::SourceFile;
use serde_json::json;

use super::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use crate::files;
use crate::junit;
use crate::report::{self, Annotated, Format};

/// Run scenario files that play workflows through as named people and check every step
///
/// A scenario file (`<workflow-id>.test.yaml`) sits beside the workflows it tests:
///
///   workflow: leave-request
///   scenarios:
///     - name: approved by the manager
///       start: { as: zhang_san, data: { days: 3, reason: 探亲 } }
///       steps:
///         - act: submit
///           as: zhang_san
///         - expect: { states: [review], can_act: { wang_wu: [approve, reject, return] } }
///         - refused: { act: approve, as: zhang_san, reason: missing-role }
///         - act: approve
///           as: wang_wu
///         - expect: { outcome: approved }
///
/// Steps: `act` (with `as`, optional `state`, `data`, `comment`), `sign` / `reject` a sign-off
/// (`as`, optional `checklist`, `comment`), `cancel: {as, reason}`, `advance: 25h` (move the fake
/// clock; m, h, d), `tick: {}` or `tick: {fired: [state]}` (fire deadlines due by then),
/// `expect` (`states`, `status`, `outcome`, `data`, `can_act`, `cannot_act`) and `refused` (a
/// step that must be refused, with the `reason` code or a piece of its message). `in: WORKFLOW`
/// addresses the latest sub-workflow instance started by a `call`.
///
/// Each scenario runs on a fresh in-memory database with every workflow of the file's folder
/// deployed and its `org.yaml` loaded, through the same engine operators use; afterwards every
/// instance must equal the replay of its events. The schema is `schemas/scenario.schema.json`.
///
/// Exit codes: 0 all scenarios passed; 1 a scenario failed; 2 a file is unreadable or invalid
/// (every mistake is reported with file:line:column and "did you mean"), or bad usage.
///
/// Examples:
///   liucheng test examples/
///   liucheng test examples/leave-request.test.yaml --format json
///   liucheng test workflows/ --junit report.xml --coverage
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Scenario files, or folders whose `*.test.yaml` files to run.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Also write the results as JUnit XML to FILE, for CI systems.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,

    /// Report, per workflow, the states and actions that no scenario reached.
    #[arg(long)]
    coverage: bool,
}

/// A scenario file that could not be run, and why.
pub struct Invalid {
    pub path: PathBuf,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn run(args: &Args, json: bool) -> u8 {
    let format = if json { Format::Json } else { args.format };
    let paths = match files::scenario_files(&args.paths) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    if paths.is_empty() {
        eprintln!("error: no scenario files (*.test.yaml) in {}", files::display_paths(&args.paths));
        return EXIT_USAGE;
    }
    let mut reports = Vec::new();
    let mut invalid = Vec::new();
    let mut coverage = Coverage::default();
    for path in &paths {
        match prepare(path) {
            Ok(suite) => {
                let report = suite.run();
                coverage.add(&suite, &report);
                reports.push(report);
            }
            Err(diagnostics) => invalid.push(Invalid { path: path.clone(), diagnostics }),
        }
    }
    let coverage = args.coverage.then(|| coverage.report());
    match format {
        Format::Json => out!("{}", render_json(&reports, &invalid, coverage.as_deref())),
        Format::Human => out!("{}", render_human(&reports, &invalid, coverage.as_deref())),
    }
    if let Some(file) = &args.junit {
        if let Err(e) = std::fs::write(file, junit::render(&reports, &invalid)) {
            eprintln!("error: cannot write {}: {e}", file.display());
            return EXIT_USAGE;
        }
    }
    if !invalid.is_empty() {
        EXIT_USAGE
    } else if reports.iter().any(|r| r.failed() > 0) {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}

/// Read a scenario file, its folder's workflows and its org, and check them together.
fn prepare(path: &Path) -> Result<scenario::Suite, Vec<Diagnostic>> {
    let unreadable = |p: &Path, reason: String| {
        vec![Diagnostic::file(Problem::Unreadable { path: p.display().to_string(), reason }, path)]
    };
    let bytes = files::read_bounded(path).map_err(|e| unreadable(path, e.to_string()))?;
    let parsed = scenario::parse(&SourceFile { path: path.to_owned(), bytes })?;
    let org_path = parsed.org_path();
    let org_bytes = files::read_bounded(&org_path).map_err(|e| vec![parsed.unreadable_org(&e.to_string())])?;
    let folder = path.parent().unwrap_or_else(|| Path::new(""));
    let workflows = files::folder_workflows(folder, &org_path).map_err(|e| unreadable(folder, e))?;
    scenario::prepare(parsed, workflows, SourceFile { path: org_path, bytes: org_bytes })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn render_human(reports: &[FileReport], invalid: &[Invalid], coverage: Option<&[WorkflowCoverage]>) -> String {
    let mut out = String::new();
    for file in invalid {
        for d in &file.diagnostics {
            let text = std::fs::read_to_string(&d.file).unwrap_or_default();
            out.push_str(&report::render_diagnostic(d, &text));
            out.push_str("\n\n");
        }
        out.push_str(&format!(
            "invalid: {} ({})\n\n",
            file.path.display(),
            plural(file.diagnostics.len(), "error", "errors")
        ));
    }
    for r in reports {
        out.push_str(&format!("{} ({})\n", r.file, r.workflow));
        for s in &r.scenarios {
            let verdict = if s.failure.is_some() { "FAILED" } else { "ok" };
            out.push_str(&format!("  {verdict:<6}  {}\n", s.name));
        }
        out.push('\n');
    }
    for r in reports {
        let text = std::fs::read_to_string(&r.file).unwrap_or_default();
        for s in &r.scenarios {
            if let Some(f) = &s.failure {
                out.push_str(&render_failure(&r.file, &text, &s.name, f));
                out.push_str("\n\n");
            }
        }
    }
    if let Some(coverage) = coverage {
        out.push_str(&render_coverage(coverage));
    }
    let passed: usize = reports.iter().map(|r| r.scenarios.len() - r.failed()).sum();
    let failed: usize = reports.iter().map(FileReport::failed).sum();
    out.push_str(&format!("scenarios: {passed} passed, {failed} failed"));
    if !invalid.is_empty() {
        out.push_str(&format!("; {} invalid", plural(invalid.len(), "file", "files")));
    }
    out.push('\n');
    out
}

/// The notes under a failure: each difference as `- expected` / `+ found`, then the refusal.
fn failure_notes(f: &Failure) -> Vec<String> {
    let mut notes: Vec<String> = f
        .differences
        .iter()
        .map(|d| format!("{}\n- expected: {}\n+ found:    {}", d.what, d.expected, d.found))
        .collect();
    if let Some(r) = &f.refusal {
        notes.push(format!("refused [{}]: {}", r.code, r.message));
    }
    notes
}

fn render_failure(file: &str, text: &str, name: &str, f: &Failure) -> String {
    let message = format!("scenario `{name}` failed at step {}: {}", f.step, f.message);
    let notes = failure_notes(f);
    let location = format!("{file}:{}:{}", f.line, f.column);
    let help = f.refusal.as_ref().and_then(|r| r.hint.clone());
    let rendered = report::render_annotated(&Annotated {
        code: "scenario-failed",
        message: &message,
        path: file,
        text,
        span: f.span.clone(),
        label: &f.label,
        notes: &notes,
        help: help.as_deref(),
    });
    if text.is_empty() {
        format!("{rendered}\n  at {location}")
    } else {
        rendered
    }
}

fn percent(t: &Tally) -> String {
    format!("{}/{} ({:.0}%)", t.covered, t.total, t.percent())
}

fn render_coverage(coverage: &[WorkflowCoverage]) -> String {
    let mut out = String::from("coverage:\n");
    for c in coverage {
        out.push_str(&format!(
            "  {} ({}): states {}, actions {}\n",
            c.workflow,
            c.file,
            percent(&c.states),
            percent(&c.actions)
        ));
        if !c.states.missed.is_empty() {
            out.push_str(&format!("    states never entered: {}\n", c.states.missed.join(", ")));
        }
        if !c.actions.missed.is_empty() {
            out.push_str(&format!("    actions never taken: {}\n", c.actions.missed.join(", ")));
        }
    }
    out.push('\n');
    out
}

fn render_json(reports: &[FileReport], invalid: &[Invalid], coverage: Option<&[WorkflowCoverage]>) -> String {
    let passed: usize = reports.iter().map(|r| r.scenarios.len() - r.failed()).sum();
    let failed: usize = reports.iter().map(FileReport::failed).sum();
    let files: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            json!({
                "file": r.file,
                "workflow": r.workflow,
                "scenarios": r.scenarios.iter().map(|s| json!({
                    "name": s.name,
                    "line": s.line,
                    "passed": s.failure.is_none(),
                    "millis": s.millis,
                    "failure": s.failure,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let invalid: Vec<serde_json::Value> = invalid
        .iter()
        .map(|i| {
            json!({
                "file": i.path.display().to_string(),
                "diagnostics": i.diagnostics.iter().map(report::diagnostic_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut doc = json!({
        "files": files,
        "invalid": invalid,
        "passed": passed,
        "failed": failed,
        "ok": failed == 0 && invalid.is_empty(),
    });
    if let Some(coverage) = coverage {
        let entries: Vec<serde_json::Value> = coverage
            .iter()
            .map(|c| {
                json!({
                    "workflow": c.workflow,
                    "file": c.file,
                    "states": {"covered": c.states.covered, "total": c.states.total, "percent": c.states.percent(), "missed": c.states.missed},
                    "actions": {"covered": c.actions.covered, "total": c.actions.total, "percent": c.actions.percent(), "missed": c.actions.missed},
                })
            })
            .collect();
        doc["coverage"] = json!(entries);
    }
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// A failure as plain text, for JUnit reports.
pub fn failure_text(file: &str, f: &Failure) -> String {
    let mut out = format!("{file}:{}:{}: step {} ({}): {}\n", f.line, f.column, f.step, f.label, f.message);
    for note in failure_notes(f) {
        out.push_str(&note);
        out.push('\n');
    }
    out
}
