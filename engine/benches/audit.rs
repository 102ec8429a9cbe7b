//! Audit at scale: replay and verify one instance with 100,000 events, and verify every instance
//! of a database holding 1,000,000 events (1,000 instances of 1,000). The histories are recorded
//! by the engine (applied, described and hashed as acting does) once per run, into database
//! files in the temporary folder, which are removed afterwards.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, FixedOffset};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use liucheng_engine::runtime::{Event, EventKind};
use liucheng_engine::service::{ReplayUntil, Service};
use liucheng_engine::SourceFile;
use serde_json::{json, Map};
use std::hint::black_box;

/// A clerk works and a checker sends the work back, over and over, until the clerk finishes.
const WORKFLOW: &str = r#"
id: audit-bench
title: 审计基准 / Audit benchmark
version: 1
roles:
  clerk: { title: 办事员 / Clerk }
  checker: { title: 复核 / Checker }
fields:
  count: { type: integer, title: 次数 / Count }
  note: { type: string, title: 备注 / Note }
start: { to: work, by: [clerk] }
states:
  work:
    actions:
      step: { by: [clerk], to: check, accepts: [count, note] }
      finish: { by: [clerk], to: done }
  check:
    actions:
      back: { by: [checker], to: work }
  done: { end: completed }
"#;

const ORG: &str = "people:\n  li: {name: 李, roles: [clerk]}\n  wang: {name: 王, roles: [checker]}\n";

fn t0() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-30T09:00:00+08:00").expect("a time")
}

/// A database file, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        self.remove();
    }
}

fn database(name: &str) -> (Scratch, Service) {
    let path = std::env::temp_dir().join(format!("liucheng-audit-bench-{name}-{}.db", std::process::id()));
    let scratch = Scratch(path);
    scratch.remove();
    let mut service = Service::open(&scratch.0).expect("a database file");
    service.store().set_synchronous("OFF").expect("synchronous off");
    let file = SourceFile { path: "audit-bench.yaml".into(), bytes: WORKFLOW.as_bytes().to_vec() };
    service.deploy(&[file], t0()).expect("deploy");
    service.load_org(Path::new("org.yaml"), ORG.as_bytes(), t0()).expect("org");
    (scratch, service)
}

/// Record one instance with exactly `events` events: start, step and back in turn (each step
/// fills in two fields, every tenth carries a comment), and finish.
fn record(service: &mut Service, events: usize) -> i64 {
    let start = Event {
        role: Some("clerk".into()),
        ..Event::new(
            t0(),
            "li",
            EventKind::Started { data: Map::new(), parent: None, roles: Default::default(), params: Map::new() },
        )
    };
    let mut n = 1;
    service
        .record_history("audit-bench", start, |workflow, instance| {
            if n == events {
                return None;
            }
            n += 1;
            let state = instance.tokens.first()?.state;
            let at = t0() + Duration::minutes(i64::try_from(n).expect("small"));
            let (actor, role, action, data) = match workflow.state(state).name() {
                "work" if n == events => ("li", "clerk", 1, Map::new()),
                "work" => {
                    let data = json!({"count": n, "note": format!("第 {n} 次")});
                    ("li", "clerk", 0, serde_json::from_value(data).expect("an object"))
                }
                _ => ("wang", "checker", 0, Map::new()),
            };
            Some(Event {
                role: Some(role.into()),
                comment: (n % 10 == 0).then(|| format!("复核意见 {n}")),
                ..Event::new(at, actor, EventKind::Acted { state, action, data })
            })
        })
        .expect("recorded")
}

fn one_long_instance(c: &mut Criterion) {
    const EVENTS: usize = 100_000;
    let (_scratch, mut service) = database("100k");
    let started = std::time::Instant::now();
    let id = record(&mut service, EVENTS);
    eprintln!("recorded {EVENTS} events in {:.1?}", started.elapsed());
    let mut group = c.benchmark_group("audit_one_instance_100k_events");
    group.sample_size(10);
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("replay", |b| {
        b.iter(|| {
            let states = service.replay(id, ReplayUntil::default()).expect("replay");
            assert_eq!(states[0].status, "done");
            black_box(states)
        });
    });
    group.bench_function("verify", |b| {
        b.iter(|| {
            let verdicts = service.verify(&[id]).expect("verify");
            assert!(verdicts[0].problem.is_none() && verdicts[0].events == EVENTS);
            black_box(verdicts)
        });
    });
    group.finish();
}

fn a_million_events(c: &mut Criterion) {
    const INSTANCES: usize = 1_000;
    const EVENTS: usize = 1_000;
    let (_scratch, mut service) = database("1m");
    let started = std::time::Instant::now();
    for _ in 0..INSTANCES {
        record(&mut service, EVENTS);
    }
    eprintln!("recorded {} events in {:.1?}", INSTANCES * EVENTS, started.elapsed());
    let mut group = c.benchmark_group("audit_verify_all_1m_events");
    group.sample_size(10);
    group.throughput(Throughput::Elements((INSTANCES * EVENTS) as u64));
    group.bench_function("verify_all", |b| {
        b.iter(|| {
            let verdicts = service.verify(&[]).expect("verify");
            assert!(verdicts.len() == INSTANCES && verdicts.iter().all(|v| v.problem.is_none()));
            black_box(verdicts)
        });
    });
    group.finish();
}

criterion_group!(benches, one_long_instance, a_million_events);
criterion_main!(benches);
