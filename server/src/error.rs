//! The one error type of the HTTP layer and the use cases.
//!
//! Every error becomes an RFC 9457 `application/problem+json` answer with a
//! stable `code`. Causes of 5xx answers are logged here, once, and never sent
//! to the client.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use serde::Serialize;
use shared_schema::errors::FieldErrors;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying a 503.
const RETRY_AFTER_SECS: &str = "2";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body or query could not be read at all (400).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// Input broke a shared-schema rule (422 with per-field messages).
    #[error("the request is invalid")]
    Validation(FieldErrors),
    /// No valid session or token (401).
    #[error("authentication required")]
    Unauthenticated,
    /// Email and password do not match an account (401, one answer for both).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// A state-changing request sent by another site's page (403): the
    /// browser attached our cookie, but the user did not mean to send it.
    #[error("cross-site request refused")]
    CrossSite,
    /// Nothing here, or nothing this caller may see (404; also answers
    /// requests for other people's bookings and, for non-admins, admin routes).
    #[error("not found")]
    NotFound,
    /// The request conflicts with the current state (409).
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// Too many requests from this client (429 with `Retry-After`).
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// Overloaded or a dependency is down (503 with `Retry-After`).
    #[error("service unavailable")]
    Unavailable,
    /// A database fault; classified into 503 or 500 when answered.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// Anything else that is our fault (500).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What a 409 says: a stable code, a sentence, and the nights involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub code: &'static str,
    pub detail: String,
    pub nights: Vec<NaiveDate>,
}

impl Conflict {
    pub fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            nights: Vec::new(),
        }
    }

    #[must_use]
    pub fn with_nights(mut self, nights: Vec<NaiveDate>) -> Self {
        self.nights = nights;
        self
    }
}

impl From<Conflict> for ApiError {
    fn from(conflict: Conflict) -> Self {
        Self::Conflict(conflict)
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI reference naming the problem type; stable across releases.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: &'static str,
    pub status: u16,
    /// Machine-readable, stable code, e.g. `validation_failed`.
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-field messages (422 only).
    #[serde(skip_serializing_if = "FieldErrors::is_empty")]
    pub errors: FieldErrors,
    /// The nights a 409 is about (sold out, closed, or booked beyond a new total).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nights: Vec<NaiveDate>,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::Malformed(_) => (
                StatusCode::BAD_REQUEST,
                "malformed_request",
                "The request could not be read.",
            ),
            Self::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Some fields are invalid.",
            ),
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Sign in to continue.",
            ),
            Self::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "The email or password is not correct.",
            ),
            Self::CrossSite => (
                StatusCode::FORBIDDEN,
                "cross_site_request",
                "Requests that change data must come from this site.",
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found", "Not found."),
            Self::Conflict(conflict) => (StatusCode::CONFLICT, conflict.code, "Conflict."),
            Self::RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests. Please slow down.",
            ),
            Self::Unavailable => unavailable(),
            Self::Database(error) if is_overload(error) => unavailable(),
            Self::Database(_) | Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Something went wrong on our side.",
            ),
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }

    /// The answer for this error, with per-field messages or nights if any.
    pub fn problem(&self) -> Problem {
        let (status, code, title) = self.status_and_code();
        let mut problem = Problem {
            type_uri: format!("/problems/{code}"),
            title,
            status: status.as_u16(),
            code,
            detail: None,
            errors: FieldErrors::default(),
            nights: Vec::new(),
        };
        match self {
            Self::Validation(errors) => problem.errors = errors.clone(),
            Self::Malformed(detail) => problem.detail = Some(detail.clone()),
            Self::Conflict(conflict) => {
                problem.detail = Some(conflict.detail.clone());
                problem.nights.clone_from(&conflict.nights);
            }
            _ => {}
        }
        problem
    }

    /// Logs the cause of a server-side failure; client errors are not ours
    /// to log.
    fn log(&self) {
        match self {
            Self::Database(error) => tracing::error!(%error, "database error"),
            Self::Internal(error) => {
                tracing::error!(error = %format!("{error:#}"), "internal error");
            }
            _ => {}
        }
    }
}

fn unavailable() -> (StatusCode, &'static str, &'static str) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "The service is busy. Please retry shortly.",
    )
}

/// Pool exhaustion and "too many clients" are load, not bugs: answer 503.
fn is_overload(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => matches!(
            db.code().as_deref(),
            // too_many_connections, cannot_connect_now, admin_shutdown
            Some("53300" | "57P03" | "57P01")
        ),
        _ => false,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log();
        let mut response = problem_response(&self.problem());
        match self {
            Self::RateLimited { retry_after_secs } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            Self::Unauthenticated => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

/// Serialises a problem with the right media type (and `Retry-After` on 503).
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(problem)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
    }
    response
}

/// Turns a violation of a named database constraint into a chosen error,
/// passing every other error through (`realworld-axum-sqlx`'s idea).
pub trait ResultExt<T> {
    fn on_constraint(self, name: &str, map: impl FnOnce() -> ApiError) -> Result<T, ApiError>;
}

impl<T, E: Into<ApiError>> ResultExt<T> for Result<T, E> {
    fn on_constraint(self, name: &str, map: impl FnOnce() -> ApiError) -> Result<T, ApiError> {
        self.map_err(|error| match error.into() {
            ApiError::Database(sqlx::Error::Database(db)) if db.constraint() == Some(name) => map(),
            other => other,
        })
    }
}

/// What the browser UI may learn about an error.
impl From<ApiError> for app::AppError {
    fn from(error: ApiError) -> Self {
        error.log();
        match error {
            ApiError::Validation(errors) => Self::Invalid(errors),
            ApiError::NotFound => Self::NotFound,
            ApiError::Unauthenticated => Self::Unauthenticated,
            ApiError::InvalidCredentials => Self::InvalidCredentials,
            ApiError::RateLimited { .. } => Self::RateLimited,
            ApiError::Conflict(conflict) => Self::Conflict(app::error::Conflict {
                code: conflict.code.to_owned(),
                message: conflict.detail,
                nights: conflict.nights,
            }),
            other if other.status() == StatusCode::SERVICE_UNAVAILABLE => Self::Unavailable,
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_timeout_is_a_503_not_a_500() {
        let problem = ApiError::Database(sqlx::Error::PoolTimedOut).problem();
        assert_eq!(problem.status, 503);
        assert_eq!(problem.code, "unavailable");
    }

    #[test]
    fn internal_errors_never_carry_their_cause() {
        let error = ApiError::Internal(anyhow::anyhow!("secret connection string"));
        let body = serde_json::to_string(&error.problem()).expect("serialises");
        assert!(!body.contains("secret"), "{body}");
        assert!(body.contains("internal_error"));
    }

    #[test]
    fn conflicts_name_their_nights() {
        let night = NaiveDate::from_ymd_opt(2030, 1, 2).expect("date");
        let error = ApiError::from(Conflict::new("sold_out", "Sold out.").with_nights(vec![night]));
        let body = serde_json::to_value(error.problem()).expect("serialises");
        assert_eq!(body["status"], 409);
        assert_eq!(body["code"], "sold_out");
        assert_eq!(body["nights"][0], "2030-01-02");
    }
}
