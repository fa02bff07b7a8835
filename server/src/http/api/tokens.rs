//! Personal API tokens over REST: create (shown once), list, revoke.
//!
//! Only a signed-in session manages tokens, and only its own: a token
//! cannot mint or list tokens (403 `session_required`).

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use shared_schema::account::{ApiToken, CreatedApiToken, NewApiToken};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::invalid_example;
use crate::{
    auth::tokens,
    http::{
        AppState,
        api::PREFIX,
        auth::AuthUser,
        extract::{AppJson, PathId},
        problem::{ApiError, Problem},
    },
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
}

/// Create a personal API token.
///
/// For a third-party tool acting for you without your password: send it as
/// `Authorization: Bearer rbk_...`. The token is in this answer only; the
/// server keeps its hash. Scopes: `read` (every GET), `book` (create and
/// cancel your bookings), `admin` (the admin routes; admins only). Needs a
/// signed-in session; at most 50 live tokens per account.
#[utoipa::path(
    post,
    path = "/tokens",
    operation_id = "create_token",
    tag = "tokens",
    security(("bearer" = []), ("cookie" = [])),
    request_body(
        content = NewApiToken,
        example = json!({ "name": "Accounting export", "scopes": ["read"], "expires_in_days": 90 })
    ),
    responses(
        (status = 201, description = "Created; the token is shown this once", body = CreatedApiToken,
         headers(("Location" = String, description = "`/api/v1/tokens`, where the token is listed")),
         example = json!({
            "token": "rbk_q3Rk1x7cVb0mP2sZ9wYfL4nT8hJ6eA5uD1oG3iK0rQw",
            "id": "7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "name": "Accounting export",
            "scopes": ["read"],
            "created_at": "2026-11-30T09:30:00Z",
            "last_used_at": null,
            "expires_at": "2027-02-28T09:30:00Z"
         })),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json",
         headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "Called with an API token (`session_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account already holds 50 tokens (`too_many_tokens`): revoke one first", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name, scopes or lifetime (e.g. `admin` asked by a guest)", body = Problem, content_type = "application/problem+json",
         example = json!(invalid_example("scopes", "Choose at least one scope."))),
    )
)]
async fn create_token(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    AppJson(input): AppJson<NewApiToken>,
) -> Result<Response, ApiError> {
    let created = tokens::create(&state.services.pool, who, input).await?;
    let location = HeaderValue::try_from(format!("{PREFIX}/tokens"))
        .unwrap_or_else(|_| HeaderValue::from_static("/api/v1/tokens"));
    Ok((
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        AppJson(created),
    )
        .into_response())
}

/// List your personal API tokens.
///
/// Newest first, with name, scopes, creation, last use (to the minute) and
/// expiry; never the token itself. Expired tokens stay listed until revoked.
#[utoipa::path(
    get,
    path = "/tokens",
    operation_id = "list_tokens",
    tag = "tokens",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The caller's tokens", body = Vec<ApiToken>,
         example = json!([{
            "id": "7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "name": "Accounting export",
            "scopes": ["read"],
            "created_at": "2026-11-30T09:30:00Z",
            "last_used_at": "2026-11-30T10:02:00Z",
            "expires_at": null
         }])),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json",
         headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "Called with an API token (`session_required`)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn list_tokens(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
) -> Result<AppJson<Vec<ApiToken>>, ApiError> {
    Ok(AppJson(tokens::list(&state.services.pool, who).await?))
}

/// Revoke one of your personal API tokens.
///
/// It stops working at once.
#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    operation_id = "revoke_token",
    tag = "tokens",
    security(("bearer" = []), ("cookie" = [])),
    params(("id" = Uuid, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json",
         headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "Called with an API token (`session_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token, or not yours", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn revoke_token(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    tokens::revoke(&state.services.pool, who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
