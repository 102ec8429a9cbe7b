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
