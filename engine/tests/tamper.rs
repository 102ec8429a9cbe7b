//! Tamper evidence on a real database file: editing, deleting, reordering or inserting any one
//! event row with raw SQL is caught by `verify`, which names the instance and the event.

use std::path::{Path, PathBuf};

use chrono::DateTime;
use liucheng_engine::service::{ActRequest, Service};
use liucheng_engine::SourceFile;
use serde_json::Map;

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A database file holding one finished parallel instance (6 events: the join fires inside the
/// fifth) and one untouched instance.
fn database(name: &str) -> (Scratch, PathBuf) {
    let dir = std::env::temp_dir().join(format!("liucheng-tamper-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.db");
    let now = DateTime::parse_from_rfc3339("2026-11-30T09:00:00+08:00").unwrap();
    let mut service = Service::open(&path).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let file = root.join("examples/parallel-review.yaml");
    service.deploy(&[SourceFile { bytes: std::fs::read(&file).unwrap(), path: file }], now).unwrap();
    let org = root.join("examples/org.yaml");
    service.load_org(&org, &std::fs::read(&org).unwrap(), now).unwrap();
    let data: Map<String, serde_json::Value> = serde_json::from_str(r#"{"amount": 100.0, "supplier": "甲"}"#).unwrap();
    let id = service.start("purchase-review", "zhang_san", data.clone(), now).unwrap().instance;
    service.start("purchase-review", "zhang_san", data, now).unwrap();
    for (action, actor) in [
        ("cleared", "zhao_liu"),
        ("query", "qian_qi"),
        ("answer", "zhang_san"),
        ("cleared", "qian_qi"),
        ("approve", "wang_wu"),
    ] {
        let request = ActRequest {
            instance: id,
            action: action.into(),
            state: None,
            actor: actor.into(),
            data: Map::new(),
            comment: None,
            expect_version: None,
            now,
        };
        service.act(&request).unwrap();
    }
    assert!(service.verify(&[]).unwrap().iter().all(|v| v.problem.is_none()), "untampered data verifies");
    (Scratch(dir), path)
}

/// Tamper with the file as an attacker with SQL access would (triggers dropped first), then verify.
fn tamper(name: &str, sql: &str) -> (i64, Option<i64>, String) {
    let (_scratch, path) = database(name);
    let changed = tamper_with_sql(&path, sql);
    assert!(changed > 0, "the tampering changed rows");
    let mut service = Service::open(&path).unwrap();
    let verdicts = service.verify(&[]).unwrap();
    let bad: Vec<_> = verdicts.iter().filter(|v| v.problem.is_some()).collect();
    assert_eq!(bad.len(), 1, "exactly the tampered instance is named: {verdicts:?}");
    let p = bad[0].problem.clone().unwrap();
    (bad[0].instance, p.seq, p.what)
}

/// Run `sql` with the append-only triggers dropped; returns the rows it changed.
fn tamper_with_sql(path: &Path, sql: &str) -> u64 {
    let store = liucheng_engine::store::Store::open(path).unwrap();
    let prelude = "DROP TRIGGER events_append_only_update; DROP TRIGGER events_append_only_delete;";
    store.execute_raw(&format!("{prelude} {sql}")).expect("the tampering SQL runs");
    store.total_changes()
}

#[test]
fn an_edited_event_is_caught_at_that_event() {
    let (instance, seq, what) = tamper("edit", "UPDATE events SET actor = 'sun_ba' WHERE instance_id = 1 AND seq = 4;");
    assert_eq!((instance, seq), (1, Some(4)));
    assert!(what.contains("edited"), "{what}");
}

#[test]
fn a_deleted_event_is_caught_where_the_gap_is() {
    let (instance, seq, _) = tamper("delete", "DELETE FROM events WHERE instance_id = 1 AND seq = 3;");
    assert_eq!((instance, seq), (1, Some(4)));
}

#[test]
fn a_deleted_last_event_is_caught_by_the_head_hash() {
    let (instance, seq, what) = tamper("delete-last", "DELETE FROM events WHERE instance_id = 1 AND seq = 6;");
    assert_eq!((instance, seq), (1, None));
    assert!(what.contains("head hash"), "{what}");
}

#[test]
fn reordered_events_are_caught() {
    let sql = "UPDATE events SET seq = 100 WHERE instance_id = 1 AND seq = 3; \
               UPDATE events SET seq = 3 WHERE instance_id = 1 AND seq = 4; \
               UPDATE events SET seq = 4 WHERE instance_id = 1 AND seq = 100;";
    let (instance, seq, _) = tamper("reorder", sql);
    assert_eq!((instance, seq), (1, Some(3)));
}

#[test]
fn an_inserted_event_is_caught() {
    let sql = "UPDATE events SET seq = seq + 1000 WHERE instance_id = 1 AND seq >= 5; \
               UPDATE events SET seq = seq - 999 WHERE instance_id = 1 AND seq >= 1000; \
               INSERT INTO events SELECT instance_id, 5, at, actor, role, kind, state, action, from_states, to_states, \
               changes, comment, payload, prev_hash, hash FROM events WHERE instance_id = 1 AND seq = 4;";
    let (instance, seq, _) = tamper("insert", sql);
    assert_eq!((instance, seq), (1, Some(5)));
}

#[test]
fn the_event_log_refuses_updates_and_deletes_through_sql() {
    let (_scratch, path) = database("append-only");
    let store = liucheng_engine::store::Store::open(&path).unwrap();
    assert!(store.execute_raw("UPDATE events SET actor = 'x' WHERE seq = 1").is_err());
    assert!(store.execute_raw("DELETE FROM events WHERE seq = 1").is_err());
}
