//! Per-night inventory (`room_availability`): one row per room and night for
//! a rolling horizon, created with the room and extended daily; admin edits
//! of units, prices and closed nights; the public calendar.
//!
//! Owns writes to `total`, `price_cents` and `closed`. `booked` belongs to
//! the bookings module, which changes it only under row locks; edits here
//! take the same locks, in the same (night) order, so they cannot race a
//! booking into overselling.

pub mod index;
mod repo;

use chrono::{Days, NaiveDate};
use shared_schema::{
    BookingWindow, ConflictCode,
    inventory::{InventoryEdit, NightAvailability, RoomOccupancy},
    validated,
};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub use self::index::AvailabilityIndex;
use crate::{
    error::{Conflict, Error},
    property::Property,
};

/// Longest calendar one request may read.
pub const MAX_CALENDAR_NIGHTS: u64 = 366;

/// Creates the rows of a new room for every night of the window.
pub(crate) async fn create_for_room(
    conn: &mut PgConnection,
    room_id: Uuid,
    window: &BookingWindow,
) -> Result<(), sqlx::Error> {
    repo::insert_missing_nights(conn, Some(room_id), window.today, window.end()).await?;
    Ok(())
}

/// Adds the nights that entered the horizon since the last run, for every
/// active room; idempotent, so any instance may run it at any time.
pub async fn extend_horizon(pool: &PgPool, property: &Property) -> Result<u64, sqlx::Error> {
    let window = property.booking_window();
    let mut conn = pool.acquire().await?;
    if repo::count_missing_nights(&mut *conn, window.today, window.end()).await? == 0 {
        return Ok(0);
    }
    repo::insert_missing_nights(&mut conn, None, window.today, window.end()).await
}

/// The nights a calendar shows, `[from, to)`: a month from today unless
/// said otherwise, at most [`MAX_CALENDAR_NIGHTS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CalendarRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The end of a calendar range that is not after its start.
pub const MSG_RANGE_ORDER: &str = "The end date must be after the start date.";
/// A calendar range longer than [`MAX_CALENDAR_NIGHTS`].
pub const MSG_RANGE_LENGTH: &str = "Show at most 366 nights at a time.";

impl CalendarRange {
    fn resolve(self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), Error> {
        let from = self.from.unwrap_or(today);
        // Past the end of the calendar, the range simply ends there.
        let month_later = from
            .checked_add_days(Days::new(31))
            .unwrap_or(NaiveDate::MAX);
        let to = self.to.unwrap_or(month_later);
        if to <= from {
            return Err(Error::invalid("to", MSG_RANGE_ORDER));
        }
        if (to - from).num_days() > i64::try_from(MAX_CALENDAR_NIGHTS).unwrap_or(i64::MAX) {
            return Err(Error::invalid("to", MSG_RANGE_LENGTH));
        }
        Ok((from, to))
    }
}

/// The nights of `range` of an active room (of any room for admins,
/// `include_inactive`).
pub(crate) async fn calendar(
    pool: &PgPool,
    property: &Property,
    room_id: Uuid,
    range: CalendarRange,
    include_inactive: bool,
) -> Result<Vec<NightAvailability>, Error> {
    let (from, to) = range.resolve(property.today())?;
    if !repo::room_is_visible(pool, room_id, include_inactive).await? {
        return Err(Error::NotFound);
    }
    Ok(repo::calendar(pool, room_id, from, to).await?)
}

/// Applies an admin's change to the nights `[from, to)`, creating nights past
/// the horizon if needed. Lowering `total` below what is already booked on
/// any night changes nothing and names those nights (409).
pub(crate) async fn edit(
    pool: &PgPool,
    property: &Property,
    room_id: Uuid,
    edit: InventoryEdit,
) -> Result<Vec<NightAvailability>, Error> {
    let edit = &validated(edit, &property.booking_window())?;
    let mut tx = pool.begin().await?;
    if !repo::lock_room(&mut tx, room_id).await? {
        return Err(Error::NotFound);
    }
    repo::insert_missing_nights(&mut tx, Some(room_id), edit.from, edit.to).await?;
    let nights = repo::lock_nights(&mut tx, room_id, edit.from, edit.to).await?;
    if let Some(total) = edit.total {
        let over: Vec<NaiveDate> = nights
            .iter()
            .filter(|night| night.booked > total)
            .map(|night| night.night)
            .collect();
        if !over.is_empty() {
            return Err(Conflict::new(
                ConflictCode::BelowBooked,
                format!(
                    "{} night(s) already have more than {total} unit(s) booked; \
                     cancel bookings first or choose a higher total.",
                    over.len()
                ),
            )
            .with_nights(over)
            .into());
        }
    }
    repo::update_nights(&mut tx, room_id, edit).await?;
    let calendar = repo::calendar(&mut *tx, room_id, edit.from, edit.to).await?;
    tx.commit().await?;
    tracing::info!(%room_id, from = %edit.from, to = %edit.to, "inventory edited");
    Ok(calendar)
}

/// Booked and total units of every room for the next `nights` nights.
pub(crate) async fn occupancy(
    pool: &PgPool,
    property: &Property,
    nights: u16,
) -> Result<Vec<RoomOccupancy>, Error> {
    let from = property.today();
    let to = from
        .checked_add_days(Days::new(nights.into()))
        .unwrap_or(NaiveDate::MAX);
    let mut rooms: Vec<RoomOccupancy> = Vec::new();
    for row in repo::occupancy(pool, from, to).await? {
        match rooms.last_mut() {
            Some(room) if room.room_id == row.room_id => room.nights.push(row.night),
            _ => rooms.push(RoomOccupancy {
                room_id: row.room_id,
                room_name: row.room_name,
                active: row.active,
                nights: vec![row.night],
            }),
        }
    }
    Ok(rooms)
}
