//! What `show` and `list` display: plain data, rendered by the CLI as tables or JSON.
//! Names and titles are resolved here so that no reader needs the definition.

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::workflow::{Signers, StateKind, Workflow};
use crate::org::Org;
use crate::runtime::{available_actions, Instance, Status};
use crate::service::record::utc_text;
use crate::service::{Context, Service, ServiceError};
use crate::store::{EventRow, InstanceFilter, InstanceRow, StoreError};

/// An action someone may take in an active state.
#[derive(Debug, Clone, Serialize)]
pub struct OfferView {
    pub action: String,
    pub title: String,
    /// Roles that may take it.
    pub roles: Vec<String>,
    /// People who hold those roles now.
    pub people: Vec<String>,
    pub requires: Vec<String>,
    pub accepts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
}

/// An active state.
#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub state: String,
    pub title: String,
    pub kind: String,
    pub entered_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Seconds until the deadline (negative when overdue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds_left: Option<i64>,
    pub actions: Vec<OfferView>,
    /// For a sign-off: who signed, as `person (role)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signed: Vec<String>,
    /// For a sign-off: the rule, e.g. `3 of 5`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child: Option<i64>,
    /// Transferred (转办) to this person alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Delegated (委派): to whom, and by whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegated: Option<(String, String)>,
    /// For a sign-off whose signers were changed (加签, 减签): the signers it waits for now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signers: Option<Vec<String>>,
    /// When someone was last reminded to act on it (催办).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminded_at: Option<String>,
}

/// An event, for people.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    pub from: String,
    pub to: String,
    pub changes: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// What an approval operation did, in words ("transferred `review` to wu_shi").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<String>,
    /// The person a stand-in acted for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    /// The organisation version the actor's roles were checked against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<i64>,
    /// The actor as that organisation version had them (name, roles, department, attributes
    /// such as rank), so an audit sees the authority they acted with, not today's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_was: Option<Value>,
    /// What guards read about other instances to decide it, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub read: Vec<String>,
    /// For a start: the workflow's parameters in force, which the instance keeps.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub params: Map<String, Value>,
    /// The resources it booked, in words ("theatre OR-1 2026-03-10 08:00–11:00").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub booked: Vec<String>,
    /// The event's hash in the instance's chain.
    pub hash: String,
}

impl From<EventRow> for EventView {
    fn from(e: EventRow) -> Self {
        let event: Option<crate::runtime::Event> = serde_json::from_str(&e.payload).ok();
        let words = event.as_ref().and_then(|ev| words(&ev.kind, &e));
        let on_behalf_of = event.as_ref().and_then(|ev| ev.on_behalf_of.clone());
        let params = match event.as_ref().map(|ev| &ev.kind) {
            Some(crate::runtime::EventKind::Started { params, .. }) => params.clone(),
            _ => Map::new(),
        };
        let booked = event.as_ref().map_or(Vec::new(), |ev| ev.bookings.iter().map(ToString::to_string).collect());
        let (org, read) =
            event.map_or((None, Vec::new()), |ev| (ev.org, ev.reads.iter().map(ToString::to_string).collect()));
        EventView {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            role: e.role,
            kind: e.kind,
            state: e.state,
            action: e.action,
            from: e.from_states,
            to: e.to_states,
            changes: serde_json::from_str(&e.changes).unwrap_or(Value::Null),
            comment: e.comment,
            words,
            on_behalf_of,
            org,
            actor_was: None,
            read,
            params,
            booked,
            hash: e.hash,
        }
    }
}

/// An approval operation in words an auditor reads; `None` for the other events.
fn words(kind: &crate::runtime::EventKind, row: &EventRow) -> Option<String> {
    words_with(kind, row, &|p: &str| p.to_owned(), &|s: &str| format!("`{s}`"))
}

/// `words`, naming people with `person` and steps with `step_title`.
fn words_with(
    kind: &crate::runtime::EventKind,
    row: &EventRow,
    person: &dyn Fn(&str) -> String,
    step_title: &dyn Fn(&str) -> String,
) -> Option<String> {
    use crate::runtime::EventKind;
    let step = step_title(row.state.as_deref().unwrap_or("?"));
    Some(match kind {
        EventKind::Transferred { to, .. } => format!("transferred {step} to {}", person(to)),
        EventKind::Delegated { to, .. } => format!("delegated {step} to {}", person(to)),
        EventKind::DelegationReturned { .. } => format!("handed {step} back"),
        EventKind::Returned { .. } => {
            format!("returned the instance from {step} to {}", step_title(&row.to_states))
        }
        EventKind::Withdrawn { .. } => format!("withdrew their action in {step}"),
        EventKind::Reminded { to, automatic, .. } => {
            let whom = if to.is_empty() {
                "nobody (no one may act)".to_owned()
            } else {
                to.iter().map(|p| person(p)).collect::<Vec<_>>().join(", ")
            };
            let why = if *automatic { " before its deadline" } else { "" };
            format!("reminded {whom} to act on {step}{why}")
        }
        EventKind::SignerAdded { person: added, .. } => format!("added {} as a signer of {step}", person(added)),
        EventKind::SignerRemoved { slot, .. } => format!("removed the signer {slot} from {step}"),
        _ => return None,
    })
}

/// One instance in full.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceView {
    pub id: i64,
    pub workflow: String,
    pub workflow_title: String,
    pub revision: i64,
    /// The number of events so far; pass it as `--expect-version` to act only if nothing changed.
    pub version: i64,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    pub requester: String,
    pub started_at: String,
    pub active: Vec<TokenView>,
    pub data: Map<String, Value>,
    /// Who plays each role parameter, e.g. `giver = ward_nurse (病房护士)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// The workflow's parameters in force for it, fixed when it started.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub params: Map<String, Value>,
    /// The resources it has booked, in words; held while it runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bookings: Vec<String>,
    /// What the viewer (`--as`) may do now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub you_may: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<(i64, String)>,
    pub children: Vec<(i64, String, String)>,
    pub recent: Vec<EventView>,
}

/// One line of `list`.
#[derive(Debug, Clone, Serialize)]
pub struct ListItem {
    pub id: i64,
    pub workflow: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    pub states: Vec<String>,
    pub requester: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_due: Option<String>,
    pub overdue: bool,
    /// With `--mine`: what the person may do.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub your_actions: Vec<String>,
    /// With `--mine`: when someone last reminded them (催办) to act on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminded_at: Option<String>,
}

fn snapshot(row: &InstanceRow) -> Result<Instance, ServiceError> {
    serde_json::from_str(&row.snapshot)
        .map_err(|e| StoreError::Damaged(format!("snapshot of instance {}: {e}", row.id)).into())
}

fn offers(
    workflow: &Workflow,
    org: Option<&Org>,
    instance: &Instance,
    state: crate::model::workflow::StateId,
) -> Vec<OfferView> {
    let people = |roles: &[String]| -> Vec<String> {
        let Some(org) = org else { return Vec::new() };
        let mut names: Vec<String> = roles
            .iter()
            .filter_map(|r| instance.org_role(workflow, r))
            .flat_map(|r| org.holders(r))
            .map(|p| format!("{} ({})", p.name, p.id))
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let field_names =
        |ids: &[crate::model::workflow::FieldId]| ids.iter().map(|f| workflow.field(*f).name().to_owned()).collect();
    match workflow.state(state).kind() {
        StateKind::Task { actions } => actions
            .iter()
            .map(|a| {
                let roles: Vec<String> = a.by().iter().map(|r| workflow.role(*r).name().to_owned()).collect();
                OfferView {
                    action: a.name().to_owned(),
                    title: a.title().to_owned(),
                    people: people(&roles),
                    roles,
                    requires: field_names(a.requires()),
                    accepts: field_names(a.accepts()),
                    when: a.guard().map(|g| g.source().to_owned()),
                }
            })
            .collect(),
        StateKind::Signoff(s) => {
            let roles: Vec<String> = match s.signers() {
                Signers::Roles(r) => r.iter().map(|r| workflow.role(*r).name().to_owned()).collect(),
                Signers::Body(r) => vec![workflow.role(*r).name().to_owned()],
            };
            let checklist: Vec<String> =
                s.checklist().map(|f| vec![workflow.field(f).name().to_owned()]).unwrap_or_default();
            let mut out = vec![OfferView {
                action: "sign".into(),
                title: "签字 / Sign".into(),
                people: people(&roles),
                roles: roles.clone(),
                requires: checklist,
                accepts: Vec::new(),
                when: None,
            }];
            if s.reject().is_some() {
                out.push(OfferView {
                    action: "reject".into(),
                    title: "驳回 / Reject".into(),
                    people: people(&roles),
                    roles,
                    requires: Vec::new(),
                    accepts: Vec::new(),
                    when: None,
                });
            }
            out
        }
        _ => Vec::new(),
    }
}

/// Each role parameter and who plays it, in the workflow's order.
fn role_lines(workflow: &Workflow, instance: &Instance) -> Vec<String> {
    workflow
        .parameters()
        .map(|p| match instance.roles.get(p.name()) {
            Some(b) => format!("{} = {b}", p.name()),
            None => format!("{} = (nobody: left unbound)", p.name()),
        })
        .collect()
}

fn rule_text(
    workflow: &Workflow,
    state: crate::model::workflow::StateId,
    params: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    use crate::model::workflow::SignoffRule;
    let StateKind::Signoff(s) = workflow.state(state).kind() else { return None };
    let n = match s.signers() {
        Signers::Roles(r) => r.len().to_string(),
        Signers::Body(r) => format!("every {}", workflow.role(*r).name()),
    };
    let from = match s.rule() {
        SignoffRule::Param(p) => format!(" (params.{})", workflow.param(p).name()),
        _ => String::new(),
    };
    Some(match workflow.rule_in_force(s.rule(), params) {
        SignoffRule::All => format!("all of {n}"),
        SignoffRule::Any => format!("any of {n}"),
        SignoffRule::AtLeast(k) => format!("{k} of {n}{from}"),
        SignoffRule::Param(_) => unreachable!("a rule in force is a number"),
        SignoffRule::InOrder => format!("all of {n}, in order"),
        SignoffRule::Majority => format!("a majority of {n}"),
    })
}

impl Service {
    /// One instance as people see it; with `viewer`, also what they may do.
    ///
    /// # Errors
    /// When there is no such instance, or the viewer is unknown.
    pub fn show(
        &mut self,
        id: i64,
        viewer: Option<&str>,
        now: DateTime<FixedOffset>,
    ) -> Result<InstanceView, ServiceError> {
        let cache = &mut self.cache;
        self.store.read(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let row = tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
            let (workflow, _) = ctx.definition(row.definition_id)?;
            let instance = snapshot(&row)?;
            let org = ctx.org().ok();
            let revision = tx.definition(row.definition_id)?.map_or(0, |d| d.revision);
            let active = instance
                .tokens
                .iter()
                .map(|t| {
                    let state = workflow.state(t.state);
                    TokenView {
                        state: state.name().to_owned(),
                        title: state.title().to_owned(),
                        kind: state.kind().name().to_owned(),
                        entered_at: t.entered_at.to_rfc3339(),
                        due: t.due.map(|d| d.to_rfc3339()),
                        seconds_left: t.due.map(|d| (d - now).num_seconds()),
                        actions: offers(&workflow, org.as_deref(), &instance, t.state),
                        signed: t.signatures.iter().map(|s| format!("{} ({})", s.person, s.role)).collect(),
                        rule: rule_text(&workflow, t.state, &instance.params),
                        child: t.child,
                        assignee: t.assignee.clone(),
                        delegated: t.delegation.as_ref().map(|d| (d.to.clone(), d.by.clone())),
                        signers: t.slots.as_ref().map(|slots| slots.iter().map(ToString::to_string).collect()),
                        reminded_at: t.reminded_at.map(|r| r.to_rfc3339()),
                    }
                })
                .collect();
            let you_may = match (viewer, &org) {
                (Some(v), Some(org)) => {
                    let person = org.person(v).ok_or_else(|| crate::runtime::RuntimeError::UnknownActor {
                        person: v.to_owned(),
                        suggestion: crate::diagnostic::suggest(v, org.people.keys().map(String::as_str)),
                    })?;
                    Some(
                        ctx.answering(Some(id), &mut Vec::new(), |reads| {
                            available_actions(&workflow, org, now, &instance, person, reads)
                        })?
                        .into_iter()
                        .map(|o| format!("{} in `{}` (as {})", o.action, workflow.state(o.state).name(), o.role))
                        .collect(),
                    )
                }
                _ => None,
            };
            let parent = instance.parent.map(|p| (p.instance, String::new()));
            let parent = match parent {
                Some((pid, _)) => {
                    let prow = tx.instance(pid)?.ok_or(ServiceError::NoInstance(pid))?;
                    let (pw, _) = ctx.definition(prow.definition_id)?;
                    let state = instance.parent.map(|p| pw.state(p.state).name().to_owned()).unwrap_or_default();
                    Some((pid, format!("{} at `{state}`", prow.workflow)))
                }
                None => None,
            };
            let children = tx.children(id)?.into_iter().map(|c| (c.id, c.workflow, c.status)).collect();
            let events = tx.events(id, (row.version - 5).max(0))?;
            let (status, outcome) = match &instance.status {
                Status::Active => ("active".to_owned(), None),
                Status::Finished { outcome } => ("done".to_owned(), Some(outcome.clone())),
                Status::Cancelled { reason } => ("cancelled".to_owned(), Some(reason.clone())),
            };
            Ok(InstanceView {
                id,
                workflow: workflow.id().to_owned(),
                workflow_title: workflow.title().to_owned(),
                revision,
                version: row.version,
                status,
                outcome,
                requester: instance.requester.clone(),
                started_at: instance.started_at.to_rfc3339(),
                active,
                data: instance.data.clone(),
                roles: role_lines(&workflow, &instance),
                params: instance.params.clone(),
                bookings: instance.bookings.iter().map(ToString::to_string).collect(),
                you_may,
                parent,
                children,
                recent: events.into_iter().map(EventView::from).collect(),
            })
        })
    }

    /// Instances matching `filter`; with `mine`, only those where that person can act now.
    ///
    /// # Errors
    /// A store error, or an unknown person for `mine`.
    pub fn list(
        &mut self,
        filter: &InstanceFilter,
        mine: Option<&str>,
        overdue: bool,
        now: DateTime<FixedOffset>,
    ) -> Result<Vec<ListItem>, ServiceError> {
        let cache = &mut self.cache;
        self.store.read(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let mut filter = filter.clone();
            if overdue {
                filter.due_before = Some(utc_text(now));
                filter.status = Some("active".into());
            }
            if mine.is_some() {
                filter.status = Some("active".into());
            }
            let org = if mine.is_some() { Some(ctx.org()?) } else { None };
            let person = match (mine, &org) {
                (Some(m), Some(o)) => Some(o.person(m).ok_or_else(|| crate::runtime::RuntimeError::UnknownActor {
                    person: m.to_owned(),
                    suggestion: crate::diagnostic::suggest(m, o.people.keys().map(String::as_str)),
                })?),
                _ => None,
            };
            let mut out = Vec::new();
            for row in tx.instances(&filter)? {
                let (workflow, _) = ctx.definition(row.definition_id)?;
                let mut your_actions = Vec::new();
                let mut reminded_at = None;
                if let (Some(person), Some(org)) = (person, &org) {
                    let instance = snapshot(&row)?;
                    reminded_at = instance.tokens.iter().filter_map(|t| t.reminded_at).max().map(|t| t.to_rfc3339());
                    your_actions = ctx
                        .answering(Some(row.id), &mut Vec::new(), |reads| {
                            available_actions(&workflow, org, now, &instance, person, reads)
                        })?
                        .into_iter()
                        .map(|o| format!("{} ({})", o.action, workflow.state(o.state).name()))
                        .collect();
                    if your_actions.is_empty() {
                        continue;
                    }
                }
                let overdue_now = row.next_due.as_deref().is_some_and(|d| d <= utc_text(now).as_str());
                out.push(ListItem {
                    id: row.id,
                    workflow: row.workflow.clone(),
                    status: row.status.clone(),
                    outcome: row.outcome.clone(),
                    states: row
                        .states
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(|s| {
                            workflow
                                .find_state(s)
                                .map_or_else(|| s.to_owned(), |id| workflow.state(id).title().to_owned())
                        })
                        .collect(),
                    requester: row.requester.clone(),
                    updated_at: row.updated_at.clone(),
                    next_due: row
                        .next_due
                        .as_deref()
                        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                        .map(|d| d.with_timezone(&workflow.timezone()).to_rfc3339()),
                    overdue: overdue_now,
                    reminded_at,
                    your_actions,
                });
            }
            Ok(out)
        })
    }

    /// The definition an instance runs on.
    ///
    /// # Errors
    /// When there is no such instance.
    pub fn workflow_of(&mut self, id: i64) -> Result<std::sync::Arc<Workflow>, ServiceError> {
        let now = chrono::Utc::now().fixed_offset();
        let cache = &mut self.cache;
        self.store.read(|tx| {
            let row = tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
            Ok(Context::new(tx, now, cache).definition(row.definition_id)?.0)
        })
    }

    /// The current organisation.
    ///
    /// # Errors
    /// When none is loaded.
    pub fn org(&mut self) -> Result<std::sync::Arc<Org>, ServiceError> {
        let now = chrono::Utc::now().fixed_offset();
        let cache = &mut self.cache;
        self.store.read(|tx| Context::new(tx, now, cache).org())
    }

    /// Instance `id`'s history for people: the approval operations in words, with people's names
    /// and steps' titles.
    ///
    /// # Errors
    /// When there is no such instance.
    pub fn history(&mut self, id: i64) -> Result<Vec<EventView>, ServiceError> {
        Ok(self.history_rows(id)?.into_iter().map(|(_, view)| view).collect())
    }

    /// Instance `id`'s history as stored (each row with its payload and previous hash) beside
    /// the view `history` gives of it, from one read of the log.
    ///
    /// # Errors
    /// When there is no such instance.
    pub fn history_rows(&mut self, id: i64) -> Result<Vec<(EventRow, EventView)>, ServiceError> {
        let now = chrono::Utc::now().fixed_offset();
        let cache = &mut self.cache;
        self.store.read(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let row = tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
            let (workflow, _) = ctx.definition(row.definition_id)?;
            let org = ctx.org().ok();
            let person = |p: &str| match org.as_ref().and_then(|o| o.person(p)) {
                Some(found) => format!("{} ({p})", found.name),
                None => p.to_owned(),
            };
            let step = |s: &str| {
                let title = |name: &str| workflow.find_state(name).map(|id| workflow.state(id).title().to_owned());
                s.split(',').map(|n| title(n).unwrap_or_else(|| n.to_owned())).collect::<Vec<_>>().join(", ")
            };
            let mut versions: std::collections::HashMap<i64, Option<Org>> = std::collections::HashMap::new();
            let mut out = Vec::new();
            for e in tx.events(id, 0)? {
                let kind = serde_json::from_str::<crate::runtime::Event>(&e.payload).ok().map(|ev| ev.kind);
                let words =
                    kind.as_ref().and_then(|k| words_with(k, &e, &person, &|s: &str| format!("「{}」", step(s))));
                let mut view = EventView::from(e.clone());
                view.words = words;
                if let Some(version) = view.org {
                    if let std::collections::hash_map::Entry::Vacant(slot) = versions.entry(version) {
                        let json = tx.org_version(version)?;
                        slot.insert(json.and_then(|j| serde_json::from_str(&j).ok()));
                    }
                    let then = versions[&version].as_ref().and_then(|o| o.person(&view.actor));
                    view.actor_was = then.map(|p| crate::runtime::actor_value(Some(p)));
                }
                out.push((e, view));
            }
            Ok(out)
        })
    }

    /// Every event of an instance, in order.
    ///
    /// # Errors
    /// When there is no such instance.
    pub fn events(&mut self, id: i64) -> Result<Vec<EventRow>, ServiceError> {
        self.store.read(|tx| {
            tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
            Ok(tx.events(id, 0)?)
        })
    }

    /// The states instance `id` has entered, in order, by name (repeats included).
    ///
    /// # Errors
    /// When there is no such instance.
    pub fn visited(&mut self, id: i64) -> Result<Vec<String>, ServiceError> {
        let now = chrono::Utc::now().fixed_offset();
        let cache = &mut self.cache;
        self.store.read(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let row = tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
            let (workflow, _) = ctx.definition(row.definition_id)?;
            Ok(snapshot(&row)?.visited.iter().map(|s| workflow.state(*s).name().to_owned()).collect())
        })
    }

    /// How often instance `id` entered each state and took each action (`visits`, `taken`).
    ///
    /// # Errors
    /// When there is no such instance.
    pub fn counts(&mut self, id: i64) -> Result<crate::runtime::Counts, ServiceError> {
        self.store.read(|tx| {
            let row = tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
            Ok(snapshot(&row)?.counts)
        })
    }

    /// Every value kept for each versioned field of instance `id`, in order.
    ///
    /// # Errors
    /// When there is no such instance.
    pub fn versions(&mut self, id: i64) -> Result<crate::runtime::Versions, ServiceError> {
        self.store.read(|tx| {
            let row = tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
            Ok(snapshot(&row)?.versions)
        })
    }

    /// What `person` may do in instance `id` at `now`, as (state, action) pairs: the same offers
    /// `show --as` lists.
    ///
    /// # Errors
    /// When there is no such instance, no organisation, or the person is unknown.
    pub fn offers(
        &mut self,
        id: i64,
        person: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<Vec<(String, String)>, ServiceError> {
        let cache = &mut self.cache;
        self.store.read(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let row = tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
            let (workflow, _) = ctx.definition(row.definition_id)?;
            let org = ctx.org()?;
            let p = org.person(person).ok_or_else(|| crate::runtime::RuntimeError::UnknownActor {
                person: person.to_owned(),
                suggestion: crate::diagnostic::suggest(person, org.people.keys().map(String::as_str)),
            })?;
            let instance = snapshot(&row)?;
            Ok(ctx
                .answering(Some(id), &mut Vec::new(), |reads| {
                    available_actions(&workflow, &org, now, &instance, p, reads)
                })?
                .into_iter()
                .map(|o| (workflow.state(o.state).name().to_owned(), o.action))
                .collect())
        })
    }

    /// Check that instance `id`'s stored snapshot equals the replay of its events.
    ///
    /// # Errors
    /// When there is no such instance or the events cannot be replayed.
    pub fn snapshot_matches_replay(&mut self, id: i64) -> Result<bool, ServiceError> {
        let now = chrono::Utc::now().fixed_offset();
        let cache = &mut self.cache;
        self.store.read(|tx| {
            let mut ctx = Context::new(tx, now, cache);
            let row = tx.instance(id)?.ok_or(ServiceError::NoInstance(id))?;
            let (workflow, _) = ctx.definition(row.definition_id)?;
            let events: Vec<crate::runtime::Event> = tx
                .events(id, 0)?
                .iter()
                .map(|e| {
                    serde_json::from_str(&e.payload)
                        .map_err(|err| StoreError::Damaged(format!("event {}: {err}", e.seq)))
                })
                .collect::<Result<_, _>>()?;
            let replayed = crate::runtime::replay(&workflow, &events)?;
            Ok(replayed.as_ref() == Some(&snapshot(&row)?) && events.len() as i64 == row.version)
        })
    }
}
