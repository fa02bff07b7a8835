//! The one error type of the HTTP layer and the use cases.
//!
//! Every error becomes an RFC 9457 `application/problem+json` answer with a
//! stable `code`. Causes of 5xx answers are logged here, once, and never sent
//! to the client.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use shared_schema::errors::FieldErrors;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying a 503.
const RETRY_AFTER_SECS: &str = "2";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Input broke a shared-schema rule (422 with per-field messages).
    #[error("the request is invalid")]
    Validation(FieldErrors),
    /// Nothing here, or nothing this caller may see (404).
    #[error("not found")]
    NotFound,
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

/// An RFC 9457 problem document.
#[derive(Debug, Serialize)]
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
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Some fields are invalid.",
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found", "Not found."),
            Self::Unavailable => unavailable(),
            Self::Database(error) if is_overload(error) => unavailable(),
            Self::Database(_) | Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Something went wrong on our side.",
            ),
        }
    }

    /// The answer for this error, with the per-field messages if any.
    pub fn problem(&self) -> Problem {
        let (status, code, title) = self.status_and_code();
        Problem {
            type_uri: format!("/problems/{code}"),
            title,
            status: status.as_u16(),
            code,
            detail: None,
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => FieldErrors::default(),
            },
        }
    }

    /// Logs the cause of a server-side failure; client errors are not ours
    /// to log.
    fn log(&self) {
        match self {
            Self::Database(error) => tracing::error!(%error, "database error"),
            Self::Internal(error) => {
                tracing::error!(error = %format!("{error:#}"), "internal error")
            }
            Self::Validation(_) | Self::NotFound | Self::Unavailable => {}
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
        problem_response(&self.problem())
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

/// What the browser UI may learn about an error.
impl From<ApiError> for app::AppError {
    fn from(error: ApiError) -> Self {
        error.log();
        match error {
            ApiError::Validation(errors) => Self::Invalid(errors),
            ApiError::NotFound => Self::NotFound,
            other if other.problem().status == 503 => Self::Unavailable,
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
}
