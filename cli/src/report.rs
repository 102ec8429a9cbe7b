//! Rendering diagnostics: rustc-style text with source snippets, or JSON for tools.
//! The one place that decides how a problem looks to a person.

use std::io::IsTerminal;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use liucheng_engine::validate::{Checked, SourceFile};
use liucheng_engine::{Diagnostic, Severity};
use serde_json::json;

/// How to print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Text for people, with source snippets.
    Human,
    /// One JSON document.
    Json,
}

fn renderer() -> Renderer {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

/// One diagnostic as rustc-style text.
pub fn render_diagnostic(d: &Diagnostic, text: &str) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let message = d.problem.to_string();
    let path = d.file.display().to_string();
    let title = level.primary_title(&message).id(d.problem.code());
    let mut group: Group = match d.span {
        Some(span) if span.end <= text.len() && text.is_char_boundary(span.start) => {
            let end = if span.end > span.start { span.end } else { next_char_end(text, span.start) };
            title.element(
                Snippet::source(text).path(&path).fold(true).annotation(AnnotationKind::Primary.span(span.start..end)),
            )
        }
        Some(span) => title.element(Level::NOTE.message(format!("at {path}:{}:{}", span.line, span.column))),
        None => title.element(Level::NOTE.message(format!("in {path}"))),
    };
    if !d.notes.is_empty() {
        group = group.element(Level::NOTE.message(d.notes.join("\n")));
    }
    if let Some(hint) = d.problem.hint() {
        group = group.element(Level::HELP.message(hint));
    }
    renderer().render(&[group])
}

/// A problem that is not a validation diagnostic (a failed scenario) in the same rustc style:
/// `code` and `message` as the title, `label` under the marked span, then notes and a help line.
pub struct Annotated<'a> {
    pub code: &'a str,
    pub message: &'a str,
    pub path: &'a str,
    pub text: &'a str,
    pub span: std::ops::Range<usize>,
    pub label: &'a str,
    pub notes: &'a [String],
    pub help: Option<&'a str>,
}

/// Render an `Annotated` problem as an error.
pub fn render_annotated(a: &Annotated<'_>) -> String {
    let title = Level::ERROR.primary_title(a.message).id(a.code);
    let Annotated { text, path, .. } = *a;
    let span = a.span.clone();
    let mut group: Group = if span.start < text.len() && span.end <= text.len() && text.is_char_boundary(span.start) {
        let end = if span.end > span.start { span.end } else { next_char_end(text, span.start) };
        title.element(
            Snippet::source(text)
                .path(path)
                .fold(true)
                .annotation(AnnotationKind::Primary.span(span.start..end).label(a.label)),
        )
    } else {
        title.element(Level::NOTE.message(format!("in {path}")))
    };
    for note in a.notes {
        group = group.element(Level::NOTE.message(note));
    }
    if let Some(help) = a.help {
        group = group.element(Level::HELP.message(help));
    }
    renderer().render(&[group])
}

/// Point at one character when a problem has a position but no width (e.g. end of file).
fn next_char_end(text: &str, start: usize) -> usize {
    text[start..].chars().next().map_or(start, |c| start + c.len_utf8())
}

pub fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    json!({
        "code": d.problem.code(),
        "severity": d.severity,
        "message": d.problem.to_string(),
        "hint": d.problem.hint(),
        "file": d.file.display().to_string(),
        "line": d.span.map(|s| s.line),
        "column": d.span.map(|s| s.column),
        "path": d.path,
        "notes": d.notes,
    })
}

/// The verdicts on a set of files, in `format`.
pub fn render_checked(checked: &[Checked], sources: &[SourceFile], format: Format) -> String {
    let count = |c: &Checked, s: Severity| c.diagnostics.iter().filter(|d| d.severity == s).count();
    let errors: usize = checked.iter().map(|c| count(c, Severity::Error)).sum();
    let warnings: usize = checked.iter().map(|c| count(c, Severity::Warning)).sum();
    if format == Format::Json {
        let files: Vec<serde_json::Value> = checked
            .iter()
            .map(|c| {
                json!({
                    "path": c.path.display().to_string(),
                    "valid": !c.has_errors(),
                    "workflow": c.workflow.as_ref().map(|w| json!({"id": w.id(), "version": w.version(), "title": w.title()})),
                    "diagnostics": c.diagnostics.iter().map(diagnostic_json).collect::<Vec<_>>(),
                })
            })
            .collect();
        let doc = json!({ "files": files, "errors": errors, "warnings": warnings, "valid": errors == 0 });
        return serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    for (c, source) in checked.iter().zip(sources) {
        let text = String::from_utf8_lossy(&source.bytes);
        for d in &c.diagnostics {
            out.push_str(&render_diagnostic(d, &text));
            out.push_str("\n\n");
        }
        match &c.workflow {
            Some(w) => out.push_str(&format!(
                "ok: {} ({} v{}, {} states)\n",
                c.path.display(),
                w.id(),
                w.version(),
                w.states().len()
            )),
            None => out.push_str(&format!(
                "invalid: {} ({} error{}, {} warning{})\n",
                c.path.display(),
                count(c, Severity::Error),
                plural(count(c, Severity::Error)),
                count(c, Severity::Warning),
                plural(count(c, Severity::Warning))
            )),
        }
    }
    let invalid = checked.iter().filter(|c| c.has_errors()).count();
    out.push_str(&format!(
        "{} file{} checked: {} valid, {invalid} invalid; {errors} error{}, {warnings} warning{}\n",
        checked.len(),
        plural(checked.len()),
        checked.len() - invalid,
        plural(errors),
        plural(warnings)
    ));
    out
}

/// `s` for a count other than one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
