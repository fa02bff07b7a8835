//! Accounts over REST: sign up, sign in, sign out (here or everywhere), who
//! am I, change the password.
//!
//! Signing in answers with the token in the body (for API clients, as
//! `Authorization: Bearer`) and in an HttpOnly cookie (for browsers); both are
//! the same session.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use shared_schema::{
    account::ChangePassword,
    auth::{Login, Register},
    dto::{Session, User},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::invalid_example;
use crate::{
    auth,
    http::{
        AppState,
        auth::{AuthUser, CookiePolicy},
        extract::AppJson,
        problem::{ApiError, Problem},
    },
};

/// Sign-out and who-am-I: for a signed-in caller, under the global limit.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(logout))
        .routes(routes!(logout_everywhere))
        .routes(routes!(change_password))
        .routes(routes!(get_me))
}

/// Sign-up and sign-in: what password guessing targets, so the HTTP layer
/// gives them a budget of their own.
pub(crate) fn credential_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register_user))
        .routes(routes!(login))
}

/// Create a guest account and sign in.
///
/// Answers like `login`: the session token in the body and as the
/// `roombook_session` cookie. Emails are unique regardless of case.
#[utoipa::path(
    post,
    path = "/auth/register",
    operation_id = "register_user",
    tag = "auth",
    request_body(
        content = Register,
        example = json!({
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "password": "correct horse battery staple"
        })
    ),
    responses(
        (status = 201, description = "Account created and signed in", body = Session,
         headers(("Set-Cookie" = String, description = "The session cookie: `roombook_session=<token>; HttpOnly; SameSite=Lax; Path=/; Max-Age=<seconds>`, or over HTTPS `__Host-roombook_session=<token>; …; Secure`")),
         example = json!(session_example())),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An account with this email exists", body = Problem, content_type = "application/problem+json",
         example = json!({
            "type": "/problems/email_taken",
            "title": "Conflict.",
            "status": 409,
            "code": "email_taken",
            "detail": "An account with this email address already exists."
         })),
        (status = 422, description = "Invalid or unknown fields, with a message per field", body = Problem, content_type = "application/problem+json",
         example = json!(invalid_example("password", "Use at least 12 characters."))),
    )
)]
async fn register_user(
    State(state): State<AppState>,
    AppJson(input): AppJson<Register>,
) -> Result<Response, ApiError> {
    let services = &state.services;
    let session = auth::register(&services.pool, services.sessions, input).await?;
    let mut response = signed_in(StatusCode::CREATED, services.cookies, session);
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_static("/api/v1/auth/me"),
    );
    Ok(response)
}

/// Sign in with email and password.
///
/// Returns a session token to send as `Authorization: Bearer <token>` and
/// sets the same token as the HttpOnly `roombook_session` cookie. A wrong
/// password and an unknown email get the same 401.
#[utoipa::path(
    post,
    path = "/auth/login",
    operation_id = "login",
    tag = "auth",
    request_body(
        content = Login,
        example = json!({ "email": "ada@example.com", "password": "correct horse battery staple" })
    ),
    responses(
        (status = 200, description = "Signed in", body = Session,
         headers(("Set-Cookie" = String, description = "The session cookie: `roombook_session=<token>; HttpOnly; SameSite=Lax; Path=/; Max-Age=<seconds>`, or over HTTPS `__Host-roombook_session=<token>; …; Secure`")),
         example = json!(session_example())),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Email and password do not match an account", body = Problem, content_type = "application/problem+json",
         example = json!({
            "type": "/problems/invalid_credentials",
            "title": "The email or password is not correct.",
            "status": 401,
            "code": "invalid_credentials"
         })),
        (status = 429, description = "Too many failed sign-ins for this email (from any address), or too many attempts from this client; retry after `Retry-After` seconds. After 5 failures in a row each further one doubles the wait, from 30 seconds up to 15 minutes; a success resets it", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 422, description = "Invalid or unknown fields, with a message per field", body = Problem, content_type = "application/problem+json",
         example = json!(invalid_example("email", "Enter a valid email address."))),
    )
)]
async fn login(
    State(state): State<AppState>,
    AppJson(input): AppJson<Login>,
) -> Result<Response, ApiError> {
    let services = &state.services;
    let session = auth::login(&services.pool, services.sessions, input).await?;
    Ok(signed_in(StatusCode::OK, services.cookies, session))
}

/// Sign out: revoke the session this request was made with.
///
/// The token stops working at once, for the cookie and the bearer header
/// alike; the cookie is cleared. Other sessions of the user stay valid.
#[utoipa::path(
    post,
    path = "/auth/logout",
    operation_id = "logout",
    tag = "auth",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Signed out",
         headers(("Set-Cookie" = String, description = "Clears the session cookie (`Max-Age=0`)"))),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json",
         headers(("WWW-Authenticate" = String, description = "`Bearer`")),
         example = json!({
            "type": "/problems/unauthenticated",
            "title": "Sign in to continue.",
            "status": 401,
            "code": "unauthenticated"
         })),
    )
)]
async fn logout(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // `AuthUser` has just accepted this very token.
    let token = state
        .services
        .cookies
        .token(&headers)
        .ok_or(crate::error::Error::Unauthenticated)?;
    auth::logout(&state.services.pool, who, token).await?;
    let clear = state.services.cookies.clearing_cookie();
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

/// The signed-in user's account.
#[utoipa::path(
    get,
    path = "/auth/me",
    operation_id = "get_me",
    tag = "auth",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The caller's account", body = User,
         example = json!({
            "id": "0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f",
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "role": "guest",
            "created_at": "2026-11-26T09:30:00Z"
         })),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json",
         headers(("WWW-Authenticate" = String, description = "`Bearer`")),
         example = json!({
            "type": "/problems/unauthenticated",
            "title": "Sign in to continue.",
            "status": 401,
            "code": "unauthenticated"
         })),
    )
)]
async fn get_me(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
) -> Result<AppJson<User>, ApiError> {
    Ok(AppJson(auth::me(&state.services.pool, who).await?))
}

/// Sign out everywhere: revoke every session and API token of the account.
///
/// This one included; the cookie is cleared. Needs a session (an API token
/// gets 403 `session_required`).
#[utoipa::path(
    post,
    path = "/auth/logout-all",
    operation_id = "logout_everywhere",
    tag = "auth",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "Every session and API token of the account revoked",
         headers(("Set-Cookie" = String, description = "Clears the session cookie (`Max-Age=0`)"))),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json",
         headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "Called with an API token (`session_required`, or `insufficient_scope` without `book`)", body = Problem, content_type = "application/problem+json",
         example = json!({
            "type": "/problems/session_required",
            "title": "Managing the account needs a signed-in session, not an API token.",
            "status": 403,
            "code": "session_required"
         })),
    )
)]
async fn logout_everywhere(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
) -> Result<Response, ApiError> {
    auth::logout_everywhere(&state.services.pool, who).await?;
    let clear = state.services.cookies.clearing_cookie();
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

/// Change the password.
///
/// Needs the current password. Every other session and every API token of
/// the account is revoked; the session this request was made with stays
/// signed in. Wrong current passwords count towards the same backoff as
/// failed sign-ins (429 with `Retry-After`). Needs a session, not an API
/// token.
#[utoipa::path(
    post,
    path = "/auth/password",
    operation_id = "change_password",
    tag = "auth",
    security(("bearer" = []), ("cookie" = [])),
    request_body(
        content = ChangePassword,
        example = json!({
            "current_password": "correct horse battery staple",
            "new_password": "a different long passphrase"
        })
    ),
    responses(
        (status = 204, description = "Password changed; other sessions and all API tokens revoked"),
        (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid session", body = Problem, content_type = "application/problem+json",
         headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "Called with an API token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password, or a new password that breaks the rules", body = Problem, content_type = "application/problem+json",
         example = json!(invalid_example("current_password", "This is not your current password."))),
        (status = 429, description = "Too many wrong passwords for this account; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    headers: HeaderMap,
    AppJson(input): AppJson<ChangePassword>,
) -> Result<StatusCode, ApiError> {
    // `AuthUser` has just accepted this very token.
    let token = state
        .services
        .cookies
        .token(&headers)
        .ok_or(crate::error::Error::Unauthenticated)?;
    auth::change_password(&state.services.pool, who, token, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A sign-in answer: the session as JSON and as a cookie. Tokens must not
/// sit in caches.
fn signed_in(status: StatusCode, cookies: CookiePolicy, session: Session) -> Response {
    let cookie = cookies.cookie(&session.token);
    (
        status,
        [
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        AppJson(session),
    )
        .into_response()
}

/// The signed-in answer of the documentation (sign-up and sign-in alike).
fn session_example() -> serde_json::Value {
    serde_json::json!({
        "token": "q3Rk1x7cVb0mP2sZ9wYfL4nT8hJ6eA5uD1oG3iK0rQw",
        "expires_at": "2026-12-10T09:30:00Z",
        "user": {
            "id": "0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f",
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "role": "guest",
            "created_at": "2026-11-26T09:30:00Z"
        }
    })
}
