//! SQL of the bookings module, and nothing else.
//!
//! Functions that take a `&mut PgConnection` run inside the caller's
//! transaction; the caller decides when to commit. Booking and cancelling
//! are the SQL functions `book_stay` and `cancel_booking` (migration
//! `20261130210000_book_stay.sql`), which take their locks in night order.

use chrono::{DateTime, NaiveDate, Utc};
use shared_schema::dto::Booking;
use sqlx::{FromRow, PgConnection, PgExecutor, PgPool, Row};
use uuid::Uuid;

use super::{BookingFilter, cursor::Start, idempotency::KeyState};

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

/// A stay to book, as `book_stay` takes it.
#[derive(Debug)]
pub(super) struct StayRequest<'a> {
    pub user_id: Uuid,
    pub room_id: Uuid,
    pub check_in: NaiveDate,
    pub check_out: NaiveDate,
    pub guests: i32,
    pub units: i32,
    /// Tried in order until one is free.
    pub references: &'a [String],
    pub idempotency_key: Option<&'a str>,
}

/// What `book_stay` decided (see its migration for each case).
#[derive(Debug)]
pub(super) enum StayOutcome {
    /// No such room, or it is inactive.
    NotFound,
    /// The room sleeps this many per unit: too few for the guests.
    Capacity(i32),
    /// These nights are missing, closed or without enough free units.
    SoldOut(Vec<NaiveDate>),
    /// Every reference offered was taken; nothing changed.
    NoReference,
    Booked(Booking),
}

/// What `cancel_booking` decided.
#[derive(Debug)]
pub(super) enum CancelOutcome {
    NotFound,
    AlreadyStarted,
    /// It was cancelled before: the booking as it is.
    Unchanged(Booking),
    Cancelled(Booking),
}

/// The stored state of an idempotency key.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct KeyRow {
    pub request_hash: Vec<u8>,
    pub status: KeyState,
    /// The stored outcome (JSON), once completed.
    pub outcome: Option<String>,
}

/// The columns of [`Booking`] (for [`booking_columns!`]) from the `booking`
/// column of `s`, the row a function returned: null when it booked nothing.
macro_rules! returned_booking {
    () => {
        " cross join lateral (select (s.booking).*) b
          left join rooms r on r.id = b.room_id
          left join users u on u.id = b.user_id"
    };
}

/// Books a stay with one statement: locks the nights in night order, checks
/// them, inserts the booking and adds its units (`book_stay`, migration
/// `20261130210000_book_stay.sql`). Outside a transaction the row locks are
/// held for this one round trip; a statement applies all of a stay or none.
pub(super) async fn book_stay(
    conn: impl PgExecutor<'_>,
    stay: &StayRequest<'_>,
) -> Result<StayOutcome, sqlx::Error> {
    let row = sqlx::query(concat!(
        "select s.outcome, s.room_capacity, s.unavailable, ",
        booking_columns!(),
        " from book_stay($1, $2, $3, $4, $5, $6, $7, $8) s",
        returned_booking!()
    ))
    .bind(stay.user_id)
    .bind(stay.room_id)
    .bind(stay.check_in)
    .bind(stay.check_out)
    .bind(stay.guests)
    .bind(stay.units)
    .bind(stay.references)
    .bind(stay.idempotency_key)
    .fetch_one(conn)
    .await?;
    let outcome: String = row.try_get("outcome")?;
    Ok(match outcome.as_str() {
        "not_found" => StayOutcome::NotFound,
        "capacity" => StayOutcome::Capacity(row.try_get("room_capacity")?),
        "sold_out" => StayOutcome::SoldOut(row.try_get("unavailable")?),
        "no_reference" => StayOutcome::NoReference,
        "booked" => StayOutcome::Booked(Booking::from_row(&row)?),
        other => return Err(unknown_outcome("book_stay", other)),
    })
}

/// Cancels a booking with one statement (`cancel_booking`): locks the
/// booking, then its nights in night order, gives the units back and marks
/// it cancelled. `owner` is `None` for an admin (any booking); `started_by`
/// is the caller's today, or `None` when a started stay may be cancelled.
pub(super) async fn cancel_booking(
    pool: &PgPool,
    id: Uuid,
    owner: Option<Uuid>,
    started_by: Option<NaiveDate>,
) -> Result<CancelOutcome, sqlx::Error> {
    let row = sqlx::query(concat!(
        "select s.outcome, ",
        booking_columns!(),
        " from cancel_booking($1, $2, $3) s",
        returned_booking!()
    ))
    .bind(id)
    .bind(owner)
    .bind(started_by)
    .fetch_one(pool)
    .await?;
    let outcome: String = row.try_get("outcome")?;
    Ok(match outcome.as_str() {
        "not_found" => CancelOutcome::NotFound,
        "already_started" => CancelOutcome::AlreadyStarted,
        "unchanged" => CancelOutcome::Unchanged(Booking::from_row(&row)?),
        "cancelled" => CancelOutcome::Cancelled(Booking::from_row(&row)?),
        other => return Err(unknown_outcome("cancel_booking", other)),
    })
}

/// A function answered an outcome this code does not know: the migration
/// and the server disagree.
fn unknown_outcome(function: &str, outcome: &str) -> sqlx::Error {
    sqlx::Error::Protocol(format!(
        "{function} answered the unknown outcome {outcome:?}"
    ))
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

/// A booking list's filters, on `bookings b`.
macro_rules! list_filters {
    () => {
        r" where ($1::uuid is null or b.user_id = $1)
            and ($2::uuid is null or b.room_id = $2)
            and ($3::date is null or b.check_out > $3)
            and ($4::date is null or b.check_in < $4)
            and ($5::text is null or b.status = $5)"
    };
}

/// A text search (or none: `$6` null), checked booking by booking on
/// `bookings b` joined to its guest `u`.
macro_rules! by_text {
    () => {
        r" and ($6::text is null
                or u.name ilike $6 escape '\'
                or u.email::text ilike $6 escape '\'
                or b.reference like $7 escape '\')"
    };
}

/// A text search whose guests are known: their bookings, found by guest,
/// and those of the references it starts, found by reference.
macro_rules! by_guests {
    () => {
        r" and (b.user_id = any($6::uuid[]) or b.reference like $7 escape '\')"
    };
}

/// The page of `b` in the `$order` of the list's key, `$place` (a
/// comparison with the key `$8`-`$10`), `$11` rows; only they are joined to
/// their room and guest.
macro_rules! page {
    ($place:literal, $order:literal) => {
        concat!(
            " and ",
            $place,
            " order by ",
            $order,
            " limit $11) b",
            booking_joins!(),
            " order by ",
            $order
        )
    };
}

/// From the newest booking, or after a booking (`$8`-`$10`).
macro_rules! older_page {
    () => {
        page!(
            "($8::date is null or (b.check_in, b.created_at, b.id) < ($8, $9::timestamptz, $10::uuid))",
            "b.check_in desc, b.created_at desc, b.id desc"
        )
    };
}

/// Before a booking (`$8`-`$10`), the nearest first.
macro_rules! newer_page {
    () => {
        page!(
            "(b.check_in, b.created_at, b.id) > ($8, $9::timestamptz, $10::uuid)",
            "b.check_in, b.created_at, b.id"
        )
    };
}

/// The list read in its order, each booking checked: a page is one range
/// of `bookings_list_order_idx` when the filters let most bookings through.
macro_rules! in_order {
    ($page:ident) => {
        concat!(
            "select ",
            booking_columns!(),
            " from (select b.* from bookings b join users u on u.id = b.user_id",
            list_filters!(),
            by_text!(),
            $page!()
        )
    };
}

/// The named guests' bookings and the references' gathered first (by
/// their indexes, never by reading the list in order, which PostgreSQL
/// may misjudge as cheaper), then sorted into the page.
macro_rules! gathered {
    ($page:ident) => {
        concat!(
            "with found as materialized (select b.* from bookings b",
            list_filters!(),
            by_guests!(),
            ") select ",
            booking_columns!(),
            " from (select b.* from found b where true",
            $page!()
        )
    };
}

const IN_ORDER_OLDER: &str = in_order!(older_page);
const IN_ORDER_NEWER: &str = in_order!(newer_page);
const GATHERED_OLDER: &str = gathered!(older_page);
const GATHERED_NEWER: &str = gathered!(newer_page);

/// A booking list's text search as the query runs it: part of the guest's
/// name or e-mail, or the start of the reference, in any case; `%`, `_`
/// and `\` in the text are plain characters, not patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Search {
    /// The bookings of these guests (the ones the text names) and those
    /// whose reference starts with `reference`, gathered and sorted: for a
    /// text that names few guests and starts few references.
    Guests { ids: Vec<Uuid>, reference: String },
    /// Every booking whose guest's name or e-mail contains `part`, or whose
    /// reference starts with `reference`, checked one by one in the list's
    /// order: for a text so common that a page fills at once.
    Text { part: String, reference: String },
}

impl Search {
    /// The `like` patterns of `text`: anywhere in a name or e-mail, and at
    /// the start of a reference (references are in capitals).
    pub(super) fn patterns(text: &str) -> (String, String) {
        let escaped = like_escaped(text);
        (
            format!("%{escaped}%"),
            format!("{}%", escaped.to_uppercase()),
        )
    }
}

/// The ids of at most `limit` guests whose name or e-mail is `like`
/// `part` in any case (the trigram indexes of both find them).
pub(super) async fn guests_named(
    pool: &PgPool,
    part: &str,
    limit: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        r"select id from users
           where name ilike $1 escape '\' or email::text ilike $1 escape '\'
           limit $2",
    )
    .bind(part)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Bookings matching `filter` and `search` (and owned by `owner` unless it
/// is `None`), at most `limit` of them from `start` on, latest check-in
/// first: the newest, the ones right after a booking, or the ones right
/// before it (read oldest first, so that the nearest ones are the ones
/// kept, and turned around). A stay matches a date range when they share a
/// night: `check_in < to` and `check_out > from`.
///
/// Planned for its parameters each time (not a prepared statement kept on
/// the connection): a generic plan cannot tell which of the optional
/// filters are off, and read a million bookings (2.7 s) where this plan
/// reads one page of the list's index (2 ms).
pub(super) async fn list(
    pool: &PgPool,
    owner: Option<Uuid>,
    filter: &BookingFilter,
    search: Option<&Search>,
    start: Option<Start>,
    limit: i64,
) -> Result<Vec<Booking>, sqlx::Error> {
    let newer = matches!(start, Some(Start::Before(_)));
    let key = start.map(|(Start::After(key) | Start::Before(key))| key);
    let sql = match (search, newer) {
        (Some(Search::Guests { .. }), false) => GATHERED_OLDER,
        (Some(Search::Guests { .. }), true) => GATHERED_NEWER,
        (_, false) => IN_ORDER_OLDER,
        (_, true) => IN_ORDER_NEWER,
    };
    let query = sqlx::query_as(sql)
        .persistent(false)
        .bind(owner)
        .bind(filter.room_id)
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.status);
    let query = match search {
        Some(Search::Guests { ids, reference }) => query.bind(ids).bind(reference),
        Some(Search::Text { part, reference }) => query.bind(part).bind(reference),
        None => query.bind(None::<String>).bind(None::<String>),
    };
    let mut bookings: Vec<Booking> = query
        .bind(key.map(|k| k.check_in))
        .bind(key.map(|k| k.created_at))
        .bind(key.map(|k| k.id))
        .bind(limit)
        .fetch_all(pool)
        .await?;
    if newer {
        bookings.reverse();
    }
    Ok(bookings)
}

/// `text` for a `like` pattern with `escape '\'`: its wildcards and
/// escape character stand for themselves.
fn like_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
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

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    const PRICE: i64 = 10_000;

    /// A user and a room with nights 2030-01-10 to 2030-01-12 of 10 units.
    async fn room_and_user(pool: &PgPool, nightly_price: i64) -> (Uuid, Uuid) {
        let user: Uuid = sqlx::query_scalar(
            "insert into users (email, name, password_hash) values ('a@example.com', 'A', 'x')
             returning id",
        )
        .fetch_one(pool)
        .await
        .expect("user");
        let room: Uuid = sqlx::query_scalar(
            "insert into rooms (name, capacity, price_cents, currency, total_inventory)
             values ('R', 2, 100, 'EUR', 10) returning id",
        )
        .fetch_one(pool)
        .await
        .expect("room");
        sqlx::query(
            "insert into room_availability (room_id, night, total, price_cents)
             select $1, night::date, 10, $2
               from generate_series('2030-01-10'::date, '2030-01-12'::date, interval '1 day') night",
        )
        .bind(room)
        .bind(nightly_price)
        .execute(pool)
        .await
        .expect("nights");
        (user, room)
    }

    fn stay(user_id: Uuid, room_id: Uuid, references: &[String]) -> StayRequest<'_> {
        let day = |d| NaiveDate::from_ymd_opt(2030, 1, d).expect("date");
        StayRequest {
            user_id,
            room_id,
            check_in: day(10),
            check_out: day(12),
            guests: 2,
            units: 2,
            references,
            idempotency_key: None,
        }
    }

    async fn booked_units(pool: &PgPool) -> i64 {
        sqlx::query_scalar("select coalesce(sum(booked), 0)::int8 from room_availability")
            .fetch_one(pool)
            .await
            .expect("sum")
    }

    #[test]
    fn like_wildcards_in_a_search_stand_for_themselves() {
        assert_eq!(like_escaped("ada"), "ada");
        assert_eq!(like_escaped(r"50%_off\now"), r"50\%\_off\\now");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_total_is_the_sum_of_the_nights_times_units(pool: PgPool) {
        let (user, room) = room_and_user(&pool, PRICE).await;
        let references = ["RB-00000001".to_owned()];
        let outcome = book_stay(&pool, &stay(user, room, &references))
            .await
            .expect("book");
        let StayOutcome::Booked(booking) = outcome else {
            panic!("not booked: {outcome:?}");
        };
        assert_eq!(booking.total_cents, 2 * 2 * PRICE);
        assert_eq!(booking.nights, 2);
        assert_eq!(booking.reference, "RB-00000001");
        assert_eq!(booked_units(&pool).await, 4);
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_taken_reference_is_skipped_and_when_all_are_taken_nothing_changes(pool: PgPool) {
        let (user, room) = room_and_user(&pool, PRICE).await;
        let first = ["RB-00000001".to_owned()];
        book_stay(&pool, &stay(user, room, &first))
            .await
            .expect("book");
        let outcome = book_stay(&pool, &stay(user, room, &first))
            .await
            .expect("book");
        assert!(matches!(outcome, StayOutcome::NoReference), "{outcome:?}");
        assert_eq!(booked_units(&pool).await, 2 * 2, "nothing more booked");

        let second = ["RB-00000001".to_owned(), "RB-00000002".to_owned()];
        let outcome = book_stay(&pool, &stay(user, room, &second))
            .await
            .expect("book");
        let StayOutcome::Booked(booking) = outcome else {
            panic!("not booked: {outcome:?}");
        };
        assert_eq!(booking.reference, "RB-00000002");
    }

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_stay_too_dear_for_64_bits_is_an_error_and_changes_nothing(pool: PgPool) {
        let (user, room) = room_and_user(&pool, i64::MAX / 2).await;
        let references = ["RB-00000001".to_owned()];
        let booked = book_stay(&pool, &stay(user, room, &references)).await;
        assert!(booked.is_err(), "{booked:?}");
        assert_eq!(booked_units(&pool).await, 0);
    }
}
