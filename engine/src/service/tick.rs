//! `tick`: fire every deadline that has passed and start every scheduled instance that is due.
//! Idempotent: what has fired is recorded, so running it twice fires nothing twice.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::runtime::{who_must_act, Alarm, Event, EventKind, Instance, SYSTEM};
use crate::service::record::utc_text;
use crate::service::{Context, Service, ServiceError};
use crate::store::{InstanceFilter, StoreError};

/// Missed occurrences of one schedule started by one tick at most, so a long-stopped clock
/// cannot flood the database.
const MAX_CATCH_UP: usize = 100;

/// What one tick did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TickReport {
    /// Deadlines fired: instance, state, and what happened.
    pub deadlines: Vec<FiredDeadline>,
    /// Automatic reminders sent before deadlines: instance, state, and the deadline.
    pub reminders: Vec<FiredDeadline>,
    /// Instances started by schedules.
    pub started: Vec<ScheduledStart>,
}

/// A deadline that fired.
#[derive(Debug, Clone, Serialize)]
pub struct FiredDeadline {
    pub instance: i64,
    pub state: String,
    pub due: String,
}

/// An instance a schedule started.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduledStart {
    pub workflow: String,
    pub schedule: String,
    pub due: String,
    pub instance: i64,
}

impl Service {
    /// Fire deadlines and schedules due at or before `now`.
    ///
    /// # Errors
    /// A store error, or an event that cannot be applied (nothing is written then).
    pub fn tick(&mut self, now: DateTime<FixedOffset>) -> Result<TickReport, ServiceError> {
        let cache = &mut self.cache;
        self.store.write(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let mut report = TickReport::default();
            fire_deadlines(&mut ctx, &mut report)?;
            start_scheduled(&mut ctx, &mut report)?;
            Ok(report)
        })
    }
}

fn fire_deadlines(ctx: &mut Context<'_, '_>, report: &mut TickReport) -> Result<(), ServiceError> {
    let filter =
        InstanceFilter { status: Some("active".into()), alarm_before: Some(utc_text(ctx.now)), ..Default::default() };
    for row in ctx.tx.instances(&filter)? {
        // An escalation may enter a state whose own deadline has passed too: keep going.
        for _ in 0..1_000 {
            let Some(current) = ctx.tx.instance(row.id)? else { break };
            let instance: Instance = serde_json::from_str(&current.snapshot)
                .map_err(|e| StoreError::Damaged(format!("snapshot of instance {}: {e}", row.id)))?;
            if !instance.is_active() {
                break;
            }
            let (workflow, _) = ctx.definition(current.definition_id)?;
            let Some((token, (due, alarm))) = instance
                .tokens
                .iter()
                .filter_map(|t| t.next_alarm(&workflow).map(|a| (t, a)))
                .filter(|(_, (at, _))| *at <= ctx.now)
                .min_by_key(|(_, (at, _))| *at)
            else {
                break;
            };
            let last = ctx
                .tx
                .events(row.id, current.version - 1)?
                .pop()
                .and_then(|e| DateTime::parse_from_rfc3339(&e.at).ok());
            // Recorded when it fell due, unless the instance moved on later: history stays in order.
            let at = last.map_or(due, |l| l.max(due)).with_timezone(&workflow.timezone());
            let state = token.state;
            // For a reminder, the deadline it reminds of.
            let deadline = token.due.unwrap_or(due).with_timezone(&due.timezone());
            let fired = FiredDeadline {
                instance: row.id,
                state: workflow.state(state).name().to_owned(),
                due: deadline.to_rfc3339(),
            };
            if alarm == Alarm::Reminder {
                let to = ctx.org().map(|org| who_must_act(&workflow, &org, &instance, state)).unwrap_or_default();
                let event = Event::new(at, SYSTEM, EventKind::Reminded { state, to, automatic: true });
                ctx.record(row.id, Some(current.version), event)?;
                report.reminders.push(fired);
            } else {
                let event = Event::new(at, SYSTEM, EventKind::DeadlinePassed { state });
                ctx.record(row.id, Some(current.version), event)?;
                report.deadlines.push(fired);
            }
        }
    }
    Ok(())
}

fn start_scheduled(ctx: &mut Context<'_, '_>, report: &mut TickReport) -> Result<(), ServiceError> {
    for row in ctx.tx.latest_definitions()? {
        let (workflow, _) = ctx.definition(row.id)?;
        for (index, schedule) in workflow.schedules().iter().enumerate() {
            let index_i64 = index as i64;
            let lead = chrono::Duration::from_std(schedule.lead())
                .map_err(|e| StoreError::Damaged(format!("schedule lead of `{}`: {e}", workflow.id())))?;
            // A run records its occurrence; before the first run, only occurrences whose start
            // (the occurrence less the lead) comes after deployment are due.
            let since = match ctx.tx.last_schedule_run(workflow.id(), index_i64)? {
                Some(t) => DateTime::parse_from_rfc3339(&t),
                None => DateTime::parse_from_rfc3339(&row.deployed_at).map(|d| d + lead),
            }
            .map_err(|e| StoreError::Damaged(format!("schedule time of `{}`: {e}", workflow.id())))?;
            let mut after = since.with_timezone(&workflow.timezone());
            for _ in 0..MAX_CATCH_UP {
                let Some(occurrence) = schedule.every().next_after(after) else { break };
                let due = occurrence - lead;
                if due > ctx.now {
                    break;
                }
                let params = ctx.params_for(&workflow)?;
                let mut data = schedule.data().clone();
                if let Some(field) = schedule.occurrence() {
                    data.insert(workflow.field(field).name().to_owned(), occurrence.to_rfc3339().into());
                }
                let event = Event {
                    role: Some(workflow.role(schedule.role()).name().to_owned()),
                    comment: schedule.title().map(|t| format!("scheduled: {t}")),
                    ..Event::new(
                        due,
                        SYSTEM,
                        EventKind::Started { data, parent: None, roles: crate::runtime::Bindings::new(), params },
                    )
                };
                let (id, _) = ctx.create(row.id, event)?;
                ctx.tx.insert_schedule_run(workflow.id(), index_i64, &occurrence.to_rfc3339(), id)?;
                report.started.push(ScheduledStart {
                    workflow: workflow.id().to_owned(),
                    schedule: schedule.title().map_or_else(|| schedule.every().to_string(), str::to_owned),
                    due: due.to_rfc3339(),
                    instance: id,
                });
                after = occurrence;
            }
        }
    }
    Ok(())
}
