//! The runtime end to end through the service on an in-memory database: every construct of the
//! examples, every refusal, and after each test, every instance's snapshot equals its replay.

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use liucheng_engine::runtime::RuntimeError;
use liucheng_engine::service::{ActRequest, Service, ServiceError};
use liucheng_engine::store::InstanceFilter;
use liucheng_engine::SourceFile;
use serde_json::{json, Map, Value};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("test times are RFC 3339")
}

const T0: &str = "2026-11-30T09:00:00+08:00";

/// A service with every example deployed, the valid fixtures too, and the example org.
struct World {
    service: Service,
}

impl World {
    fn new() -> World {
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

    fn start(&mut self, workflow: &str, actor: &str, data: Value) -> Result<i64, ServiceError> {
        let data: Map<String, Value> = serde_json::from_value(data).expect("an object");
        self.service.start(workflow, actor, data, t(T0)).map(|o| o.instance)
    }

    fn act_at(
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

    fn act(&mut self, id: i64, action: &str, actor: &str) -> Result<(), ServiceError> {
        self.act_at(id, action, actor, json!({}), None, T0)
    }

    fn states(&mut self, id: i64) -> Vec<String> {
        let mut s: Vec<String> =
            self.service.show(id, None, t(T0)).expect("shown").active.into_iter().map(|t| t.state).collect();
        s.sort();
        s
    }

    fn status(&mut self, id: i64) -> (String, Option<String>) {
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

fn refused(result: Result<(), ServiceError>) -> RuntimeError {
    match result {
        Err(ServiceError::Runtime(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_linear_approval_runs_to_its_end() {
    let mut w = World::new();
    let id = w.start("leave-request", "zhang_san", json!({"days": 3, "reason": "探亲"})).unwrap();
    assert_eq!(w.states(id), ["draft"]);
    w.act(id, "submit", "zhang_san").unwrap();
    assert_eq!(w.states(id), ["review"]);
    w.act(id, "approve", "wang_wu").unwrap();
    assert_eq!(w.status(id), ("done".into(), Some("approved".into())));
    let events = w.service.events(id).unwrap();
    assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["started", "acted", "acted"]);
    assert_eq!(events[2].role.as_deref(), Some("manager"));
    assert_eq!(events[1].prev_hash, events[0].hash);
}

#[test]
fn refusals_say_why_and_write_nothing() {
    let mut w = World::new();
    let id = w.start("leave-request", "zhang_san", json!({"days": 3, "reason": "探亲"})).unwrap();
    assert!(matches!(refused(w.act(id, "submit", "nobody")), RuntimeError::UnknownActor { .. }));
    assert!(matches!(refused(w.act(id, "submit", "wang_wu")), RuntimeError::MissingRole { .. }));
    assert!(matches!(refused(w.act(id, "approve", "wang_wu")), RuntimeError::ActionNotAvailable { .. }));
    assert!(matches!(
        refused(w.act(id, "aprove", "wang_wu")),
        RuntimeError::UnknownAction { suggestion: None, .. } | RuntimeError::UnknownAction { .. }
    ));
    let bad = refused(w.act_at(id, "submit", "zhang_san", json!({"days": "many", "colour": "red"}), None, T0));
    let RuntimeError::BadInput { problems } = bad else { panic!("expected bad input") };
    assert_eq!(problems.len(), 2, "{problems:?}");
    w.act(id, "submit", "zhang_san").unwrap();
    assert!(matches!(refused(w.act(id, "return", "wang_wu")), RuntimeError::CommentRequired { .. }));
    assert_eq!(w.service.events(id).unwrap().len(), 2, "refusals wrote nothing");
}

#[test]
fn separation_of_duties_stops_a_requester_approving_their_own_request() {
    let mut w = World::new();
    let org = "people:\n  boss: {name: 老板, roles: [employee, manager]}\n  other: {name: 经理, roles: [manager]}\n";
    w.service.load_org(Path::new("org.yaml"), org.as_bytes(), t(T0)).unwrap();
    let id = w.start("leave-request", "boss", json!({"days": 2, "reason": "x"})).unwrap();
    w.act(id, "submit", "boss").unwrap();
    let RuntimeError::SeparationOfDuty { rule, .. } = refused(w.act(id, "approve", "boss")) else {
        panic!("expected separation of duty")
    };
    assert_eq!(rule, "the requester may not take this step");
    w.act(id, "approve", "other").unwrap();
    assert_eq!(w.status(id).1.as_deref(), Some("approved"));
}

#[test]
fn a_guard_that_is_false_refuses_the_action() {
    let mut w = World::new();
    let id = w.start("leave-request", "zhang_san", json!({"days": 0, "reason": "x"})).unwrap();
    assert!(matches!(refused(w.act(id, "submit", "zhang_san")), RuntimeError::GuardFalse { .. }));
}

#[test]
fn fork_and_join_wait_for_both_branches_and_loops_inside_a_branch_work() {
    let mut w = World::new();
    let id = w.start("purchase-review", "zhang_san", json!({"amount": 5000.0, "supplier": "甲"})).unwrap();
    assert_eq!(w.states(id), ["finance_review", "legal_review"]);
    w.act(id, "query", "qian_qi").unwrap();
    w.act(id, "answer", "zhang_san").unwrap();
    w.act(id, "cleared", "zhao_liu").unwrap();
    assert_eq!(w.states(id), ["finance_review", "legal_done"]);
    w.act(id, "cleared", "qian_qi").unwrap();
    assert_eq!(w.states(id), ["decision"]);
    w.act(id, "approve", "wang_wu").unwrap();
    assert_eq!(w.status(id).0, "done");
}

#[test]
fn an_any_join_cancels_the_branches_still_open() {
    let mut w = World::new();
    // Suppliers are people who hold the supplier roles; the example org has none, so load one.
    let org = "people:\n  buyer1: {name: 采购, roles: [buyer]}\n  sa: {name: 甲, roles: [supplier_a]}\n  sb: {name: 乙, roles: [supplier_b]}\n";
    w.service.load_org(Path::new("org.yaml"), org.as_bytes(), t(T0)).unwrap();
    let id = w.start("urgent-quote", "buyer1", json!({})).unwrap();
    assert_eq!(w.states(id), ["quote_a", "quote_b", "quote_c"]);
    w.act_at(id, "quote", "sb", json!({"price": 900.0}), None, T0).unwrap();
    assert_eq!(w.states(id), ["decide"], "the other two requests are withdrawn");
    let last = w.service.events(id).unwrap().pop().unwrap();
    assert!(last.changes.contains("(cancelled branches)"), "{}", last.changes);
    w.act(id, "order", "buyer1").unwrap();
    assert_eq!(w.status(id).1.as_deref(), Some("ordered"));
}

#[test]
fn a_k_of_n_sign_off_needs_k_distinct_signers_with_the_checklist_confirmed() {
    let mut w = World::new();
    let id = w.start("plan-committee", "li_si", json!({"plan": "年度计划"})).unwrap();
    w.act(id, "submit", "li_si").unwrap();
    let all = json!({"budget": true, "risk": true});
    let partial = json!({"budget": true});
    assert!(matches!(
        refused(w.act_at(id, "sign", "qian_qi", partial, None, T0)),
        RuntimeError::ChecklistIncomplete { .. }
    ));
    w.act_at(id, "sign", "qian_qi", all.clone(), None, T0).unwrap();
    assert!(matches!(
        refused(w.act_at(id, "sign", "qian_qi", all.clone(), None, T0)),
        RuntimeError::AlreadySigned { .. }
    ));
    assert!(matches!(
        refused(w.act_at(id, "sign", "zhang_san", all.clone(), None, T0)),
        RuntimeError::MissingRole { .. }
    ));
    w.act_at(id, "sign", "sun_ba", all.clone(), None, T0).unwrap();
    assert_eq!(w.states(id), ["committee"]);
    w.act_at(id, "sign", "zhou_jiu", all, None, T0).unwrap();
    assert_eq!(w.status(id), ("done".into(), Some("approved".into())));
}

#[test]
fn a_rejection_by_any_signer_follows_the_reject_path_and_needs_a_reason() {
    let mut w = World::new();
    let id = w.start("plan-committee", "li_si", json!({"plan": "年度计划"})).unwrap();
    w.act(id, "submit", "li_si").unwrap();
    assert!(matches!(refused(w.act(id, "reject", "qian_qi")), RuntimeError::CommentRequired { .. }));
    w.act_at(id, "reject", "qian_qi", json!({}), Some("预算不足"), T0).unwrap();
    assert_eq!(w.states(id), ["drafting"]);
}

#[test]
fn an_in_order_sign_off_refuses_the_second_signer_first() {
    let mut w = World::new();
    let id = w.start("signing-in-order", "zhao_liu", json!({})).unwrap();
    assert!(matches!(refused(w.act(id, "sign", "sun_ba")), RuntimeError::NotYourTurn { .. }));
    w.act(id, "sign", "zhao_liu").unwrap();
    w.act(id, "sign", "sun_ba").unwrap();
    assert_eq!(w.status(id).1.as_deref(), Some("signed"));
}

#[test]
fn a_call_runs_a_child_and_the_parent_continues_on_its_outcome() {
    let mut w = World::new();
    let id = w.start("supplier-selection", "zhang_san", json!({})).unwrap();
    w.act_at(id, "propose", "zhang_san", json!({"supplier": "乙公司", "amount": 120000.0}), None, T0).unwrap();
    w.act(id, "agree", "sun_ba").unwrap();
    let view = w.service.show(id, None, t(T0)).unwrap();
    let child = view.active[0].child.expect("a child was started");
    assert_eq!(view.children.len(), 1);
    let child_view = w.service.show(child, None, t(T0)).unwrap();
    assert_eq!(child_view.data["party"], json!("乙公司"));
    assert_eq!(child_view.parent.as_ref().map(|p| p.0), Some(id));
    w.act(child, "sign", "zhao_liu").unwrap();
    w.act_at(child, "reject", "sun_ba", json!({}), Some("价格过高"), T0).unwrap();
    assert_eq!(w.status(child).1.as_deref(), Some("refused"));
    assert_eq!(w.states(id), ["shortlist"], "a refused contract sends the parent back to the shortlist");
}

#[test]
fn cancelling_is_for_the_requester_and_stops_everything() {
    let mut w = World::new();
    let id = w.start("leave-request", "zhang_san", json!({"days": 3, "reason": "x"})).unwrap();
    let by_other = w.service.cancel(id, "wang_wu", "不需要", t(T0));
    assert!(matches!(by_other, Err(ServiceError::Runtime(RuntimeError::CannotCancel { .. }))));
    w.service.cancel(id, "zhang_san", "行程取消", t(T0)).unwrap();
    assert_eq!(w.status(id).0, "cancelled");
    assert!(matches!(refused(w.act(id, "submit", "zhang_san")), RuntimeError::NotActive { .. }));
}

#[test]
fn tick_escalates_passed_deadlines_once_and_takes_automatic_actions() {
    let mut w = World::new();
    let id = w.start("complaint-response", "zhang_san", json!({"complaint": "漏水", "severity": "general"})).unwrap();
    assert_eq!(w.states(id), ["specialist_answer"]);
    let early = w.service.tick(t("2026-12-01T08:59:00+08:00")).unwrap();
    assert!(early.deadlines.is_empty());
    let report = w.service.tick(t("2026-12-01T09:30:00+08:00")).unwrap();
    assert_eq!(report.deadlines.len(), 1);
    assert_eq!(w.states(id), ["manager_answer"]);
    let again = w.service.tick(t("2026-12-01T09:30:00+08:00")).unwrap();
    assert!(again.deadlines.is_empty(), "a second tick fires nothing");
    w.act_at(id, "answer", "wang_wu", json!({"answer": "已修复"}), None, "2026-12-01T10:00:00+08:00").unwrap();
    w.service.tick(t("2026-12-04T10:00:01+08:00")).unwrap();
    assert_eq!(w.status(id), ("done".into(), Some("closed".into())), "the callback closes itself after 3 days");
    let events = w.service.events(id).unwrap();
    let deadline = events.iter().find(|e| e.kind == "deadline").unwrap();
    assert_eq!(deadline.at, "2026-12-01T09:00:00+08:00", "recorded when it fell due, not when tick ran");
}

#[test]
fn tick_starts_scheduled_instances_once_per_occurrence() {
    let mut w = World::new();
    // Deployed on Monday 2026-11-30; the weekly report is due on Saturday 2026-12-05 at 09:00.
    let none = w.service.tick(t("2026-12-05T08:00:00+08:00")).unwrap();
    assert!(none.started.iter().all(|s| s.workflow != "complaint-response"));
    let report = w.service.tick(t("2026-12-12T10:00:00+08:00")).unwrap();
    let weekly: Vec<_> = report.started.iter().filter(|s| s.workflow == "complaint-response").collect();
    assert_eq!(weekly.len(), 2, "the 5th and the 12th");
    let again = w.service.tick(t("2026-12-12T10:00:00+08:00")).unwrap();
    assert!(again.started.iter().all(|s| s.workflow != "complaint-response"));
}

#[test]
fn a_stale_version_is_refused_with_what_happened_since() {
    let mut w = World::new();
    let id = w.start("leave-request", "zhang_san", json!({"days": 3, "reason": "x"})).unwrap();
    w.act(id, "submit", "zhang_san").unwrap();
    let request = ActRequest {
        instance: id,
        action: "approve".into(),
        state: None,
        actor: "wang_wu".into(),
        data: Map::new(),
        comment: None,
        expect_version: Some(1),
        now: t(T0),
    };
    match w.service.act(&request) {
        Err(ServiceError::Runtime(RuntimeError::Stale { expected: 1, actual: 2, since })) => {
            assert_eq!(since.len(), 1);
            assert!(since[0].contains("submit"), "{since:?}");
        }
        other => panic!("expected stale, got {other:?}"),
    }
}

#[test]
fn deploying_the_same_text_again_changes_nothing_and_an_invalid_file_nothing_at_all() {
    let mut w = World::new();
    let path = root().join("examples/linear-approval.yaml");
    let file = SourceFile { path: path.clone(), bytes: std::fs::read(&path).unwrap() };
    let again = w.service.deploy(std::slice::from_ref(&file), t(T0)).unwrap();
    assert!(!again[0].new);
    let bad = SourceFile { path: "bad.yaml".into(), bytes: b"id: x\n".to_vec() };
    assert!(matches!(w.service.deploy(&[file, bad], t(T0)), Err(ServiceError::Invalid(_))));
}

#[test]
fn only_the_most_senior_doctor_on_duty_may_decide() {
    let mut w = World::new();
    let org = "people:\n  nurse1: {name: 护士, roles: [nurse]}\n  \
               senior: {name: 主任, roles: [doctor], attributes: {rank: 4}}\n  \
               junior: {name: 住院医, roles: [doctor], attributes: {rank: 2}}\n  \
               offduty: {name: 教授, roles: [doctor], attributes: {rank: 5}}\n\
               roster:\n  \
               - {person: senior, role: doctor, from: '2026-11-30T08:00:00+08:00', until: '2026-11-30T20:00:00+08:00'}\n  \
               - {person: junior, role: doctor, from: '2026-11-30T08:00:00+08:00', until: '2026-11-30T20:00:00+08:00'}\n";
    w.service.load_org(Path::new("org.yaml"), org.as_bytes(), t(T0)).unwrap();
    let id = w.start("er-decision", "nurse1", json!({})).unwrap();
    assert!(matches!(refused(w.act(id, "operate", "junior")), RuntimeError::GuardFalse { .. }), "not the most senior");
    assert!(matches!(refused(w.act(id, "operate", "offduty")), RuntimeError::GuardFalse { .. }), "not on duty");
    let night = "2026-11-30T22:00:00+08:00";
    assert!(
        matches!(refused(w.act_at(id, "operate", "senior", json!({}), None, night)), RuntimeError::GuardFalse { .. }),
        "shift over"
    );
    w.act(id, "operate", "senior").unwrap();
    assert_eq!(w.status(id).1.as_deref(), Some("operated"));
}
