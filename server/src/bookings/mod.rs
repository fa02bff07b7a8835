//! Bookings: create (with locking), cancel, read, list, and idempotent
//! retries of creation.
//!
//! Owns `bookings` and `idempotency_keys`. Of `room_availability` it only
//! moves `booked`, and only inside a booking or cancellation transaction
//! that has locked the stay's nights in night order (`select ... for update
//! order by night`), so overlapping transactions queue instead of
//! deadlocking and no night is ever sold twice. Totals, prices and closed
//! nights belong to `availability`; rooms to `rooms`.
//!
//! Stays are half-open, `[check_in, check_out)`: the check-out night is not
//! booked, so back-to-back stays share no night.

mod idempotency;
mod reference;
mod repo;

pub use idempotency::{IdempotencyKey, MAX_KEY_CHARS, Refusal, StoredOutcome, purge_expired_keys};
pub use shared_schema::booking::BookingFilter;

use anyhow::Context;
use chrono::NaiveDate;
use shared_schema::{
    ConflictCode,
    booking::NewBooking,
    dto::{Booking, BookingStatus},
    validated,
};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use self::idempotency::{Begin, Claim};
use crate::{
    auth::Principal,
    error::{Conflict, Error, ResultExt},
    property::Property,
};

/// How often a new booking draws another reference when its random one is
/// taken (40 random bits: a second draw is already rare).
const REFERENCE_ATTEMPTS: usize = 5;

/// The CHECK that keeps `booked` within `0..=total` on every night.
const BOOKED_WITHIN_TOTAL: &str = "room_availability_booked_within_total";

/// What a booking request comes to.
#[derive(Debug)]
pub enum Outcome {
    /// This request booked the stay.
    Booked(Booking),
    /// An earlier request with the same `Idempotency-Key` and body came to
    /// this; it is answered again.
    Replayed(StoredOutcome),
    /// The `Idempotency-Key` was already used with a different body.
    KeyReused,
}

/// Books a stay for `who`, checked against the property's booking window.
/// With a key, a repeated request gets the first one's answer instead of a
/// second booking (see [`idempotency`]).
#[tracing::instrument(skip_all, fields(user_id = %who.user_id, room_id = %booking.room_id))]
pub async fn create(
    pool: &PgPool,
    property: &Property,
    who: Principal,
    booking: NewBooking,
    key: Option<&IdempotencyKey>,
) -> Result<Outcome, Error> {
    let booking = &validated(booking, &property.booking_window())?;
    let Some(key) = key else {
        return Ok(Outcome::Booked(book(pool, who, booking, None).await?));
    };
    let request_hash = idempotency::request_hash(booking)?;
    let claim = match idempotency::begin(pool, who.user_id, key, &request_hash).await? {
        Begin::Claimed(claim) => claim,
        Begin::Replay(stored) => return Ok(Outcome::Replayed(stored)),
        Begin::Reused => return Ok(Outcome::KeyReused),
    };
    match book(pool, who, booking, Some(&claim)).await {
        Ok(booked) => Ok(Outcome::Booked(booked)),
        Err(error) => {
            idempotency::settle_failure(pool, claim, &error).await;
            Err(error)
        }
    }
}

/// The booking transaction (ARCHITECTURE.md, "The booking transaction").
async fn book(
    pool: &PgPool,
    who: Principal,
    new: &NewBooking,
    claim: Option<&Claim>,
) -> Result<Booking, Error> {
    let mut tx = pool.begin().await?;

    let room = repo::room_terms(&mut tx, new.room_id)
        .await?
        .filter(|room| room.active)
        .ok_or(Error::NotFound)?;
    check_capacity(room.capacity, new)?;

    let nights = repo::lock_nights(&mut tx, new.room_id, new.check_in, new.check_out).await?;
    let unavailable = unavailable_nights(new, &nights);
    if !unavailable.is_empty() {
        return Err(sold_out(unavailable));
    }
    repo::add_booked(&mut tx, new.room_id, new.check_in, new.check_out, new.units)
        .await
        // Unreachable while the rows above stay locked; if a bug ever lets
        // it happen, the guest still gets a clear 409 rather than a 500.
        .on_constraint(BOOKED_WITHIN_TOTAL, || sold_out(stay_nights(new)))?;

    let total_cents = stay_total(&nights, new.units)?;
    let booking = insert(&mut tx, who, new, total_cents, &room.currency, claim).await?;

    if let Some(claim) = claim {
        let outcome = StoredOutcome::Booked(booking.clone());
        if !idempotency::complete_in(&mut tx, claim, &outcome).await? {
            // A newer request took the key over: it books, this one must not.
            return Err(idempotency::in_progress());
        }
    }
    tx.commit().await?;
    tracing::info!(booking_id = %booking.id, "booked");
    Ok(booking)
}

fn check_capacity(capacity: i32, new: &NewBooking) -> Result<(), Error> {
    shared_schema::stay::check_capacity(capacity, new.units, new.guests)
        .map_err(|message| Error::invalid("guests", message))
}

/// Nights of the stay that cannot take `units` more: missing from the
/// inventory, closed, or without enough free units. `locked` is sorted by
/// night, as [`repo::lock_nights`] returns it.
fn unavailable_nights(new: &NewBooking, locked: &[repo::LockedNight]) -> Vec<NaiveDate> {
    stay_nights(new)
        .into_iter()
        .filter(
            |night| match locked.binary_search_by_key(night, |row| row.night) {
                Ok(index) => {
                    let row = &locked[index];
                    row.closed || row.free < new.units
                }
                Err(_) => true,
            },
        )
        .collect()
}

fn stay_nights(new: &NewBooking) -> Vec<NaiveDate> {
    new.check_in
        .iter_days()
        .take_while(|night| *night < new.check_out)
        .collect()
}

fn sold_out(nights: Vec<NaiveDate>) -> Error {
    Conflict::new(
        ConflictCode::SoldOut,
        "Some nights of this stay are not available. Choose other dates or fewer rooms.",
    )
    .with_nights(nights)
    .into()
}

/// The sum of the nightly prices, times `units`.
fn stay_total(nights: &[repo::LockedNight], units: i32) -> Result<i64, Error> {
    let total = nights
        .iter()
        .try_fold(0_i64, |sum, night| sum.checked_add(night.price_cents))
        .and_then(|sum| sum.checked_mul(i64::from(units)))
        .context("the price of a stay does not fit in 64 bits")?;
    Ok(total)
}

async fn insert(
    conn: &mut PgConnection,
    who: Principal,
    new: &NewBooking,
    total_cents: i64,
    currency: &str,
    claim: Option<&Claim>,
) -> Result<Booking, Error> {
    for _ in 0..REFERENCE_ATTEMPTS {
        let reference = reference::new_reference();
        let row = repo::BookingRow {
            reference: &reference,
            user_id: who.user_id,
            room_id: new.room_id,
            check_in: new.check_in,
            check_out: new.check_out,
            guests: new.guests,
            units: new.units,
            total_cents,
            currency,
            idempotency_key: claim.map(Claim::key),
        };
        if let Some(booking) = repo::insert_booking(conn, &row).await? {
            return Ok(booking);
        }
    }
    Err(anyhow::anyhow!("no free booking reference after {REFERENCE_ATTEMPTS} draws").into())
}

/// One booking, for its owner or an admin; 404 for anyone else, so ids of
/// other people's bookings reveal nothing.
#[tracing::instrument(skip(pool))]
pub async fn get(pool: &PgPool, who: Principal, id: Uuid) -> Result<Booking, Error> {
    repo::find(pool, id)
        .await?
        .filter(|owned| who.may_access(owned.user_id))
        .map(|owned| owned.booking)
        .ok_or(Error::NotFound)
}

/// The caller's bookings (everyone's for an admin), latest check-in first.
#[tracing::instrument(skip(pool))]
pub async fn list(
    pool: &PgPool,
    who: Principal,
    filter: &BookingFilter,
) -> Result<Vec<Booking>, Error> {
    let limit = filter.checked_limit()?;
    let owner = if who.is_admin() {
        filter.user_id
    } else {
        Some(who.user_id)
    };
    Ok(repo::list(pool, owner, filter, limit).await?)
}

/// Cancels a booking and gives its units back, exactly once: the booking
/// row is locked first, so of two racing cancellations the second sees the
/// first one's result and changes nothing. Cancelling a cancelled booking
/// answers it unchanged. Guests cannot cancel a stay that has started
/// (check-in on or before today at the property); admins can.
#[tracing::instrument(skip(pool, property))]
pub async fn cancel(
    pool: &PgPool,
    property: &Property,
    who: Principal,
    id: Uuid,
) -> Result<Booking, Error> {
    let today = property.today();
    let mut tx = pool.begin().await?;
    let current = repo::lock_booking(&mut tx, id)
        .await?
        .filter(|owned| who.may_access(owned.user_id))
        .ok_or(Error::NotFound)?
        .booking;
    if current.status == BookingStatus::Cancelled {
        return Ok(current);
    }
    if !who.is_admin() && current.check_in <= today {
        return Err(Conflict::new(
            ConflictCode::AlreadyStarted,
            "This stay has already started and can no longer be cancelled online.",
        )
        .into());
    }
    // Same lock order as booking: the nights, in night order.
    repo::lock_nights(
        &mut tx,
        current.room_id,
        current.check_in,
        current.check_out,
    )
    .await?;
    repo::add_booked(
        &mut tx,
        current.room_id,
        current.check_in,
        current.check_out,
        -current.units,
    )
    .await?;
    let cancelled = repo::mark_cancelled(&mut tx, id).await?;
    tx.commit().await?;
    tracing::info!(booking_id = %id, "cancelled");
    Ok(cancelled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2030, 1, d).expect("date")
    }

    fn stay(check_in: u32, check_out: u32, units: i32) -> NewBooking {
        NewBooking {
            room_id: Uuid::nil(),
            check_in: day(check_in),
            check_out: day(check_out),
            guests: 1,
            units,
        }
    }

    fn night(d: u32, free: i32, closed: bool) -> repo::LockedNight {
        repo::LockedNight {
            night: day(d),
            free,
            price_cents: 100,
            closed,
        }
    }

    #[test]
    fn missing_closed_and_full_nights_are_unavailable() {
        let locked = [
            night(10, 2, false),
            night(11, 2, true),
            night(13, 1, false),
            night(14, 5, false),
        ];
        assert_eq!(
            unavailable_nights(&stay(10, 15, 2), &locked),
            [day(11), day(12), day(13)]
        );
        assert!(unavailable_nights(&stay(14, 15, 5), &locked).is_empty());
    }

    #[test]
    fn the_check_out_night_is_not_part_of_the_stay() {
        assert_eq!(stay_nights(&stay(10, 12, 1)), [day(10), day(11)]);
        assert!(unavailable_nights(&stay(10, 11, 1), &[night(10, 1, false)]).is_empty());
    }

    #[test]
    fn the_total_is_the_sum_of_nights_times_units_and_never_overflows() {
        let nights = [night(10, 1, false), night(11, 1, false)];
        assert_eq!(stay_total(&nights, 3).ok(), Some(600));
        let dear = [repo::LockedNight {
            price_cents: i64::MAX,
            ..night(10, 1, false)
        }];
        assert!(stay_total(&dear, 2).is_err());
    }

    #[test]
    fn capacity_counts_every_unit() {
        assert!(
            check_capacity(
                2,
                &NewBooking {
                    guests: 4,
                    ..stay(10, 11, 2)
                }
            )
            .is_ok()
        );
        let error = check_capacity(
            2,
            &NewBooking {
                guests: 5,
                ..stay(10, 11, 2)
            },
        )
        .expect_err("too many guests");
        assert!(matches!(error, Error::Validation(errors) if errors.has_field("guests")));
    }
}
