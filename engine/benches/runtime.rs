//! The engine's hot path: one human step (check, apply, hash, store) on an in-memory database,
//! and `apply` alone, on the ten-step linear workload of the peer benchmark.

use chrono::{DateTime, FixedOffset};
use criterion::{criterion_group, criterion_main, Criterion};
use liucheng_engine::runtime::{apply, Event, EventKind};
use liucheng_engine::service::{ActRequest, Service};
use liucheng_engine::{validate_one, SourceFile};
use serde_json::Map;
use std::hint::black_box;
use std::path::Path;

const W1: &str = include_str!("../../bench/peer-driver/workloads/w1.yaml");

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-30T09:00:00+08:00").expect("a time")
}

fn service() -> Service {
    let mut service = Service::in_memory().expect("memory");
    let file = SourceFile { path: "w1.yaml".into(), bytes: W1.as_bytes().to_vec() };
    service.deploy(&[file], now()).expect("deploy");
    service.load_org(Path::new("org.yaml"), b"people:\n  clerk: {name: c, roles: [clerk]}\n", now()).expect("org");
    service
}

fn step(c: &mut Criterion) {
    let mut service = service();
    let mut id = 0;
    let mut left = 0;
    c.bench_function("act_in_memory", |b| {
        b.iter(|| {
            if left == 0 {
                id = service.start("peer-w1", "clerk", Map::new(), now()).expect("start").instance;
                left = 10;
            }
            let request = ActRequest {
                instance: id,
                action: "complete".into(),
                state: None,
                actor: "clerk".into(),
                data: Map::new(),
                comment: None,
                expect_version: None,
                now: now(),
            };
            black_box(service.act(&request).expect("act"));
            left -= 1;
        });
    });
}

fn pure_apply(c: &mut Criterion) {
    let workflow = validate_one(Path::new("w1.yaml"), W1).expect("valid");
    let start = Event {
        role: Some("clerk".into()),
        ..Event::new(
            now(),
            "clerk",
            EventKind::Started { data: Map::new(), parent: None, roles: Default::default(), params: Map::new() },
        )
    };
    let instance = apply(&workflow, None, &start).expect("start").instance;
    let state = instance.tokens[0].state;
    let act = Event { kind: EventKind::Acted { state, action: 0, data: Map::new() }, ..start };
    c.bench_function("apply_one_step", |b| {
        b.iter(|| black_box(apply(&workflow, Some(&instance), &act).expect("apply")))
    });
}

criterion_group!(benches, step, pure_apply);
criterion_main!(benches);
