//! Bookings through the CLI: two meetings want the same room, the second is refused with the
//! first's times, `bookings` lists who holds what, and withdrawing the first booking frees it.

mod common;

use std::path::PathBuf;

use common::{liucheng, Run};

struct Db {
    dir: PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = std::env::temp_dir().join(format!("liucheng-bookings-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db { dir };
        assert_eq!(db.run(&["deploy", "tests/fixtures/bookings/room-booking.yaml"]).code, 0);
        assert_eq!(db.run(&["org", "load", "tests/fixtures/bookings/org.yaml"]).code, 0);
        db
    }

    fn run(&self, args: &[&str]) -> Run {
        let db = self.dir.join("test.db").display().to_string();
        let mut all = vec!["--db", db.as_str(), "--now", "2026-03-09T09:00:00+08:00"];
        all.extend_from_slice(args);
        liucheng(&all)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const MORNING: [&str; 6] = [
    "--data",
    "room=A301",
    "--data",
    "meeting_start=2026-03-16T08:30:00+08:00",
    "--data",
    "meeting_end=2026-03-16T10:00:00+08:00",
];

#[test]
fn a_clash_is_refused_and_bookings_lists_the_holder() {
    let db = Db::new();
    let mut transcript = String::new();
    let mut step = |args: &[&str], code: i32| {
        let run = db.run(args);
        assert_eq!(run.code, code, "{}", run.transcript());
        transcript.push_str(&format!("$ liucheng {}\n{}\n", args.join(" "), run.transcript()));
    };
    step(&["start", "room-booking", "--as", "sun_li"], 0);
    step(&["start", "room-booking", "--as", "huang_jie"], 0);
    step(&[&["act", "1", "booked", "--as", "sun_li"], &MORNING[..]].concat(), 0);
    step(&[&["act", "2", "booked", "--as", "huang_jie"], &MORNING[..]].concat(), 1);
    step(
        &[
            "act",
            "2",
            "booked",
            "--as",
            "huang_jie",
            "--data",
            "room=A302",
            "--data",
            "meeting_start=2026-03-16T14:00:00+08:00",
            "--data",
            "meeting_end=2026-03-16T15:00:00+08:00",
        ],
        1,
    );
    step(&["bookings", "--resource", "room", "--on", "2026-03-16"], 0);
    step(&["--json", "bookings"], 0);
    step(&["withdraw", "1", "--as", "sun_li", "--reason", "改期"], 0);
    step(&["bookings"], 0);
    step(&[&["act", "2", "booked", "--as", "huang_jie"], &MORNING[..]].concat(), 0);
    step(&["show", "2"], 0);
    step(&["verify", "--all"], 0);
    insta::assert_snapshot!(transcript);
}
