//! Room photos over REST: list (anyone who may see the room), upload,
//! change (alt text, place in the order) and delete (admins).
//!
//! The images themselves are served outside the API, at the `url` of each
//! variant (`/photos/{photo_id}/{width}`: public, `ETag`, cached for a year).

use axum::{
    extract::{DefaultBodyLimit, FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
};
use shared_schema::photos::{Photo, PhotoPatch};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::PREFIX;
use crate::{
    error::Error,
    http::{
        AppState,
        auth::{AdminUser, MaybeAuthUser},
        extract::{AppJson, PathId},
        photos::{path_pair, read_upload},
        problem::{ApiError, Problem},
    },
    photos,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_photos, upload_photo))
        .routes(routes!(update_photo, delete_photo))
        // Uploads are bounded by the body limit middleware and by
        // `read_upload`, not by axum's default for extractors.
        .layer(DefaultBodyLimit::disable())
}

/// The body of an upload, for the document only (`read_upload` reads it).
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documents the multipart body")]
struct PhotoUpload {
    /// What the photo shows, for guests who cannot see it: 1 to 250
    /// characters after trimming.
    #[schema(example = "Double bed by a sunny window")]
    alt: String,
    /// The photo: JPEG, PNG or WebP, at most 10 MiB and about 16 megapixels.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// `{id}` and `{photo_id}`; anything that is not a UUID names nothing.
struct PhotoPath {
    room_id: Uuid,
    photo_id: Uuid,
}

impl<S: Send + Sync> FromRequestParts<S> for PhotoPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        path_pair(parts, state)
            .await
            .map(|(room_id, photo_id)| Self { room_id, photo_id })
            .ok_or_else(|| Error::NotFound.into())
    }
}

/// A room's photos, in order (the first is the room's cover).
#[utoipa::path(
    get,
    path = "/rooms/{id}/photos",
    operation_id = "list_photos",
    tag = "photos",
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, description = "The photos in order, each with its stored widths", body = [Photo]),
        (status = 404, description = "No such active room (admins also see inactive ones)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_photos(
    State(state): State<AppState>,
    MaybeAuthUser(caller): MaybeAuthUser,
    PathId(id): PathId,
) -> Result<AppJson<Vec<Photo>>, ApiError> {
    let include_inactive = caller.is_some_and(|c| c.is_admin());
    Ok(AppJson(
        photos::list(&state.services.pool, id, include_inactive).await?,
    ))
}

/// Upload a photo of a room (admin), as `multipart/form-data`.
///
/// The photo is decoded and re-encoded as JPEG (its metadata, such as the
/// camera's EXIF and location, is not kept) at widths of 320, 640 and 1280
/// pixels, never wider than the upload, and goes after the room's other
/// photos. A room has at most 20 photos. While every image decoder is busy
/// for over a second, the answer is 503 with `Retry-After`.
#[utoipa::path(
    post,
    path = "/rooms/{id}/photos",
    operation_id = "upload_photo",
    tag = "photos",
    params(("id" = Uuid, Path, description = "Room id")),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = Photo,
         headers(("location" = String, description = "URL of the room's photos"))),
        (status = 400, description = "The body is not multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such room, or not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The room has 20 photos already (`too_many_photos`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is over 10 MiB (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No alt text, or a file that is not a JPEG, PNG or WebP image we can read: another format, damaged or truncated, or over 12,000 pixels a side or about 16 megapixels", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
async fn upload_photo(
    State(state): State<AppState>,
    AdminUser(_admin): AdminUser,
    PathId(id): PathId,
    request: Request,
) -> Result<(StatusCode, HeaderMap, AppJson<Photo>), ApiError> {
    let upload = read_upload(request, &state).await?;
    let services = &state.services;
    let photo = photos::add(
        &services.pool,
        &services.covers,
        id,
        &upload.alt,
        upload.file,
    )
    .await?;
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("{PREFIX}/rooms/{id}/photos")) {
        headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::CREATED, headers, AppJson(photo)))
}

/// Change a photo's alt text or its place in the order (admin).
///
/// Moving a photo shifts the others to make room; a position past the end
/// means last. Position 0 is the room's cover on search results.
#[utoipa::path(
    patch,
    path = "/rooms/{id}/photos/{photo_id}",
    operation_id = "update_photo",
    tag = "photos",
    params(
        ("id" = Uuid, Path, description = "Room id"),
        ("photo_id" = Uuid, Path, description = "Photo id"),
    ),
    request_body(content = PhotoPatch, example = json!({ "alt": "Double bed by a sunny window", "position": 0 })),
    responses(
        (status = 200, description = "The changed photo", body = Photo),
        (status = 404, description = "No such photo of this room, or not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid change", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
async fn update_photo(
    State(state): State<AppState>,
    AdminUser(_admin): AdminUser,
    ids: PhotoPath,
    AppJson(patch): AppJson<PhotoPatch>,
) -> Result<AppJson<Photo>, ApiError> {
    let services = &state.services;
    Ok(AppJson(
        photos::patch(
            &services.pool,
            &services.covers,
            ids.room_id,
            ids.photo_id,
            patch,
        )
        .await?,
    ))
}

/// Delete a photo and its images (admin); the photos after it move up.
#[utoipa::path(
    delete,
    path = "/rooms/{id}/photos/{photo_id}",
    operation_id = "delete_photo",
    tag = "photos",
    params(
        ("id" = Uuid, Path, description = "Room id"),
        ("photo_id" = Uuid, Path, description = "Photo id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such photo of this room, or not an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
async fn delete_photo(
    State(state): State<AppState>,
    AdminUser(_admin): AdminUser,
    ids: PhotoPath,
) -> Result<StatusCode, ApiError> {
    let services = &state.services;
    photos::delete(&services.pool, &services.covers, ids.room_id, ids.photo_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
