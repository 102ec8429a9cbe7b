//! Where validation time goes, phase by phase, on a generated 10,000-state chain (run with
//! `cargo run --release -p liucheng-engine --example phase_timing`).

use std::path::Path;
use std::time::Instant;

use liucheng_engine::analysis::{graph, net, soundness};
use liucheng_engine::diagnostic::Report;
use liucheng_engine::syntax::loader::load;
use liucheng_engine::syntax::raw::RawWorkflow;
use liucheng_engine::testing::chain_workflow;

fn main() {
    let n = std::env::var("STATES").ok().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let text = chain_workflow(n);
    println!("{} bytes", text.len());
    let t = Instant::now();
    let loaded = load::<RawWorkflow>(Path::new("chain.yaml"), text.as_bytes()).expect("valid");
    println!("parse + deserialize: {:?}", t.elapsed());
    let t = Instant::now();
    let mut report = Report::default();
    let workflow = liucheng_engine::resolve::resolve(&loaded.raw, &Default::default(), &mut report).expect("valid");
    println!("resolve (guards included): {:?}", t.elapsed());
    let t = Instant::now();
    graph::check(&workflow, false, &mut report);
    println!("graph checks: {:?}", t.elapsed());
    let t = Instant::now();
    let findings = soundness::check(&net::compile(&workflow), &soundness::Limits::default());
    println!("soundness: {:?} ({} findings)", t.elapsed(), findings.len());
    let t = Instant::now();
    let _ = liucheng_engine::validate_one(Path::new("chain.yaml"), &text);
    println!("whole pipeline: {:?}", t.elapsed());
}
