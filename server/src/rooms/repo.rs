//! SQL of the rooms module, and nothing else.

use shared_schema::{dto::RoomOffer, search::RoomSearch};
use sqlx::PgPool;

/// One set-based query: a room qualifies when the stay's nights all exist,
/// are open, and each has `units` free. Reads never lock availability rows.
pub(super) async fn search(
    pool: &PgPool,
    search: &RoomSearch,
    limit: i64,
) -> Result<Vec<RoomOffer>, sqlx::Error> {
    let nights = (search.check_out - search.check_in).num_days();
    sqlx::query_as::<_, RoomOffer>(
        r"
        select r.id,
               r.name,
               r.description,
               r.capacity,
               r.currency,
               count(*)::int4 as nights,
               min(a.price_cents)::int8 as nightly_from_cents,
               (sum(a.price_cents) * $4)::int8 as total_cents,
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
         order by total_cents, r.name, r.id
         limit $6
        ",
    )
    .bind(search.check_in)
    .bind(search.check_out)
    .bind(search.guests)
    .bind(search.units)
    .bind(nights)
    .bind(limit)
    .fetch_all(pool)
    .await
}
