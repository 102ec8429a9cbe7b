//! Random sequences of valid and invalid operations on the example workflows keep every
//! invariant: each instance equals the replay of its events, its hash chain holds, and no
//! recorded action or signature was taken by someone without the role for it.

use std::path::Path;

use chrono::{DateTime, Duration, FixedOffset};
use liucheng_engine::model::workflow::{Duty, Signers, StateKind};
use liucheng_engine::runtime::{Event, EventKind};
use liucheng_engine::service::{ActRequest, Service};
use liucheng_engine::SourceFile;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const WORKFLOWS: &[(&str, &str)] = &[
    ("leave-request", r#"{"days": 2, "reason": "x"}"#),
    ("purchase-review", r#"{"amount": 100.0, "supplier": "s"}"#),
    ("plan-committee", r#"{"plan": "p"}"#),
    ("complaint-response", r#"{"complaint": "c", "severity": "general"}"#),
    ("supplier-selection", "{}"),
    ("signing-in-order", "{}"),
];
const PEOPLE: &[&str] =
    &["zhang_san", "li_si", "wang_wu", "zhao_liu", "qian_qi", "sun_ba", "zhou_jiu", "wu_shi", "nobody"];
const ACTIONS: &[&str] = &[
    "submit",
    "approve",
    "return",
    "reject",
    "cleared",
    "query",
    "answer",
    "sign",
    "propose",
    "agree",
    "satisfied",
    "unsatisfied",
    "approv",
];

#[derive(Debug, Clone)]
enum Op {
    Start { workflow: usize, actor: usize },
    Act { instance: usize, action: usize, actor: usize, data: usize, comment: bool },
    Cancel { instance: usize, actor: usize },
    Tick { hours: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0..WORKFLOWS.len(), 0..PEOPLE.len()).prop_map(|(workflow, actor)| Op::Start { workflow, actor }),
        5 => (0..8usize, 0..ACTIONS.len(), 0..PEOPLE.len(), 0..4usize, any::<bool>())
            .prop_map(|(instance, action, actor, data, comment)| Op::Act { instance, action, actor, data, comment }),
        1 => (0..8usize, 0..PEOPLE.len()).prop_map(|(instance, actor)| Op::Cancel { instance, actor }),
        1 => (1..80i64).prop_map(|hours| Op::Tick { hours }),
    ]
}

fn data(choice: usize) -> Map<String, Value> {
    let v = match choice {
        0 => json!({}),
        1 => json!({"supplier": "乙", "amount": 500.0, "answer": "ok"}),
        2 => json!({"budget": true, "risk": true}),
        _ => json!({"amount": "lots", "nope": 1}),
    };
    serde_json::from_value(v).expect("objects")
}

fn service(at: DateTime<FixedOffset>) -> Service {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut service = Service::in_memory().expect("in-memory database");
    let mut files: Vec<SourceFile> = std::fs::read_dir(&root)
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml") && !p.ends_with("org.yaml"))
        .filter(|p| !p.to_string_lossy().ends_with(".test.yaml"))
        .map(|path| SourceFile { bytes: std::fs::read(&path).expect("readable"), path })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    service.deploy(&files, at).expect("deploy");
    let org = root.join("org.yaml");
    service.load_org(&org, &std::fs::read(&org).expect("org"), at).expect("org");
    service
}

/// Every recorded human step was taken by someone holding a role that may take it, and no
/// separation-of-duty rule was broken.
fn check_authority(service: &mut Service, id: i64) {
    let workflow = service.workflow_of(id).expect("definition");
    let org = service.org().expect("org");
    let events: Vec<Event> = service
        .events(id)
        .expect("events")
        .iter()
        .map(|e| serde_json::from_str(&e.payload).expect("payload"))
        .collect();
    let requester = events.first().map(|e| e.actor.clone()).unwrap_or_default();
    let mut acted: Vec<(liucheng_engine::model::workflow::StateId, String)> = Vec::new();
    for event in &events {
        let (state, allowed, duties) = match &event.kind {
            EventKind::Acted { state, action, .. } => match workflow.state(*state).kind() {
                StateKind::Task { actions } => {
                    (*state, actions[*action].by().to_vec(), actions[*action].not_by().to_vec())
                }
                _ => panic!("an action outside a task"),
            },
            EventKind::Signed { state, .. } | EventKind::Rejected { state } => match workflow.state(*state).kind() {
                StateKind::Signoff(s) => match s.signers() {
                    Signers::Roles(r) => (*state, r.clone(), s.not_by().to_vec()),
                    Signers::Body(r) => (*state, vec![*r], s.not_by().to_vec()),
                },
                _ => panic!("a signature outside a sign-off"),
            },
            _ => continue,
        };
        let person = org.person(&event.actor).unwrap_or_else(|| panic!("unknown actor {} recorded", event.actor));
        let role = event.role.clone().expect("a human step records its role");
        assert!(person.roles.contains(&role), "{} acted as {role}, which they do not hold", event.actor);
        assert!(
            allowed.iter().any(|r| workflow.role(*r).name() == role),
            "{role} may not act in {}",
            workflow.state(state).name()
        );
        for duty in duties {
            match duty {
                Duty::Requester => assert_ne!(event.actor, requester, "the requester acted where forbidden"),
                Duty::ActorOf(s) => assert!(!acted.contains(&(s, event.actor.clone())), "separation of duties broken"),
            }
        }
        acted.push((state, event.actor.clone()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_every_invariant(ops in prop::collection::vec(op(), 1..40)) {
        let mut now = DateTime::parse_from_rfc3339("2026-11-30T09:00:00+08:00").expect("time");
        let mut service = service(now);
        let mut ids: Vec<i64> = Vec::new();
        for op in ops {
            now += Duration::minutes(7);
            match op {
                Op::Start { workflow, actor } => {
                    let (name, data) = WORKFLOWS[workflow];
                    if let Ok(o) = service.start(name, PEOPLE[actor], serde_json::from_str(data).expect("data"), now) {
                        ids.push(o.instance);
                    }
                }
                Op::Act { instance, action, actor, data: d, comment } if !ids.is_empty() => {
                    let request = ActRequest {
                        instance: ids[instance % ids.len()],
                        action: ACTIONS[action].into(),
                        state: None,
                        actor: PEOPLE[actor].into(),
                        data: data(d),
                        comment: comment.then(|| "理由".to_owned()),
                        expect_version: None,
                        now,
                    };
                    let _ = service.act(&request);
                }
                Op::Cancel { instance, actor } if !ids.is_empty() => {
                    let _ = service.cancel(ids[instance % ids.len()], PEOPLE[actor], "取消", now);
                }
                Op::Tick { hours } => {
                    now += Duration::hours(hours);
                    service.tick(now).expect("tick never fails on valid data");
                }
                _ => {}
            }
        }
        for verdict in service.verify(&[]).expect("verify") {
            prop_assert_eq!(verdict.problem, None, "instance {}", verdict.instance);
            check_authority(&mut service, verdict.instance);
        }
    }
}
