//! SQL of the photos module, and nothing else.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::process::Encoded;

/// A photo with one of its stored widths: a photo is as many rows as it
/// has widths, narrowest first.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct VariantRow {
    pub id: Uuid,
    pub room_id: Uuid,
    pub position: i32,
    pub alt: String,
    pub width: i32,
    pub height: i32,
}

const VARIANT_ROWS: &str = "select p.id, p.room_id, p.position, p.alt, v.width, v.height
      from room_photos p
      join room_photo_variants v on v.photo_id = p.id";

/// A room's photos in order.
pub(super) async fn list(pool: &PgPool, room_id: Uuid) -> Result<Vec<VariantRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{VARIANT_ROWS} where p.room_id = $1 order by p.position, v.width"
    ))
    .bind(room_id)
    .fetch_all(pool)
    .await
}

/// How many photos a room has.
pub(super) async fn count(pool: &PgPool, room_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from room_photos where room_id = $1")
        .bind(room_id)
        .fetch_one(pool)
        .await
}

/// Every room's first photo.
pub(super) async fn covers(pool: &PgPool) -> Result<Vec<VariantRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{VARIANT_ROWS} where p.position = 0 order by p.room_id, v.width"
    ))
    .fetch_all(pool)
    .await
}

/// Locks the room against other photo changes until the transaction ends
/// (`no key update`: bookings referencing the room are not held up);
/// `false` when there is no such room.
pub(super) async fn lock_room(tx: &mut PgConnection, room_id: Uuid) -> Result<bool, sqlx::Error> {
    let found: Option<i32> =
        sqlx::query_scalar("select 1 from rooms where id = $1 for no key update")
            .bind(room_id)
            .fetch_optional(tx)
            .await?;
    Ok(found.is_some())
}

/// The ids of a room's photos, in order.
pub(super) async fn ids_in_order(
    tx: &mut PgConnection,
    room_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("select id from room_photos where room_id = $1 order by position")
        .bind(room_id)
        .fetch_all(tx)
        .await
}

pub(super) async fn insert(
    tx: &mut PgConnection,
    room_id: Uuid,
    position: i32,
    alt: &str,
    images: &[Encoded],
) -> Result<Uuid, sqlx::Error> {
    let id: Uuid = sqlx::query_scalar(
        "insert into room_photos (room_id, position, alt) values ($1, $2, $3) returning id",
    )
    .bind(room_id)
    .bind(position)
    .bind(alt)
    .fetch_one(&mut *tx)
    .await?;
    for image in images {
        sqlx::query(
            "insert into room_photo_variants (photo_id, width, height, content_type, etag, bytes)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(image.width)
        .bind(image.height)
        .bind(image.content_type)
        .bind(&image.etag)
        .bind(&image.bytes)
        .execute(&mut *tx)
        .await?;
    }
    Ok(id)
}

pub(super) async fn update_alt(
    tx: &mut PgConnection,
    id: Uuid,
    alt: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("update room_photos set alt = $2 where id = $1")
        .bind(id)
        .bind(alt)
        .execute(tx)
        .await?;
    Ok(())
}

/// Numbers the photos 0, 1, 2, ... in the order of `ids` (the unique
/// positions are checked at commit, so positions may swap).
pub(super) async fn set_positions(tx: &mut PgConnection, ids: &[Uuid]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update room_photos p set position = o.ord - 1
           from unnest($1::uuid[]) with ordinality as o(id, ord)
          where p.id = o.id and p.position <> o.ord - 1",
    )
    .bind(ids)
    .execute(tx)
    .await?;
    Ok(())
}

pub(super) async fn delete(tx: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("delete from room_photos where id = $1")
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

/// One stored image; `bytes` is `None` when its `ETag` is `known` (the
/// bytes are then never read from storage).
#[derive(Debug, sqlx::FromRow)]
pub(super) struct ImageRow {
    pub content_type: String,
    pub etag: String,
    pub bytes: Option<Vec<u8>>,
}

pub(super) async fn image(
    pool: &PgPool,
    photo_id: Uuid,
    width: i32,
    known: Option<&str>,
) -> Result<Option<ImageRow>, sqlx::Error> {
    sqlx::query_as(
        "select content_type, etag,
                case when etag = $3 then null else bytes end as bytes
           from room_photo_variants
          where photo_id = $1 and width = $2",
    )
    .bind(photo_id)
    .bind(width)
    .bind(known)
    .fetch_optional(pool)
    .await
}
