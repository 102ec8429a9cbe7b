//! The everyday approval operations through the CLI: a contract approval that is transferred,
//! delegated, reminded, returned once, taken back, signed by a stand-in and completed with an
//! added signer, with the history an auditor reads. The transcript is the README's operator section.

mod common;

use std::path::PathBuf;

use common::{liucheng, Run};

struct Db {
    dir: PathBuf,
}

impl Db {
    fn new(name: &str) -> Db {
        let dir = std::env::temp_dir().join(format!("liucheng-ops-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db { dir };
        let files = ["tests/fixtures/valid/approval-operations.yaml", "tests/fixtures/valid/finance-signing.yaml"];
        assert_eq!(db.run("2026-11-30T09:00:00+08:00", &[&["deploy"], &files[..]].concat()).code, 0);
        let org = "tests/fixtures/orgs/approval-operations.yaml";
        assert_eq!(db.run("2026-11-30T09:00:00+08:00", &["org", "load", org]).code, 0);
        db
    }

    fn run(&self, now: &str, args: &[&str]) -> Run {
        let db = self.dir.join("test.db").display().to_string();
        let mut all = vec!["--db", db.as_str(), "--now", now];
        all.extend_from_slice(args);
        liucheng(&all)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let verify = self.run("2026-12-31T00:00:00+08:00", &["verify", "--all"]);
            assert_eq!(verify.code, 0, "the database does not verify:\n{}", verify.transcript());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_contract_approval_transferred_returned_and_completed() {
    let db = Db::new("walkthrough");
    let steps: &[(&str, &[&str])] = &[
        ("2026-11-30T09:00:00+08:00", &["start", "contract-approval", "--as", "zhang_san"]),
        (
            "2026-11-30T09:05:00+08:00",
            &["act", "1", "submit", "--as", "zhang_san", "--data", "party=华东建材有限公司", "--data", "amount=120000"],
        ),
        ("2026-11-30T09:30:00+08:00", &["transfer", "1", "--as", "wang_wu", "--to", "zhang_san", "--reason", "休假"]),
        ("2026-11-30T09:31:00+08:00", &["transfer", "1", "--as", "wang_wu", "--to", "wu_shi", "--reason", "休假"]),
        ("2026-11-30T10:00:00+08:00", &["act", "1", "approve", "--as", "wang_wu"]),
        ("2026-11-30T10:10:00+08:00", &["delegate", "1", "--as", "wu_shi", "--to", "zhao_liu", "-m", "请核对合同条款"]),
        ("2026-11-30T10:30:00+08:00", &["list", "--mine", "--as", "zhao_liu"]),
        ("2026-11-30T11:00:00+08:00", &["hand-back", "1", "--as", "zhao_liu", "-m", "第7条违约金偏低"]),
        ("2026-11-30T11:30:00+08:00", &["remind", "1", "--as", "zhang_san", "-m", "下周开工,请尽快"]),
        ("2026-11-30T11:31:00+08:00", &["list", "--mine", "--as", "wu_shi"]),
        (
            "2026-11-30T14:00:00+08:00",
            &["return", "1", "--as", "wu_shi", "--to", "draft", "--reason", "违约金条款需修改"],
        ),
        (
            "2026-11-30T15:00:00+08:00",
            &["act", "1", "submit", "--as", "zhang_san", "--data", "party=华东建材有限公司", "--data", "amount=118000"],
        ),
        ("2026-11-30T15:10:00+08:00", &["act", "1", "approve", "--as", "wu_shi", "--data", "terms=违约金已改为5%"]),
        ("2026-11-30T15:12:00+08:00", &["withdraw", "1", "--as", "wu_shi", "--reason", "意见写错"]),
        ("2026-11-30T15:15:00+08:00", &["act", "1", "approve", "--as", "wu_shi", "--data", "terms=违约金已改为10%"]),
        ("2026-11-30T16:00:00+08:00", &["act", "1", "cleared", "--as", "zhao_liu"]),
        ("2026-11-30T16:05:00+08:00", &["act", "1", "confirmed", "--as", "zhao_liu"]),
        ("2026-11-30T16:30:00+08:00", &["act", "1", "checked", "--as", "qian_qi"]),
        ("2026-11-30T16:40:00+08:00", &["act", "2", "sign", "--as", "qian_qi"]),
        (
            "2026-11-30T16:45:00+08:00",
            &[
                "stand-in",
                "add",
                "--as",
                "zhou_jiu",
                "--by",
                "li_si",
                "--from",
                "2026-11-30T16:00:00+08:00",
                "--until",
                "2026-12-02T00:00:00+08:00",
                "--reason",
                "出差",
            ],
        ),
        ("2026-11-30T17:00:00+08:00", &["act", "2", "sign", "--as", "li_si", "--for", "zhou_jiu"]),
        ("2026-11-30T17:05:00+08:00", &["act", "1", "sign", "--as", "li_si", "--for", "zhou_jiu"]),
        (
            "2026-11-30T17:08:00+08:00",
            &["add-signer", "1", "--as", "sun_ba", "--person", "zhao_liu", "-m", "违约条款改过,法务会签"],
        ),
        ("2026-11-30T17:10:00+08:00", &["act", "1", "sign", "--as", "zhou_jiu"]),
        ("2026-11-30T17:20:00+08:00", &["act", "1", "sign", "--as", "sun_ba"]),
        ("2026-11-30T17:25:00+08:00", &["act", "1", "sign", "--as", "zhao_liu"]),
        ("2026-11-30T17:30:00+08:00", &["history", "1"]),
        ("2026-11-30T17:30:00+08:00", &["history", "2"]),
    ];
    let mut transcript = String::new();
    for (now, args) in steps {
        let run = db.run(now, args);
        transcript.push_str(&format!("$ liucheng {}\n{}\n", args.join(" "), run.transcript()));
    }
    insta::assert_snapshot!(transcript);
}
