//! `liucheng import`: turn BPMN diagrams and Petri nets (PNML, LoLA) into workflow files, and
//! report every element that could not be represented exactly, by id and line.

use std::path::{Path, PathBuf};

use liucheng_engine::import::{self, Format, Imported, Note, NoteLevel};
use serde_json::json;

use super::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};

/// Convert process models from other tools into liucheng workflows
///
/// BPMN 2.0 (bpmn.io, Camunda, Flowable, Signavio…): user tasks become human steps whose roles
/// come from candidate groups, performers or lanes; exclusive, parallel and inclusive gateways
/// become choices, forks and joins; timers become deadlines and schedules; sub-processes and call
/// activities become sub-workflows. Petri nets (PNML, LoLA): places become states and transitions
/// steps, with the same token game.
///
/// Every element that is not represented exactly is reported with its id and line: a warning
/// when the workflow behaves differently or leaves it out (an error with `--strict`), a note for
/// documentation and layout. Check the result with `liucheng validate DIR`.
///
/// Exit codes: 0 imported (warnings allowed), 1 a file is not a model of its format or, with
/// `--strict`, something could not be represented, 2 usage or I/O error.
///
/// Examples:
///   liucheng import order.bpmn -o workflows/
///   liucheng import --from lola model.lola | less
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Model files.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// The files' format; by default taken from each file's extension.
    #[arg(long, value_enum, value_name = "FORMAT")]
    from: Option<From>,

    /// Write one `ID.yaml` per workflow into this folder (created if missing); without it the
    /// workflows are printed, separated by `---`.
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,

    /// Refuse to write a workflow when anything could not be represented exactly.
    #[arg(long)]
    strict: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum From {
    /// BPMN 2.0 XML.
    Bpmn,
    /// PNML (ISO/IEC 15909-2) place/transition nets.
    Pnml,
    /// LoLA place/transition nets.
    Lola,
}

impl From {
    fn format(self) -> Format {
        match self {
            From::Bpmn => Format::Bpmn,
            From::Pnml => Format::Pnml,
            From::Lola => Format::Lola,
        }
    }
}

fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".bpmn") || name.ends_with(".bpmn2") || name.ends_with(".bpmn20.xml") {
        Some(Format::Bpmn)
    } else if name.ends_with(".pnml") || name.ends_with(".pnml.xml") {
        Some(Format::Pnml)
    } else if name.ends_with(".lola") || name.ends_with(".net") {
        Some(Format::Lola)
    } else {
        None
    }
}

/// What happened to one input file.
struct Outcome {
    file: PathBuf,
    result: Result<Imported, String>,
    written: Vec<PathBuf>,
}

pub fn run(args: &Args, json: bool) -> u8 {
    let mut outcomes = Vec::new();
    for file in &args.files {
        let Some(format) = args.from.map(From::format).or_else(|| format_of(file)) else {
            eprintln!("error: cannot tell the format of {} from its name; say `--from bpmn|pnml|lola`", file.display());
            return EXIT_USAGE;
        };
        let text = match read(file) {
            Ok(text) => text,
            Err(message) => {
                eprintln!("error: {message}");
                return EXIT_USAGE;
            }
        };
        let source = file.display().to_string();
        let result = import::import(format, &source, &text).map_err(|e| e.to_string());
        outcomes.push(Outcome { file: file.clone(), result, written: Vec::new() });
    }
    if let Err(message) = check_unique_ids(&outcomes) {
        eprintln!("error: {message}");
        return EXIT_INVALID;
    }
    let refused = |imported: &Imported| args.strict && imported.has_warnings();
    if let Some(dir) = &args.output {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("error: cannot create {}: {e}", dir.display());
            return EXIT_USAGE;
        }
        for outcome in &mut outcomes {
            let Ok(imported) = &outcome.result else { continue };
            if refused(imported) {
                continue;
            }
            for workflow in &imported.workflows {
                let path = dir.join(format!("{}.yaml", workflow.id));
                if let Err(e) = std::fs::write(&path, &workflow.yaml) {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return EXIT_USAGE;
                }
                outcome.written.push(path);
            }
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&as_json(&outcomes, args)).unwrap_or_default());
    } else {
        print_human(&outcomes, args);
    }
    let failed = outcomes.iter().any(|o| o.result.as_ref().map_or(true, refused));
    if failed {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}

fn read(path: &Path) -> Result<String, String> {
    let bytes = crate::files::read_bounded(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| format!("{} is not UTF-8 text: {e}", path.display()))
}

/// Two inputs that make workflows with the same id would overwrite each other's file.
fn check_unique_ids(outcomes: &[Outcome]) -> Result<(), String> {
    let mut seen: std::collections::HashMap<&str, &Path> = std::collections::HashMap::new();
    for outcome in outcomes {
        let Ok(imported) = &outcome.result else { continue };
        for workflow in &imported.workflows {
            if let Some(first) = seen.insert(&workflow.id, &outcome.file) {
                return Err(format!(
                    "{} and {} both make a workflow `{}`; import them separately, into different folders",
                    first.display(),
                    outcome.file.display(),
                    workflow.id
                ));
            }
        }
    }
    Ok(())
}

fn label(note: &Note, strict: bool) -> &'static str {
    match (note.level, strict) {
        (NoteLevel::Warning, true) => "error[unrepresentable]",
        (NoteLevel::Warning, false) => "warning[unrepresentable]",
        (NoteLevel::Info, _) => "note[not-imported]",
    }
}

fn print_human(outcomes: &[Outcome], args: &Args) {
    let mut documents = Vec::new();
    let (mut workflows, mut warnings, mut infos, mut failures) = (0, 0, 0, 0);
    for outcome in outcomes {
        let file = outcome.file.display();
        match &outcome.result {
            Err(message) => {
                eprintln!("error: {file}: {message}");
                failures += 1;
            }
            Ok(imported) => {
                for note in &imported.notes {
                    let element = if note.id.is_empty() {
                        format!("{} (no id)", note.element)
                    } else {
                        format!("{} `{}`", note.element, note.id)
                    };
                    eprintln!("{}: {file}:{}: {element}: {}", label(note, args.strict), note.line, note.message);
                }
                let noted = imported.notes.iter().filter(|n| n.level == NoteLevel::Warning).count();
                warnings += noted;
                infos += imported.notes.len() - noted;
                if args.strict && noted > 0 {
                    eprintln!("refused: {file} ({noted} elements cannot be represented; nothing written)");
                    failures += 1;
                    continue;
                }
                workflows += imported.workflows.len();
                if args.output.is_none() {
                    documents.extend(imported.workflows.iter().map(|w| w.yaml.clone()));
                }
                for (workflow, path) in imported.workflows.iter().zip(&outcome.written) {
                    println!(
                        "imported: {file} -> {} ({}, {} states)",
                        path.display(),
                        workflow.id,
                        workflow.raw.states.len()
                    );
                }
            }
        }
    }
    print!("{}", documents.join("---\n"));
    let unrepresentable = if args.strict { "error" } else { "warning" };
    let summary = format!(
        "{} file{} read: {workflows} workflow{}, {warnings} {unrepresentable}{}, {infos} note{}, {failures} failed",
        outcomes.len(),
        plural(outcomes.len()),
        plural(workflows),
        plural(warnings),
        plural(infos),
    );
    // Printed YAML must stay clean for a pipe, so the summary goes to stderr then.
    if args.output.is_some() {
        println!("{summary}");
        if workflows > 0 {
            println!(
                "check them with: liucheng validate {}",
                args.output.as_deref().unwrap_or(Path::new(".")).display()
            );
        }
    } else {
        eprintln!("{summary}");
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn as_json(outcomes: &[Outcome], args: &Args) -> serde_json::Value {
    let files: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|outcome| match &outcome.result {
            Err(message) => json!({ "file": outcome.file, "error": message }),
            Ok(imported) => {
                let refused = args.strict && imported.has_warnings();
                let workflows: Vec<serde_json::Value> = imported
                    .workflows
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        let mut entry = json!({ "id": w.id, "states": w.raw.states.len() });
                        match outcome.written.get(i) {
                            Some(path) => entry["path"] = json!(path),
                            None if args.output.is_none() && !refused => entry["yaml"] = json!(w.yaml),
                            None => {}
                        }
                        entry
                    })
                    .collect();
                json!({ "file": outcome.file, "refused": refused, "workflows": workflows, "notes": imported.notes })
            }
        })
        .collect();
    json!({ "files": files })
}
