//! SQL of the rooms module, and nothing else.

use chrono::NaiveDate;
use shared_schema::{
    dto::RoomOffer,
    rooms::{Room, RoomInput, RoomPatch},
    search::{RoomSearch, SearchOptions, SearchSort},
};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

const ROOM_COLUMNS: &str =
    "id, name, description, capacity, price_cents, currency, total_inventory, active";

/// Where a page starts: after the offer with this sort key and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum After {
    Price(i64, Uuid),
    Name(String, Uuid),
}

/// One set-based query: a room qualifies when the stay's nights all exist,
/// are open, and each has `units` free. Reads never lock availability rows.
/// Keyset paging on (sort key, id) keeps pages stable while data changes.
pub(super) async fn search(
    pool: &PgPool,
    search: &RoomSearch,
    options: &SearchOptions,
    after: Option<&After>,
    limit: i64,
) -> Result<Vec<RoomOffer>, sqlx::Error> {
    let nights = search.nights();
    let (order, page_start) = match options.sort {
        SearchSort::PriceAsc => ("total_cents, id", "(total_cents, id) > ($9, $11)"),
        SearchSort::PriceDesc => (
            "total_cents desc, id",
            "(total_cents < $9 or (total_cents = $9 and id > $11))",
        ),
        // Byte order ("C"), whatever the database's collation: the
        // availability index sorts names the same way.
        SearchSort::Name => (
            r#"name collate "C", id"#,
            r#"(name collate "C", id) > ($10::text collate "C", $11)"#,
        ),
    };
    let (after_price, after_name, after_id) = match after {
        Some(After::Price(price, id)) => (Some(*price), None, Some(*id)),
        Some(After::Name(name, id)) => (None, Some(name.as_str()), Some(*id)),
        None => (None, None, None),
    };
    // `order` and `page_start` are chosen from the constants above, never
    // from input; every value is a bind parameter. Price bounds times
    // nights are compared as numeric: any `int8` bound is a valid filter,
    // and `int8` arithmetic would overflow into a 500.
    let sql = format!(
        r"
        with offers as (
            select r.id,
                   r.name,
                   r.description,
                   r.capacity,
                   r.currency,
                   count(*)::int4 as nights,
                   min(a.price_cents)::int8 as nightly_from_cents,
                   (sum(a.price_cents) * $4)::int8 as total_cents,
                   sum(a.price_cents)::int8 as one_unit_cents,
                   min(a.total - a.booked)::int4 as min_free
              from rooms r
              join room_availability a on a.room_id = r.id
             where r.active
               and r.capacity * $4 >= $3
               and a.night >= $1 and a.night < $2
               and not a.closed
             group by r.id
            having count(*) = $5
               and min(a.total - a.booked) >= $4
        )
        select id, name, description, capacity, currency, nights,
               nightly_from_cents, total_cents, min_free
          from offers
         where ($6::int8 is null or one_unit_cents >= $6::numeric * $5)
           and ($7::int8 is null or one_unit_cents <= $7::numeric * $5)
           and ($11::uuid is null or {page_start})
         order by {order}
         limit $8
        "
    );
    sqlx::query_as::<_, RoomOffer>(&sql)
        .bind(search.check_in)
        .bind(search.check_out)
        .bind(search.guests)
        .bind(search.units)
        .bind(nights)
        .bind(options.min_price)
        .bind(options.max_price)
        .bind(limit)
        .bind(after_price)
        .bind(after_name)
        .bind(after_id)
        .fetch_all(pool)
        .await
}

pub(super) async fn get(pool: &PgPool, id: Uuid) -> Result<Option<Room>, sqlx::Error> {
    sqlx::query_as(&format!("select {ROOM_COLUMNS} from rooms where id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub(super) async fn list_all(pool: &PgPool) -> Result<Vec<Room>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {ROOM_COLUMNS} from rooms order by name, id"
    ))
    .fetch_all(pool)
    .await
}

pub(super) async fn any(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select exists (select from rooms)")
        .fetch_one(pool)
        .await
}

pub(super) async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<Room>, sqlx::Error> {
    sqlx::query_as(&format!(
        "select {ROOM_COLUMNS} from rooms where id = $1 for update"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub(super) async fn insert(
    conn: &mut PgConnection,
    input: &RoomInput,
) -> Result<Room, sqlx::Error> {
    sqlx::query_as(&format!(
        "insert into rooms (name, description, capacity, price_cents, currency, total_inventory)
         values ($1, $2, $3, $4, $5, $6)
         returning {ROOM_COLUMNS}"
    ))
    .bind(&input.name)
    .bind(&input.description)
    .bind(input.capacity)
    .bind(input.price_cents)
    .bind(&input.currency)
    .bind(input.total_inventory)
    .fetch_one(conn)
    .await
}

pub(super) async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    patch: &RoomPatch,
) -> Result<Room, sqlx::Error> {
    sqlx::query_as(&format!(
        "update rooms
            set name = coalesce($2, name),
                description = coalesce($3, description),
                capacity = coalesce($4, capacity),
                price_cents = coalesce($5, price_cents),
                currency = coalesce($6, currency),
                total_inventory = coalesce($7, total_inventory),
                active = coalesce($8, active),
                updated_at = now()
          where id = $1
         returning {ROOM_COLUMNS}"
    ))
    .bind(id)
    .bind(&patch.name)
    .bind(&patch.description)
    .bind(patch.capacity)
    .bind(patch.price_cents)
    .bind(&patch.currency)
    .bind(patch.total_inventory)
    .bind(patch.active)
    .fetch_one(conn)
    .await
}

/// Future nights following the old base unit count whose bookings exceed
/// the new count; locks them (night order) so no booking slips in between.
pub(super) async fn nights_booked_above(
    conn: &mut PgConnection,
    id: Uuid,
    today: NaiveDate,
    old_total: i32,
    new_total: i32,
) -> Result<Vec<NaiveDate>, sqlx::Error> {
    let locked: Vec<(NaiveDate, i32)> = sqlx::query_as(
        "select night, booked from room_availability
          where room_id = $1 and night >= $2 and total = $3
          order by night
            for update",
    )
    .bind(id)
    .bind(today)
    .bind(old_total)
    .fetch_all(conn)
    .await?;
    Ok(locked
        .into_iter()
        .filter(|(_, booked)| *booked > new_total)
        .map(|(night, _)| night)
        .collect())
}

pub(super) async fn carry_base_values_to_nights(
    conn: &mut PgConnection,
    current: &Room,
    patch: &RoomPatch,
    today: NaiveDate,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update room_availability
            set total = case when total = $3 then coalesce($4, total) else total end,
                price_cents = case when price_cents = $5 then coalesce($6, price_cents) else price_cents end
          where room_id = $1 and night >= $2
            and (total = $3 or price_cents = $5)",
    )
    .bind(current.id)
    .bind(today)
    .bind(current.total_inventory)
    .bind(patch.total_inventory)
    .bind(current.price_cents)
    .bind(patch.price_cents)
    .execute(conn)
    .await?;
    Ok(())
}

/// `false` when there is no such room.
pub(super) async fn deactivate(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("update rooms set active = false, updated_at = now() where id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn active_currencies_other_than(
    pool: &PgPool,
    currency: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "select distinct currency from rooms where active and currency <> $1 order by currency",
    )
    .bind(currency)
    .fetch_all(pool)
    .await
}
