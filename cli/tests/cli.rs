//! Command-line behaviour beyond single fixtures: help, exit codes, files checked together,
//! hostile input, and warnings that do not fail validation.

mod common;

use common::liucheng;

#[test]
fn help_teaches_the_commands_and_exit_codes() {
    let run = liucheng(&["--help"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
    let run = liucheng(&["validate", "--help"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("validate-help", run.stdout);
}

#[test]
fn no_arguments_is_a_usage_error() {
    assert_eq!(liucheng(&["validate"]).code, 2);
    assert_eq!(liucheng(&[]).code, 2);
}

#[test]
fn a_workflow_id_defined_twice_is_refused_in_the_second_file() {
    let run = liucheng(&["validate", "tests/fixtures/duplicate"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_reading_it_all() {
    let dir = std::env::temp_dir().join(format!("liucheng-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("huge.yaml");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(64 * 1024 * 1024).unwrap();
    let run = liucheng(&["validate", path.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("error[file-too-large]"), "{}", run.stdout);
}

#[test]
fn a_too_large_graph_is_a_warning_not_an_error() {
    let run = liucheng(&["validate", "--max-states", "5", "examples/parallel-review.yaml"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("warning[too-large-to-verify]"), "{}", run.stdout);
}

#[test]
fn json_is_available_as_a_global_flag() {
    let run = liucheng(&["--json", "validate", "examples/linear-approval.yaml"]);
    assert_eq!(run.code, 0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["files"][0]["workflow"]["id"], "leave-request");
}

#[test]
fn schema_command_prints_the_checked_in_schema() {
    let run = liucheng(&["schema"]);
    assert_eq!(run.code, 0);
    let on_disk = std::fs::read_to_string(common::root().join("schemas/workflow.schema.json")).unwrap();
    assert_eq!(run.stdout, on_disk);
}
