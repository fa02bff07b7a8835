//! Bookings over REST: book (with idempotent retries), list, read, cancel.

use axum::{
    extract::{OriginalUri, State},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use shared_schema::{
    booking::NewBooking,
    dto::{Booking, BookingStatus},
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{PREFIX, invalid_example};
use crate::{
    bookings::{self, BookingFilter, IdempotencyKey, Outcome, StoredOutcome},
    error::Error,
    http::{
        AppState,
        auth::AuthUser,
        extract::{AppJson, AppQuery, PathId},
        ics,
        metrics::Door,
        problem::{ApiError, Problem},
    },
};

/// The request header that carries an idempotency key.
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// Set on a response replayed from an `Idempotency-Key` (as Stripe does).
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_booking, list_bookings))
        .routes(routes!(get_booking))
        .routes(routes!(get_booking_calendar))
        .routes(routes!(cancel_booking))
}

/// Book a stay.
///
/// In one transaction: locks the room's nights of `[check_in, check_out)`,
/// checks that every night exists, is open and has `units` free units and
/// that the room sleeps `guests` in `units` rooms, then books. The total is
/// the sum of the nightly prices times `units`.
///
/// Send an `Idempotency-Key` to retry safely: the same key and body from the
/// same user within 24 hours answers what the first request got (with
/// `Idempotent-Replayed: true`), without booking twice.
#[utoipa::path(
    post,
    path = "/bookings",
    operation_id = "create_booking",
    tag = "bookings",
    security(("bearer" = []), ("cookie" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header,
            description = "Any unique string of 1 to 255 printable ASCII characters (a UUID is a good choice). \
                Reusing it with the same body replays the first answer; with another body it is a 422. \
                No example value: a key names one request, and a copied key with another body is refused."),
    ),
    request_body(
        content = NewBooking,
        example = json!({
            "room_id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
            "check_in": "2030-01-10",
            "check_out": "2030-01-13",
            "guests": 2,
            "units": 1
        })
    ),
    responses(
        (status = 201, description = "Booked", body = Booking,
            headers(("Location" = String, description = "Path of the new booking")),
            example = json!(booking_example("confirmed"))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such room, or it is no longer offered", body = Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "A night is full, closed or not yet on sale (`sold_out`, listing the nights), \
            or a request with the same key is still running (`idempotency_in_progress`)",
            body = Problem, content_type = "application/problem+json",
            example = json!({
                "type": "/problems/sold_out",
                "title": "Conflict.",
                "status": 409,
                "code": "sold_out",
                "detail": "Some nights of this stay are not available. Choose other dates or fewer rooms.",
                "nights": ["2030-01-11", "2030-01-12"]
            })),
        (status = 422, description = "Invalid body or key (`validation_failed`, messages per field), \
            too many guests for the rooms, or a key reused with another body (`idempotency_key_reused`)",
            body = Problem, content_type = "application/problem+json",
            example = json!(invalid_example("check_out", "Check-out must be after check-in."))),
    )
)]
async fn create_booking(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
    AppJson(body): AppJson<NewBooking>,
) -> Result<Response, ApiError> {
    // Bytes that are not text become U+FFFD, which no key may contain.
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .map(|value| IdempotencyKey::parse(&String::from_utf8_lossy(value.as_bytes())))
        .transpose()?;
    let services = &state.services;
    let outcome =
        bookings::create(&services.pool, &services.property, who, body, key.as_ref()).await;
    services.booking_counters.booking(Door::Api, &outcome);
    Ok(answer(outcome?))
}

/// List bookings.
///
/// A guest sees their own bookings, an admin everyone's; latest check-in
/// first. `from`/`to` select stays with at least one night in `[from, to)`.
/// `q` searches, in any case, part of the guest's name or e-mail address
/// or the start of the booking reference; `%` and `_` in it are plain
/// characters. A guest's search only ever finds their own bookings.
///
/// When older bookings match too, the answer has a `Link` header with the
/// next page (`rel="next"`): the same query with a `cursor`; a page reached
/// with a `cursor` also links the previous, newer one (`rel="prev"`).
#[utoipa::path(
    get,
    path = "/bookings",
    operation_id = "list_bookings",
    tag = "bookings",
    security(("bearer" = []), ("cookie" = [])),
    params(BookingFilter),
    responses(
        (status = 200, description = "Matching bookings", body = [Booking],
            headers(("Link" = String,
                description = "`<path?query&cursor=...>; rel=\"next\"` when older bookings match: the next page; \
                    `<path?query&cursor=...>; rel=\"prev\"` when newer ones do: the previous page (comma-separated when both)")),
            example = json!([booking_example("confirmed")])),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filter (`validation_failed`, messages per field: `q` over \
            100 characters or with control characters, `limit`, `to` before `from`, a `cursor` that is not ours)",
            body = Problem, content_type = "application/problem+json",
            example = json!(invalid_example("q", "Search for at most 100 characters."))),
    )
)]
async fn list_bookings(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    OriginalUri(uri): OriginalUri,
    AppQuery(filter): AppQuery<BookingFilter>,
) -> Result<Response, ApiError> {
    let page = bookings::list(&state.services.pool, who, &filter).await?;
    let links = [(page.next_cursor, "next"), (page.prev_cursor, "prev")]
        .into_iter()
        .filter_map(|(cursor, rel)| cursor.map(|cursor| page_link(&uri, &cursor, rel)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut response = AppJson(page.bookings).into_response();
    if let Ok(link) = HeaderValue::from_str(&links)
        && !links.is_empty()
    {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// A `Link` to the page `rel` of this one: the same path and query, with
/// `cursor` replaced.
fn page_link(uri: &axum::http::Uri, cursor: &str, rel: &str) -> String {
    let query = uri.query().unwrap_or_default();
    let mut page = form_urlencoded::Serializer::new(String::new());
    page.extend_pairs(
        form_urlencoded::parse(query.as_bytes()).filter(|(name, _)| name != "cursor"),
    );
    page.append_pair("cursor", cursor);
    format!("<{}?{}>; rel=\"{rel}\"", uri.path(), page.finish())
}

/// Get one booking.
///
/// Only its owner and admins can see a booking; anyone else gets 404, as if
/// it did not exist.
#[utoipa::path(
    get,
    path = "/bookings/{id}",
    operation_id = "get_booking",
    tag = "bookings",
    security(("bearer" = []), ("cookie" = [])),
    params(("id" = Uuid, Path, description = "The booking's id")),
    responses(
        (status = 200, description = "The booking", body = Booking,
            example = json!(booking_example("confirmed"))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such booking, or not yours", body = Problem,
            content_type = "application/problem+json"),
    )
)]
async fn get_booking(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    PathId(id): PathId,
) -> Result<AppJson<Booking>, ApiError> {
    Ok(AppJson(bookings::get(&state.services.pool, who, id).await?))
}

/// A booking as an iCalendar file.
///
/// One all-day event from check-in to the day of departure (RFC 5545, `text/calendar`),
/// offered as a download named by the booking's reference. A cancelled booking's event
/// is marked `STATUS:CANCELLED` with a higher `SEQUENCE`, so a calendar that imported it
/// before updates it. The same reading rule as `GET /bookings/{id}`.
#[utoipa::path(
    get,
    path = "/bookings/{id}/calendar.ics",
    operation_id = "get_booking_calendar",
    tag = "bookings",
    security(("bearer" = []), ("cookie" = [])),
    params(("id" = Uuid, Path, description = "The booking's id")),
    responses(
        (status = 200, description = "The booking as an iCalendar event", body = String,
            content_type = "text/calendar",
            headers(("Content-Disposition" = String,
                description = "`attachment; filename=\"roombook-<reference>.ics\"`"))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such booking, or not yours", body = Problem,
            content_type = "application/problem+json"),
    )
)]
async fn get_booking_calendar(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let booking = bookings::get(&state.services.pool, who, id).await?;
    Ok(ics::attachment(&booking))
}

/// Cancel a booking.
///
/// Gives the booking's units back on every night of the stay, exactly once:
/// cancelling a cancelled booking answers it unchanged. Guests can cancel
/// until the day before check-in; admins at any time.
#[utoipa::path(
    post,
    path = "/bookings/{id}/cancel",
    operation_id = "cancel_booking",
    tag = "bookings",
    security(("bearer" = []), ("cookie" = [])),
    params(("id" = Uuid, Path, description = "The booking's id")),
    responses(
        (status = 200, description = "The cancelled booking", body = Booking,
            example = json!(booking_example("cancelled"))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such booking, or not yours", body = Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "The stay has started (`already_started`)", body = Problem,
            content_type = "application/problem+json",
            example = json!({
                "type": "/problems/already_started",
                "title": "Conflict.",
                "status": 409,
                "code": "already_started",
                "detail": "This stay has already started and can no longer be cancelled online."
            })),
    )
)]
async fn cancel_booking(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    PathId(id): PathId,
) -> Result<AppJson<Booking>, ApiError> {
    let services = &state.services;
    let result = bookings::cancel(&services.pool, &services.property, who, id).await;
    services.booking_counters.cancellation(Door::Api, &result);
    Ok(AppJson(result?))
}

/// A booking's outcome as HTTP: a replay is answered like the original,
/// marked `Idempotent-Replayed`.
fn answer(outcome: Outcome) -> Response {
    match outcome {
        Outcome::Booked(booking) => booked(booking),
        Outcome::Replayed(stored) => {
            let mut response = match stored {
                StoredOutcome::Booked(booking) => booked(booking),
                StoredOutcome::Refused(refusal) => {
                    ApiError::from(Error::from(refusal)).into_response()
                }
            };
            response
                .headers_mut()
                .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
            response
        }
        Outcome::KeyReused => ApiError::KeyReused.into_response(),
    }
}

fn booked(booking: Booking) -> Response {
    let location = format!("{PREFIX}/bookings/{}", booking.id);
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        AppJson(booking),
    )
        .into_response()
}

/// The example booking of the documentation.
fn booking_example(status: &str) -> Booking {
    let cancelled = status == "cancelled";
    let at = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .expect("a valid example timestamp")
            .to_utc()
    };
    let day = |d| chrono::NaiveDate::from_ymd_opt(2030, 1, d).expect("a valid example date");
    Booking {
        id: Uuid::from_u128(0x9b2f_4c1e_8d3a_4f6b_a1c2_7e5d_3b9f_0a14),
        reference: "RB-7K3QX9TZ".to_owned(),
        room_id: Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8),
        room_name: "Garden Double".to_owned(),
        user_id: Uuid::from_u128(0x0b6f_3c1e_8d2a_4f5b_9c7e_1a2b_3c4d_5e6f),
        guest_name: "Ada Lovelace".to_owned(),
        guest_email: None,
        check_in: day(10),
        check_out: day(13),
        nights: 3,
        guests: 2,
        units: 1,
        total_cents: 30_000,
        currency: "EUR".to_owned(),
        status: if cancelled {
            BookingStatus::Cancelled
        } else {
            BookingStatus::Confirmed
        },
        created_at: at("2029-12-01T09:30:00Z"),
        cancelled_at: cancelled.then(|| at("2029-12-05T18:00:00Z")),
    }
}
