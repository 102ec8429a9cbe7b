//! Parameters the business sets: the org file's settings are checked against the deployed
//! workflows, an instance keeps the values in force when it started whatever is loaded later,
//! and replay gives the same instance.

use std::path::Path;

use chrono::{DateTime, FixedOffset};
use liucheng_engine::service::{ActRequest, Service, ServiceError};
use liucheng_engine::SourceFile;
use serde_json::{json, Map, Value};

const WORKFLOW: &str = r#"
id: claim
title: 报销 / Claim
version: 1
roles:
  clerk: { title: 职员 / Clerk }
  manager: { title: 经理 / Manager }
  director: { title: 总监 / Director }
fields:
  amount: { type: money }
params:
  limit: { type: money, default: 5000.0, title: 经理审批上限 / Manager's limit }
  review_sla: { type: duration, default: 2d }
  board_quorum: { type: integer, default: 2 }
start: { to: amount_check, by: [clerk], requires: [amount] }
states:
  amount_check:
    choice:
      - { when: 'amount > params.limit', to: board }
    default: review
  review:
    actions:
      approve: { by: [manager], to: paid }
    deadline: { after: params.review_sla, escalate: board }
  board:
    signoff: { body: director }
    rule: params.board_quorum
    to: paid
  paid: { end: paid }
"#;

fn org(settings: &str) -> String {
    format!(
        "people:\n  li: {{ name: 李, roles: [clerk] }}\n  wang: {{ name: 王, roles: [manager] }}\n  \
         zhao: {{ name: 赵, roles: [director] }}\n  qian: {{ name: 钱, roles: [director] }}\n  \
         sun: {{ name: 孙, roles: [director] }}\n{settings}"
    )
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

const T0: &str = "2026-11-30T09:00:00+08:00";

fn service(settings: &str) -> Service {
    let mut service = Service::in_memory().unwrap();
    let file = SourceFile { path: "claim.yaml".into(), bytes: WORKFLOW.as_bytes().to_vec() };
    service.deploy(&[file], t(T0)).unwrap();
    service.load_org(Path::new("org.yaml"), org(settings).as_bytes(), t(T0)).unwrap();
    service
}

fn start(service: &mut Service, amount: f64) -> i64 {
    let data: Map<String, Value> = serde_json::from_value(json!({ "amount": amount })).unwrap();
    service.start("claim", "li", data, t(T0)).unwrap().instance
}

fn states(service: &mut Service, id: i64) -> Vec<String> {
    service.show(id, None, t(T0)).unwrap().active.into_iter().map(|t| t.state).collect()
}

fn sign(service: &mut Service, id: i64, who: &str) {
    let request = ActRequest {
        instance: id,
        action: "sign".into(),
        state: None,
        actor: who.into(),
        data: Map::new(),
        comment: None,
        expect_version: None,
        now: t(T0),
    };
    service.act(&request).unwrap();
}

#[test]
fn an_instance_keeps_the_values_in_force_when_it_started() {
    let mut service = service("");
    let before = start(&mut service, 6000.0);
    assert_eq!(states(&mut service, before), ["board"]);
    let view = service.show(before, None, t(T0)).unwrap();
    assert_eq!(view.params["limit"], json!(5000.0));
    assert_eq!(view.active[0].rule.as_deref(), Some("2 of every director (params.board_quorum)"));

    let settings = "settings:\n  claim: { limit: 8000.0, board_quorum: 1 }\n";
    service.load_org(Path::new("org.yaml"), org(settings).as_bytes(), t(T0)).unwrap();
    let after = start(&mut service, 6000.0);
    assert_eq!(states(&mut service, after), ["review"], "6000 is within the new limit");
    assert_eq!(service.show(after, None, t(T0)).unwrap().params["limit"], json!(8000.0));

    // The first claim is still judged by the quorum of 2 it was filed under.
    sign(&mut service, before, "zhao");
    assert_eq!(states(&mut service, before), ["board"]);
    sign(&mut service, before, "qian");
    assert_eq!(service.show(before, None, t(T0)).unwrap().outcome.as_deref(), Some("paid"));

    let history = service.history(before).unwrap();
    assert_eq!(history[0].params["board_quorum"], json!(2));
    for id in [before, after] {
        assert!(service.snapshot_matches_replay(id).unwrap(), "instance {id} differs from its replay");
    }
}

#[test]
fn a_deadline_runs_for_the_duration_in_force() {
    let mut service = service("settings:\n  claim: { review_sla: 4h }\n");
    let id = start(&mut service, 100.0);
    let due = service.show(id, None, t(T0)).unwrap().active[0].due.clone();
    assert_eq!(due.as_deref(), Some("2026-11-30T05:00:00+00:00"));
}

#[test]
fn a_quorum_above_the_holders_asks_every_holder() {
    let mut service = service("settings:\n  claim: { board_quorum: 5 }\n");
    let id = start(&mut service, 9000.0);
    sign(&mut service, id, "zhao");
    sign(&mut service, id, "qian");
    assert_eq!(states(&mut service, id), ["board"]);
    sign(&mut service, id, "sun");
    assert_eq!(service.show(id, None, t(T0)).unwrap().outcome.as_deref(), Some("paid"));
}

#[test]
fn settings_that_do_not_fit_the_deployed_workflows_load_nothing() {
    let mut service = service("");
    let bad =
        "settings:\n  clam: { limit: 1.0 }\n  claim: { limt: 1.0, limit: 五千, review_sla: 48, board_quorum: 0 }\n";
    let Err(ServiceError::InvalidOrg(problems)) = service.load_org(Path::new("org.yaml"), org(bad).as_bytes(), t(T0))
    else {
        panic!("the settings should be refused");
    };
    let report: Vec<String> = problems
        .iter()
        .map(|d| {
            let hint = d.problem.hint().map(|h| format!(" — {h}")).unwrap_or_default();
            format!("{} {}: {}{hint}", d.span.as_ref().map_or(0, |s| s.line), d.problem.code(), d.problem)
        })
        .collect();
    insta::assert_snapshot!(report.join("\n"));
    // The defaults are still in force: nothing was loaded.
    let id = start(&mut service, 6000.0);
    assert_eq!(states(&mut service, id), ["board"]);
}

#[test]
fn a_setting_a_later_version_no_longer_accepts_refuses_the_start() {
    let mut service = service("settings:\n  claim: { limit: 8000.5 }\n");
    let v2 = WORKFLOW
        .replace("version: 1", "version: 2")
        .replace("limit: { type: money, default: 5000.0", "limit: { type: integer, default: 5000");
    let file = SourceFile { path: "claim.yaml".into(), bytes: v2.into_bytes() };
    service.deploy(&[file], t(T0)).unwrap();
    let data: Map<String, Value> = serde_json::from_value(json!({ "amount": 100.0 })).unwrap();
    let err = service.start("claim", "li", data, t(T0)).unwrap_err();
    assert_eq!(err.code(), "bad-setting");
    assert_eq!(
        format!("{err} — {}", err.hint().unwrap()),
        "the org's setting of `limit` for `claim` does not fit: expected a whole number, found the number 8000.5 — \
         correct `settings.claim.limit` in the org file and load it again: `liucheng org load FILE`"
    );
}

#[test]
fn a_reminder_must_fall_after_the_state_is_entered() {
    let workflow = WORKFLOW.replace("escalate: board }", "escalate: board, remind: [1d] }");
    let mut service = Service::in_memory().unwrap();
    let file = SourceFile { path: "claim.yaml".into(), bytes: workflow.into_bytes() };
    service.deploy(&[file], t(T0)).unwrap();
    let Err(ServiceError::InvalidOrg(problems)) =
        service.load_org(Path::new("org.yaml"), org("settings:\n  claim: { review_sla: 12h }\n").as_bytes(), t(T0))
    else {
        panic!("a deadline shorter than its reminder should be refused");
    };
    assert_eq!(
        problems[0].problem.to_string(),
        "parameter `review_sla`: the deadline of `review` reminds 24h before it falls due, so it must be longer than that, not 12h"
    );
}
