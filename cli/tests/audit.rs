//! The commands for auditors end to end: `history` of an instance that went through every kind
//! of step, `export` and `restore` into a fresh database that verifies (and names a tampered
//! line), and `report` of who did what in a period.

mod common;

use common::{liucheng, Db, Ok, Run};
use serde_json::Value;

/// A purchase through a fork/join whose legal branch is escalated by `tick`, a two-person
/// sign-off and a sub-workflow call (instance 1, its contract instance 2), finished; and a leave
/// request decided a week later (instance 3).
fn purchase(name: &str) -> Db {
    let db = Db::new(name);
    db.run(&["deploy", "tests/fixtures/valid/audit-trail.yaml", "tests/fixtures/valid/audit-trail-contract.yaml"]).ok();
    let steps: &[(&str, &[&str])] = &[
        (
            "2026-11-30T09:00:00+08:00",
            &[
                "start",
                "equipment-purchase",
                "--as",
                "zhang_san",
                "--data",
                "amount=50000",
                "--data",
                "supplier=甲公司",
            ],
        ),
        ("2026-11-30T10:00:00+08:00", &["act", "1", "cleared", "--as", "qian_qi", "--state", "finance_review"]),
        ("2026-12-01T10:00:00+08:00", &["tick"]),
        ("2026-12-01T11:00:00+08:00", &["act", "1", "cleared", "--as", "zhao_liu", "--comment", "条款无误"]),
        ("2026-12-01T14:00:00+08:00", &["act", "1", "sign", "--as", "wang_wu"]),
        ("2026-12-01T15:30:00+08:00", &["act", "1", "sign", "--as", "qian_qi"]),
        ("2026-12-02T09:00:00+08:00", &["act", "2", "sign_contract", "--as", "sun_ba"]),
        (
            "2026-12-07T09:00:00+08:00",
            &["start", "leave-request", "--as", "li_si", "--data", "days=2", "--data", "reason=搬家"],
        ),
        ("2026-12-07T09:10:00+08:00", &["act", "3", "submit", "--as", "li_si"]),
        ("2026-12-07T16:10:00+08:00", &["act", "3", "approve", "--as", "wu_shi"]),
    ];
    for (now, args) in steps {
        db.at(now, args).ok();
    }
    db
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[test]
fn history_of_a_finished_instance_through_fork_escalation_signoff_and_call() {
    let db = purchase("audit-history");
    let show = json(&db.run(&["--json", "show", "1"]).ok());
    assert_eq!((show["status"].as_str(), show["outcome"].as_str()), (Some("done"), Some("bought")));
    let history = db.run(&["history", "1"]).ok();
    for kind in ["deadline", "signed", "child_started", "child_finished"] {
        assert!(history.stdout.contains(kind), "{kind} is in the history:\n{}", history.stdout);
    }
    insta::assert_snapshot!(history.stdout);
}

#[test]
fn an_export_restored_into_a_fresh_database_verifies_and_reads_the_same() {
    let db = purchase("audit-export");
    let file = db.dir.join("audit.jsonl");
    let file = file.to_str().unwrap();
    let exported = db.run(&["export", "--all", "-o", file]).ok();
    assert_eq!(exported.stdout, format!("exported 3 instances (13 events, 3 definitions, 1 organisation) to {file}\n"));

    let fresh = Db::empty("audit-export-fresh");
    let restored = fresh.run(&["restore", file]).ok();
    insta::assert_snapshot!(restored.stdout, @r"
    restored 3 instances (13 events); definitions: 3 added, 0 already here; organisations: 1 added
    3 instances verified (13 events): 3 intact, 0 broken
    ");
    for id in ["1", "2", "3"] {
        assert_eq!(fresh.run(&["history", id]).ok().stdout, db.run(&["history", id]).ok().stdout);
    }
    // Exported again, every instance and event line is the same (definition ids are the new
    // database's own, so instance lines are compared without them).
    let again = fresh.dir.join("again.jsonl");
    fresh.run(&["export", "--all", "-o", again.to_str().unwrap()]).ok();
    let rows = |path: &str| -> Vec<Value> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|v| v["type"] == "event" || v["type"] == "instance")
            .map(|mut v| {
                v.as_object_mut().unwrap().remove("definition_id");
                v
            })
            .collect()
    };
    assert_eq!(rows(file), rows(again.to_str().unwrap()));
    // The restored database carries on: the organisation and the definitions are usable.
    fresh.run(&["start", "leave-request", "--as", "zhang_san", "--data", "days=1", "--data", "reason=x"]).ok();
}

#[test]
fn a_tampered_export_line_is_named_by_verify_after_restore() {
    let db = purchase("audit-tamper");
    let file = db.dir.join("audit.jsonl");
    db.run(&["export", "1", "-o", file.to_str().unwrap()]).ok();
    let text = std::fs::read_to_string(&file).unwrap();
    let mut edited = 0;
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if v["type"] == "event" && v["instance_id"] == 1 && v["seq"] == 5 {
                v["actor"] = "sun_ba".into();
                edited += 1;
            }
            v.to_string()
        })
        .collect();
    assert_eq!(edited, 1);
    let tampered = db.dir.join("tampered.jsonl");
    std::fs::write(&tampered, lines.join("\n") + "\n").unwrap();

    let mut fresh = Db::empty("audit-tamper-fresh");
    fresh.verify_on_drop = false;
    let run = fresh.run(&["restore", tampered.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    restored 2 instances (10 events); definitions: 2 added, 0 already here; organisations: 1 added
    instance 1: event #5: its content does not match its hash (the row was edited)
    2 instances verified (10 events): 1 intact, 1 broken
    ");
    let verify = fresh.run(&["--json", "verify", "--all"]);
    assert_eq!(verify.code, 1);
    assert_eq!(json(&verify)[0]["problem"]["seq"], 5);
}

#[test]
fn restore_refuses_a_database_that_holds_any_of_the_instances_and_writes_nothing() {
    let db = purchase("audit-refuse");
    let file = db.dir.join("audit.jsonl");
    db.run(&["export", "3", "-o", file.to_str().unwrap()]).ok();
    let run = db.run(&["restore", file.to_str().unwrap()]);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stderr
    error[instance-exists]: the database already holds instance 3
      = help: restore into a fresh database: `liucheng --db audit.db restore FILE`
    ");
    let not_an_export = db.dir.join("org.jsonl");
    std::fs::write(&not_an_export, "{\"type\":\"event\"}\n").unwrap();
    let run = db.run(&["restore", not_an_export.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error[not-an-export]"), "{}", run.stderr);
    // A cut-short export is refused as a whole.
    let text = std::fs::read_to_string(&file).unwrap();
    let short = db.dir.join("short.jsonl");
    std::fs::write(&short, text.lines().take(text.lines().count() - 1).collect::<Vec<_>>().join("\n")).unwrap();
    let fresh = Db::empty("audit-refuse-fresh");
    let run = fresh.run(&["restore", short.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("its header promises 3 events, it holds 2"), "{}", run.stderr);
    assert_eq!(json(&fresh.run(&["--json", "list"]).ok()), serde_json::json!([]));
}

#[test]
fn a_period_selects_whole_instances_with_their_callers_and_callees() {
    let db = purchase("audit-period");
    let export = |args: &[&str]| -> Value {
        let file = db.dir.join("period.jsonl");
        let mut all = vec!["--json", "export", "-o", file.to_str().unwrap()];
        all.extend_from_slice(args);
        let summary = json(&db.run(&all).ok());
        let text = std::fs::read_to_string(&file).unwrap();
        let header: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(header["instances"], summary["instances"]);
        let ids: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|v| v["type"] == "instance")
            .map(|v| v["id"].clone())
            .collect();
        serde_json::json!({"ids": ids, "events": summary["events"]})
    };
    // The contract (instance 2) ran on 1 and 2 December; its caller goes with it, whole.
    let december = ["--all", "--from", "2026-12-02T00:00:00+08:00", "--to", "2026-12-03T00:00:00+08:00"];
    assert_eq!(export(&december), serde_json::json!({"ids": [1, 2], "events": 10}));
    assert_eq!(export(&["2"]), serde_json::json!({"ids": [1, 2], "events": 10}));
    // The end of a period is not in it.
    assert_eq!(
        export(&["--all", "--from", "2026-12-03T00:00:00+08:00", "--to", "2026-12-07T09:00:00+08:00"]),
        serde_json::json!({"ids": [], "events": 0})
    );
    assert_eq!(export(&["--all", "--from", "2026-12-07T09:00:00+08:00"]), serde_json::json!({"ids": [3], "events": 3}));
    let missing = db.run(&["export", "99"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("no instance 99"), "{}", missing.stderr);
}

#[test]
fn csv_export_is_one_row_per_event_with_the_definition_and_the_hashes() {
    let db = purchase("audit-csv");
    let run = db.run(&["export", "3", "--format", "csv"]).ok();
    let text = run.stdout.strip_prefix('\u{feff}').expect("a byte-order mark for spreadsheets");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "workflow,definition_version,definition_revision,definition_hash,instance_id,seq,at,actor,role,kind,state,\
         action,from_states,to_states,changes,comment,payload,prev_hash,hash"
    );
    assert_eq!(lines.len(), 4, "a header and three events:\n{text}");
    assert!(lines[1].starts_with("leave-request,1,1,"), "{}", lines[1]);
    assert!(lines[1].contains(r#""{""days"":[null,2],""reason"":[null,""搬家""]}""#), "{}", lines[1]);
    let history = json(&db.run(&["--json", "history", "3"]).ok());
    for (line, event) in lines[1..].iter().zip(history.as_array().unwrap()) {
        let hash = event["hash"].as_str().unwrap();
        let prev = event["prev_hash"].as_str().unwrap();
        assert!(line.ends_with(&format!(",{prev},{hash}")), "{line}");
    }
}

#[test]
fn report_counts_actions_time_in_state_and_missed_deadlines() {
    let db = purchase("audit-report");
    db.at(
        "2026-12-07T10:00:00+08:00",
        &["start", "complaint-response", "--as", "zhang_san", "--data", "complaint=漏水", "--data", "severity=general"],
    )
    .ok();
    let week = ["--from", "2026-11-30T00:00:00+08:00", "--to", "2026-12-07T00:00:00+08:00"];
    let mut args = vec!["report"];
    args.extend_from_slice(&week);
    let table = db.at("2026-12-09T12:00:00+08:00", &args).ok();
    insta::assert_snapshot!(table.stdout);

    let all = json(&db.at("2026-12-09T12:00:00+08:00", &["--json", "report"]).ok());
    assert_eq!(all["events"], 14);
    assert_eq!(all["overdue"][0]["instance"], 4);
    assert_eq!(all["overdue"][0]["state"], "specialist_answer");
    let leave = json(&db.run(&["report", "--workflow", "leave-request", "--format", "json"]).ok());
    assert_eq!(
        leave["states"],
        serde_json::json!([
            {"workflow": "leave-request", "state": "draft", "visits": 1, "median_seconds": 600, "max_seconds": 600},
            {"workflow": "leave-request", "state": "review", "visits": 1, "median_seconds": 25200, "max_seconds": 25200},
        ])
    );
    let csv = db.at("2026-12-09T12:00:00+08:00", &["report", "--format", "csv"]).ok();
    let mut lines = csv.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("section,workflow,state,actor,role,action,instance,count,median_seconds,max_seconds,due,overdue_seconds")
    );
    assert!(csv.stdout.contains("deadlines_missed,equipment-purchase,legal_review,,,,,1,,,,\r\n"), "{}", csv.stdout);
    assert!(csv.stdout.contains("overdue,complaint-response,specialist_answer,,,,4,,,,"), "{}", csv.stdout);
}

#[test]
fn every_audit_command_explains_itself() {
    for command in ["export", "restore", "report"] {
        let run = liucheng(&[command, "--help"]);
        assert_eq!(run.code, 0);
        insta::assert_snapshot!(format!("{command}-help"), run.stdout);
    }
}
