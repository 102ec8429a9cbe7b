//! Import and validation time of the 282 IBM process models (library A): each model is read from
//! LoLA, turned into a workflow and validated with the soundness check, as `liucheng import` then
//! `liucheng validate` would. Prints the median and maximum time per model and the total.
//! Target: median under 5 ms, none over 1 s. Needs `../shared/external-models/` beside the clone.

use std::path::Path;
use std::time::{Duration, Instant};

use liucheng_engine::analysis::Options;
use liucheng_engine::import::{import, Format};
use liucheng_engine::resolve::Callees;
use liucheng_engine::validate;

/// Runs per model; the fastest is kept, as the least disturbed by the rest of the machine.
const RUNS: usize = 5;

fn import_and_validate(name: &str, text: &str) -> bool {
    let Ok(imported) = import(Format::Lola, name, text) else { return false };
    let files = imported.source_files();
    let checked = validate(&files, &Callees::new(), &Options::default());
    std::hint::black_box(checked).iter().all(|c| !c.diagnostics.is_empty() || c.workflow.is_some())
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/external-models/ibm-wfnets/lib_A");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipped: {} is not there", dir.display());
        return;
    };
    let mut models: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "lola"))
        .collect();
    models.sort();
    let mut times: Vec<(Duration, String)> = Vec::new();
    for path in &models {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let text = std::fs::read_to_string(path).expect("the model reads");
        let mut best = Duration::MAX;
        for _ in 0..RUNS {
            let started = Instant::now();
            assert!(import_and_validate(&name, &text), "{name} imports and validates");
            best = best.min(started.elapsed());
        }
        times.push((best, name));
    }
    times.sort();
    let total: Duration = times.iter().map(|(t, _)| *t).sum();
    let median = times[times.len() / 2].0;
    let (max, slowest) = times.last().cloned().unwrap_or_default();
    println!("import + validate, {} IBM models (fastest of {RUNS} runs each)", times.len());
    println!("  median {:>9.3} ms", median.as_secs_f64() * 1e3);
    println!("  p90    {:>9.3} ms", times[times.len() * 9 / 10].0.as_secs_f64() * 1e3);
    println!("  max    {:>9.3} ms  ({slowest})", max.as_secs_f64() * 1e3);
    println!("  total  {:>9.3} ms", total.as_secs_f64() * 1e3);
}
