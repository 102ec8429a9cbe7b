//! The validator against published verdicts: the 282 IBM industrial process models of library A
//! (Fahland et al., BPM 2009), imported from LoLA, must each get the published sound/unsound
//! verdict and failure kind. The models are research data that may not be republished, so they
//! are read from `../shared/external-models/` and the test says so and passes when it is absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use liucheng_engine::analysis::Options;
use liucheng_engine::import::{import, Format};
use liucheng_engine::resolve::Callees;
use liucheng_engine::{validate, Problem, Severity, SourceFile};

fn library() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/external-models/ibm-wfnets");
    dir.join("verdicts-lib_A.tsv").is_file().then_some(dir)
}

/// What the validator says about one model, in the published terms.
fn verdict(name: &str, text: &str) -> Result<String, String> {
    let imported = import(Format::Lola, name, text).map_err(|e| format!("import failed: {e}"))?;
    if let Some(note) = imported.notes.first() {
        return Err(format!("unexpected import note: {note}"));
    }
    let [workflow] = &imported.workflows[..] else { return Err("expected one workflow".into()) };
    let file = SourceFile { path: format!("{}.yaml", workflow.id).into(), bytes: workflow.yaml.clone().into_bytes() };
    let checked = validate(&[file], &Callees::new(), &Options::default());
    let mut kinds = Vec::new();
    for d in &checked[0].diagnostics {
        match (&d.problem, d.severity) {
            (Problem::LackOfSync { .. }, Severity::Error) => kinds.push("lack_of_synchronisation"),
            (Problem::Deadlock { .. } | Problem::Livelock { .. } | Problem::NoPathToEnd { .. }, Severity::Error) => {
                kinds.push("deadlock");
            }
            // Dead steps and states never reached are not part of the published verdict.
            (Problem::DeadStep { .. } | Problem::Unreachable { .. }, Severity::Warning) => {}
            (other, severity) => return Err(format!("unexpected {severity:?} {}: {other}", other.code())),
        }
    }
    // The published failure kind: a double token if one is reachable, else a deadlock.
    Ok(if kinds.contains(&"lack_of_synchronisation") {
        "unsound lack_of_synchronisation".into()
    } else if kinds.is_empty() {
        "sound".into()
    } else {
        "unsound deadlock".into()
    })
}

#[test]
fn every_ibm_model_gets_its_published_verdict() {
    let Some(dir) = library() else {
        eprintln!(
            "skipped: ../shared/external-models/ibm-wfnets is not there, so the 282 IBM models cannot be checked"
        );
        return;
    };
    let table = std::fs::read_to_string(dir.join("verdicts-lib_A.tsv")).expect("the verdicts file reads");
    let mut header = table.lines().next().unwrap_or_default().split('\t');
    let column = |name: &str, header: &mut std::str::Split<'_, char>| header.position(|c| c == name);
    let (Some(expected_at), Some(reason_at)) = (column("expected", &mut header.clone()), column("reason", &mut header))
    else {
        panic!("verdicts-lib_A.tsv has `expected` and `reason` columns");
    };
    let mut mismatches = BTreeMap::new();
    let mut counts = BTreeMap::new();
    let mut models = 0;
    for line in table.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split('\t').collect();
        let (model, expected, reason) = (cells[0], cells[expected_at], cells.get(reason_at).copied().unwrap_or(""));
        let expected = if reason.is_empty() { expected.to_owned() } else { format!("{expected} {reason}") };
        let text = std::fs::read_to_string(dir.join("lib_A").join(model)).expect("the model reads");
        let found = verdict(model, &text).unwrap_or_else(|problem| problem);
        *counts.entry(expected.clone()).or_insert(0) += 1;
        if found != expected {
            mismatches.insert(model.to_owned(), format!("expected {expected}, found {found}"));
        }
        models += 1;
    }
    assert_eq!(models, 282, "library A has 282 models");
    assert_eq!(
        counts,
        BTreeMap::from([
            ("sound".to_owned(), 152),
            ("unsound deadlock".to_owned(), 95),
            ("unsound lack_of_synchronisation".to_owned(), 35)
        ]),
        "the published split"
    );
    assert!(mismatches.is_empty(), "{} of 282 models differ:\n{mismatches:#?}", mismatches.len());
}
