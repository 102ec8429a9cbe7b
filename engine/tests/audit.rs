//! Audit through the service: long histories recorded in one go are the same rows `act` writes,
//! replay and verify stream them, and an export restores into a fresh database or not at all.

use std::path::Path;

use chrono::{DateTime, Duration, FixedOffset};
use liucheng_engine::runtime::{Event, EventKind};
use liucheng_engine::service::{ActRequest, ExportFormat, ExportRequest, ReplayUntil, Service, ServiceError};
use liucheng_engine::SourceFile;
use serde_json::{json, Map, Value};

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("test times are RFC 3339")
}

const T0: &str = "2026-11-30T09:00:00+08:00";

fn service(files: &[&str]) -> Service {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut service = Service::in_memory().expect("memory");
    let files: Vec<SourceFile> = files
        .iter()
        .map(|f| {
            let path = root.join(f);
            SourceFile { bytes: std::fs::read(&path).expect("readable"), path }
        })
        .collect();
    service.deploy(&files, t(T0)).expect("deploys");
    let org = root.join("examples/org.yaml");
    service.load_org(&org, &std::fs::read(&org).expect("org"), t(T0)).expect("org loads");
    service
}

fn object(v: Value) -> Map<String, Value> {
    serde_json::from_value(v).expect("an object")
}

fn act(service: &mut Service, id: i64, action: &str, actor: &str, at: &str, comment: Option<&str>) {
    let request = ActRequest {
        instance: id,
        action: action.into(),
        state: None,
        actor: actor.into(),
        data: Map::new(),
        comment: comment.map(str::to_owned),
        expect_version: None,
        now: t(at),
    };
    service.act(&request).expect("acts");
}

#[test]
fn a_recorded_history_is_the_same_rows_acting_writes() {
    let mut acted = service(&["examples/linear-approval.yaml"]);
    let data = object(json!({"days": 3, "reason": "探亲"}));
    let id = acted.start("leave-request", "zhang_san", data, t(T0)).unwrap().instance;
    act(&mut acted, id, "submit", "zhang_san", "2026-11-30T10:00:00+08:00", None);
    act(&mut acted, id, "return", "wang_wu", "2026-11-30T11:00:00+08:00", Some("写清楚"));
    act(&mut acted, id, "submit", "zhang_san", "2026-11-30T12:00:00+08:00", None);
    act(&mut acted, id, "approve", "wang_wu", "2026-11-30T13:00:00+08:00", None);
    let rows = acted.events(id).unwrap();
    let mut events: Vec<Event> = rows.iter().map(|r| serde_json::from_str(&r.payload).unwrap()).collect();
    events.reverse();

    let mut recorded = service(&["examples/linear-approval.yaml"]);
    let start = events.pop().unwrap();
    let id2 = recorded.record_history("leave-request", start, |_, _| events.pop()).unwrap();
    assert_eq!((id2, recorded.events(id2).unwrap()), (id, rows));
    assert!(recorded.verify(&[]).unwrap().iter().all(|v| v.problem.is_none()));
    assert_eq!(recorded.show(id, None, t(T0)).unwrap().outcome.as_deref(), Some("approved"));
}

#[test]
fn a_long_history_replays_and_verifies_in_one_pass() {
    let mut service = service(&["examples/linear-approval.yaml"]);
    let start = Event {
        role: Some("employee".into()),
        ..Event::new(
            t(T0),
            "zhang_san",
            EventKind::Started {
                data: object(json!({"days": 1, "reason": "x"})),
                parent: None,
                roles: Default::default(),
                params: Map::new(),
            },
        )
    };
    // Submit and return, 2,000 times over, then approve.
    let mut n = 0;
    let id = service
        .record_history("leave-request", start, |workflow, instance| {
            n += 1;
            let state = instance.tokens.first()?.state;
            let name = workflow.state(state).name();
            let (action, actor, role) = match (name, n) {
                ("draft", _) => (0, "zhang_san", "employee"),
                ("review", 4_000) => (0, "wang_wu", "manager"),
                ("review", _) => (1, "wang_wu", "manager"),
                _ => return None,
            };
            Some(Event {
                role: Some(role.into()),
                ..Event::new(t(T0) + Duration::minutes(n), actor, EventKind::Acted { state, action, data: Map::new() })
            })
        })
        .unwrap();
    let verdicts = service.verify(&[id]).unwrap();
    assert_eq!((verdicts[0].events, &verdicts[0].problem), (4_001, &None));
    let last = service.replay(id, ReplayUntil::default()).unwrap();
    assert_eq!((last.len(), last[0].seq, last[0].status.as_str()), (1, 4_001, "done"));
    let at_ten = service.replay(id, ReplayUntil { seq: Some(10), every_step: true, ..Default::default() }).unwrap();
    assert_eq!(at_ten.iter().map(|s| s.seq).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    assert!(service.snapshot_matches_replay(id).unwrap());
}

#[test]
fn a_restore_that_fails_midway_writes_nothing() {
    let mut source = service(&["examples/linear-approval.yaml"]);
    for _ in 0..3 {
        source.start("leave-request", "zhang_san", object(json!({"days": 1, "reason": "x"})), t(T0)).unwrap();
    }
    let mut file = Vec::new();
    source.export(&ExportRequest::default(), ExportFormat::Jsonl, t(T0), &mut file).unwrap();
    let text = String::from_utf8(file).unwrap();

    // The target already holds instance 3, not 1 or 2: the first two are loaded, then refused.
    let mut target = service(&["examples/linear-approval.yaml"]);
    for _ in 0..3 {
        target.start("leave-request", "li_si", object(json!({"days": 9, "reason": "y"})), t(T0)).unwrap();
    }
    let before = target.events(1).unwrap();
    let err = target.restore(&mut text.as_bytes()).unwrap_err();
    assert!(matches!(err, ServiceError::Restore(_)), "{err}");
    assert_eq!(err.to_string(), "the database already holds instance 1");
    assert_eq!(target.events(1).unwrap(), before);

    let mut fresh = Service::in_memory().unwrap();
    let restored = fresh.restore(&mut text.as_bytes()).unwrap();
    assert_eq!((restored.instances, restored.events, restored.definitions_added), (3, 3, 1));
    assert!(restored.verdicts.iter().all(|v| v.problem.is_none()));
    // The restored organisation is the current one, so people can act on restored instances.
    act(&mut fresh, 2, "submit", "zhang_san", T0, None);
}
