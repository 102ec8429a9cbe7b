//! `liucheng graph` end to end: Mermaid and DOT drawings of the examples are snapshots, and an
//! invalid workflow is refused with its diagnostics.

mod common;

use common::liucheng;

#[test]
fn mermaid_of_each_example() {
    for example in ["linear-approval", "parallel-review", "k-of-n-signoff", "deadline-escalation", "contract-signing"] {
        let run = liucheng(&["graph", &format!("examples/{example}.yaml")]);
        assert_eq!(run.code, 0, "{}", run.transcript());
        insta::assert_snapshot!(format!("mermaid-{example}"), run.stdout);
    }
}

#[test]
fn a_call_is_drawn_when_its_callee_is_given() {
    let run = liucheng(&["graph", "examples/sub-workflow.yaml", "--with", "examples"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("⤷ contract-signing"), "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn a_call_without_its_callee_is_an_error() {
    let run = liucheng(&["graph", "examples/sub-workflow.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error[undeclared-workflow]: undeclared workflow `contract-signing`"),
        "{}",
        run.stderr
    );
}

#[test]
fn dot_of_the_parallel_example() {
    let run = liucheng(&["graph", "examples/parallel-review.yaml", "--format", "dot"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.starts_with("digraph workflow {"));
    insta::assert_snapshot!(run.stdout);
}
