//! Role parameters end to end: a caller binds the parts of the workflow it calls, the child's
//! role checks read the binding, and the instance still equals the replay of its history.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use liucheng_engine::runtime::RuntimeError;
use liucheng_engine::service::{ActRequest, Service, ServiceError};
use liucheng_engine::SourceFile;
use serde_json::{json, Map, Value};

const CHILD: &str = "
id: pass-on
title: Pass on
version: 1
roles:
  giver: { title: Giver, parameter: true }
  taker: { title: Taker, parameter: true }
  witness: { title: Witness, parameter: true, optional: true }
start: { to: give, by: [giver] }
states:
  give:
    actions:
      give: { by: [giver], to: take }
  take:
    signoff: { by: [taker, witness] }
    rule: all
    to: done
  done: { end: done }
";

const PARENT: &str = "
id: ward-round
title: Ward round
version: 1
roles:
  nurse: { title: 病房护士 / Ward nurse }
  porter: { title: 运送员 / Porter }
start: { to: hand, by: [nurse] }
states:
  hand:
    call: pass-on
    roles: { giver: nurse, taker: porter }
    outcomes: { done: finished }
  finished: { end: finished }
";

// `taker` is also an organisation role here: holding it must not make anyone the taker.
const ORG: &str = "people:
  nina: {name: Nina, roles: [nurse]}
  pete: {name: Pete, roles: [porter]}
  tom: {name: Tom, roles: [taker]}
";

fn t() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-30T09:00:00+08:00").unwrap()
}

fn service() -> Service {
    let mut s = Service::in_memory().unwrap();
    let files = [
        SourceFile { path: "pass-on.yaml".into(), bytes: CHILD.as_bytes().to_vec() },
        SourceFile { path: "ward-round.yaml".into(), bytes: PARENT.as_bytes().to_vec() },
    ];
    s.deploy(&files, t()).unwrap();
    s.load_org(Path::new("org.yaml"), ORG.as_bytes(), t()).unwrap();
    s
}

fn act(s: &mut Service, id: i64, action: &str, actor: &str) -> Result<(), ServiceError> {
    let request = ActRequest {
        instance: id,
        action: action.into(),
        state: None,
        actor: actor.into(),
        data: Map::new(),
        comment: None,
        expect_version: None,
        now: t(),
    };
    s.act(&request).map(|_| ())
}

fn refusal(r: Result<impl std::fmt::Debug, ServiceError>) -> RuntimeError {
    match r {
        Err(ServiceError::Runtime(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn roles(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn a_called_workflow_checks_the_roles_its_caller_bound() {
    let mut s = service();
    let parent = s.start("ward-round", "nina", Map::new(), t()).unwrap().instance;
    let child = s.show(parent, None, t()).unwrap().children[0].0;
    let view = s.show(child, None, t()).unwrap();
    assert_eq!(
        view.roles,
        [
            "giver = nurse (病房护士 / Ward nurse)",
            "taker = porter (运送员 / Porter)",
            "witness = (nobody: left unbound)"
        ]
    );

    let RuntimeError::MissingRole { needed, .. } = refusal(act(&mut s, child, "give", "pete")) else {
        panic!("the porter does not give")
    };
    assert_eq!(needed, "`giver` (Giver) = `nurse`");
    act(&mut s, child, "give", "nina").unwrap();
    // Holding an organisation role named like the parameter is not playing it.
    assert!(matches!(refusal(act(&mut s, child, "sign", "tom")), RuntimeError::MissingRole { .. }));
    assert_eq!(s.offers(child, "tom", t()).unwrap(), Vec::<(String, String)>::new());
    assert_eq!(s.offers(child, "pete", t()).unwrap(), [("take".to_owned(), "sign".to_owned())]);
    // The unbound witness dropped out: the porter's signature alone completes the sign-off.
    act(&mut s, child, "sign", "pete").unwrap();
    assert_eq!(s.show(parent, None, t()).unwrap().outcome.as_deref(), Some("finished"));

    let started: Value = serde_json::from_str(&s.events(child).unwrap()[0].payload).unwrap();
    assert_eq!(
        started["kind"]["roles"],
        json!({
            "giver": {"role": "nurse", "title": "病房护士 / Ward nurse"},
            "taker": {"role": "porter", "title": "运送员 / Porter"},
        })
    );
    assert!(s.snapshot_matches_replay(child).unwrap());
    assert!(s.snapshot_matches_replay(parent).unwrap());
}

#[test]
fn starting_by_hand_binds_every_parameter_to_a_role_someone_holds() {
    let mut s = service();
    let bad = |s: &mut Service, given: &[(&str, &str)]| {
        let RuntimeError::BadRoleBinding { problem, .. } =
            refusal(s.start_with_roles("pass-on", "nina", Map::new(), &roles(given), t()))
        else {
            panic!("expected a bad role binding")
        };
        problem
    };
    assert_eq!(bad(&mut s, &[("giver", "nurse")]), "role parameter `taker` (Taker) is not bound");
    assert_eq!(
        bad(&mut s, &[("giver", "nurse"), ("taker", "portre")]),
        "nobody in the organisation holds `portre`, bound to `taker`"
    );
    assert_eq!(
        bad(&mut s, &[("giver", "nurse"), ("taker", "porter"), ("giverr", "nurse")]),
        "`giverr` is not one of its role parameters"
    );
    // Only whoever plays a starting role starts it, under the binding given.
    let RuntimeError::MissingRole { .. } = refusal(s.start_with_roles(
        "pass-on",
        "pete",
        Map::new(),
        &roles(&[("giver", "nurse"), ("taker", "porter")]),
        t(),
    )) else {
        panic!("the porter is not the giver")
    };
    let id = s
        .start_with_roles(
            "pass-on",
            "pete",
            Map::new(),
            &roles(&[("giver", "porter"), ("taker", "nurse"), ("witness", "taker")]),
            t(),
        )
        .unwrap()
        .instance;
    act(&mut s, id, "give", "pete").unwrap();
    act(&mut s, id, "sign", "nina").unwrap();
    assert_eq!(s.show(id, None, t()).unwrap().status, "active", "the bound witness must sign too");
    act(&mut s, id, "sign", "tom").unwrap();
    assert_eq!(s.show(id, None, t()).unwrap().outcome.as_deref(), Some("done"));
    assert!(s.snapshot_matches_replay(id).unwrap());
}
