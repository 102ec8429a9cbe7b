//! `liucheng import` end to end: BPMN and Petri-net fixtures become workflows that validate (or
//! fail with the validator's own diagnostics, in the imported model's names) and draw; what
//! cannot be represented is reported by element id and line, and refused with `--strict`.

mod common;

use std::path::PathBuf;

use common::{liucheng, root};

/// A fresh output folder under the workspace's `target/`, named so that snapshots are stable.
fn out_dir(name: &str) -> String {
    let relative = format!("target/import-tests/{name}");
    let dir: PathBuf = root().join(&relative);
    let _ = std::fs::remove_dir_all(&dir);
    relative
}

#[test]
fn a_bpmn_diagram_is_printed_as_a_workflow_with_a_report_of_what_it_could_not_represent() {
    let run = liucheng(&["import", "tests/fixtures/import/leave-request.bpmn"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.starts_with("# Imported by `liucheng import --from bpmn` from leave-request.bpmn."));
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn the_imported_bpmn_workflow_validates_and_draws() {
    let dir = out_dir("leave-request");
    let run = liucheng(&["import", "tests/fixtures/import/leave-request.bpmn", "-o", &dir]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let file = format!("{dir}/leave-request.yaml");
    let validated = liucheng(&["validate", &file]);
    assert_eq!(validated.code, 0, "{}", validated.transcript());
    assert!(validated
        .stdout
        .contains("ok: target/import-tests/leave-request/leave-request.yaml (leave-request v1, 12 states)"));
    let graph = liucheng(&["graph", &file]);
    assert_eq!(graph.code, 0, "{}", graph.transcript());
    insta::assert_snapshot!(graph.stdout);
}

#[test]
fn a_deadlocking_petri_net_fails_validation_with_a_counterexample_in_its_own_names() {
    let dir = out_dir("deadlock");
    let run = liucheng(&["import", "tests/fixtures/import/review-deadlock.pnml", "-o", &dir]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let validated = liucheng(&["validate", &dir]);
    assert_eq!(validated.code, 1, "{}", validated.transcript());
    assert!(
        validated.stdout.contains("error[deadlock]: deadlock: join `archive` can never fire"),
        "{}",
        validated.stdout
    );
    insta::assert_snapshot!(validated.transcript());
}

#[test]
fn a_petri_net_lacking_synchronisation_fails_validation_with_a_counterexample_in_its_own_names() {
    let dir = out_dir("lack-of-sync");
    let run = liucheng(&["import", "--from", "lola", "tests/fixtures/import/shipping-lack-of-sync.lola", "-o", &dir]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let validated = liucheng(&["validate", &dir]);
    assert_eq!(validated.code, 1, "{}", validated.transcript());
    assert!(
        validated.stdout.contains("`notify_customer` becomes active a second time while it is still active"),
        "{}",
        validated.stdout
    );
    insta::assert_snapshot!(validated.transcript());
}

#[test]
fn strict_refuses_a_net_with_elements_the_language_cannot_express() {
    let dir = out_dir("strict");
    let run = liucheng(&["import", "tests/fixtures/import/not-free-choice.pnml", "-o", &dir, "--strict"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(!root().join(&dir).join("not-free-choice.yaml").exists(), "nothing is written");
    insta::assert_snapshot!(run.transcript());

    let lenient = liucheng(&["import", "tests/fixtures/import/not-free-choice.pnml", "-o", &dir]);
    assert_eq!(lenient.code, 0, "{}", lenient.transcript());
    assert!(lenient
        .stderr
        .contains("warning[unrepresentable]: tests/fixtures/import/not-free-choice.pnml:12: transition `cancel`"));
    assert!(lenient
        .stderr
        .contains("warning[unrepresentable]: tests/fixtures/import/not-free-choice.pnml:18: arc `a6`"));
    assert!(root().join(&dir).join("not-free-choice.yaml").exists());
}

#[test]
fn a_truncated_bpmn_file_is_an_error_with_its_line() {
    let dir = out_dir("truncated");
    std::fs::create_dir_all(root().join(&dir)).unwrap();
    let text = std::fs::read_to_string(root().join("tests/fixtures/import/leave-request.bpmn")).unwrap();
    let cut = format!("{dir}/cut.bpmn");
    std::fs::write(root().join(&cut), &text[..text.len() / 2]).unwrap();
    let run = liucheng(&["import", &cut]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stderr.starts_with(&format!("error: {cut}: line ")), "{}", run.stderr);
    assert!(run.stderr.contains("XML syntax error"), "{}", run.stderr);
}

#[test]
fn json_lists_each_workflow_and_every_note() {
    let dir = out_dir("json");
    let run = liucheng(&["--json", "import", "tests/fixtures/import/leave-request.bpmn", "-o", &dir]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let file = &report["files"][0];
    assert_eq!(file["workflows"][0]["id"], "leave-request");
    assert_eq!(file["workflows"][0]["path"], format!("{dir}/leave-request.yaml"));
    let notes = file["notes"].as_array().expect("notes");
    let ids: Vec<&str> = notes.iter().map(|n| n["id"].as_str().unwrap_or_default()).collect();
    assert_eq!(ids, ["Task_book_leave", "Flow_approved"]);
    assert_eq!(notes[1]["line"], 77);
    assert_eq!(notes[1]["level"], "warning");
}

#[test]
fn a_file_whose_format_cannot_be_told_is_a_usage_error() {
    let run = liucheng(&["import", "README.md"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("say `--from bpmn|pnml|lola`"), "{}", run.stderr);
}
