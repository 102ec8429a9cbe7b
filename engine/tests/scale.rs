//! The validator's verdicts on generated workflows large enough to matter (speed itself lives in
//! `benches/validate.rs`, never in a test).

use std::path::Path;

use liucheng_engine::testing::{chain_workflow, parallel_workflow};
use liucheng_engine::{validate_one, Problem};

#[test]
fn a_chain_of_ten_thousand_states_is_valid() {
    let workflow = validate_one(Path::new("chain.yaml"), &chain_workflow(10_000)).expect("valid");
    assert_eq!(workflow.states().len(), 10_000);
}

#[test]
fn a_small_parallel_workflow_is_sound() {
    let workflow = validate_one(Path::new("p.yaml"), &parallel_workflow(4, 3)).expect("valid");
    assert_eq!(workflow.states().len(), 4 * 4 + 3);
}

#[test]
fn a_wide_parallel_workflow_is_valid_but_says_it_was_not_fully_verified() {
    let files = [liucheng_engine::SourceFile { path: "p.yaml".into(), bytes: parallel_workflow(12, 3).into_bytes() }];
    let options = liucheng_engine::analysis::Options { max_markings: 20_000, ..Default::default() };
    let checked = liucheng_engine::validate(&files, &Default::default(), &options);
    assert!(!checked[0].has_errors());
    let warnings: Vec<_> = checked[0].diagnostics.iter().map(|d| d.problem.clone()).collect();
    assert!(
        matches!(warnings.as_slice(), [Problem::TooLargeToVerify { explored }] if *explored >= 20_000),
        "{warnings:?}"
    );
}
