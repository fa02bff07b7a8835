//! SQL of the availability module, and nothing else.

use chrono::NaiveDate;
use shared_schema::inventory::{InventoryEdit, NightAvailability};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// Locked nights as the edit needs them.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct LockedNight {
    pub night: NaiveDate,
    pub booked: i32,
}

/// Inserts the missing nights in `[from, to)` from the room's base values,
/// for one room or (with `None`) every active room. Existing nights are
/// never touched.
pub(super) async fn insert_missing_nights(
    conn: &mut PgConnection,
    room_id: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        r"
        insert into room_availability (room_id, night, total, price_cents)
        select r.id, night::date, r.total_inventory, r.price_cents
          from rooms r
         cross join generate_series($2::date, $3::date - 1, interval '1 day') as night
         where (r.id = $1 or ($1 is null and r.active))
        on conflict (room_id, night) do nothing
        ",
    )
    .bind(room_id)
    .bind(from)
    .bind(to)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// How many nights in `[from, to)` active rooms still lack. A cheap
/// index-only count, so the periodic upkeep skips the insert (which checks
/// every night for a conflict) when nothing is missing.
pub(super) async fn count_missing_nights(
    executor: impl PgExecutor<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        r"
        select (select count(*) from rooms where active) * ($2::date - $1::date)
             - (select count(*)
                  from room_availability a
                  join rooms r on r.id = a.room_id and r.active
                 where a.night >= $1 and a.night < $2)
        ",
    )
    .bind(from)
    .bind(to)
    .fetch_one(executor)
    .await
}

/// Whether the room exists and is active (or, with `include_inactive`,
/// exists at all).
pub(super) async fn room_is_visible(
    executor: impl PgExecutor<'_>,
    room_id: Uuid,
    include_inactive: bool,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select exists (select 1 from rooms where id = $1 and (active or $2))")
        .bind(room_id)
        .bind(include_inactive)
        .fetch_one(executor)
        .await
}

/// Locks the room row so concurrent edits of one room serialise; `false`
/// when there is no such room.
pub(super) async fn lock_room(conn: &mut PgConnection, room_id: Uuid) -> Result<bool, sqlx::Error> {
    let found: Option<Uuid> = sqlx::query_scalar("select id from rooms where id = $1 for update")
        .bind(room_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// Locks the nights in night order, the order bookings lock them in.
pub(super) async fn lock_nights(
    conn: &mut PgConnection,
    room_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<LockedNight>, sqlx::Error> {
    sqlx::query_as(
        "select night, booked from room_availability
          where room_id = $1 and night >= $2 and night < $3
          order by night
            for update",
    )
    .bind(room_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await
}

pub(super) async fn update_nights(
    conn: &mut PgConnection,
    room_id: Uuid,
    edit: &InventoryEdit,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update room_availability
            set total = coalesce($4, total),
                price_cents = coalesce($5, price_cents),
                closed = coalesce($6, closed)
          where room_id = $1 and night >= $2 and night < $3",
    )
    .bind(room_id)
    .bind(edit.from)
    .bind(edit.to)
    .bind(edit.total)
    .bind(edit.price_cents)
    .bind(edit.closed)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn calendar(
    executor: impl PgExecutor<'_>,
    room_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NightAvailability>, sqlx::Error> {
    sqlx::query_as(
        "select night, total, booked,
                case when closed then 0 else total - booked end as free,
                price_cents, closed
           from room_availability
          where room_id = $1 and night >= $2 and night < $3
          order by night",
    )
    .bind(room_id)
    .bind(from)
    .bind(to)
    .fetch_all(executor)
    .await
}

/// A room's night, for the occupancy overview.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct OccupancyRow {
    pub room_id: Uuid,
    pub room_name: String,
    pub active: bool,
    #[sqlx(flatten)]
    pub night: NightAvailability,
}

/// Every room's nights in `[from, to)`, active rooms first, by name.
pub(super) async fn occupancy(
    executor: impl PgExecutor<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<OccupancyRow>, sqlx::Error> {
    sqlx::query_as(
        "select r.id as room_id, r.name as room_name, r.active,
                a.night, a.total, a.booked,
                case when a.closed then 0 else a.total - a.booked end as free,
                a.price_cents, a.closed
           from rooms r
           join room_availability a on a.room_id = r.id
          where a.night >= $1 and a.night < $2
          order by r.active desc, r.name, r.id, a.night",
    )
    .bind(from)
    .bind(to)
    .fetch_all(executor)
    .await
}
