//! The import report: one note per source element that the workflow does not represent exactly,
//! with the element's kind, id and line, and what was done instead.

use serde::Serialize;

/// How much a note matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NoteLevel {
    /// Documentation or layout that has no place in a workflow (annotations, data objects,
    /// vendor extensions): nothing about the order of steps is lost.
    Info,
    /// The workflow behaves differently from the model here, or leaves the element out.
    /// `liucheng import --strict` makes these errors.
    Warning,
}

/// One element that was not imported exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// How much it matters.
    pub level: NoteLevel,
    /// The element's kind as the source format names it, e.g. `transition`, `boundaryEvent`.
    pub element: String,
    /// The element's id in the source file.
    pub id: String,
    /// The 1-based line of the element in the source file.
    pub line: u32,
    /// What was not represented and what the workflow does instead.
    pub message: String,
}

impl Note {
    pub(crate) fn warning(element: &str, id: &str, line: u32, message: impl Into<String>) -> Self {
        Self {
            level: NoteLevel::Warning,
            element: element.to_owned(),
            id: id.to_owned(),
            line,
            message: message.into(),
        }
    }

    pub(crate) fn info(element: &str, id: &str, line: u32, message: impl Into<String>) -> Self {
        Self { level: NoteLevel::Info, element: element.to_owned(), id: id.to_owned(), line, message: message.into() }
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.id.is_empty() {
            write!(f, "line {}: {} (no id): {}", self.line, self.element, self.message)
        } else {
            write!(f, "line {}: {} `{}`: {}", self.line, self.element, self.id, self.message)
        }
    }
}
