//! Bookings: create (with locking), cancel, read, list, and idempotent
//! retries of creation.
//!
//! Owns `bookings` and `idempotency_keys`. Of `room_availability` it only
//! moves `booked`, and only inside a booking or cancellation transaction
//! that has locked the stay's nights in night order (`select ... for update
//! order by night`), so overlapping transactions queue instead of
//! deadlocking and no night is ever sold twice. Both transactions are SQL
//! functions (`book_stay`, `cancel_booking`; ADR 0011), so those locks are
//! held for one round trip. Totals, prices and closed nights belong to
//! `availability`; rooms to `rooms`.
//!
//! Stays are half-open, `[check_in, check_out)`: the check-out night is not
//! booked, so back-to-back stays share no night.

mod cursor;
mod idempotency;
mod reference;
mod repo;

pub use idempotency::{IdempotencyKey, MAX_KEY_CHARS, Refusal, StoredOutcome, purge_expired_keys};
pub use shared_schema::booking::{BookingFilter, BookingPage};

use chrono::NaiveDate;
use shared_schema::{ConflictCode, booking::NewBooking, dto::Booking, validated};
use sqlx::PgPool;
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

/// The booking transaction (ARCHITECTURE.md, "The booking transaction"),
/// as one call of the SQL function `book_stay` (ADR 0011): the nights' row
/// locks are held for one round trip. Without a key that call is the whole
/// transaction; with one, the stored answer commits in the same transaction
/// (ADR 0004), one statement later.
async fn book(
    pool: &PgPool,
    who: Principal,
    new: &NewBooking,
    claim: Option<&Claim>,
) -> Result<Booking, Error> {
    let references: Vec<String> = (0..REFERENCE_ATTEMPTS)
        .map(|_| reference::new_reference())
        .collect();
    let stay = repo::StayRequest {
        user_id: who.user_id,
        room_id: new.room_id,
        check_in: new.check_in,
        check_out: new.check_out,
        guests: new.guests,
        units: new.units,
        references: &references,
        idempotency_key: claim.map(Claim::key),
    };
    let Some(claim) = claim else {
        let booking = seen_by(who, booked(new, repo::book_stay(pool, &stay).await)?);
        tracing::info!(booking_id = %booking.id, "booked");
        return Ok(booking);
    };
    let mut tx = pool.begin().await?;
    let booking = seen_by(who, booked(new, repo::book_stay(&mut *tx, &stay).await)?);
    let outcome = StoredOutcome::Booked(booking.clone());
    if !idempotency::complete_in(&mut tx, claim, &outcome).await? {
        // A newer request took the key over: it books, this one must not.
        return Err(idempotency::in_progress());
    }
    tx.commit().await?;
    tracing::info!(booking_id = %booking.id, "booked");
    Ok(booking)
}

/// The booking `book_stay` made, or the answer for why it made none.
fn booked(
    new: &NewBooking,
    outcome: Result<repo::StayOutcome, sqlx::Error>,
) -> Result<Booking, Error> {
    // Unreachable while `book_stay` locks the rows it checks; if a bug ever
    // lets it happen, the guest still gets a clear 409 rather than a 500.
    let outcome = outcome.on_constraint(BOOKED_WITHIN_TOTAL, || sold_out(stay_nights(new)))?;
    match outcome {
        repo::StayOutcome::Booked(booking) => Ok(booking),
        repo::StayOutcome::NotFound => Err(Error::NotFound),
        repo::StayOutcome::Capacity(capacity) => {
            check_capacity(capacity, new)?;
            Err(anyhow::anyhow!(
                "book_stay refused {} guests in {} units of capacity {capacity}, \
                 which shared_schema accepts",
                new.guests,
                new.units
            )
            .into())
        }
        repo::StayOutcome::SoldOut(nights) => Err(sold_out(nights)),
        repo::StayOutcome::NoReference => Err(anyhow::anyhow!(
            "no free booking reference after {REFERENCE_ATTEMPTS} draws"
        )
        .into()),
    }
}

fn check_capacity(capacity: i32, new: &NewBooking) -> Result<(), Error> {
    shared_schema::stay::check_capacity(capacity, new.units, new.guests)
        .map_err(|message| Error::invalid("guests", message))
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

/// A booking as `who` may see it: the guest's e-mail only for admins.
fn seen_by(who: Principal, mut booking: Booking) -> Booking {
    if !who.is_admin() {
        booking.guest_email = None;
    }
    booking
}

/// One booking, for its owner or an admin; 404 for anyone else, so ids of
/// other people's bookings reveal nothing.
#[tracing::instrument(skip(pool))]
pub async fn get(pool: &PgPool, who: Principal, id: Uuid) -> Result<Booking, Error> {
    repo::find(pool, id)
        .await?
        .filter(|booking| who.may_access(booking.user_id))
        .map(|booking| seen_by(who, booking))
        .ok_or(Error::NotFound)
}

/// A page of the caller's bookings (everyone's for an admin), latest
/// check-in first, with the cursors of the next (older) and previous
/// (newer) pages when there are.
///
/// A guest's list is their own whatever the filter says (`user_id`, or a
/// text search `q` naming someone else): the owner is part of the query,
/// never a filter applied afterwards. Not instrumented with the filter:
/// its `q` may be an e-mail address, which the logs must not hold.
#[tracing::instrument(skip_all, fields(user_id = %who.user_id, searched = filter.search().is_some()))]
pub async fn list(
    pool: &PgPool,
    who: Principal,
    filter: &BookingFilter,
) -> Result<BookingPage, Error> {
    let limit = filter.checked_limit()?;
    let start = filter.cursor.as_deref().map(cursor::decode).transpose()?;
    let owner = if who.is_admin() {
        filter.user_id
    } else {
        Some(who.user_id)
    };
    let search = match filter.search() {
        Some(text) => Some(search(pool, owner, text).await?),
        None => None,
    };
    // One more than asked tells whether a page further on exists.
    let mut bookings = repo::list(pool, owner, filter, search.as_ref(), start, limit + 1).await?;
    let page = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = bookings.len() > page;
    let (next_cursor, prev_cursor) = match start {
        // Newer than a page seen before: the older ones follow this page.
        Some(cursor::Start::Before(_)) => {
            if more {
                bookings.drain(..bookings.len() - page);
            }
            let newer = bookings.first().filter(|_| more).map(cursor::before);
            (bookings.last().map(cursor::after), newer)
        }
        start => {
            bookings.truncate(page);
            let older = bookings.last().filter(|_| more).map(cursor::after);
            // A page reached from a newer one has that one before it.
            let newer = start.and_then(|_| bookings.first().map(cursor::before));
            (older, newer)
        }
    };
    Ok(BookingPage {
        bookings: bookings.into_iter().map(|b| seen_by(who, b)).collect(),
        next_cursor,
        prev_cursor,
    })
}

/// A search naming at most this many guests gathers their bookings and
/// sorts them; one naming more reads the list in order and checks each
/// booking, which fills a page soon when so many guests match.
const GUESTS_GATHERED: i64 = 1000;

/// How the list runs a text search (ADR 0017): through the guests it names
/// and the references it starts, when both are few (an admin's search for
/// someone or for a reference), else booking by booking in the list's
/// order (a guest's own bookings, a text that names very many guests, or
/// the first characters of a reference).
async fn search(pool: &PgPool, owner: Option<Uuid>, text: &str) -> Result<repo::Search, Error> {
    let (part, reference) = repo::Search::patterns(text);
    if owner.is_none() && reference::starts_few(&text.to_uppercase()) {
        let ids = repo::guests_named(pool, &part, GUESTS_GATHERED + 1).await?;
        if i64::try_from(ids.len()).is_ok_and(|named| named <= GUESTS_GATHERED) {
            return Ok(repo::Search::Guests { ids, reference });
        }
    }
    Ok(repo::Search::Text { part, reference })
}

/// Cancels a booking and gives its units back, exactly once: the booking
/// row is locked first, so of two racing cancellations the second sees the
/// first one's result and changes nothing. Cancelling a cancelled booking
/// answers it unchanged. Guests cannot cancel a stay that has started
/// (check-in on or before today at the property); admins can. One
/// statement, the SQL function `cancel_booking` (ADR 0011).
#[tracing::instrument(skip(pool, property))]
pub async fn cancel(
    pool: &PgPool,
    property: &Property,
    who: Principal,
    id: Uuid,
) -> Result<Booking, Error> {
    let today = property.today();
    // Admins may cancel anyone's booking, started or not (`may_access`).
    let (owner, started_by) = if who.is_admin() {
        (None, None)
    } else {
        (Some(who.user_id), Some(today))
    };
    match repo::cancel_booking(pool, id, owner, started_by).await? {
        repo::CancelOutcome::NotFound => Err(Error::NotFound),
        repo::CancelOutcome::AlreadyStarted => Err(Conflict::new(
            ConflictCode::AlreadyStarted,
            "This stay has already started and can no longer be cancelled online.",
        )
        .into()),
        repo::CancelOutcome::Unchanged(booking) => Ok(seen_by(who, booking)),
        repo::CancelOutcome::Cancelled(booking) => {
            tracing::info!(booking_id = %id, "cancelled");
            Ok(seen_by(who, booking))
        }
    }
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

    #[test]
    fn the_check_out_night_is_not_part_of_the_stay() {
        assert_eq!(stay_nights(&stay(10, 12, 1)), [day(10), day(11)]);
        assert_eq!(stay_nights(&stay(10, 11, 1)), [day(10)]);
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
