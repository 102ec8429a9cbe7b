//! The everyday approval operations end to end on `contract-approval` (a fixture with a deadline
//! and reminders, parallel branches, a sub-workflow and a final sign-off): transfer, delegate
//! and hand back, return, withdraw, remind and stand-ins, with their refusals. After each test,
//! every instance equals the replay of its history.

mod world;

use std::path::Path;

use liucheng_engine::runtime::RuntimeError;
use liucheng_engine::service::{ActRequest, Op, OperationRequest, ServiceError};
use serde_json::{json, Map, Value};
use world::{refused, t, World, T0};

const ORG: &str = include_str!("../../tests/fixtures/orgs/approval-operations.yaml");

fn world() -> World {
    let mut w = World::new();
    w.service.load_org(Path::new("org.yaml"), ORG.as_bytes(), t(T0)).expect("org loads");
    w
}

/// A contract submitted by 张三, waiting for the department review.
fn submitted(w: &mut World) -> i64 {
    let id = w.start("contract-approval", "zhang_san", json!({})).unwrap();
    let data = json!({"party": "华东建材有限公司", "amount": 120000.0});
    w.act_at(id, "submit", "zhang_san", data, None, T0).unwrap();
    id
}

fn op_at(w: &mut World, id: i64, actor: &str, op: Op, comment: Option<&str>, at: &str) -> Result<(), ServiceError> {
    let request = OperationRequest {
        instance: id,
        state: None,
        actor: actor.into(),
        comment: comment.map(str::to_owned),
        expect_version: None,
        now: t(at),
    };
    w.service.operate(&request, &op).map(|_| ())
}

fn op(w: &mut World, id: i64, actor: &str, op: Op, comment: Option<&str>) -> Result<(), ServiceError> {
    op_at(w, id, actor, op, comment, T0)
}

fn act_for(w: &mut World, id: i64, action: &str, actor: &str, principal: &str, at: &str) -> Result<(), ServiceError> {
    let request = ActRequest {
        instance: id,
        action: action.into(),
        state: None,
        actor: actor.into(),
        data: Map::new(),
        comment: None,
        expect_version: None,
        now: t(at),
    };
    w.service.act_for(&request, Some(principal)).map(|_| ())
}

fn last_payload(w: &mut World, id: i64) -> Value {
    let events = w.service.events(id).unwrap();
    serde_json::from_str(&events.last().unwrap().payload).unwrap()
}

fn due(w: &mut World, id: i64) -> Option<String> {
    w.service.show(id, None, t(T0)).unwrap().active[0].due.clone()
}

fn transfer(to: &str) -> Op {
    Op::Transfer { to: to.into() }
}

#[test]
fn a_transferred_step_belongs_to_its_new_holder_alone() {
    let mut w = world();
    let id = submitted(&mut w);
    let deadline = due(&mut w, id);
    assert!(matches!(
        refused(op(&mut w, id, "zhao_liu", transfer("wu_shi"), Some("x"))),
        RuntimeError::MissingRole { .. }
    ));
    let own = refused(op(&mut w, id, "wang_wu", transfer("zhang_san"), Some("x")));
    assert!(matches!(own, RuntimeError::BadTarget { .. }), "never to the requester: {own}");
    let unfit = refused(op(&mut w, id, "wang_wu", transfer("zhao_liu"), Some("x")));
    assert!(matches!(unfit, RuntimeError::BadTarget { .. }), "the target must hold a permitted role: {unfit}");
    assert!(matches!(
        refused(op(&mut w, id, "wang_wu", transfer("wu_shi"), None)),
        RuntimeError::CommentRequired { .. }
    ));
    assert_eq!(w.service.events(id).unwrap().len(), 2, "refusals write nothing");

    op(&mut w, id, "wang_wu", transfer("wu_shi"), Some("休假")).unwrap();
    let payload = last_payload(&mut w, id);
    assert_eq!(payload["kind"]["type"], "transferred");
    assert_eq!(payload["comment"], "休假");
    assert_eq!(due(&mut w, id), deadline, "a transfer does not restart the deadline");
    let taken = refused(w.act(id, "approve", "wang_wu"));
    assert!(matches!(taken, RuntimeError::AssignedToOther { ref person, .. } if person == "wu_shi"), "{taken}");
    let inbox = w.service.list(&Default::default(), Some("wang_wu"), false, t(T0)).unwrap();
    assert!(inbox.iter().all(|i| i.id != id), "no longer in the old holder's inbox");
    w.act(id, "approve", "wu_shi").unwrap();
    assert_eq!(w.states(id), ["finance_review", "legal_review"]);
}

#[test]
fn a_delegated_step_comes_back_to_the_delegator_who_decides() {
    let mut w = world();
    let id = submitted(&mut w);
    op(&mut w, id, "wang_wu", Op::Delegate { to: "zhao_liu".into() }, Some("请核对条款")).unwrap();
    for person in ["wang_wu", "wu_shi", "zhao_liu"] {
        assert!(matches!(refused(w.act(id, "approve", person)), RuntimeError::Delegated { .. }), "{person}");
    }
    assert!(matches!(refused(op(&mut w, id, "wang_wu", Op::HandBack, Some("x"))), RuntimeError::BadTarget { .. }));
    assert!(matches!(refused(op(&mut w, id, "zhao_liu", Op::HandBack, None)), RuntimeError::CommentRequired { .. }));
    op(&mut w, id, "zhao_liu", Op::HandBack, Some("条款无误")).unwrap();
    assert!(matches!(refused(w.act(id, "approve", "wu_shi")), RuntimeError::AssignedToOther { .. }));
    w.act(id, "approve", "wang_wu").unwrap();
    assert_eq!(w.states(id), ["finance_review", "legal_review"]);
}

/// Legal and finance both done, at the final sign-off.
fn at_final_signoff(w: &mut World) -> i64 {
    let id = submitted(w);
    w.act(id, "approve", "wang_wu").unwrap();
    w.act(id, "cleared", "zhao_liu").unwrap();
    w.act(id, "confirmed", "zhao_liu").unwrap();
    w.act(id, "checked", "qian_qi").unwrap();
    let child = id + 1;
    w.act(child, "sign", "qian_qi").unwrap();
    w.act(child, "sign", "zhou_jiu").unwrap();
    assert_eq!(w.states(id), ["final_signoff"]);
    id
}

#[test]
fn operations_the_workflow_forbids_on_a_step_are_refused() {
    let mut w = world();
    let id = at_final_signoff(&mut w);
    for op_ in [transfer("wang_wu"), Op::Delegate { to: "wang_wu".into() }] {
        let e = refused(op(&mut w, id, "zhou_jiu", op_, Some("x")));
        assert!(matches!(e, RuntimeError::ForbiddenOperation { .. }), "{e}");
    }
    w.service.name_stand_in("sun_ba", "li_si", (t(T0), t("2026-12-30T00:00:00+08:00")), "出差", t(T0)).unwrap();
    let e = refused(act_for(&mut w, id, "sign", "li_si", "sun_ba", T0));
    assert!(matches!(e, RuntimeError::ForbiddenOperation { .. }), "signed in person: {e}");
}

#[test]
fn a_return_within_a_branch_leaves_the_other_branch_alone() {
    let mut w = world();
    let id = submitted(&mut w);
    w.act(id, "approve", "wang_wu").unwrap();
    w.act(id, "cleared", "zhao_liu").unwrap();
    assert_eq!(w.states(id), ["finance_review", "legal_confirm"]);
    let back = Op::Return { to: "legal_review".into() };
    assert!(matches!(refused(op(&mut w, id, "zhao_liu", back.clone(), None)), RuntimeError::CommentRequired { .. }));
    op(&mut w, id, "zhao_liu", back, Some("条款需再审")).unwrap();
    assert_eq!(w.states(id), ["finance_review", "legal_review"]);
    let payload = last_payload(&mut w, id);
    assert_eq!(payload["kind"]["withdrawn"].as_array().unwrap().len(), 1);
}

#[test]
fn a_return_before_the_split_withdraws_every_branch_and_its_sub_workflow() {
    let mut w = world();
    let id = submitted(&mut w);
    w.act(id, "approve", "wang_wu").unwrap();
    w.act(id, "checked", "qian_qi").unwrap();
    let child = id + 1;
    assert_eq!(w.states(child), ["signing"]);
    for (to, why) in [("final_signoff", "not been there"), ("reviews", "where people act"), ("nowhere", "no such step")]
    {
        let e = refused(op(&mut w, id, "zhao_liu", Op::Return { to: to.into() }, Some("x")));
        assert!(matches!(e, RuntimeError::CannotReturn { ref reason, .. } if reason.contains(why)), "{to}: {e}");
    }
    op(&mut w, id, "zhao_liu", Op::Return { to: "draft".into() }, Some("合同主体有误")).unwrap();
    assert_eq!(w.states(id), ["draft"]);
    assert_eq!(w.status(child).0, "cancelled", "the finance branch's signing is cancelled with it");
    let events = w.service.events(id).unwrap();
    let changes: Value = serde_json::from_str(&events.last().unwrap().changes).unwrap();
    assert!(changes["(cancelled branches)"].as_array().is_some_and(|b| !b.is_empty()), "{changes}");
}

#[test]
fn a_sign_off_may_be_returned_only_where_the_workflow_says() {
    let mut w = world();
    let id = at_final_signoff(&mut w);
    let e = refused(op(&mut w, id, "zhou_jiu", Op::Return { to: "legal_review".into() }, Some("x")));
    assert!(matches!(e, RuntimeError::CannotReturn { ref reason, .. } if reason.contains("may return only to")), "{e}");
    op(&mut w, id, "zhou_jiu", Op::Return { to: "department_review".into() }, Some("金额需部门复核")).unwrap();
    assert_eq!(w.states(id), ["department_review"]);
    assert!(due(&mut w, id).is_some(), "the step's deadline runs again from the return");
}

#[test]
fn a_withdrawal_takes_back_the_last_action_its_data_and_nothing_else() {
    let mut w = world();
    let id = submitted(&mut w);
    op(&mut w, id, "zhang_san", Op::Withdraw, Some("金额写错")).unwrap();
    assert_eq!(w.states(id), ["draft"]);
    let data = w.service.show(id, None, t(T0)).unwrap().data;
    assert!(data.get("amount").is_none() && data.get("party").is_none(), "what submit filled in is unset: {data:?}");
    assert!(matches!(refused(op(&mut w, id, "wang_wu", Op::Withdraw, None)), RuntimeError::CannotWithdraw { .. }));

    w.act_at(id, "submit", "zhang_san", json!({"party": "华东建材", "amount": 98000.0}), None, T0).unwrap();
    let deadline = due(&mut w, id);
    w.act_at(id, "approve", "wang_wu", json!({}), None, "2026-11-30T10:00:00+08:00").unwrap();
    op_at(&mut w, id, "wang_wu", Op::Withdraw, None, "2026-11-30T10:05:00+08:00").unwrap();
    assert_eq!(w.states(id), ["department_review"]);
    assert_eq!(due(&mut w, id), deadline, "the review's deadline is as it was, not restarted");

    w.act(id, "approve", "wang_wu").unwrap();
    w.act(id, "cleared", "zhao_liu").unwrap();
    let e = refused(op(&mut w, id, "wang_wu", Op::Withdraw, None));
    assert!(matches!(e, RuntimeError::CannotWithdraw { ref reason, .. } if reason.contains("zhao_liu")), "{e}");
}

#[test]
fn a_signature_is_withdrawn_alone_while_the_sign_off_is_open() {
    let mut w = world();
    let id = at_final_signoff(&mut w);
    w.act(id, "sign", "zhou_jiu").unwrap();
    op(&mut w, id, "zhou_jiu", Op::Withdraw, Some("签错了")).unwrap();
    w.act(id, "sign", "sun_ba").unwrap();
    assert_eq!(w.states(id), ["final_signoff"], "the withdrawn signature no longer counts");
    w.act(id, "sign", "zhou_jiu").unwrap();
    assert_eq!(w.status(id).1.as_deref(), Some("approved"));
}

#[test]
fn reminders_by_people_and_before_deadlines() {
    let mut w = world();
    let id = submitted(&mut w);
    let e = refused(op(&mut w, id, "li_si", Op::Remind, None));
    assert!(matches!(e, RuntimeError::BadTarget { .. }), "only the requester or someone involved: {e}");
    op_at(&mut w, id, "zhang_san", Op::Remind, Some("下周开工,请尽快"), "2026-11-30T11:00:00+08:00").unwrap();
    let payload = last_payload(&mut w, id);
    assert_eq!(payload["kind"]["to"], json!(["wang_wu", "wu_shi"]));
    let inbox = w.service.list(&Default::default(), Some("wang_wu"), false, t(T0)).unwrap();
    let item = inbox.iter().find(|i| i.id == id).unwrap();
    assert!(item.reminded_at.as_deref().is_some_and(|r| r.starts_with("2026-11-30T11:00")), "{item:?}");

    // The deadline is 24h after submission with reminders 8h and 2h before it.
    let first = w.service.tick(t("2026-12-01T01:00:00+08:00")).unwrap();
    assert_eq!((first.reminders.len(), first.deadlines.len()), (1, 0));
    let again = w.service.tick(t("2026-12-01T01:00:00+08:00")).unwrap();
    assert_eq!((again.reminders.len(), again.deadlines.len()), (0, 0), "idempotent");
    let second = w.service.tick(t("2026-12-01T07:30:00+08:00")).unwrap();
    assert_eq!((second.reminders.len(), second.deadlines.len()), (1, 0));
    let passed = w.service.tick(t("2026-12-01T09:30:00+08:00")).unwrap();
    assert_eq!((passed.reminders.len(), passed.deadlines.len()), (0, 1));
    assert_eq!(w.states(id), ["director_review"]);
    let automatic =
        w.service.events(id).unwrap().iter().filter(|e| e.kind == "reminded" && e.actor == "system").count();
    assert_eq!(automatic, 2);
}

#[test]
fn a_stand_in_acts_with_the_principals_roles_and_both_names_are_recorded() {
    let mut w = world();
    let id = submitted(&mut w);
    let e = refused(act_for(&mut w, id, "approve", "li_si", "wang_wu", T0));
    assert!(matches!(e, RuntimeError::NoStandIn { .. }), "{e}");
    let week = (t("2026-11-30T00:00:00+08:00"), t("2026-12-07T00:00:00+08:00"));
    assert!(w.service.name_stand_in("wang_wu", "wang_wu", week, "x", t(T0)).is_err(), "not oneself");
    w.service.name_stand_in("wang_wu", "li_si", week, "年假", t(T0)).unwrap();
    w.service.name_stand_in("wang_wu", "zhang_san", week, "年假", t(T0)).unwrap();
    let e = refused(act_for(&mut w, id, "approve", "zhang_san", "wang_wu", T0));
    assert!(matches!(e, RuntimeError::BadTarget { .. }), "never on one's own request: {e}");
    let e = refused(act_for(&mut w, id, "approve", "li_si", "wang_wu", "2026-12-08T09:00:00+08:00"));
    assert!(matches!(e, RuntimeError::NoStandIn { .. }), "the period is over: {e}");
    act_for(&mut w, id, "approve", "li_si", "wang_wu", T0).unwrap();
    let payload = last_payload(&mut w, id);
    assert_eq!((payload["actor"].as_str(), payload["on_behalf_of"].as_str()), (Some("li_si"), Some("wang_wu")));
    assert_eq!(payload["role"], "manager");
    assert_eq!(w.service.stand_ins().unwrap().len(), 2);
}

fn add_signer(person: &str, before: bool) -> Op {
    Op::AddSigner { person: person.into(), before }
}

#[test]
fn an_added_signer_must_sign_before_the_sign_off_completes() {
    let mut w = world();
    let id = at_final_signoff(&mut w);
    let e = refused(op(&mut w, id, "zhou_jiu", add_signer("zhao_liu", false), None));
    assert!(matches!(e, RuntimeError::MissingRole { .. }), "only add_signer_by may: {e}");
    let e = refused(op(&mut w, id, "sun_ba", add_signer("zhang_san", false), None));
    assert!(matches!(e, RuntimeError::BadTarget { .. }), "never the requester: {e}");
    let e = refused(op(&mut w, id, "sun_ba", add_signer("zhou_jiu", false), None));
    assert!(matches!(e, RuntimeError::BadTarget { ref reason, .. } if reason.contains("cfo")), "{e}");
    op(&mut w, id, "sun_ba", add_signer("zhao_liu", false), Some("涉及法律条款")).unwrap();
    w.act(id, "sign", "zhou_jiu").unwrap();
    w.act(id, "sign", "sun_ba").unwrap();
    assert_eq!(w.states(id), ["final_signoff"], "waits for the added signer");
    let e = refused(w.act(id, "sign", "qian_qi"));
    assert!(matches!(e, RuntimeError::MissingRole { .. }), "{e}");
    w.act(id, "sign", "zhao_liu").unwrap();
    assert_eq!(w.status(id).1.as_deref(), Some("approved"));
}

#[test]
fn removing_the_last_awaited_signer_completes_the_sign_off() {
    let mut w = world();
    let id = at_final_signoff(&mut w);
    let remove = |signer: &str| Op::RemoveSigner { signer: signer.into() };
    let e = refused(op(&mut w, id, "sun_ba", remove("legal"), None));
    assert!(matches!(e, RuntimeError::BadTarget { .. }), "not a signer: {e}");
    w.act(id, "sign", "zhou_jiu").unwrap();
    let e = refused(op(&mut w, id, "sun_ba", remove("cfo"), None));
    assert!(matches!(e, RuntimeError::BadTarget { .. }), "already signed: {e}");
    op(&mut w, id, "sun_ba", remove("general_manager"), Some("总经理授权财务总监")).unwrap();
    assert_eq!(w.status(id).1.as_deref(), Some("approved"), "everyone left has signed");
}

#[test]
fn a_signer_added_before_the_next_one_signs_first_in_an_ordered_sign_off() {
    let mut w = world();
    let id = submitted(&mut w);
    w.act(id, "approve", "wang_wu").unwrap();
    w.act(id, "checked", "qian_qi").unwrap();
    let child = id + 1;
    op(&mut w, child, "zhou_jiu", add_signer("wang_wu", true), Some("金额较大")).unwrap();
    let e = refused(w.act(child, "sign", "qian_qi"));
    assert!(matches!(e, RuntimeError::NotYourTurn { .. }), "{e}");
    w.act(child, "sign", "wang_wu").unwrap();
    w.act(child, "sign", "qian_qi").unwrap();
    assert_eq!(w.states(child), ["signing"]);
    w.act(child, "sign", "zhou_jiu").unwrap();
    assert_eq!(w.status(child).1.as_deref(), Some("signed"));
    let e = refused(op(&mut w, id, "zhou_jiu", Op::RemoveSigner { signer: "cfo".into() }, None));
    assert!(
        matches!(
            e,
            RuntimeError::ForbiddenOperation { .. }
                | RuntimeError::StateNotActive { .. }
                | RuntimeError::BadTarget { .. }
        ),
        "{e}"
    );
}

#[test]
fn a_withdrawn_action_and_the_states_it_led_to_no_longer_count() {
    let mut w = world();
    let id = submitted(&mut w);
    let counts = w.service.counts(id).unwrap();
    assert_eq!((counts.taken("draft", "submit"), counts.visits("department_review")), (1, 1));
    op(&mut w, id, "zhang_san", Op::Withdraw, Some("金额写错")).unwrap();
    let counts = w.service.counts(id).unwrap();
    assert_eq!(
        (counts.taken("draft", "submit"), counts.visits("department_review"), counts.visits("draft")),
        (0, 0, 1),
        "the withdrawal sets the counters back: {counts:?}"
    );
    w.act_at(id, "submit", "zhang_san", json!({"party": "华东建材", "amount": 98000.0}), None, T0).unwrap();
    op(&mut w, id, "wang_wu", Op::Return { to: "draft".into() }, Some("补充合同附件")).unwrap();
    let counts = w.service.counts(id).unwrap();
    assert_eq!((counts.taken("draft", "submit"), counts.visits("draft")), (1, 2), "a return enters again: {counts:?}");
}

#[test]
fn a_withdrawn_action_that_reopened_a_frozen_field_freezes_it_again() {
    let mut w = World::new();
    let id = w.start("frozen-budget", "zhang_san", json!({})).unwrap();
    w.act_at(id, "submit", "zhang_san", json!({"budget": 100.0}), None, T0).unwrap();
    w.act(id, "reopen", "wang_wu").unwrap();
    op(&mut w, id, "wang_wu", Op::Withdraw, Some("点错了")).unwrap();
    assert_eq!(w.states(id), ["approved"]);
    let e = refused(w.act_at(id, "adjust", "zhang_san", json!({"budget": 90.0}), None, T0));
    assert!(matches!(e, RuntimeError::FrozenField { ref state, .. } if state == "approved"), "{e:?}");
}

#[test]
fn a_withdrawn_action_takes_its_versions_off_again() {
    let mut w = World::new();
    let id = w.start("frozen-budget", "zhang_san", json!({})).unwrap();
    w.act_at(id, "submit", "zhang_san", json!({"budget": 100.0}), None, T0).unwrap();
    w.act(id, "reopen", "wang_wu").unwrap();
    w.act_at(id, "revise", "zhang_san", json!({"budget": 150.0}), None, T0).unwrap();
    op(&mut w, id, "zhang_san", Op::Withdraw, Some("数字有误")).unwrap();
    let versions = w.service.versions(id).unwrap();
    assert_eq!(versions["budget"].len(), 1, "only the first budget is kept: {versions:?}");
    assert_eq!(w.states(id), ["reopened"]);
}
