//! Generators of large workflows, shared by the benchmarks and the tests that check the validator
//! scales: a long approval chain with choices and rework loops, and a wide parallel fork/join.

use std::fmt::Write;

/// A sequential workflow of `n` states: a chain of review steps, every tenth one an exclusive
/// choice on the amount, every fifth approval guarded, every step able to send the work back one
/// step. Every guard is different, so nothing is shared between them.
#[must_use]
pub fn chain_workflow(n: usize) -> String {
    let mut y = String::from(
        "id: generated-chain\ntitle: generated chain\nversion: 1\nroles:\n  clerk: {title: clerk}\n  manager: {title: manager}\nfields:\n  amount: {type: money}\n  note: {type: string}\nstart: {to: s0, by: [clerk]}\nstates:\n",
    );
    let n = n.max(2);
    for i in 0..n - 1 {
        let next = if i + 1 == n - 1 { "done".to_owned() } else { format!("s{}", i + 1) };
        if i % 10 == 9 {
            let _ = writeln!(
                y,
                "  s{i}:\n    choice:\n      - {{when: \"amount > {i}.0\", to: {next}}}\n    default: {next}"
            );
        } else {
            let back = if i == 0 { "s0".to_owned() } else { format!("s{}", i - 1) };
            let guard = if i % 5 == 0 { format!(", when: \"amount < {}.0\"", 1_000_000 + i) } else { String::new() };
            let _ = writeln!(
                y,
                "  s{i}:\n    title: step {i}\n    actions:\n      approve: {{by: [manager], to: {next}{guard}, accepts: [note]}}\n      back: {{by: [manager], to: {back}, comment_required: true}}"
            );
        }
    }
    y.push_str("  done: {end: approved}\n");
    y
}

/// A workflow that forks into `branches` parallel branches of `steps` human steps each, then
/// joins them all.
#[must_use]
pub fn parallel_workflow(branches: usize, steps: usize) -> String {
    let mut y = String::from(
        "id: generated-parallel\ntitle: generated parallel\nversion: 1\nroles:\n  clerk: {title: clerk}\nstart: {to: split, by: [clerk]}\nstates:\n",
    );
    let firsts: Vec<String> = (0..branches).map(|b| format!("b{b}_0")).collect();
    let _ = writeln!(y, "  split:\n    fork: [{}]", firsts.join(", "));
    for b in 0..branches {
        for s in 0..steps {
            let next = if s + 1 == steps { format!("b{b}_done") } else { format!("b{b}_{}", s + 1) };
            let _ = writeln!(y, "  b{b}_{s}:\n    actions:\n      ok: {{by: [clerk], to: {next}}}");
        }
        let _ = writeln!(y, "  b{b}_done: {{title: branch {b} done}}");
    }
    let inputs: Vec<String> = (0..branches).map(|b| format!("b{b}_done")).collect();
    let _ = writeln!(y, "  joined:\n    join: [{}]\n    to: done", inputs.join(", "));
    y.push_str("  done: {end: approved}\n");
    y
}
