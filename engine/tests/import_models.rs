//! Importing models nobody here wrote: the 21 BPMN MIWG reference models (each must import, with
//! its report of what was not represented, and its workflows must validate), and garbled or
//! truncated input of every format, which must give an error and never a panic.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use liucheng_engine::analysis::Options;
use liucheng_engine::import::{import, Format, ImportError, NoteLevel};
use liucheng_engine::resolve::Callees;
use liucheng_engine::{validate, Severity, SourceFile};

fn external(folder: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/external-models").join(folder);
    dir.is_dir().then_some(dir)
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/import").join(name);
    std::fs::read_to_string(path).expect("the fixture reads")
}

/// Validates the workflows of one import together (sub-workflows are called across them) and
/// returns the error codes found, by workflow.
fn errors_of(imported: &liucheng_engine::import::Imported) -> BTreeMap<String, Vec<&'static str>> {
    let files = imported.source_files();
    let checked = validate(&files, &Callees::new(), &Options::default());
    checked
        .iter()
        .filter(|c| c.has_errors())
        .map(|c| {
            let codes =
                c.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.problem.code()).collect();
            (c.path.display().to_string(), codes)
        })
        .collect()
}

#[test]
fn every_miwg_reference_model_imports_with_a_report() {
    let Some(dir) = external("bpmn-miwg/Reference") else {
        eprintln!("skipped: ../shared/external-models/bpmn-miwg is not there, so the MIWG models cannot be imported");
        return;
    };
    let mut models: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    models.sort();
    assert_eq!(models.len(), 21, "the MIWG reference set has 21 models");
    let mut table = String::from("model | workflows | warnings | notes | invalid workflows (error codes)\n");
    for path in &models {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let imported = import(Format::Bpmn, &name, &text).unwrap_or_else(|e| panic!("{name} does not import: {e}"));
        for note in &imported.notes {
            assert!(note.line > 0 && !note.element.is_empty() && !note.message.is_empty(), "{name}: {note:?}");
        }
        let warnings = imported.notes.iter().filter(|n| n.level == NoteLevel::Warning).count();
        let errors = errors_of(&imported);
        let invalid: Vec<String> = errors.iter().map(|(file, codes)| format!("{file} {codes:?}")).collect();
        let _ = writeln!(
            table,
            "{name} | {} | {warnings} | {} | {}",
            imported.workflows.len(),
            imported.notes.len() - warnings,
            if invalid.is_empty() { "-".to_owned() } else { invalid.join(", ") }
        );
    }
    insta::assert_snapshot!(table);
}

#[test]
fn truncated_xml_is_an_error_at_a_line_and_never_a_panic() {
    for (format, name) in [(Format::Bpmn, "leave-request.bpmn"), (Format::Pnml, "review-deadlock.pnml")] {
        let text = fixture(name);
        let body_end = text.trim_end().len();
        let mut cut = 1;
        while cut < body_end {
            if text.is_char_boundary(cut) {
                match import(format, name, &text[..cut]) {
                    Err(ImportError::Xml { line, .. }) => assert!(line >= 1),
                    Err(ImportError::Empty { .. }) if text[..cut].trim().is_empty() => {}
                    other => panic!("{name} cut at {cut}: expected an XML error, got {other:?}"),
                }
            }
            cut += 7;
        }
    }
}

#[test]
fn garbled_input_of_every_format_gives_a_result_or_an_error_and_never_a_panic() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let junk = [b'<', b'>', b'/', b'"', b'=', b'&', b':', b';', b',', b'{', b'}', b' ', b'\n', b'a', b'1', 0xe6];
    for (format, name) in [
        (Format::Bpmn, "leave-request.bpmn"),
        (Format::Pnml, "review-deadlock.pnml"),
        (Format::Pnml, "not-free-choice.pnml"),
        (Format::Lola, "shipping-lack-of-sync.lola"),
    ] {
        let original = fixture(name).into_bytes();
        for _ in 0..300 {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 4 {
                if bytes.is_empty() {
                    break;
                }
                let at = (next() as usize) % bytes.len();
                match next() % 3 {
                    0 => bytes[at] = junk[(next() as usize) % junk.len()],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.truncate(at),
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            // Whatever comes out, the workflows made must be loadable YAML; a panic fails the test.
            if let Ok(imported) = import(format, name, &text) {
                for workflow in &imported.workflows {
                    let file = SourceFile { path: "w.yaml".into(), bytes: workflow.yaml.clone().into_bytes() };
                    let checked = validate(&[file], &Callees::new(), &Options::default());
                    let loader_errors = checked[0].diagnostics.iter().filter(|d| d.problem.code().starts_with("yaml"));
                    assert_eq!(loader_errors.count(), 0, "{name}: the emitted YAML does not parse:\n{}", workflow.yaml);
                }
            }
        }
    }
}

#[test]
fn a_lola_net_with_several_marked_places_starts_with_a_fork_and_stays_sound() {
    let text = "PLACE a, b, c, d, done;\nMARKING a:1, b:1;\nTRANSITION ta CONSUME a:1; PRODUCE c:1;\nTRANSITION tb CONSUME b:1; PRODUCE d:1;\nTRANSITION join CONSUME c:1, d:1; PRODUCE done:1;\n";
    let imported = import(Format::Lola, "two-starts.lola", text).expect("imports");
    let raw = &imported.workflows[0].raw;
    assert_eq!(raw.start.to, "start");
    assert_eq!(raw.states["start"].fork.as_deref(), Some(&["a".to_owned(), "b".to_owned()][..]));
    assert!(errors_of(&imported).is_empty(), "{}", imported.workflows[0].yaml);
}
