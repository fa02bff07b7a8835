//! Room photos: an admin uploads a photo with its alt text, orders and
//! removes photos; guests see them on search results and the room page.
//!
//! Owns `room_photos` and `room_photo_variants`. An upload is decoded and
//! re-encoded ([`process`]: bounded decoding, no metadata kept) into a few
//! widths, all stored in PostgreSQL, so every instance serves the same
//! images; a photo's images never change after the upload, so they are
//! cached for a year by whoever serves them. Positions are 0, 1, 2, ... per
//! room, kept dense by every change; position 0 is the room's cover.
//! Changes to one room's photos take the room's row lock, one at a time.
//! Reads rooms only to check that a room exists (and may be shown); never
//! touches HTTP.

mod covers;
pub mod process;
mod repo;

use shared_schema::{
    ConflictCode,
    photos::{MAX_PHOTOS_PER_ROOM, Photo, PhotoPatch, PhotoVariant, validate_alt},
    validated,
};
use sqlx::PgPool;
use uuid::Uuid;

pub use covers::Covers;
pub use process::Encoded;

use crate::{
    error::{Conflict, Error},
    rooms,
};

/// Where one stored width of a photo is served.
pub fn image_url(photo_id: Uuid, width: i32) -> String {
    format!("/photos/{photo_id}/{width}")
}

/// Rows of photo x width (grouped by photo, narrowest first) as photos.
fn photos_of(rows: Vec<repo::VariantRow>) -> Vec<Photo> {
    let mut photos: Vec<Photo> = Vec::new();
    for row in rows {
        let variant = PhotoVariant {
            width: row.width,
            height: row.height,
            url: image_url(row.id, row.width),
        };
        match photos.last_mut() {
            Some(photo) if photo.id == row.id => photo.variants.push(variant),
            _ => photos.push(Photo {
                id: row.id,
                room_id: row.room_id,
                position: row.position,
                alt: row.alt,
                variants: vec![variant],
            }),
        }
    }
    photos
}

/// A room's photos in order; the room must be one the caller may see
/// (inactive rooms: admins only).
pub async fn list(
    pool: &PgPool,
    room_id: Uuid,
    include_inactive: bool,
) -> Result<Vec<Photo>, Error> {
    rooms::get(pool, room_id, include_inactive).await?;
    Ok(photos_of(repo::list(pool, room_id).await?))
}

/// Adds a photo at the end of the room's photos. The alt text is checked
/// first and the room's room for one more photo before any decoding; the
/// image work happens outside the transaction.
#[tracing::instrument(skip(pool, covers, alt, upload), fields(bytes = upload.len()), err(Debug))]
pub async fn add(
    pool: &PgPool,
    covers: &Covers,
    room_id: Uuid,
    alt: &str,
    upload: Vec<u8>,
) -> Result<Photo, Error> {
    let alt = alt.trim();
    validate_alt(alt).map_err(|message| Error::invalid("alt", message))?;
    rooms::get(pool, room_id, true).await?;
    if repo::count(pool, room_id).await? >= i64::from(MAX_PHOTOS_PER_ROOM) {
        return Err(too_many());
    }
    let images = process::process(upload).await?;

    let mut tx = pool.begin().await?;
    if !repo::lock_room(&mut tx, room_id).await? {
        return Err(Error::NotFound);
    }
    let count = repo::ids_in_order(&mut tx, room_id).await?.len();
    let position = i32::try_from(count).unwrap_or(i32::MAX);
    if position >= MAX_PHOTOS_PER_ROOM {
        return Err(too_many());
    }
    let id = repo::insert(&mut tx, room_id, position, alt, &images).await?;
    tx.commit().await?;
    covers.forget();
    tracing::info!(%room_id, photo_id = %id, widths = images.len(), "photo added");
    Ok(Photo {
        id,
        room_id,
        position,
        alt: alt.to_owned(),
        variants: images
            .iter()
            .map(|image| PhotoVariant {
                width: image.width,
                height: image.height,
                url: image_url(id, image.width),
            })
            .collect(),
    })
}

fn too_many() -> Error {
    Conflict::new(
        ConflictCode::TooManyPhotos,
        format!(
            "A room has at most {MAX_PHOTOS_PER_ROOM} photos: delete one before adding another."
        ),
    )
    .into()
}

/// Changes a photo's alt text or moves it to another place in the order
/// (the others shift to make room; a position past the end means last).
#[tracing::instrument(skip(pool, covers, patch), err(Debug))]
pub async fn patch(
    pool: &PgPool,
    covers: &Covers,
    room_id: Uuid,
    photo_id: Uuid,
    patch: PhotoPatch,
) -> Result<Photo, Error> {
    let patch = validated(patch.normalized(), &())?;
    let mut tx = pool.begin().await?;
    let (mut ids, from) = locked_order(&mut tx, room_id, photo_id).await?;
    if let Some(alt) = &patch.alt {
        repo::update_alt(&mut tx, photo_id, alt).await?;
    }
    if let Some(position) = patch.position {
        let to = usize::try_from(position).unwrap_or(0).min(ids.len() - 1);
        let id = ids.remove(from);
        ids.insert(to, id);
        repo::set_positions(&mut tx, &ids).await?;
    }
    tx.commit().await?;
    covers.forget();
    photos_of(repo::list(pool, room_id).await?)
        .into_iter()
        .find(|photo| photo.id == photo_id)
        .ok_or(Error::NotFound)
}

/// The room's photo ids in order and where `photo_id` stands among them,
/// with the room locked for the rest of the transaction.
async fn locked_order(
    tx: &mut sqlx::PgConnection,
    room_id: Uuid,
    photo_id: Uuid,
) -> Result<(Vec<Uuid>, usize), Error> {
    if !repo::lock_room(tx, room_id).await? {
        return Err(Error::NotFound);
    }
    let ids = repo::ids_in_order(tx, room_id).await?;
    let at = ids
        .iter()
        .position(|id| *id == photo_id)
        .ok_or(Error::NotFound)?;
    Ok((ids, at))
}

/// Removes a photo and its images; the ones after it move up.
#[tracing::instrument(skip(pool, covers), err(Debug))]
pub async fn delete(
    pool: &PgPool,
    covers: &Covers,
    room_id: Uuid,
    photo_id: Uuid,
) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    let (mut ids, at) = locked_order(&mut tx, room_id, photo_id).await?;
    ids.remove(at);
    repo::delete(&mut tx, photo_id).await?;
    repo::set_positions(&mut tx, &ids).await?;
    tx.commit().await?;
    covers.forget();
    tracing::info!(%room_id, %photo_id, "photo deleted");
    Ok(())
}

/// One stored image of a photo, as served.
#[derive(Debug)]
pub struct Image {
    pub content_type: String,
    pub etag: String,
    /// `None` when the caller already has these bytes (its `ETag` matched).
    pub bytes: Option<Vec<u8>>,
}

/// The image of `photo_id` at `width` (one of its stored widths). The
/// bytes are not read when `known_etag` is its `ETag`.
pub async fn image(
    pool: &PgPool,
    photo_id: Uuid,
    width: i32,
    known_etag: Option<&str>,
) -> Result<Image, Error> {
    let row = repo::image(pool, photo_id, width, known_etag)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Image {
        content_type: row.content_type,
        etag: row.etag,
        bytes: row.bytes,
    })
}
