//! The shared test world: a service on an in-memory database with every example and valid
//! fixture deployed and the example org loaded, which checks on drop that every instance equals
//! the replay of its history.
#![allow(dead_code)]

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use liucheng_engine::runtime::RuntimeError;
use liucheng_engine::service::{ActRequest, Service, ServiceError};
use liucheng_engine::store::InstanceFilter;
use liucheng_engine::SourceFile;
use serde_json::{json, Map, Value};

pub fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

pub fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("test times are RFC 3339")
}

pub const T0: &str = "2026-11-30T09:00:00+08:00";

/// A service with every example deployed, the valid fixtures too, and the example org.
pub struct World {
    pub service: Service,
}

impl World {
    pub fn new() -> World {
        let mut service = Service::in_memory().expect("in-memory database");
        let mut files = Vec::new();
        for dir in ["examples", "tests/fixtures/valid"] {
            let mut paths: Vec<_> = std::fs::read_dir(root().join(dir))
                .expect("folder exists")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml") && !p.ends_with("org.yaml"))
                .filter(|p| !p.to_string_lossy().ends_with(".test.yaml"))
                .collect();
            paths.sort();
            for path in paths {
                let bytes = std::fs::read(&path).expect("readable");
                files.push(SourceFile { path, bytes });
            }
        }
        service.deploy(&files, t(T0)).expect("examples deploy");
        let org = root().join("examples/org.yaml");
        service.load_org(&org, &std::fs::read(&org).expect("org"), t(T0)).expect("org loads");
        World { service }
    }

    pub fn start(&mut self, workflow: &str, actor: &str, data: Value) -> Result<i64, ServiceError> {
        let data: Map<String, Value> = serde_json::from_value(data).expect("an object");
        self.service.start(workflow, actor, data, t(T0)).map(|o| o.instance)
    }

    pub fn act_at(
        &mut self,
        id: i64,
        action: &str,
        actor: &str,
        data: Value,
        comment: Option<&str>,
        at: &str,
    ) -> Result<(), ServiceError> {
        let request = ActRequest {
            instance: id,
            action: action.into(),
            state: None,
            actor: actor.into(),
            data: serde_json::from_value(data).expect("an object"),
            comment: comment.map(str::to_owned),
            expect_version: None,
            now: t(at),
        };
        self.service.act(&request).map(|_| ())
    }

    pub fn act(&mut self, id: i64, action: &str, actor: &str) -> Result<(), ServiceError> {
        self.act_at(id, action, actor, json!({}), None, T0)
    }

    pub fn states(&mut self, id: i64) -> Vec<String> {
        let mut s: Vec<String> =
            self.service.show(id, None, t(T0)).expect("shown").active.into_iter().map(|t| t.state).collect();
        s.sort();
        s
    }

    pub fn status(&mut self, id: i64) -> (String, Option<String>) {
        let v = self.service.show(id, None, t(T0)).expect("shown");
        (v.status, v.outcome)
    }
}

impl Drop for World {
    /// The invariant every test leaves behind: state equals the replay of history.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let all = self.service.list(&InstanceFilter::default(), None, false, t(T0)).expect("listed");
        for item in all {
            assert!(
                self.service.snapshot_matches_replay(item.id).expect("replayable"),
                "instance {} differs from its replay",
                item.id
            );
        }
    }
}

pub fn refused(result: Result<(), ServiceError>) -> RuntimeError {
    match result {
        Err(ServiceError::Runtime(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}
