//! `liucheng tick`: fire passed deadlines and start scheduled instances.

use crate::session::{fail, print_json, table, DbArgs};

/// Fire passed deadlines and start scheduled instances that are due
///
/// Deadlines escalate or take their automatic action; reminders (`remind:` on a deadline) go to
/// whoever must act; schedules start their instances.
/// Running it twice fires nothing twice; run it from cron.
///
/// Example:
///   liucheng tick --now 2026-11-30T09:00:00+08:00
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {}

pub fn run(_args: &Args, json: bool, db: &DbArgs) -> u8 {
    let mut service = match db.open() {
        Ok(s) => s,
        Err(code) => return code,
    };
    match service.tick(db.now()) {
        Ok(report) if json => {
            print_json(&report);
            super::EXIT_OK
        }
        Ok(report) => {
            if !report.reminders.is_empty() {
                let mut t = table(&["instance", "state", "deadline"]);
                for d in &report.reminders {
                    t.add_row(vec![d.instance.to_string(), d.state.clone(), d.due.clone()]);
                }
                outln!("reminders sent:\n{t}");
            }
            if !report.deadlines.is_empty() {
                let mut t = table(&["instance", "state", "due"]);
                for d in &report.deadlines {
                    t.add_row(vec![d.instance.to_string(), d.state.clone(), d.due.clone()]);
                }
                outln!("deadlines passed:\n{t}");
            }
            if !report.started.is_empty() {
                let mut t = table(&["instance", "workflow", "schedule", "due"]);
                for s in &report.started {
                    t.add_row(vec![s.instance.to_string(), s.workflow.clone(), s.schedule.clone(), s.due.clone()]);
                }
                outln!("scheduled instances started:\n{t}");
            }
            outln!(
                "{} deadline{} fired, {} reminder{} sent, {} instance{} started",
                report.deadlines.len(),
                if report.deadlines.len() == 1 { "" } else { "s" },
                report.reminders.len(),
                if report.reminders.len() == 1 { "" } else { "s" },
                report.started.len(),
                if report.started.len() == 1 { "" } else { "s" }
            );
            super::EXIT_OK
        }
        Err(e) => fail(&e, json),
    }
}
