//! Random and mutated YAML fed to the whole validation pipeline: it must never panic, and every
//! rejection must carry at least one diagnostic.

use std::path::Path;

use liucheng_engine::{validate, SourceFile};
use proptest::prelude::*;

fn examples() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut texts: Vec<String> = std::fs::read_dir(dir)
        .expect("examples/ exists")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .collect();
    texts.sort();
    texts
}

fn check(bytes: Vec<u8>) {
    let files = [SourceFile { path: "fuzz.yaml".into(), bytes }];
    let checked = validate(&files, &Default::default(), &Default::default());
    assert_eq!(checked.len(), 1);
    if checked[0].workflow.is_none() {
        assert!(!checked[0].diagnostics.is_empty(), "a rejected file must say why");
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    SwapLines { a: usize, b: usize },
    DuplicateLine { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let yamlish = prop::sample::select(vec![
        ":", " ", "\n", "- ", "[", "]", "{", "}", "&a ", "*a", "'", "\"", "#", "\t", "to: x", "by: [", "when: \"",
        "\u{fffd}", "急", "states:", "  ", "---\n", "!!str ", "? ", "|\n", "0", "-1", "true",
    ]);
    prop_oneof![
        (any::<usize>(), 0usize..20).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), prop::collection::vec(yamlish, 1..4))
            .prop_map(|(at, t)| Mutation::Insert { at, text: t.concat() }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        any::<usize>().prop_map(|at| Mutation::DuplicateLine { at }),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut out = text.to_owned();
    for m in mutations {
        let boundary = |s: &str, at: usize| {
            let mut i = at % (s.len() + 1);
            while !s.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        match m {
            Mutation::Delete { at, len } => {
                let a = boundary(&out, *at);
                let b = boundary(&out, a + len);
                out.replace_range(a..b.max(a), "");
            }
            Mutation::Insert { at, text } => {
                let a = boundary(&out, *at);
                out.insert_str(a, text);
            }
            Mutation::SwapLines { a, b } => {
                let mut lines: Vec<&str> = out.lines().collect();
                if !lines.is_empty() {
                    let (a, b) = (a % lines.len(), b % lines.len());
                    lines.swap(a, b);
                }
                out = lines.join("\n");
            }
            Mutation::DuplicateLine { at } => {
                let mut lines: Vec<&str> = out.lines().collect();
                if !lines.is_empty() {
                    let at = at % lines.len();
                    lines.insert(at, lines[at]);
                }
                out = lines.join("\n");
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check(bytes);
    }

    #[test]
    fn mutated_examples_never_panic(which in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..6)) {
        let examples = examples();
        let text = apply(&examples[which % examples.len()], &mutations);
        check(text.into_bytes());
    }
}

#[test]
fn hostile_documents_end_in_a_diagnostic() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 9].join(", ")));
    }
    let deep = format!("id: {}1{}", "[".repeat(5_000), "]".repeat(5_000));
    let huge = "#".repeat(9 * 1024 * 1024);
    for (name, text) in [("bomb", bomb), ("deep", deep), ("huge", huge)] {
        let files = [SourceFile { path: format!("{name}.yaml").into(), bytes: text.into_bytes() }];
        let checked = validate(&files, &Default::default(), &Default::default());
        assert!(checked[0].has_errors(), "{name} must be rejected");
    }
}
