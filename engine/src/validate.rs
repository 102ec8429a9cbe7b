//! The validation pipeline over a set of files: load → resolve → analyse, reading like the sentence.
//! Files are checked together so that `call` can name a workflow defined in another file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::analysis::{self, Options};
use crate::diagnostic::{Diagnostic, Problem, Report, Severity};
use crate::model::workflow::Workflow;
use crate::resolve::{callee_of, resolve, Callees};
use crate::syntax::loader::{load, Loaded};
use crate::syntax::raw::RawWorkflow;
use crate::syntax::source_map::YamlPath;

/// A file to validate: its path (for messages) and its bytes.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Where it came from.
    pub path: PathBuf,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// The verdict on one file.
#[derive(Debug)]
pub struct Checked {
    /// The file.
    pub path: PathBuf,
    /// The workflow, when the file has no errors.
    pub workflow: Option<Workflow>,
    /// Every problem found, errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether any error was found.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Validate `files` together. `known` holds workflows defined elsewhere (e.g. already deployed)
/// that these files may call.
#[must_use]
pub fn validate(files: &[SourceFile], known: &Callees, options: &Options) -> Vec<Checked> {
    let loaded: Vec<Result<Loaded<RawWorkflow>, Vec<Diagnostic>>> =
        files.iter().map(|f| load::<RawWorkflow>(&f.path, &f.bytes)).collect();

    let mut callees = known.clone();
    let mut first_file: HashMap<&str, &Path> = HashMap::new();
    let mut duplicate: Vec<Option<&Path>> = vec![None; files.len()];
    for (i, l) in loaded.iter().enumerate() {
        if let Ok(l) = l {
            match first_file.get(l.raw.id.as_str()) {
                Some(other) => duplicate[i] = Some(other),
                None => {
                    first_file.insert(&l.raw.id, &files[i].path);
                    callees.insert(l.raw.id.clone(), callee_of(&l.raw));
                }
            }
        }
    }

    loaded
        .iter()
        .zip(files)
        .zip(duplicate)
        .map(|((l, file), dup)| match l {
            Err(diagnostics) => Checked { path: file.path.clone(), workflow: None, diagnostics: diagnostics.clone() },
            Ok(l) => {
                let mut report = Report::default();
                if let Some(other) = dup {
                    let problem =
                        Problem::DuplicateWorkflow { id: l.raw.id.clone(), other_file: other.display().to_string() };
                    report.error(problem, &YamlPath::at(&["id"]));
                }
                let workflow = resolve(&l.raw, &callees, &mut report);
                if let Some(w) = &workflow {
                    analysis::analyse(w, options, &mut report);
                }
                let workflow = if report.has_errors() { None } else { workflow };
                Checked { path: file.path.clone(), workflow, diagnostics: report.locate(&file.path, &l.text, &l.map) }
            }
        })
        .collect()
}

/// Validate one workflow given as text, with no other workflows to call.
///
/// # Errors
/// Every problem found, when any is an error.
pub fn validate_one(path: &Path, text: &str) -> Result<Workflow, Vec<Diagnostic>> {
    let files = [SourceFile { path: path.to_owned(), bytes: text.as_bytes().to_vec() }];
    let mut checked = validate(&files, &Callees::new(), &Options::default());
    let checked = checked.remove(0);
    match checked.workflow {
        Some(w) => Ok(w),
        None => Err(checked.diagnostics),
    }
}
