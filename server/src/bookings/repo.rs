//! SQL of the bookings module, and nothing else.
//!
//! Functions that take a `&mut PgConnection` run inside the caller's
//! transaction; the caller decides the lock order and when to commit.

use chrono::{DateTime, NaiveDate, Utc};
use shared_schema::dto::Booking;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{BookingFilter, idempotency::KeyState};

/// The room and the guest a booking row `b` needs for [`booking_columns!`].
macro_rules! booking_joins {
    () => {
        " join rooms r on r.id = b.room_id join users u on u.id = b.user_id"
    };
}

/// The columns of a [`Booking`], selected from [`booking_joins!`].
macro_rules! booking_columns {
    () => {
        "b.id, b.reference, b.room_id, r.name as room_name, b.user_id,
         u.name as guest_name, u.email::text as guest_email,
         b.check_in, b.check_out,
         (b.check_out - b.check_in) as nights, b.guests, b.units, b.total_cents,
         b.currency, b.status, b.created_at, b.cancelled_at"
    };
}

/// What a booking needs to know about its room type.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct RoomTerms {
    pub capacity: i32,
    pub currency: String,
    pub active: bool,
}

/// One locked night of a room's inventory.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct LockedNight {
    pub night: NaiveDate,
    pub free: i32,
    pub price_cents: i64,
    pub closed: bool,
}

/// The row a new booking inserts.
#[derive(Debug)]
pub(super) struct BookingRow<'a> {
    pub reference: &'a str,
    pub user_id: Uuid,
    pub room_id: Uuid,
    pub check_in: NaiveDate,
    pub check_out: NaiveDate,
    pub guests: i32,
    pub units: i32,
    pub total_cents: i64,
    pub currency: &'a str,
    pub idempotency_key: Option<&'a str>,
}

/// The stored state of an idempotency key.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct KeyRow {
    pub request_hash: Vec<u8>,
    pub status: KeyState,
    /// The stored outcome (JSON), once completed.
    pub outcome: Option<String>,
}

pub(super) async fn room_terms(
    conn: &mut PgConnection,
    room_id: Uuid,
) -> Result<Option<RoomTerms>, sqlx::Error> {
    sqlx::query_as("select capacity, currency, active from rooms where id = $1")
        .bind(room_id)
        .fetch_optional(conn)
        .await
}

/// Locks the room's nights of `[check_in, check_out)` in night order, so two
/// transactions over overlapping stays always queue instead of deadlocking.
/// Missing nights are simply absent from the answer.
pub(super) async fn lock_nights(
    conn: &mut PgConnection,
    room_id: Uuid,
    check_in: NaiveDate,
    check_out: NaiveDate,
) -> Result<Vec<LockedNight>, sqlx::Error> {
    sqlx::query_as(
        "select night, total - booked as free, price_cents, closed
           from room_availability
          where room_id = $1 and night >= $2 and night < $3
          order by night
            for update",
    )
    .bind(room_id)
    .bind(check_in)
    .bind(check_out)
    .fetch_all(conn)
    .await
}

/// Adds `units` to `booked` on every night of the stay (negative to give
/// them back). The CHECK `room_availability_booked_within_total` refuses
/// any result outside `0..=total`.
pub(super) async fn add_booked(
    conn: &mut PgConnection,
    room_id: Uuid,
    check_in: NaiveDate,
    check_out: NaiveDate,
    units: i32,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "update room_availability
            set booked = booked + $4
          where room_id = $1 and night >= $2 and night < $3",
    )
    .bind(room_id)
    .bind(check_in)
    .bind(check_out)
    .bind(units)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Inserts a confirmed booking; `None` when its reference is already taken.
pub(super) async fn insert_booking(
    conn: &mut PgConnection,
    row: &BookingRow<'_>,
) -> Result<Option<Booking>, sqlx::Error> {
    sqlx::query_as(concat!(
        "with b as (
            insert into bookings (reference, user_id, room_id, check_in, check_out,
                                  guests, units, total_cents, currency, idempotency_key)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            on conflict on constraint bookings_reference_key do nothing
            returning *
         )
         select ",
        booking_columns!(),
        " from b",
        booking_joins!()
    ))
    .bind(row.reference)
    .bind(row.user_id)
    .bind(row.room_id)
    .bind(row.check_in)
    .bind(row.check_out)
    .bind(row.guests)
    .bind(row.units)
    .bind(row.total_cents)
    .bind(row.currency)
    .bind(row.idempotency_key)
    .fetch_optional(conn)
    .await
}

pub(super) async fn find(pool: &PgPool, id: Uuid) -> Result<Option<Booking>, sqlx::Error> {
    sqlx::query_as(concat!(
        "select ",
        booking_columns!(),
        " from bookings b",
        booking_joins!(),
        " where b.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Locks one booking row (not its room: `for update of b`), so concurrent
/// cancellations of it queue and each sees the previous one's outcome.
pub(super) async fn lock_booking(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<Booking>, sqlx::Error> {
    sqlx::query_as(concat!(
        "select ",
        booking_columns!(),
        " from bookings b",
        booking_joins!(),
        " where b.id = $1 for update of b"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub(super) async fn mark_cancelled(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Booking, sqlx::Error> {
    sqlx::query_as(concat!(
        "with b as (
            update bookings
               set status = 'cancelled', cancelled_at = now()
             where id = $1
            returning *
         )
         select ",
        booking_columns!(),
        " from b",
        booking_joins!()
    ))
    .bind(id)
    .fetch_one(conn)
    .await
}

/// Bookings matching `filter` (and owned by `owner` unless it is `None`),
/// latest check-in first. A stay matches a date range when they share a
/// night: `check_in < to` and `check_out > from`.
pub(super) async fn list(
    pool: &PgPool,
    owner: Option<Uuid>,
    filter: &BookingFilter,
    limit: i64,
) -> Result<Vec<Booking>, sqlx::Error> {
    sqlx::query_as(concat!(
        "select ",
        booking_columns!(),
        " from bookings b",
        booking_joins!(),
        " where ($1::uuid is null or b.user_id = $1)
            and ($2::uuid is null or b.room_id = $2)
            and ($3::date is null or b.check_out > $3)
            and ($4::date is null or b.check_in < $4)
            and ($5::text is null or b.status = $5)
          order by b.check_in desc, b.created_at desc, b.id desc
          limit $6"
    ))
    .bind(owner)
    .bind(filter.room_id)
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.status)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Claims `(user, key)` for a new request: inserts it `in_progress`, or takes
/// over a row that has expired (older than 24 hours) or was abandoned in
/// progress (older than a minute: its request was dropped, e.g. by the
/// request timeout, before it could finish or clean up). Otherwise leaves the
/// row alone, like `on conflict do nothing`, and returns `None`.
///
/// The returned `created_at` identifies this claim: completing or releasing
/// it only succeeds while the row still carries it, so a request whose claim
/// was taken over can no longer write.
pub(super) async fn claim_key(
    pool: &PgPool,
    user_id: Uuid,
    key: &str,
    request_hash: &[u8],
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(
        "insert into idempotency_keys as k (user_id, key, request_hash)
         values ($1, $2, $3)
         on conflict (user_id, key) do update
            set request_hash = excluded.request_hash,
                status = 'in_progress',
                response = null,
                created_at = now()
          where k.created_at < now() - interval '24 hours'
             or (k.status = 'in_progress' and k.created_at < now() - interval '1 minute')
         returning created_at",
    )
    .bind(user_id)
    .bind(key)
    .bind(request_hash)
    .fetch_optional(pool)
    .await
}

pub(super) async fn find_key(
    pool: &PgPool,
    user_id: Uuid,
    key: &str,
) -> Result<Option<KeyRow>, sqlx::Error> {
    sqlx::query_as(
        "select request_hash, status, response::text as outcome
           from idempotency_keys
          where user_id = $1 and key = $2",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(pool)
    .await
}

/// Stores the answer under a claim that is still ours; `false` when the
/// claim was taken over meanwhile.
pub(super) async fn complete_key(
    conn: &mut PgConnection,
    user_id: Uuid,
    key: &str,
    claimed_at: DateTime<Utc>,
    outcome: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "update idempotency_keys
            set status = 'completed', response = $4::jsonb
          where user_id = $1 and key = $2 and created_at = $3 and status = 'in_progress'",
    )
    .bind(user_id)
    .bind(key)
    .bind(claimed_at)
    .bind(outcome)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets a claim that is still ours and in progress, so a retry can run.
pub(super) async fn release_key(
    pool: &PgPool,
    user_id: Uuid,
    key: &str,
    claimed_at: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "delete from idempotency_keys
          where user_id = $1 and key = $2 and created_at = $3 and status = 'in_progress'",
    )
    .bind(user_id)
    .bind(key)
    .bind(claimed_at)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub(super) async fn purge_keys(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("delete from idempotency_keys where created_at < now() - interval '24 hours'")
            .execute(pool)
            .await?;
    Ok(done.rows_affected())
}
