//! Importing process models written elsewhere (BPMN 2.0, PNML and LoLA Petri nets) as liucheng
//! workflows, with a report of every element that could not be represented exactly.

mod bpmn;
mod lola;
mod names;
mod petri;
mod pnml;
mod report;
mod xml;
pub mod yaml;

use thiserror::Error;

use crate::syntax::raw::RawWorkflow;

pub use report::{Note, NoteLevel};

/// The largest file the importers read, as for workflow files: a model larger than this is
/// refused before it is parsed.
pub const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;

/// The formats `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// BPMN 2.0 XML (bpmn.io, Camunda, Flowable, Signavio, …).
    Bpmn,
    /// PNML, the ISO/IEC 15909-2 interchange format for Petri nets (place/transition nets).
    Pnml,
    /// LoLA's text format for place/transition nets.
    Lola,
}

impl Format {
    /// The name used on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Bpmn => "bpmn",
            Format::Pnml => "pnml",
            Format::Lola => "lola",
        }
    }
}

/// Why a file could not be imported at all. Elements that are merely not representable are
/// [`Note`]s of an [`Imported`] instead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportError {
    #[error("the file is larger than {limit} bytes, the limit for imported models")]
    TooLarge { limit: usize },
    #[error("line {line}, column {column}: XML syntax error: {message}")]
    Xml { line: u32, column: u32, message: String },
    #[error("line {line}: {message}")]
    Syntax { line: u32, message: String },
    #[error("line {line}: {element} `{id}`: {message}")]
    Element { element: String, id: String, line: u32, message: String },
    #[error("{message}")]
    Empty { message: String },
}

/// One workflow made from an imported model.
#[derive(Debug, Clone)]
pub struct ImportedWorkflow {
    /// The workflow id, also the file stem to write it to (`ID.yaml`).
    pub id: String,
    /// The workflow, as it would have been written by hand.
    pub raw: RawWorkflow,
    /// The YAML text of the workflow file.
    pub yaml: String,
}

/// What an import produced.
#[derive(Debug, Clone)]
pub struct Imported {
    /// One workflow per process or net (BPMN sub-processes and called processes become
    /// workflows of their own).
    pub workflows: Vec<ImportedWorkflow>,
    /// Every element that was not represented exactly, in file order.
    pub notes: Vec<Note>,
}

/// A plain human action: a title, who may take it, where it leads.
pub(crate) fn action(title: String, by: Vec<String>, to: String) -> crate::syntax::raw::RawAction {
    crate::syntax::raw::RawAction {
        title: Some(title),
        by,
        to,
        when: None,
        requires: Vec::new(),
        accepts: Vec::new(),
        not_by: Vec::new(),
        comment_required: false,
        books: None,
        set: indexmap::IndexMap::new(),
        valid: Vec::new(),
    }
}

impl Imported {
    /// The imported workflows as files to validate together, each named `ID.yaml`.
    #[must_use]
    pub fn source_files(&self) -> Vec<crate::validate::SourceFile> {
        self.workflows
            .iter()
            .map(|w| crate::validate::SourceFile {
                path: format!("{}.yaml", w.id).into(),
                bytes: w.yaml.clone().into_bytes(),
            })
            .collect()
    }

    /// Whether any note is a warning (something the workflow does differently or leaves out).
    #[must_use]
    pub fn has_warnings(&self) -> bool {
        self.notes.iter().any(|n| n.level == NoteLevel::Warning)
    }
}

/// Import `text`, read from a file called `source` (its stem names the workflow when the model
/// has no name of its own).
///
/// # Errors
/// When the file is not a model of the format at all (syntax errors, no process or net).
pub fn import(format: Format, source: &str, text: &str) -> Result<Imported, ImportError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(ImportError::TooLarge { limit: MAX_INPUT_BYTES });
    }
    let stem = stem_of(source);
    // Generated files name their source without its folder, so they do not depend on where
    // the import ran.
    let source = source.rsplit(['/', '\\']).next().unwrap_or(source);
    let (raws, mut notes) = match format {
        Format::Lola => {
            let mut notes = Vec::new();
            let net = lola::parse(text, &stem, &mut notes)?;
            let raw = petri::to_workflow(&net, source, format, &mut notes)?;
            (vec![raw], notes)
        }
        Format::Pnml => {
            let mut notes = Vec::new();
            let nets = pnml::parse(text, &stem, &mut notes)?;
            let mut raws = Vec::new();
            for net in &nets {
                raws.push(petri::to_workflow(net, source, format, &mut notes)?);
            }
            (raws, notes)
        }
        Format::Bpmn => bpmn::import(text, &stem, source)?,
    };
    notes.sort_by_key(|n| n.line);
    let workflows = raws
        .into_iter()
        .map(|raw| {
            let header = vec![format!("Imported by `liucheng import --from {}` from {source}.", format.name())];
            let yaml = yaml::workflow_to_yaml(&raw, &header);
            ImportedWorkflow { id: raw.id.clone(), raw, yaml }
        })
        .collect();
    Ok(Imported { workflows, notes })
}

/// The file name without folders and extension.
fn stem_of(source: &str) -> String {
    let name = source.rsplit(['/', '\\']).next().unwrap_or(source);
    let name = name.strip_suffix(".xml").unwrap_or(name);
    let name = name.strip_suffix(".lola").or_else(|| name.strip_suffix(".pnml")).unwrap_or(name);
    let name = name.strip_suffix(".bpmn").or_else(|| name.strip_suffix(".bpmn2")).unwrap_or(name);
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_drop_folders_and_model_extensions() {
        assert_eq!(stem_of("../models/A.s00000021__s00000698.lola"), "A.s00000021__s00000698");
        assert_eq!(stem_of("C:\\x\\order.bpmn"), "order");
        assert_eq!(stem_of("net.pnml.xml"), "net");
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let text = " ".repeat(MAX_INPUT_BYTES + 1);
        assert_eq!(
            import(Format::Lola, "big.lola", &text).unwrap_err(),
            ImportError::TooLarge { limit: MAX_INPUT_BYTES }
        );
    }
}
