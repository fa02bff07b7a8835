//! Room photos over plain HTTP: the images themselves (public, cached for
//! a year), the admin page's upload form (a multipart post answered by
//! Post/Redirect/Get, so it works without JavaScript), and the reading of
//! a multipart upload that the REST API shares.
//!
//! An upload is read field by field and refused (413) as soon as the file
//! passes [`MAX_UPLOAD_BYTES`], never held whole beyond that; the body
//! limit middleware refuses a longer declared body before reading any
//! (413), except from the admin page's plain form, which it sends back to
//! the form with the reason ([`too_large_for_the_form`]).

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use shared_schema::photos::MAX_UPLOAD_BYTES;
use uuid::Uuid;

use super::{AppState, auth::AdminUser, problem::ApiError};
use crate::{error::Error, photos};

/// Largest request body of an upload: the file, its alt text and the
/// multipart framing.
/// ([`MAX_UPLOAD_BYTES`] and 64 KiB.)
pub const UPLOAD_BODY_LIMIT_BYTES: usize = 10 * 1024 * 1024 + 64 * 1024;

/// Longest alt field read, in bytes: four bytes for each allowed character.
const MAX_ALT_FIELD_BYTES: usize = 4 * 250;

/// What the body limit middleware asks: does this request upload a photo
/// (and may it carry [`UPLOAD_BODY_LIMIT_BYTES`])?
pub fn is_upload(method: &Method, path: &str) -> bool {
    if method != Method::POST {
        return false;
    }
    let room = path.strip_suffix("/photos").and_then(|rest| {
        rest.strip_prefix("/api/v1/rooms/")
            .or_else(|| rest.strip_prefix("/admin/rooms/"))
    });
    room.is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// The room of an upload that the admin page's plain form posted (a
/// browser's multipart post to `/admin/rooms/{id}/photos` that asks for a
/// page), not the REST API or a script.
pub fn form_upload_room(method: &Method, path: &str, headers: &HeaderMap) -> Option<Uuid> {
    let room_id = path
        .strip_prefix("/admin/rooms/")?
        .strip_suffix("/photos")
        .filter(|_| method == Method::POST)
        .and_then(|id| Uuid::parse_str(id).ok())?;
    let header_has = |name: header::HeaderName, part: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.to_ascii_lowercase().contains(part))
    };
    (header_has(header::ACCEPT, "text/html")
        && header_has(header::CONTENT_TYPE, "multipart/form-data"))
    .then_some(room_id)
}

/// How much of a refused form upload is read (and dropped) before the
/// answer: see [`too_large_for_the_form`].
const DRAIN_LIMIT_BYTES: usize = 3 * UPLOAD_BODY_LIMIT_BYTES;

/// The answer to the plain form's upload (see [`form_upload_room`]) whose
/// declared length is over the limit: back to the form with the message
/// (Post/Redirect/Get, as every failure of that form), instead of a bare
/// 413 that the browser would show as the page.
///
/// The body is read and dropped first, up to [`DRAIN_LIMIT_BYTES`] (never
/// held): a server that answers and closes while the browser is still
/// sending makes the kernel reset the connection, and the browser shows
/// "connection reset" instead of the answer (nginx's lingering close does
/// the same for its own 413s). Past that much, the answer goes out anyway.
pub async fn too_large_for_the_form(room_id: Uuid, mut body: Body) -> Response {
    use http_body_util::BodyExt;
    let mut read = 0_usize;
    while read <= DRAIN_LIMIT_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, Bytes::len),
            _ => break,
        }
    }
    let error = app::AppError::Invalid(field_message(shared_schema::photos::MSG_FILE_TOO_LARGE));
    Redirect::to(&with_error(&format!("/admin/rooms/{room_id}"), error)).into_response()
}

/// The images: public, outside the rate limits (a page shows many, and
/// browsers keep them).
pub(super) fn image_routes() -> Router<AppState> {
    Router::new().route("/photos/{photo_id}/{width}", get(image))
}

/// The admin page's upload form.
pub(super) fn form_routes() -> Router<AppState> {
    Router::new().route(
        "/admin/rooms/{id}/photos",
        post(upload_form).layer(DefaultBodyLimit::disable()),
    )
}

/// An upload as posted: the alt text and the file's bytes.
#[derive(Default)]
pub struct Upload {
    pub alt: String,
    pub file: Vec<u8>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("alt", &self.alt)
            .field("file_bytes", &self.file.len())
            .finish()
    }
}

/// Reads a `multipart/form-data` upload: its `alt` and `file` fields
/// (others are skipped). The file is read chunk by chunk and refused with
/// 413 once it passes [`MAX_UPLOAD_BYTES`].
pub async fn read_upload(request: Request, state: &AppState) -> Result<Upload, ApiError> {
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|_| not_multipart())?;
    let mut upload = Upload::default();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|error| broken(&error))?
    {
        let limit = match field.name() {
            Some("alt") => MAX_ALT_FIELD_BYTES,
            Some("file") => usize::try_from(MAX_UPLOAD_BYTES).unwrap_or(usize::MAX),
            _ => continue,
        };
        let is_file = field.name() == Some("file");
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|error| broken(&error))? {
            if bytes.len() + chunk.len() > limit {
                return Err(if is_file {
                    ApiError::PayloadTooLarge
                } else {
                    Error::invalid("alt", shared_schema::photos::MSG_ALT_TOO_LONG).into()
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            upload.file = bytes;
        } else {
            upload.alt = String::from_utf8(bytes)
                .map_err(|_| ApiError::Malformed("The alt text is not UTF-8."))?;
        }
    }
    Ok(upload)
}

fn not_multipart() -> ApiError {
    ApiError::Malformed(
        "Send the photo as multipart/form-data with an `alt` field and a `file` field.",
    )
}

/// A multipart stream that breaks off: over the body limit (413), or not
/// multipart at all (400).
fn broken(error: &axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        not_multipart()
    }
}

/// The `{photo_id}/{width}` of an image's path; anything else names no image.
struct ImagePath {
    photo_id: Uuid,
    width: i32,
}

impl<S: Send + Sync> FromRequestParts<S> for ImagePath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        path_pair(parts, state)
            .await
            .map(|(photo_id, width)| Self { photo_id, width })
            .ok_or_else(|| StatusCode::NOT_FOUND.into_response())
    }
}

/// The two parameters of a path, each parsed; `None` when either does
/// not parse (such a path names nothing).
pub(crate) async fn path_pair<S, A, B>(parts: &mut Parts, state: &S) -> Option<(A, B)>
where
    S: Send + Sync,
    A: std::str::FromStr,
    B: std::str::FromStr,
{
    let Path((first, second)) = Path::<(String, String)>::from_request_parts(parts, state)
        .await
        .ok()?;
    Some((first.parse().ok()?, second.parse().ok()?))
}

/// An image of a photo. Its bytes never change (a new upload is a new
/// photo), so any cache may keep it for a year; `If-None-Match` with its
/// `ETag` answers 304 without reading the bytes.
async fn image(State(state): State<AppState>, path: ImagePath, headers: HeaderMap) -> Response {
    let known = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .map(str::trim);
    // A list of tags or `*` asks about several: compare them here, read
    // the bytes unless the only one sent matches.
    let single = known.filter(|value| !value.contains(','));
    match photos::image(&state.services.pool, path.photo_id, path.width, single).await {
        Ok(image) => {
            let matches = known.is_some_and(|value| {
                value == "*"
                    || value
                        .split(',')
                        .any(|tag| tag.trim().trim_start_matches("W/") == image.etag)
            });
            let mut response = match image.bytes {
                Some(bytes) if !matches => {
                    let mut response = Body::from(bytes).into_response();
                    if let Ok(value) = HeaderValue::from_str(&image.content_type) {
                        response.headers_mut().insert(header::CONTENT_TYPE, value);
                    }
                    response
                }
                _ => StatusCode::NOT_MODIFIED.into_response(),
            };
            let headers = response.headers_mut();
            if let Ok(etag) = HeaderValue::from_str(&image.etag) {
                headers.insert(header::ETAG, etag);
            }
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            response
        }
        Err(Error::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// The admin page's upload form: a plain multipart post. Success and
/// failure both answer with a redirect to the room's admin page (Post/
/// Redirect/Get); a failure carries its error in that page's address, as
/// the server functions' plain posts do, and the page shows it.
async fn upload_form(
    State(state): State<AppState>,
    AdminUser(_admin): AdminUser,
    Path(id): Path<String>,
    request: Request,
) -> Result<Redirect, ApiError> {
    let room_id = Uuid::parse_str(&id).map_err(|_| Error::NotFound)?;
    let page = format!("/admin/rooms/{room_id}");
    let outcome = match read_upload(request, &state).await {
        Ok(upload) => photos::add(
            &state.services.pool,
            &state.services.covers,
            room_id,
            &upload.alt,
            upload.file,
        )
        .await
        .map_err(ApiError::from),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("{page}#photos"))),
        // Not an admin's room to see: the ordinary answer.
        Err(ApiError::Domain(Error::NotFound)) => Err(Error::NotFound.into()),
        Err(error) => {
            let shown = match &error {
                ApiError::Domain(Error::Validation(errors)) => {
                    app::AppError::Invalid(errors.clone())
                }
                ApiError::Domain(Error::Conflict(conflict)) => {
                    app::AppError::Invalid(field_message(&conflict.detail))
                }
                ApiError::PayloadTooLarge => {
                    app::AppError::Invalid(field_message(shared_schema::photos::MSG_FILE_TOO_LARGE))
                }
                ApiError::Domain(error) if error.is_unavailable() => app::AppError::Unavailable,
                ApiError::Domain(_) => {
                    // Logged where it is answered: here.
                    return Err(error);
                }
                _ => app::AppError::Invalid(field_message(
                    "The upload could not be read. Choose the photo again and resend the form.",
                )),
            };
            Ok(Redirect::to(&with_error(&page, shown)))
        }
    }
}

fn field_message(message: &str) -> shared_schema::FieldErrors {
    let mut errors = shared_schema::FieldErrors::new();
    errors.push(photos::process::FILE_FIELD, message);
    errors
}

/// `page` with `error` in its address, the way `server_fn` encodes a
/// plain form post's failure.
fn with_error(page: &str, error: app::AppError) -> String {
    use leptos::server_fn::error::ServerFnUrlError;
    ServerFnUrlError::new(format!("{page}/photos"), error)
        .to_url(&format!("http://localhost{page}"))
        .map_or_else(
            |_| page.to_owned(),
            |url| format!("{}?{}#photos", url.path(), url.query().unwrap_or_default()),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_limits_follow_the_rules() {
        assert_eq!(
            i64::try_from(UPLOAD_BODY_LIMIT_BYTES).ok(),
            Some(MAX_UPLOAD_BYTES + 64 * 1024)
        );
        assert_eq!(
            i32::try_from(MAX_ALT_FIELD_BYTES).ok(),
            Some(shared_schema::photos::MAX_ALT_CHARS * 4)
        );
    }

    #[test]
    fn only_posts_to_a_rooms_photos_are_uploads() {
        let id = "0f8e2c4a-5d1b-4c3e-9a7f-2b6d8e1f3a5c";
        assert!(is_upload(
            &Method::POST,
            &format!("/api/v1/rooms/{id}/photos")
        ));
        assert!(is_upload(
            &Method::POST,
            &format!("/admin/rooms/{id}/photos")
        ));
        assert!(!is_upload(
            &Method::PATCH,
            &format!("/api/v1/rooms/{id}/photos")
        ));
        assert!(!is_upload(&Method::POST, "/api/v1/rooms//photos"));
        assert!(!is_upload(&Method::POST, "/api/v1/rooms/a/b/photos"));
        assert!(!is_upload(&Method::POST, "/api/v1/bookings"));
    }
}
