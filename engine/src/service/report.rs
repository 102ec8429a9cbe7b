//! Activity report over a period, computed from the event log alone: who took which actions in
//! which role, how long instances stayed in each state, and which deadlines were missed.

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::runtime::Instance;
use crate::service::record::utc_text;
use crate::service::{Context, Service, ServiceError};
use crate::store::{EventRow, InstanceFilter, StoreError};

/// What to report on.
#[derive(Debug, Clone, Default)]
pub struct ReportRequest {
    /// Events at or after this time.
    pub from: Option<DateTime<FixedOffset>>,
    /// Events before this time.
    pub to: Option<DateTime<FixedOffset>>,
    /// Only instances of this workflow.
    pub workflow: Option<String>,
}

/// How often one person took one action in one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionCount {
    pub actor: String,
    /// Empty when the event carries no role (the engine's own events).
    pub role: String,
    pub workflow: String,
    /// The action's name; `start`, `sign`, `reject`, `cancel`, `deadline`, `call` and
    /// `child_finished` for the other kinds of event.
    pub action: String,
    pub count: usize,
}

/// Time spent in one state, over the visits that ended in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateTime {
    pub workflow: String,
    pub state: String,
    pub visits: usize,
    /// The median visit, in seconds (the mean of the two middle visits when their number is even).
    pub median_seconds: i64,
    pub max_seconds: i64,
}

/// Deadlines that passed in one state during the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineCount {
    pub workflow: String,
    pub state: String,
    pub missed: usize,
}

/// An active state whose deadline has passed and not yet fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overdue {
    pub instance: i64,
    pub workflow: String,
    pub state: String,
    pub due: String,
    pub overdue_seconds: i64,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    /// The clock `overdue` was read against.
    pub as_of: String,
    /// Events counted.
    pub events: usize,
    pub actions: Vec<ActionCount>,
    pub states: Vec<StateTime>,
    pub deadlines: Vec<DeadlineCount>,
    pub overdue: Vec<Overdue>,
}

/// The name an event is counted under.
fn action_of(e: &EventRow) -> &str {
    match (e.kind.as_str(), &e.action) {
        ("child_finished", _) => "child_finished",
        (_, Some(a)) => a,
        (kind, None) => kind,
    }
}

fn names(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').filter(|s| !s.is_empty())
}

/// The states one instance is in, with when each visit began (a state may hold several tokens).
#[derive(Default)]
struct Visits {
    instance: i64,
    open: HashMap<String, VecDeque<DateTime<FixedOffset>>>,
}

/// Everything counted so far.
#[derive(Default)]
struct Tally {
    events: usize,
    actions: BTreeMap<(String, String, String, String), usize>,
    durations: BTreeMap<(String, String), Vec<i64>>,
    deadlines: BTreeMap<(String, String), usize>,
}

impl Tally {
    fn event(
        &mut self,
        request: &ReportRequest,
        visits: &mut Visits,
        workflow: &str,
        e: &EventRow,
        at: DateTime<FixedOffset>,
    ) {
        let in_period = request.from.is_none_or(|f| at >= f) && request.to.is_none_or(|t| at < t);
        if visits.instance != e.instance_id {
            visits.instance = e.instance_id;
            visits.open.clear();
        }
        // A state in `to` more often than in `from` was entered; less often, left.
        let mut delta: HashMap<&str, i64> = HashMap::new();
        for s in names(&e.to_states) {
            *delta.entry(s).or_default() += 1;
        }
        for s in names(&e.from_states) {
            *delta.entry(s).or_default() -= 1;
        }
        for (state, d) in delta {
            let open = visits.open.entry(state.to_owned()).or_default();
            if d > 0 {
                open.extend(std::iter::repeat_n(at, d.unsigned_abs() as usize));
            }
            for _ in d..0 {
                let Some(since) = open.pop_front() else { break };
                if in_period {
                    let seconds = (at - since).num_seconds().max(0);
                    self.durations.entry((workflow.to_owned(), state.to_owned())).or_default().push(seconds);
                }
            }
        }
        if !in_period {
            return;
        }
        self.events += 1;
        let key = (e.actor.clone(), e.role.clone().unwrap_or_default(), workflow.to_owned(), action_of(e).to_owned());
        *self.actions.entry(key).or_default() += 1;
        if e.kind == "deadline" {
            let state = e.state.clone().unwrap_or_default();
            *self.deadlines.entry((workflow.to_owned(), state)).or_default() += 1;
        }
    }
}

fn median(sorted: &[i64]) -> i64 {
    match sorted.len() {
        0 => 0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

impl Service {
    /// Count what happened in the period `request` names; `now` is the clock for what is overdue.
    ///
    /// # Errors
    /// A store error, or a damaged event time.
    pub fn report(&mut self, request: &ReportRequest, now: DateTime<FixedOffset>) -> Result<Report, ServiceError> {
        let cache = &mut self.cache;
        self.store.read(|tx| {
            let mut tally = Tally::default();
            let mut visits = Visits::default();
            tx.each_event_of_all(request.workflow.as_deref(), |workflow, e| {
                let at = DateTime::parse_from_rfc3339(&e.at).map_err(|err| {
                    StoreError::Damaged(format!("the time of event {} of instance {}: {err}", e.seq, e.instance_id))
                })?;
                tally.event(request, &mut visits, workflow, e, at);
                Ok::<_, ServiceError>(())
            })?;
            let mut ctx = Context::new(tx, now, cache);
            let filter = InstanceFilter {
                workflow: request.workflow.clone(),
                status: Some("active".into()),
                due_before: Some(utc_text(now)),
                ..InstanceFilter::default()
            };
            let mut overdue = Vec::new();
            for row in tx.instances(&filter)? {
                let (workflow, _) = ctx.definition(row.definition_id)?;
                let instance: Instance = serde_json::from_str(&row.snapshot)
                    .map_err(|e| StoreError::Damaged(format!("snapshot of instance {}: {e}", row.id)))?;
                for token in &instance.tokens {
                    if let Some(due) = token.due.filter(|d| *d <= now) {
                        overdue.push(Overdue {
                            instance: row.id,
                            workflow: row.workflow.clone(),
                            state: workflow.state(token.state).name().to_owned(),
                            due: due.to_rfc3339(),
                            overdue_seconds: (now - due).num_seconds(),
                        });
                    }
                }
            }
            overdue.sort_by(|a, b| b.overdue_seconds.cmp(&a.overdue_seconds).then(a.instance.cmp(&b.instance)));
            Ok(Report {
                from: request.from.map(|t| t.to_rfc3339()),
                to: request.to.map(|t| t.to_rfc3339()),
                workflow: request.workflow.clone(),
                as_of: now.to_rfc3339(),
                events: tally.events,
                actions: tally
                    .actions
                    .into_iter()
                    .map(|((actor, role, workflow, action), count)| ActionCount {
                        actor,
                        role,
                        workflow,
                        action,
                        count,
                    })
                    .collect(),
                states: tally
                    .durations
                    .into_iter()
                    .map(|((workflow, state), mut d)| {
                        d.sort_unstable();
                        StateTime {
                            workflow,
                            state,
                            visits: d.len(),
                            median_seconds: median(&d),
                            max_seconds: d.last().copied().unwrap_or(0),
                        }
                    })
                    .collect(),
                deadlines: tally
                    .deadlines
                    .into_iter()
                    .map(|((workflow, state), missed)| DeadlineCount { workflow, state, missed })
                    .collect(),
                overdue,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[]), 0);
        assert_eq!(median(&[5]), 5);
        assert_eq!(median(&[1, 3, 100]), 3);
        assert_eq!(median(&[1, 3, 5, 100]), 4);
    }
}
