//! The liucheng driver of `../shared/bench-peers`: `liucheng-peer MODE WORKLOAD N DB`.
//! It runs the same workloads as the other engines through the same service the CLI uses.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use chrono::Utc;
use liucheng_engine::service::{ActRequest, Service};
use liucheng_engine::SourceFile;
use serde_json::{json, Map, Value};

const W1: &str = include_str!("../workloads/w1.yaml");
const W2: &str = include_str!("../workloads/w2.yaml");
const W3: &str = include_str!("../workloads/w3.yaml");
const ORG: &str = "people:\n  clerk: {name: clerk, roles: [clerk]}\n";

/// The human steps of one instance of a workload, in the order the driver takes them.
fn steps(workload: &str) -> Vec<&'static str> {
    match workload {
        "w1" => vec!["complete"; 10],
        "w2" => vec!["complete_a", "complete_b", "complete_c", "complete_a", "complete_b", "complete_c", "complete"],
        _ => vec!["review", "approve", "close"],
    }
}

fn data(workload: &str, i: u64) -> Map<String, Value> {
    match workload {
        "w3" => [("amount".to_owned(), json!([5_000, 50_000, 500_000][(i % 3) as usize]))].into_iter().collect(),
        _ => Map::new(),
    }
}

fn prepare(service: &mut Service, workload: &str) -> Result<(), String> {
    let text = match workload {
        "w1" => W1,
        "w2" => W2,
        "w3" => W3,
        other => return Err(format!("unknown workload {other}")),
    };
    let now = Utc::now().fixed_offset();
    let file = SourceFile { path: format!("{workload}.yaml").into(), bytes: text.as_bytes().to_vec() };
    service.deploy(&[file], now).map_err(|e| e.to_string())?;
    service.load_org(Path::new("org.yaml"), ORG.as_bytes(), now).map_err(|e| e.to_string())?;
    Ok(())
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode, workload, n, db] = &args[..] else {
        return Err("usage: liucheng-peer durable|memory|cold w1|w2|w3 N DB".into());
    };
    let n: u64 = n.parse().map_err(|_| "N must be a number")?;
    let max_secs: f64 = std::env::var("BENCH_MAX_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(8.0);
    let sync = std::env::var("BENCH_SYNC").unwrap_or_else(|_| "FULL".into());
    let mut service = match mode.as_str() {
        "memory" => Service::in_memory(),
        _ => Service::open(Path::new(db)),
    }
    .map_err(|e| e.to_string())?;
    if mode != "memory" {
        service.store().set_synchronous(&sync).map_err(|e| e.to_string())?;
    }
    let workflow = format!("peer-{workload}");
    prepare(&mut service, workload)?;
    if mode == "cold" {
        let began = Instant::now();
        service.start(&workflow, "clerk", data(workload, 0), Utc::now().fixed_offset()).map_err(|e| e.to_string())?;
        println!("{}", json!({"done": 1, "steps": 0, "secs": began.elapsed().as_secs_f64()}));
        return Ok(());
    }
    let steps = steps(workload);
    let began = Instant::now();
    let (mut done, mut taken) = (0u64, 0u64);
    for i in 0..n {
        if began.elapsed().as_secs_f64() > max_secs {
            break;
        }
        let now = Utc::now().fixed_offset();
        let id = service.start(&workflow, "clerk", data(workload, i), now).map_err(|e| e.to_string())?.instance;
        for action in &steps {
            let request = ActRequest {
                instance: id,
                action: (*action).to_owned(),
                state: None,
                actor: "clerk".into(),
                data: Map::new(),
                comment: None,
                expect_version: None,
                now,
            };
            service.act(&request).map_err(|e| format!("instance {id}, {action}: {e}"))?;
            taken += 1;
        }
        done += 1;
    }
    println!("{}", json!({"done": done, "steps": taken, "secs": began.elapsed().as_secs_f64()}));
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("liucheng-peer: {e}");
            ExitCode::from(2)
        }
    }
}
