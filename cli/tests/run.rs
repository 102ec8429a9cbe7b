//! Running workflows through the CLI: a walkthrough from deploy to a finished instance, every
//! refusal with its exit code, JSON output, and the database left verifiable.

mod common;

use common::{root, session, Db, Ok};

#[test]
fn walkthrough_from_deploy_to_a_finished_instance() {
    let db = Db::new("walkthrough");
    let transcript = session(
        &db,
        &[
            (
                "2026-11-30T09:00:00+08:00",
                &["start", "leave-request", "--as", "zhang_san", "--data", "days=3", "--data", "reason=探亲"],
            ),
            ("2026-11-30T09:05:00+08:00", &["act", "1", "submit", "--as", "zhang_san"]),
            ("2026-11-30T09:10:00+08:00", &["list", "--mine", "--as", "wang_wu"]),
            ("2026-11-30T09:10:00+08:00", &["show", "1", "--as", "wang_wu"]),
            ("2026-11-30T09:20:00+08:00", &["act", "1", "approve", "--as", "wang_wu", "--comment", "同意"]),
            ("2026-11-30T09:21:00+08:00", &["list"]),
        ],
    );
    insta::assert_snapshot!(transcript);
}

#[test]
fn deploy_reports_what_changed_and_refuses_an_invalid_file() {
    let db = Db::new("deploy");
    let again = db.run(&["deploy", "examples/linear-approval.yaml"]).ok();
    assert!(again.stdout.contains("unchanged"), "{}", again.stdout);
    let bad = db.run(&["deploy", "examples/linear-approval.yaml", "tests/fixtures/invalid/undeclared-state.yaml"]);
    assert_eq!(bad.code, 1);
    insta::assert_snapshot!(bad.transcript());
}

#[test]
fn refusals_name_the_rule_and_write_nothing() {
    let db = Db::new("refusals");
    db.run(&["start", "leave-request", "--as", "zhang_san", "--data", "days=3", "--data", "reason=x"]).ok();
    let transcript = session(
        &db,
        &[
            ("2026-11-30T09:00:00+08:00", &["act", "1", "submit", "--as", "zhang_sna"]),
            ("2026-11-30T09:00:00+08:00", &["act", "1", "submit", "--as", "wang_wu"]),
            ("2026-11-30T09:00:00+08:00", &["act", "1", "approve", "--as", "wang_wu"]),
            ("2026-11-30T09:00:00+08:00", &["act", "1", "sbumit", "--as", "zhang_san"]),
            (
                "2026-11-30T09:00:00+08:00",
                &["act", "1", "submit", "--as", "zhang_san", "--data", "days=many", "--data", "colour=red"],
            ),
            ("2026-11-30T09:00:00+08:00", &["act", "1", "submit", "--as", "zhang_san", "--expect-version", "0"]),
            ("2026-11-30T09:00:00+08:00", &["start", "leave-request", "--as", "wang_wu"]),
            ("2026-11-30T09:00:00+08:00", &["start", "no-such-flow", "--as", "wang_wu"]),
            ("2026-11-30T09:00:00+08:00", &["show", "99"]),
            ("2026-11-30T09:00:00+08:00", &["cancel", "1", "--as", "wang_wu", "--reason", "不需要"]),
        ],
    );
    insta::assert_snapshot!(transcript);
    let show = db.run(&["--json", "show", "1"]).ok();
    let view: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    assert_eq!(view["version"], 1, "none of the refusals wrote an event");
}

#[test]
fn separation_of_duties_is_refused_with_the_rule() {
    let db = Db::new("duties");
    let dir = db.dir.clone();
    std::fs::write(dir.join("org.yaml"), "people:\n  boss: {name: 老板, roles: [employee, manager]}\n").unwrap();
    db.run(&["org", "load", dir.join("org.yaml").to_str().unwrap()]).ok();
    db.run(&["start", "leave-request", "--as", "boss", "--data", "days=1", "--data", "reason=x"]).ok();
    db.run(&["act", "1", "submit", "--as", "boss"]).ok();
    let run = db.run(&["act", "1", "approve", "--as", "boss"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn json_output_for_scripts() {
    let db = Db::new("json");
    let start = db
        .run(&["--json", "start", "leave-request", "--as", "zhang_san", "--data", "days=2", "--data", "reason=x"])
        .ok();
    let outcome: serde_json::Value = serde_json::from_str(&start.stdout).unwrap();
    assert_eq!(outcome["instance"], 1);
    let list = db.run(&["--json", "list"]).ok();
    let items: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(items[0]["workflow"], "leave-request");
    assert_eq!(items[0]["states"][0], "填写申请 / Fill in the request");
    let refused = db.run(&["--json", "act", "1", "approve", "--as", "wang_wu"]);
    assert_eq!(refused.code, 1);
    let error: serde_json::Value = serde_json::from_str(&refused.stderr).unwrap();
    assert_eq!(error["error"], "action-not-available");
}

#[test]
fn json_output_of_every_step_and_refusal() {
    let db = Db::new("json-session");
    let transcript = session(
        &db,
        &[
            (
                "2026-11-30T09:00:00+08:00",
                &["--json", "start", "leave-request", "--as", "zhang_san", "--data", "days=3", "--data", "reason=探亲"],
            ),
            ("2026-11-30T09:05:00+08:00", &["--json", "act", "1", "submit", "--as", "zhang_san"]),
            ("2026-11-30T09:06:00+08:00", &["--json", "act", "1", "approve", "--as", "zhang_sna"]),
            ("2026-11-30T09:06:00+08:00", &["--json", "act", "1", "approve", "--as", "li_si"]),
            (
                "2026-11-30T09:06:00+08:00",
                &["--json", "act", "1", "approve", "--as", "wang_wu", "--expect-version", "1"],
            ),
            ("2026-11-30T09:10:00+08:00", &["--json", "list", "--mine", "--as", "wang_wu"]),
            ("2026-11-30T09:10:00+08:00", &["--json", "show", "1", "--as", "wang_wu"]),
            ("2026-11-30T09:20:00+08:00", &["--json", "act", "1", "approve", "--as", "wang_wu", "--comment", "同意"]),
            ("2026-11-30T09:21:00+08:00", &["--json", "history", "1"]),
        ],
    );
    insta::assert_snapshot!(transcript);
}

#[test]
fn tick_escalates_and_is_idempotent() {
    let db = Db::new("tick");
    db.run(&[
        "start",
        "complaint-response",
        "--as",
        "zhang_san",
        "--data",
        "complaint=漏水",
        "--data",
        "severity=general",
    ])
    .ok();
    let transcript = session(
        &db,
        &[
            ("2026-12-01T09:30:00+08:00", &["list", "--overdue"]),
            ("2026-12-01T09:30:00+08:00", &["tick"]),
            ("2026-12-01T09:31:00+08:00", &["tick"]),
            ("2026-12-01T09:31:00+08:00", &["show", "1"]),
        ],
    );
    insta::assert_snapshot!(transcript);
}

#[test]
fn a_sub_workflow_is_shown_from_both_sides() {
    let db = Db::new("call");
    db.run(&["start", "supplier-selection", "--as", "zhang_san"]).ok();
    db.run(&["act", "1", "propose", "--as", "zhang_san", "--data", "supplier=乙公司", "--data", "amount=120000"]).ok();
    db.run(&["act", "1", "agree", "--as", "sun_ba"]).ok();
    let parent = db.run(&["show", "1"]).ok();
    assert!(parent.stdout.contains("sub-workflow: instance 2 (signing-in-order, active)"), "{}", parent.stdout);
    let child = db.run(&["show", "2"]).ok();
    assert!(child.stdout.contains("part of: instance 1 (supplier-selection at `contract`)"), "{}", child.stdout);
    db.run(&["act", "2", "sign", "--as", "zhao_liu"]).ok();
    db.run(&["act", "2", "sign", "--as", "sun_ba"]).ok();
    let done = db.run(&["--json", "show", "1"]).ok();
    let view: serde_json::Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(view["outcome"], "selected");
}

#[test]
fn eight_processes_contesting_one_step_give_exactly_one_winner() {
    let db = Db::new("contest");
    for _ in 0..4 {
        db.run(&["start", "leave-request", "--as", "zhang_san", "--data", "days=1", "--data", "reason=x"]).ok();
    }
    for id in 1..=4 {
        db.run(&["act", &id.to_string(), "submit", "--as", "zhang_san"]).ok();
    }
    let bin = env!("CARGO_BIN_EXE_liucheng");
    for id in 1..=4 {
        let children: Vec<_> = (0..8)
            .map(|i| {
                let who = if i % 2 == 0 { "wang_wu" } else { "wu_shi" };
                std::process::Command::new(bin)
                    .args(["--db", &db.path(), "act", &id.to_string(), "approve", "--as", who])
                    .current_dir(root())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let codes: Vec<i32> =
            children.into_iter().map(|c| c.wait_with_output().unwrap().status.code().unwrap()).collect();
        assert_eq!(codes.iter().filter(|c| **c == 0).count(), 1, "instance {id}: exactly one approval wins: {codes:?}");
        assert!(codes.iter().all(|c| *c == 0 || *c == 1), "the losers are refused, not crashed: {codes:?}");
    }
    let list = db.run(&["--json", "list", "--status", "done"]).ok();
    let items: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 4);
    for id in 1..=4 {
        let show = db.run(&["--json", "show", &id.to_string()]).ok();
        let view: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
        assert_eq!(view["version"], 3, "instance {id}: start, submit, one approval — nothing lost or doubled");
    }
}

#[test]
fn eight_processes_acting_on_different_instances_lose_nothing() {
    let db = Db::new("parallel");
    for _ in 0..8 {
        db.run(&["start", "purchase-review", "--as", "zhang_san", "--data", "amount=100", "--data", "supplier=甲"])
            .ok();
    }
    let bin = env!("CARGO_BIN_EXE_liucheng");
    let children: Vec<_> = (1..=8)
        .map(|id| {
            let script = format!(
                "{bin} --db {db} act {id} cleared --as zhao_liu && {bin} --db {db} act {id} query --as qian_qi && \
                 {bin} --db {db} act {id} answer --as zhang_san && {bin} --db {db} act {id} cleared --as qian_qi && \
                 {bin} --db {db} act {id} approve --as wang_wu",
                db = db.path()
            );
            std::process::Command::new("sh").args(["-c", &script]).current_dir(root()).output_async()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "instance {}: {}", i + 1, String::from_utf8_lossy(&out.stderr));
    }
    for id in 1..=8 {
        let show = db.run(&["--json", "show", &id.to_string()]).ok();
        let view: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
        assert_eq!(view["outcome"], "approved");
        assert_eq!(view["version"], 6, "instance {id}: every step recorded once");
    }
}

trait Spawn {
    fn output_async(&mut self) -> std::process::Child;
}

impl Spawn for std::process::Command {
    fn output_async(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
    }
}

#[test]
fn killing_the_cli_mid_write_never_damages_the_database() {
    let db = Db::new("kill");
    let bin = env!("CARGO_BIN_EXE_liucheng");
    let mut finished = 0;
    let mut killed = 0;
    for i in 0..60u64 {
        let mut child = std::process::Command::new(bin)
            .args([
                "--db",
                &db.path(),
                "start",
                "purchase-review",
                "--as",
                "zhang_san",
                "--data",
                "amount=100",
                "--data",
                "supplier=甲",
            ])
            .current_dir(root())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills over the whole run of the command: opening, validating, writing, committing.
        std::thread::sleep(std::time::Duration::from_micros((i * 7_919) % 25_000));
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success());
                finished += 1;
            }
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                killed += 1;
            }
        }
    }
    assert!(
        killed >= 10,
        "only {killed} of 60 runs were killed before they finished: the test is not exercising kills"
    );
    let list = db.run(&["--json", "list"]).ok();
    let items: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let stored = items.as_array().unwrap().len();
    assert!(stored >= finished && stored <= finished + killed, "{stored} stored, {finished} finished, {killed} killed");
    // Dropping `db` verifies every instance: each equals its replay and its hash chain holds.
}

#[test]
fn replay_shows_an_instance_at_any_point_of_its_history() {
    let db = Db::new("replay");
    db.at(
        "2026-11-30T09:00:00+08:00",
        &["start", "leave-request", "--as", "zhang_san", "--data", "days=3", "--data", "reason=x"],
    )
    .ok();
    db.at("2026-11-30T10:00:00+08:00", &["act", "1", "submit", "--as", "zhang_san"]).ok();
    db.at("2026-11-30T11:00:00+08:00", &["act", "1", "approve", "--as", "wang_wu"]).ok();
    let at = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--json", "replay", "1"];
        all.extend_from_slice(args);
        serde_json::from_str(&db.run(&all).ok().stdout).unwrap()
    };
    assert_eq!(at(&["--at", "2026-11-30T09:30:00+08:00"])[0]["active"], serde_json::json!(["draft"]));
    assert_eq!(at(&["--upto", "2"])[0]["active"], serde_json::json!(["review"]));
    assert_eq!(at(&[])[0]["status"], "done");
    assert_eq!(at(&["--step"]).as_array().unwrap().len(), 3);
    insta::assert_snapshot!(db.run(&["replay", "1", "--step"]).ok().stdout);
}

#[test]
fn org_load_and_deploy_warn_where_the_roster_leaves_a_needed_role_unstaffed() {
    let db = Db::empty("staffing");
    db.run(&["deploy", "workflows"]).ok();
    let org = std::fs::read_to_string(common::root().join("workflows/org.yaml")).unwrap();
    // The night shift of the OR starts 90 minutes late.
    let late = org.replace(
        "{ person: zhao_li, role: or_staff, from: \"2026-03-10T20:00:00+08:00\"",
        "{ person: zhao_li, role: or_staff, from: \"2026-03-10T21:30:00+08:00\"",
    );
    assert_ne!(late, org, "the sample roster has the OR night shift this test moves");
    let file = db.dir.join("org.yaml");
    std::fs::write(&file, &late).unwrap();
    let run = db.run(&["org", "load", &file.display().to_string()]).ok();
    insta::assert_snapshot!(run.stderr, @"warning: `emergency-surgery` needs at least 1 on duty as `or_staff` at every moment (手术室实施24小时无假日专人值班 / The OR is staffed around the clock, holidays included): nobody is on duty from 2026-03-10T20:00:00+08:00 until 2026-03-10T21:30:00+08:00");
    let json = db.run(&["--json", "org", "load", &file.display().to_string()]).ok();
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["staffing_gaps"][0]["from"], "2026-03-10T20:00:00+08:00");
    assert_eq!(doc["staffing_gaps"][0]["until"], "2026-03-10T21:30:00+08:00");
    assert_eq!(doc["staffing_gaps"][0]["on_duty"], 0);
    // Deploying again checks the same roster; with the shift back in place nothing is said.
    assert!(db.run(&["deploy", "workflows"]).ok().stderr.contains("nobody is on duty from 2026-03-10T20:00:00+08:00"));
    db.run(&["org", "load", "workflows/org.yaml"]).ok();
    assert_eq!(db.run(&["deploy", "workflows"]).ok().stderr, "");
}

#[test]
fn history_shows_the_actor_as_the_org_had_them_when_they_acted() {
    let db = Db::new("actor-was");
    db.run(&["start", "leave-request", "--as", "zhang_san", "--data", "days=3", "--data", "reason=探亲"]).ok();
    db.run(&["act", "1", "submit", "--as", "zhang_san"]).ok();
    db.run(&["act", "1", "approve", "--as", "wang_wu", "--comment", "同意"]).ok();
    // 王五 is promoted afterwards; the approval still shows the grade he approved with.
    let org = std::fs::read_to_string(root().join("examples/org.yaml")).unwrap();
    let promoted =
        org.replace("department: sales, attributes: { grade: 5 }", "department: board, attributes: { grade: 6 }");
    assert_ne!(promoted, org, "the example org has 王五 at grade 5");
    let file = db.dir.join("org.yaml");
    std::fs::write(&file, promoted).unwrap();
    db.run(&["org", "load", &file.display().to_string()]).ok();
    let history = db.run(&["--json", "history", "1"]).ok();
    let events: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    let approval = events.as_array().unwrap().iter().find(|e| e["action"] == "approve").expect("the approval");
    assert_eq!(approval["actor_was"]["grade"], 5);
    assert_eq!(approval["actor_was"]["department"], "sales");
    assert_eq!(approval["actor_was"]["name"], "王五");
}
