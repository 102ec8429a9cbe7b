//! The runtime end to end through the service on an in-memory database: every construct of the
//! examples, every refusal, and after each test, every instance's snapshot equals its replay.

mod world;

use std::path::Path;

use liucheng_engine::runtime::RuntimeError;
use liucheng_engine::service::{ActRequest, ServiceError};
use liucheng_engine::store::InstanceFilter;
use liucheng_engine::SourceFile;
use serde_json::{json, Map, Value};
use world::{refused, root, t, World, T0};

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
fn a_deadline_chosen_by_data_is_fixed_when_the_step_is_entered() {
    let mut w = World::new();
    let urgent = w.start("urgent-repair", "zhang_san", json!({"urgency": "urgent"})).unwrap();
    let major = w.start("urgent-repair", "zhang_san", json!({"urgency": "major"})).unwrap();
    let normal = w.start("urgent-repair", "zhang_san", json!({"urgency": "normal"})).unwrap();
    // Started at 09:00: the first case that holds gives the duration, the default the rest; each
    // reminder goes half an hour before its own instance's deadline.
    let fired = |report: &liucheng_engine::service::TickReport| {
        let reminded = report.reminders.iter().map(|d| d.instance).collect::<Vec<_>>();
        (reminded, report.deadlines.iter().map(|d| d.instance).collect::<Vec<_>>())
    };
    let report = w.service.tick(t("2026-11-30T10:00:00+08:00")).unwrap();
    assert_eq!(fired(&report), (vec![urgent], vec![urgent]));
    assert_eq!(report.deadlines[0].due, "2026-11-30T10:00:00+08:00");
    let report = w.service.tick(t("2026-11-30T11:00:00+08:00")).unwrap();
    assert_eq!(fired(&report), (vec![major], vec![major]));
    assert_eq!(w.states(normal), ["dispatch"]);
    let report = w.service.tick(t("2026-11-30T13:00:00+08:00")).unwrap();
    assert_eq!(fired(&report), (vec![normal], vec![normal]));
    for id in [urgent, major, normal] {
        assert_eq!(w.states(id), ["manager_dispatch"]);
        assert!(w.service.snapshot_matches_replay(id).unwrap());
    }
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

#[test]
fn a_penalty_ladder_counts_earlier_instances_and_replays_from_recorded_answers() {
    let mut w = World::new();
    let violation = |who: &str| json!({"employee": who, "violation": "迟到 / late"});
    // An unfounded report is not an offence.
    let unfounded = w.start("fine-ladder", "wu_shi", violation("zhang_san")).unwrap();
    w.act(unfounded, "unfounded", "wu_shi").unwrap();
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let id = w.start("fine-ladder", "wu_shi", violation("zhang_san")).unwrap();
        w.act(id, "confirm", "wu_shi").unwrap();
        outcomes.push(w.status(id).1.unwrap());
    }
    assert_eq!(outcomes, ["fined_10", "fined_30", "dismissed"]);

    // The third decision read two earlier settled violations, and its event says so.
    let events = w.service.events(4).unwrap();
    let confirm = events.iter().find(|e| e.action.as_deref() == Some("confirm")).unwrap();
    let payload: Value = serde_json::from_str(&confirm.payload).unwrap();
    let reads = payload["reads"].as_array().unwrap();
    assert!(
        reads.iter().any(|r| r["workflow"] == "fine-ladder" && r["outcomes"][0] == "fined_10" && r["count"] == 2),
        "{reads:?}"
    );

    // Another employee starts from the bottom of the ladder.
    let other = w.start("fine-ladder", "wu_shi", violation("li_si")).unwrap();
    w.act(other, "confirm", "wu_shi").unwrap();
    assert_eq!(w.status(other).1.as_deref(), Some("fined_10"));

    // While another violation of the same employee is open, only a director may confirm one.
    let a = w.start("fine-ladder", "wu_shi", violation("li_si")).unwrap();
    let b = w.start("fine-ladder", "wu_shi", violation("li_si")).unwrap();
    assert!(matches!(refused(w.act(a, "confirm", "wu_shi")), RuntimeError::GuardFalse { .. }));
    assert_eq!(w.states(a), ["record"], "a refusal changes nothing");
    w.act(a, "confirm", "wang_wu").unwrap();
    assert_eq!(w.status(a).1.as_deref(), Some("fined_30"));
    w.act(b, "confirm", "wu_shi").unwrap();
    assert_eq!(w.status(b).1.as_deref(), Some("dismissed"));
    // The first instances still replay to what they decided, though the counts have grown since.
    assert!(w.service.snapshot_matches_replay(1).unwrap());
}

#[test]
fn an_inbox_shows_an_action_only_when_its_query_guard_holds() {
    let mut w = World::new();
    let confirms = |actions: &[String]| actions.iter().filter(|a| a.starts_with("confirm")).count();
    let a = w.start("fine-ladder", "wu_shi", json!({"employee": "li_si", "violation": "旷工"})).unwrap();
    let shown = w.service.show(a, Some("wu_shi"), t(T0)).unwrap();
    assert_eq!(confirms(&shown.you_may.unwrap()), 1, "the only open case: confirm is offered");
    let b = w.start("fine-ladder", "wu_shi", json!({"employee": "li_si", "violation": "旷工"})).unwrap();
    let mine = w.service.list(&InstanceFilter::default(), Some("wu_shi"), false, t(T0)).unwrap();
    let cases: Vec<_> = mine.iter().filter(|i| i.id == a || i.id == b).collect();
    assert_eq!(cases.len(), 2, "both can still be found unfounded");
    assert!(cases.iter().all(|i| confirms(&i.your_actions) == 0), "two open cases: a manager may confirm neither");
    let mine = w.service.list(&InstanceFilter::default(), Some("wang_wu"), false, t(T0)).unwrap();
    let cases = mine.iter().filter(|i| (i.id == a || i.id == b) && confirms(&i.your_actions) == 1).count();
    assert_eq!(cases, 2, "a director may confirm both");
}

#[test]
fn a_majority_vote_needs_more_than_half_of_the_members() {
    let mut w = World::new();
    let org = "people:\n  p: {name: 计划员, roles: [planner]}\n  \
               m1: {name: 委员一, roles: [member]}\n  m2: {name: 委员二, roles: [member]}\n  \
               m3: {name: 委员三, roles: [member]}\n  m4: {name: 委员四, roles: [member]}\n";
    w.service.load_org(Path::new("org.yaml"), org.as_bytes(), t(T0)).unwrap();
    let id = w.start("majority-vote", "p", json!({})).unwrap();
    w.act(id, "sign", "m1").unwrap();
    w.act(id, "sign", "m2").unwrap();
    assert_eq!(w.states(id), ["vote"], "two of four is not more than half");
    w.act(id, "sign", "m3").unwrap();
    assert_eq!(w.status(id).1.as_deref(), Some("adopted"));
}

#[test]
fn a_sum_over_other_instances_is_recorded_and_replayed() {
    let mut w = World::new();
    let claim = |amount: Value| json!({"project": "P-1", "amount": amount, "budget": 1000});
    let first = w.start("expense-cap", "wu_shi", claim(json!(400.5))).unwrap();
    w.act(first, "pay", "wu_shi").unwrap();
    // Money kept as text adds up like a number.
    let second = w.start("expense-cap", "wu_shi", claim(json!("500"))).unwrap();
    w.act(second, "pay", "wu_shi").unwrap();
    // Another project's expense and a refused one do not count.
    let other = w.start("expense-cap", "wu_shi", json!({"project": "P-2", "amount": 900, "budget": 1000})).unwrap();
    w.act(other, "pay", "wu_shi").unwrap();
    let refused_claim = w.start("expense-cap", "wu_shi", claim(json!(50))).unwrap();
    w.act(refused_claim, "refuse", "wu_shi").unwrap();

    // 900.5 paid: 99.5 is left, 100 is too much.
    let over = w.start("expense-cap", "wu_shi", claim(json!(100))).unwrap();
    assert!(matches!(refused(w.act(over, "pay", "wu_shi")), RuntimeError::GuardFalse { .. }));
    assert_eq!(w.states(over), ["claimed"], "a refusal changes nothing");
    let last = w.start("expense-cap", "wu_shi", claim(json!(99.5))).unwrap();
    w.act(last, "pay", "wu_shi").unwrap();
    assert_eq!(w.status(last).1.as_deref(), Some("paid"));

    let events = w.service.events(last).unwrap();
    let pay = events.iter().find(|e| e.action.as_deref() == Some("pay")).unwrap();
    let payload: Value = serde_json::from_str(&pay.payload).unwrap();
    assert_eq!(
        payload["reads"],
        json!([{"workflow": "expense-cap", "status": "done", "outcomes": ["paid"], "filter": {"project": "P-1"},
                "sum": "amount", "count": 2, "total": 900.5}])
    );
    // Paying more on the project later does not change what the recorded step decided.
    w.act(over, "refuse", "wu_shi").unwrap();
    assert!(w.service.snapshot_matches_replay(last).unwrap());
}

#[test]
fn a_count_over_the_current_month_is_fixed_by_the_step_and_replayed() {
    let mut w = World::new();
    let mut ask = |at: &str| {
        let data = serde_json::from_value(json!({"person": "zhang_san"})).unwrap();
        let id = w.service.start("monthly-cap", "zhang_san", data, t(at)).unwrap().instance;
        (id, w.status(id).1.unwrap())
    };
    assert_eq!(ask("2026-03-02T09:00:00+08:00").1, "granted");
    assert_eq!(ask("2026-03-30T09:00:00+08:00").1, "granted");
    let (third, outcome) = ask("2026-03-31T23:30:00+08:00");
    assert_eq!(outcome, "needs_manager");
    // Still March in UTC, but April where the workflow runs: a new month.
    let (april, outcome) = ask("2026-04-01T01:00:00+08:00");
    assert_eq!(outcome, "granted");

    let mut since = |id: i64| {
        let events = w.service.events(id).unwrap();
        let payload: Value = serde_json::from_str(&events[0].payload).unwrap();
        payload["reads"][0]["since"].clone()
    };
    assert_eq!(since(third), json!("2026-03-01T00:00:00+08:00"));
    assert_eq!(since(april), json!("2026-04-01T00:00:00+08:00"));
    // Replay decides from the recorded answer, though the month has filled up since.
    assert!(w.service.snapshot_matches_replay(third).unwrap());
}

#[test]
fn a_frozen_field_is_refused_until_a_state_reopens_it() {
    let mut w = World::new();
    let id = w.start("frozen-budget", "zhang_san", json!({})).unwrap();
    w.act_at(id, "submit", "zhang_san", json!({"budget": 100.0}), None, T0).unwrap();
    let events = w.service.events(id).unwrap().len();
    let e = refused(w.act_at(id, "adjust", "zhang_san", json!({"budget": 150.0, "note": "涨价"}), None, T0));
    assert_eq!(
        e,
        RuntimeError::FrozenField {
            action: "adjust".into(),
            field: "budget".into(),
            state: "approved".into(),
            reopened_by: vec!["`reopened`".into()],
        }
    );
    assert_eq!(e.to_string(), "`adjust` may not change `budget`: it is frozen since `approved`");
    assert_eq!(e.code(), "frozen-field");
    assert_eq!(w.service.events(id).unwrap().len(), events, "the refusal wrote nothing");
    w.act_at(id, "adjust", "zhang_san", json!({"note": "预算不变"}), None, T0).unwrap();
    w.act(id, "reopen", "wang_wu").unwrap();
    w.act_at(id, "revise", "zhang_san", json!({"budget": 150.0}), None, T0).unwrap();
    assert_eq!(w.service.show(id, None, t(T0)).unwrap().data["budget"], json!(150.0));
    // Approved again, so frozen again.
    let again = refused(w.act_at(id, "adjust", "zhang_san", json!({"budget": 90.0}), None, T0));
    assert!(matches!(again, RuntimeError::FrozenField { .. }), "{again:?}");
}

#[test]
fn a_versioned_field_keeps_every_value_and_guards_compare_with_the_previous_one() {
    let mut w = World::new();
    let id = w.start("frozen-budget", "zhang_san", json!({})).unwrap();
    w.act_at(id, "submit", "zhang_san", json!({"budget": 100.0}), None, T0).unwrap();
    w.act(id, "reopen", "wang_wu").unwrap();
    // The same budget again is no revision.
    let e = refused(w.act_at(id, "revise", "zhang_san", json!({"budget": 100.0}), None, T0));
    assert!(matches!(e, RuntimeError::GuardFalse { .. }), "{e:?}");
    w.act_at(id, "revise", "zhang_san", json!({"budget": 150.0}), None, T0).unwrap();
    let versions = w.service.versions(id).unwrap();
    let kept: Vec<(&Value, &str)> = versions["budget"].iter().map(|v| (&v.value, v.by.as_str())).collect();
    assert_eq!(kept, [(&json!(100.0), "zhang_san"), (&json!(150.0), "zhang_san")]);
    assert_eq!(liucheng_engine::runtime::version(&versions, "budget"), 2);
    assert_eq!(liucheng_engine::runtime::previous(&versions, "budget"), Some(&json!(100.0)));
}

#[test]
fn a_computed_value_is_recorded_on_the_event_and_a_broken_rule_refuses_without_hiding_the_action() {
    let mut w = World::new();
    let org = |senior_grade: u8| {
        format!(
            "people:\n  nurse1: {{name: 护士, roles: [nurse]}}\n  \
             boss: {{name: 主任, roles: [director]}}\n  \
             senior: {{name: 副主任, roles: [surgeon], attributes: {{privilege_grade: {senior_grade}}}}}\n  \
             junior: {{name: 主治, roles: [surgeon], attributes: {{privilege_grade: 2}}}}\n"
        )
    };
    w.service.load_org(Path::new("org.yaml"), org(4).as_bytes(), t(T0)).unwrap();
    let id = w.start("computed-grade", "nurse1", json!({"operation_grade": 3})).unwrap();

    // A rule never hides the action: it is offered, and taking it says what is wrong.
    let shown = w.service.show(id, Some("boss"), t(T0)).unwrap();
    assert!(shown.you_may.unwrap().iter().any(|a| a.starts_with("operate")));
    let junior = json!({"primary_surgeon": "junior"});
    let RuntimeError::InvalidInput { message, .. } = refused(w.act_at(id, "operate", "boss", junior, None, T0)) else {
        panic!("expected the rule to refuse")
    };
    assert!(message.contains("the surgeon may not perform"), "{message}");
    // The engine computes the grade; the actor cannot type it in.
    let typed = json!({"primary_surgeon": "junior", "surgeon_grade": 4});
    assert!(matches!(refused(w.act_at(id, "operate", "boss", typed, None, T0)), RuntimeError::BadInput { .. }));
    assert_eq!(w.service.events(id).unwrap().len(), 1, "refusals wrote nothing");

    w.act_at(id, "operate", "boss", json!({"primary_surgeon": "senior"}), None, T0).unwrap();
    let events = w.service.events(id).unwrap();
    let operate = events.iter().find(|e| e.action.as_deref() == Some("operate")).unwrap();
    let payload: Value = serde_json::from_str(&operate.payload).unwrap();
    assert_eq!(payload["kind"]["data"], json!({"primary_surgeon": "senior", "surgeon_grade": 4}), "{payload}");
    // A later change to the register does not change what the event recorded.
    w.service.load_org(Path::new("org.yaml"), org(1).as_bytes(), t(T0)).unwrap();
    assert!(w.service.snapshot_matches_replay(id).unwrap());
    assert_eq!(w.status(id).1.as_deref(), Some("operated"));
}
