//! The versioned REST API (`/api/v1`): its handlers, one module per domain,
//! and its OpenAPI document.
//!
//! Handlers are thin doors: they read the request, call a use case and
//! shape the answer. Routes are registered through `utoipa_axum::routes!`,
//! so the served routes and the documented ones come from the same list
//! and cannot drift.

mod auth;
mod availability;
mod bookings;
mod contract;
mod photos;
mod rooms;
mod tokens;

pub use contract::STATUS_CODES;

use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_axum::router::OpenApiRouter;

use super::{AppState, HttpSettings, auth::SESSION_COOKIE};

/// Where the API is mounted; `Location` headers are absolute paths.
pub const PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roombook API",
        version = "1",
        description = "Search rooms, book and cancel stays, manage rooms and per-night inventory.\n\n\
            Authenticate with the session token from `POST /api/v1/auth/login`, sent as \
            `Authorization: Bearer <token>`, or, for third-party tools, with a personal API token \
            (`rbk_...`, from `POST /api/v1/tokens`) sent the same way. A token carries scopes: \
            `read` allows every GET, `book` creating and cancelling your own bookings, `admin` the \
            admin routes (admins only); a request beyond them answers 403 `insufficient_scope`. \
            Every answer under `/api/v1/` that is not a success \
            is an RFC 9457 `application/problem+json` document with a stable `code`; 422 answers \
            list a message per field, named by its wire name. Any endpoint may answer 429 (rate \
            limit) or 503 (overload), both with `Retry-After`; a method a path does not offer \
            answers 405 with `Allow`; an unknown path 404; a body over 64 KiB 413; a body not \
            sent as `application/json` 415; writes from a browser page of another site 403.\n\n\
            Integers are written as integers (`2`, not `2.0`). Dates are `YYYY-MM-DD` at the \
            property. Stays must lie in the booking window \
            (check-in today or later, check-out after check-in and at most a year ahead); the \
            examples are dated relative to the day the server started."
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "rooms", description = "Room catalogue and availability search"),
        (name = "availability", description = "Per-night inventory: calendar and admin edits"),
        (name = "auth", description = "Accounts and sessions: sign up, sign in, sign out, who am I"),
        (name = "bookings", description = "Book, list, read and cancel stays; idempotent retries with `Idempotency-Key`"),
        (name = "photos", description = "Room photos: list, and for admins upload (multipart), reorder, describe and delete"),
        (name = "tokens", description = "Personal API tokens for third parties: create (shown once), list, revoke"),
    )
)]
struct ApiDoc;

/// The documented example of a 422: what the server answers when `field`
/// breaks a rule with `message`, made by the code that makes the answer.
fn invalid_example(field: &str, message: &str) -> serde_json::Value {
    let problem =
        super::problem::ApiError::from(crate::error::Error::invalid(field, message)).problem();
    serde_json::to_value(problem).expect("a problem serialises")
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("opaque session token")
                    .description(Some(
                        "The session token from `POST /api/v1/auth/login`: every scope of the \
                         user's role. Idle timeout and absolute lifetime apply (guests: 7 days / \
                         30 days; admins: 30 minutes / 12 hours, by default).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("rbk_ personal API token")
                    .description(Some(
                        "A personal API token from `POST /api/v1/tokens`, sent as \
                         `Authorization: Bearer rbk_...`. Scopes: `read` (every GET), `book` \
                         (create and cancel your own bookings), `admin` (admin routes; only \
                         for admins). Without the scope a request needs: 403 \
                         `insufficient_scope`. Tokens cannot manage the account (password, \
                         tokens, sign-out everywhere): 403 `session_required`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
    }
}

/// Every `/api/v1` route with its documentation.
pub fn api(settings: &HttpSettings) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest(
        PREFIX,
        rooms::routes()
            .merge(availability::routes())
            .merge(auth::routes())
            .merge(auth::credential_routes().layer(settings.auth_limit()))
            .merge(bookings::routes())
            .merge(tokens::routes())
            .merge(photos::routes()),
    )
}

/// The OpenAPI document as served at `/api-docs/openapi.json`, its
/// examples dated relative to today (UTC).
pub fn document() -> utoipa::openapi::OpenApi {
    document_as_of(chrono::Utc::now().date_naive())
}

/// The document with its examples dated relative to `today`: what the
/// snapshot test compares, on a fixed day.
pub fn document_as_of(today: chrono::NaiveDate) -> utoipa::openapi::OpenApi {
    finish(
        api(&HttpSettings::from_config(
            &crate::Config::default_for_tests(),
        ))
        .into_openapi(),
        today,
    )
}

/// The finishing pass over a built document (see `contract`).
pub fn finish(
    document: utoipa::openapi::OpenApi,
    today: chrono::NaiveDate,
) -> utoipa::openapi::OpenApi {
    contract::finish(document, today)
}
