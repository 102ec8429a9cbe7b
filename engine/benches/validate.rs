//! Validation speed on generated workflows: chains of 100, 1,000 and 10,000 states, and a
//! parallel fork/join of 12 branches (whose exploration stops at the cap).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use liucheng_engine::testing::{chain_workflow, parallel_workflow};
use liucheng_engine::validate_one;
use std::hint::black_box;
use std::path::Path;

fn chains(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate_chain");
    for n in [100, 1_000, 10_000] {
        let text = chain_workflow(n);
        assert!(validate_one(Path::new("chain.yaml"), &text).is_ok(), "the generated chain is valid");
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| validate_one(Path::new("chain.yaml"), black_box(text)));
        });
    }
    group.finish();
}

fn parallel(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate_parallel");
    group.sample_size(10);
    for (branches, steps) in [(4, 3), (8, 3), (12, 3)] {
        let text = parallel_workflow(branches, steps);
        group.bench_with_input(BenchmarkId::from_parameter(format!("{branches}x{steps}")), &text, |b, text| {
            b.iter(|| validate_one(Path::new("parallel.yaml"), black_box(text)));
        });
    }
    group.finish();
}

criterion_group!(benches, chains, parallel);
criterion_main!(benches);
