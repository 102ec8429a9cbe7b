//! `liucheng validate` end to end: every invalid fixture's full diagnostic output is a snapshot,
//! and every shipped workflow and example validates.

mod common;

use common::{liucheng, root};

#[test]
fn every_invalid_fixture_reports_its_problems() {
    insta::glob!("../../tests/fixtures/invalid", "*.yaml", |path| {
        let relative = path.strip_prefix(root()).expect("fixtures live in the workspace");
        let run = liucheng(&["validate", relative.to_str().expect("fixture paths are UTF-8")]);
        assert_eq!(run.code, 1, "{} should be invalid:\n{}", relative.display(), run.transcript());
        insta::assert_snapshot!(run.transcript());
    });
}

#[test]
fn every_invalid_fixture_has_a_json_report_naming_a_code_and_line() {
    insta::glob!("../../tests/fixtures/invalid", "*.yaml", |path| {
        let relative = path.strip_prefix(root()).expect("fixtures live in the workspace");
        let run = liucheng(&["validate", "--format", "json", relative.to_str().expect("UTF-8")]);
        assert_eq!(run.code, 1);
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
        let diagnostics = doc["files"][0]["diagnostics"].as_array().expect("a diagnostics array");
        assert!(!diagnostics.is_empty(), "{}: no diagnostics", relative.display());
        for d in diagnostics {
            assert!(d["code"].as_str().is_some_and(|c| !c.is_empty()));
        }
    });
}

#[test]
fn warning_fixtures_pass_with_warnings_and_fail_when_dead_steps_are_denied() {
    insta::glob!("../../tests/fixtures/warnings", "*.yaml", |path| {
        let relative = path.strip_prefix(root()).expect("fixtures live in the workspace");
        let file = relative.to_str().expect("UTF-8");
        let run = liucheng(&["validate", file]);
        assert_eq!(run.code, 0, "{file} should be valid with warnings:\n{}", run.transcript());
        assert!(run.stdout.contains("warning["), "{file} should warn:\n{}", run.stdout);
        insta::assert_snapshot!(run.transcript());
        let strict = liucheng(&["validate", "--deny-dead-steps", file]);
        assert_eq!(strict.code, 1, "{file} should fail with --deny-dead-steps:\n{}", strict.transcript());
    });
}

#[test]
fn examples_are_valid() {
    let run = liucheng(&["validate", "examples"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn the_process_library_is_valid_without_warnings() {
    let run = liucheng(&["validate", "--deny-dead-steps", "workflows"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(!run.stdout.contains("warning["), "{}", run.stdout);
}

#[test]
fn valid_fixtures_are_valid() {
    let run = liucheng(&["validate", "tests/fixtures/valid"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let run = liucheng(&["validate", "no/such/file.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read no/such/file.yaml"), "{}", run.stderr);
}
