//! Shared helpers for the end-to-end tests: run the real `liucheng` binary from the workspace root
//! and capture what a person would see.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root, where relative fixture paths resolve.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("cli/ sits in the workspace").to_owned()
}

/// The result of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr together, for snapshots.
    pub fn transcript(&self) -> String {
        let mut out = format!("exit: {}\n", self.code);
        if !self.stdout.is_empty() {
            out.push_str("--- stdout\n");
            out.push_str(&self.stdout);
        }
        if !self.stderr.is_empty() {
            out.push_str("--- stderr\n");
            out.push_str(&self.stderr);
        }
        out
    }
}

/// Run `liucheng ARGS` in the workspace root.
pub fn liucheng(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_liucheng"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("LIUCHENG_DB")
        .env_remove("LIUCHENG_ACTOR")
        .output()
        .expect("the liucheng binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A fresh database in a temporary folder with the examples deployed and the example org loaded;
/// removed afterwards, once every instance in it has verified.
pub struct Db {
    pub dir: PathBuf,
    /// Whether dropping it checks that it verifies (off for databases broken on purpose).
    pub verify_on_drop: bool,
}

impl Db {
    pub fn new(name: &str) -> Db {
        let db = Db::empty(name);
        db.run(&["deploy", "examples"]).ok();
        db.run(&["org", "load", "examples/org.yaml"]).ok();
        db
    }

    /// A database with nothing in it yet.
    pub fn empty(name: &str) -> Db {
        let dir = std::env::temp_dir().join(format!("liucheng-run-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Db { dir, verify_on_drop: true }
    }

    pub fn path(&self) -> String {
        self.dir.join("test.db").display().to_string()
    }

    /// Run a command against this database at a fixed time.
    pub fn run(&self, args: &[&str]) -> Run {
        self.at("2026-11-30T09:00:00+08:00", args)
    }

    pub fn at(&self, now: &str, args: &[&str]) -> Run {
        let db = self.path();
        let mut all = vec!["--db", db.as_str(), "--now", now];
        all.extend_from_slice(args);
        liucheng(&all)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if self.verify_on_drop && !std::thread::panicking() {
            let verify = self.run(&["verify", "--all"]);
            assert_eq!(verify.code, 0, "the database does not verify:\n{}", verify.transcript());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A run that must have succeeded.
pub trait Ok {
    fn ok(self) -> Run;
}

impl Ok for Run {
    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "{}", self.transcript());
        self
    }
}

/// Several commands and their output, for one snapshot that reads like a session at a terminal.
pub fn session(db: &Db, steps: &[(&str, &[&str])]) -> String {
    let mut out = String::new();
    for (now, args) in steps {
        let run = db.at(now, args);
        out.push_str(&format!("$ liucheng {}\n{}\n", args.join(" "), run.transcript()));
    }
    out
}
