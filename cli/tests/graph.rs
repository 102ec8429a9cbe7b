//! `liucheng graph` end to end: Mermaid and DOT drawings of the examples are snapshots, and an
//! invalid workflow is refused with its diagnostics.

mod common;

use common::liucheng;

#[test]
fn mermaid_of_each_example() {
    for example in ["linear-approval", "parallel-review", "k-of-n-signoff", "deadline-escalation", "signing-in-order"] {
        let run = liucheng(&["graph", &format!("examples/{example}.yaml")]);
        assert_eq!(run.code, 0, "{}", run.transcript());
        insta::assert_snapshot!(format!("mermaid-{example}"), run.stdout);
    }
}

#[test]
fn a_call_is_drawn_with_its_callee_from_the_same_folder() {
    let run = liucheng(&["graph", "examples/sub-workflow.yaml"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("⤷ signing-in-order"), "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn a_call_without_its_callee_is_an_error() {
    let dir = std::env::temp_dir().join(format!("liucheng-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let alone = dir.join("sub-workflow.yaml");
    std::fs::copy(common::root().join("examples/sub-workflow.yaml"), &alone).unwrap();
    let run = liucheng(&["graph", alone.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error[undeclared-workflow]: undeclared workflow `signing-in-order`"),
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

#[test]
fn the_library_diagrams_in_the_docs_are_the_files_as_they_are() {
    let doc = std::fs::read_to_string(common::root().join("docs/process-library.md")).unwrap();
    let blocks: Vec<&str> = doc.split("```mermaid\n").skip(1).map(|b| b.split("```").next().unwrap()).collect();
    let drawn: Vec<String> = ["emergency-surgery", "surgical-safety-check"]
        .iter()
        .map(|id| {
            let run = liucheng(&["graph", &format!("workflows/{id}.yaml")]);
            assert_eq!(run.code, 0, "{}", run.transcript());
            run.stdout
        })
        .collect();
    assert_eq!(blocks, drawn, "redraw them: liucheng graph workflows/<id>.yaml");
}
