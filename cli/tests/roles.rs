//! Role parameters through the CLI: `start --role` binds them, with a clear refusal when one is
//! missing or names no role of the org, `show` and `history` display the binding, and a caller
//! deployed later is checked against the parameters of the deployed workflow it calls.

mod common;

use common::{session, Db, Ok};

fn library(name: &str) -> Db {
    let db = Db::empty(name);
    db.run(&["deploy", "workflows"]).ok();
    db.run(&["org", "load", "workflows/org.yaml"]).ok();
    db
}

#[test]
fn start_binds_role_parameters_and_show_and_history_display_them() {
    let db = library("roles-start");
    let data: &[&str] = &["--data", "subject=李秀英", "--data", "needs_witness=false"];
    fn start<'a>(roles: &[&'a str], data: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["start", "handover", "--as", "zheng_yan"];
        args.extend_from_slice(roles);
        args.extend_from_slice(data);
        args
    }
    let missing = start(&["--role", "giver=ward_nurse"], data);
    let unknown = start(&["--role", "giver=ward_nurse", "--role", "receiver=or_transfer_persn"], data);
    let malformed = start(&["--role", "giver"], data);
    let ok = start(&["--role", "giver=ward_nurse", "--role", "receiver=or_transfer_person"], data);
    let transcript = session(
        &db,
        &[
            ("2026-03-10T07:40:00+08:00", &missing),
            ("2026-03-10T07:40:00+08:00", &unknown),
            ("2026-03-10T07:40:00+08:00", &malformed),
            ("2026-03-10T07:40:00+08:00", &ok),
            (
                "2026-03-10T07:45:00+08:00",
                &["act", "1", "hand_over", "--as", "wu_qiang", "--data", "handover_time=2026-03-10T07:45:00+08:00"],
            ),
            ("2026-03-10T07:46:00+08:00", &["show", "1", "--as", "zheng_yan"]),
            ("2026-03-10T07:46:00+08:00", &["history", "1"]),
        ],
    );
    insta::assert_snapshot!(transcript);
}

#[test]
fn a_caller_that_leaves_a_deployed_workflows_parameter_unbound_is_not_deployed() {
    let db = library("roles-deploy");
    let dir = db.dir.join("caller");
    std::fs::create_dir_all(&dir).unwrap();
    let caller = "id: night-shift\ntitle: Night shift\nversion: 1\nroles:\n  ward_nurse: {title: Ward nurse}\n\
                  start: {to: hand, by: [ward_nurse]}\nstates:\n  hand:\n    call: handover\n\
                  \x20   roles: {giver: ward_nurse}\n    with: {subject: '\"夜班\"', needs_witness: 'false'}\n\
                  \x20   outcomes: {handed_over: done, refused: done}\n  done: {end: done}\n";
    let file = dir.join("night-shift.yaml");
    std::fs::write(&file, caller).unwrap();
    let run = db.run(&["deploy", file.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.transcript().contains("error[unbound-role-parameter]: workflow `handover` has role parameter `receiver`, which `hand` does not bind"),
        "{}",
        run.transcript()
    );
}
