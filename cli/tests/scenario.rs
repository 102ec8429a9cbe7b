//! `liucheng test` end to end: scenario files that pass and fail (with the failing step's
//! file:line and a diff), invalid scenario files (did-you-mean), JSON, JUnit XML and coverage;
//! and the scenarios shipped beside the examples and the process library all pass.

mod common;

use common::{liucheng, root};

const FIXTURES: &str = "tests/fixtures/scenarios";

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// Snapshot a report with its durations redacted: they vary from run to run.
macro_rules! assert_snapshot_timeless {
    ($value:expr) => {
        insta::with_settings!({filters => vec![
            (r#"time="[0-9.]+""#, r#"time="[time]""#),
            (r#""millis": [0-9]+"#, r#""millis": "[time]""#),
        ]}, {
            insta::assert_snapshot!($value);
        });
    };
}

#[test]
fn settings_no_deployed_workflow_declares_fail_the_scenario() {
    let run = liucheng(&["test", &fixture("bad-settings.test.yaml")]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn the_examples_scenarios_pass() {
    let run = liucheng(&["test", "examples/"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.ends_with("scenarios: 21 passed, 0 failed\n"), "{}", run.stdout);
}

/// Runs the scenarios of the process library; each workflow's file joins as it is written.
#[test]
fn the_process_library_scenarios_pass() {
    let folder = root().join("workflows");
    let any = std::fs::read_dir(&folder)
        .expect("workflows/ exists")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().ends_with(".test.yaml"));
    if !any {
        eprintln!("workflows/ has no scenario files yet");
        return;
    }
    let run = liucheng(&["test", "workflows/"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn a_passing_file_prints_one_line_per_scenario() {
    let run = liucheng(&["test", &fixture("pass.test.yaml")]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn a_failing_file_shows_each_failing_step_with_its_line_and_a_diff() {
    let run = liucheng(&["test", &fixture("fail.test.yaml")]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn every_invalid_scenario_file_reports_its_mistakes() {
    insta::glob!("../../tests/fixtures/scenarios", "invalid-*.test.yaml", |path| {
        let relative = path.strip_prefix(root()).expect("fixtures live in the workspace");
        let run = liucheng(&["test", relative.to_str().expect("UTF-8")]);
        assert_eq!(run.code, 2, "{} should be invalid:\n{}", relative.display(), run.transcript());
        insta::assert_snapshot!(run.transcript());
    });
}

#[test]
fn an_invalid_file_does_not_stop_the_others() {
    let run = liucheng(&["test", &fixture("invalid-keys.test.yaml"), &fixture("pass.test.yaml")]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("scenarios: 2 passed, 0 failed; 1 file invalid"), "{}", run.stdout);
}

#[test]
fn json_reports_every_scenario_and_each_failure_with_its_place() {
    let run = liucheng(&["test", "--format", "json", &fixture("pass.test.yaml"), &fixture("fail.test.yaml")]);
    assert_eq!(run.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!((doc["passed"].as_u64(), doc["failed"].as_u64(), doc["ok"].as_bool()), (Some(3), Some(5), Some(false)));
    let failed = &doc["files"][1]["scenarios"][1];
    assert_eq!(failed["passed"], false);
    assert_eq!(failed["failure"]["line"], 14);
    assert_eq!(failed["failure"]["differences"][0]["what"], "states");
    let refused = &doc["files"][1]["scenarios"][2]["failure"]["refusal"];
    assert_eq!(refused["code"], "guard-false");
    assert_snapshot_timeless!(run.stdout);
    let global = liucheng(&["--json", "test", &fixture("pass.test.yaml")]);
    assert_eq!(global.code, 0);
    assert!(serde_json::from_str::<serde_json::Value>(&global.stdout).is_ok());
}

#[test]
fn junit_xml_has_a_case_per_scenario_and_an_error_per_invalid_file() {
    let dir = std::env::temp_dir().join(format!("liucheng-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.xml");
    let run = liucheng(&[
        "test",
        "--junit",
        file.to_str().unwrap(),
        &fixture("pass.test.yaml"),
        &fixture("fail.test.yaml"),
        &fixture("invalid-names.test.yaml"),
    ]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    let xml = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 9);
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("failure")).count(), 5);
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("error")).count(), 1);
    assert_snapshot_timeless!(xml);
}

#[test]
fn coverage_names_the_states_and_actions_no_scenario_reached() {
    let run = liucheng(&["test", "--coverage", &fixture("pass.test.yaml")]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.transcript());
    let run = liucheng(&["test", "--coverage", "--format", "json", &fixture("pass.test.yaml")]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let claim = &doc["coverage"][0];
    assert_eq!(claim["workflow"], "expense-claim");
    assert_eq!(claim["states"]["missed"], serde_json::json!(["rejected"]));
    assert_eq!(claim["actions"]["missed"], serde_json::json!(["review.reject"]));
    assert_eq!(claim["actions"]["percent"], 75.0);
}

#[test]
fn the_examples_cover_every_state_and_action() {
    let run = liucheng(&["test", "--coverage", "--format", "json", "examples/"]);
    assert_eq!(run.code, 0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    for w in doc["coverage"].as_array().expect("coverage") {
        assert_eq!(w["states"]["missed"], serde_json::json!([]), "{w}");
        assert_eq!(w["actions"]["missed"], serde_json::json!([]), "{w}");
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(liucheng(&["test"]).code, 2);
    let run = liucheng(&["test", "tests/fixtures/valid"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no scenario files"), "{}", run.stderr);
    assert_eq!(liucheng(&["test", "no/such/folder"]).code, 2);
}

#[test]
fn help_teaches_the_scenario_format() {
    let run = liucheng(&["test", "--help"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout);
}
