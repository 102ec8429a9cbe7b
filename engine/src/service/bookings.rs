//! Bookings of shared resources across instances: checking the one an action makes against the
//! others running instances hold, and listing who holds what (`liucheng bookings`).

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::model::workflow::{StateKind, Workflow};
use crate::runtime::{booking_of, check_booking, Booking, Event, EventKind, Held, Instance};
use crate::service::{Context, Service, ServiceError};
use crate::store::StoreError;

/// One booking held, as `liucheng bookings` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BookingView {
    /// The instance holding it.
    pub instance: i64,
    /// Its workflow.
    pub workflow: String,
    /// The kind of resource.
    pub resource: String,
    /// Which one.
    pub value: String,
    /// When it starts.
    pub from: DateTime<FixedOffset>,
    /// When it ends (exclusive).
    pub until: DateTime<FixedOffset>,
    /// Its `last_of_day` flag, when the booking has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_of_day: Option<bool>,
}

impl Context<'_, '_> {
    /// Every booking running instances other than `except` hold, of `resource` or of all kinds.
    pub(crate) fn held(&self, resource: Option<&str>, except: Option<i64>) -> Result<Vec<Held>, ServiceError> {
        self.tx
            .held_bookings(resource, except)?
            .into_iter()
            .map(|row| {
                let booking = serde_json::from_str(&row.booking).map_err(|e| {
                    StoreError::Damaged(format!("a booking in the snapshot of instance {}: {e}", row.instance_id))
                })?;
                Ok(Held { instance: row.instance_id, workflow: row.workflow, booking })
            })
            .collect()
    }

    /// The bookings `event` makes once applied (`after`), checked against the org's
    /// reservations and every other running instance's bookings; none when its action books
    /// nothing.
    pub(crate) fn bookings_of(
        &mut self,
        id: i64,
        workflow: &Workflow,
        event: &Event,
        after: &Instance,
    ) -> Result<Vec<Booking>, ServiceError> {
        let EventKind::Acted { state, action, .. } = &event.kind else { return Ok(Vec::new()) };
        let StateKind::Task { actions } = workflow.state(*state).kind() else { return Ok(Vec::new()) };
        let Some(books) = actions.get(*action).and_then(|a| a.books()) else { return Ok(Vec::new()) };
        let booking = booking_of(workflow, books, *state, &after.data)?;
        let org = self.org()?;
        let held = self.held(Some(books.resource()), Some(id))?;
        let flag = books.last_of_day().map(|f| workflow.field(f).name());
        check_booking(&org, workflow.id(), books, flag, &booking, &held)?;
        Ok(vec![booking])
    }
}

impl Service {
    /// The bookings running instances hold, of one kind of resource or all, and starting on one
    /// day (in the booking's own time zone) or any; in order of start.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn bookings(
        &mut self,
        resource: Option<&str>,
        on: Option<NaiveDate>,
    ) -> Result<Vec<BookingView>, ServiceError> {
        let now = chrono::Utc::now().fixed_offset();
        let cache = &mut self.cache;
        self.store.read(|tx| {
            let ctx = Context::new(tx, now, cache);
            let mut views: Vec<BookingView> = ctx
                .held(resource, None)?
                .into_iter()
                .filter(|h| on.is_none_or(|day| h.booking.from.date_naive() == day))
                .map(|h| BookingView {
                    instance: h.instance,
                    workflow: h.workflow,
                    resource: h.booking.resource,
                    value: h.booking.value,
                    from: h.booking.from,
                    until: h.booking.until,
                    last_of_day: h.booking.last_of_day,
                })
                .collect();
            views.sort_by_key(|v| (v.from, v.instance));
            Ok(views)
        })
    }
}
