//! The REST API's one error model: every answer under `/api/v1/` that is
//! not a success is an RFC 9457 `application/problem+json` document with a
//! stable `code`. Causes of 5xx answers are logged once, here, and never
//! sent to the client.

use axum::{
    body::Body,
    http::{HeaderValue, Request, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use serde::Serialize;
use shared_schema::errors::FieldErrors;

use crate::error::Error;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying a 503.
const RETRY_AFTER_SECS: &str = "2";

/// An error of the HTTP layer: a use case's [`Error`], or something the
/// request got wrong before any use case ran.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] Error),
    /// The body or a parameter could not be read at all (400).
    #[error("malformed request: {0}")]
    Malformed(&'static str),
    /// A body that is not `application/json` (415).
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// A body over the size limit (413).
    #[error("payload too large")]
    PayloadTooLarge,
    /// A state-changing request sent by another site's page (403): the
    /// browser attached our cookie, but the user did not mean to send it.
    #[error("cross-site request refused")]
    CrossSite,
    /// An `Idempotency-Key` reused with a different body (422).
    #[error("idempotency key reused")]
    KeyReused,
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::Domain(Error::Validation(errors))
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI reference naming the problem type; stable across releases.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation_failed")]
    pub type_uri: String,
    /// Short summary of the problem type.
    #[schema(example = "Some fields are invalid.")]
    pub title: &'static str,
    /// The HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// Machine-readable, stable code, e.g. `validation_failed`, `sold_out`.
    #[schema(example = "validation_failed")]
    pub code: &'static str,
    /// What happened in this case, as a sentence for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-field messages (422 only), each naming the field by its wire name.
    #[serde(skip_serializing_if = "FieldErrors::is_empty")]
    pub errors: FieldErrors,
    /// The nights a 409 is about (sold out, closed, or booked beyond a new total).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nights: Vec<NaiveDate>,
}

impl Problem {
    fn new(status: StatusCode, code: &'static str, title: &'static str) -> Self {
        Self {
            type_uri: format!("/problems/{code}"),
            title,
            status: status.as_u16(),
            code,
            detail: None,
            errors: FieldErrors::new(),
            nights: Vec::new(),
        }
    }

    /// The problem for a bare status (a 405 from routing, a 413 from the
    /// body limit, ...): its standard code and title.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, title) = match status.as_u16() {
            400 => ("malformed_request", "The request could not be read."),
            401 => ("unauthenticated", "Sign in to continue."),
            403 => ("forbidden", "This request is not allowed."),
            404 => ("not_found", "Not found."),
            405 => (
                "method_not_allowed",
                "This method is not allowed here; see the Allow header.",
            ),
            408 => ("request_timeout", "The request took too long to arrive."),
            409 => ("conflict", "Conflict."),
            413 => ("payload_too_large", "The request body is too large."),
            415 => (
                "unsupported_media_type",
                "Send the body as JSON with `Content-Type: application/json`.",
            ),
            422 => ("validation_failed", "Some fields are invalid."),
            429 => ("rate_limited", "Too many requests. Please slow down."),
            503 | 504 => ("unavailable", "The service is busy. Please retry shortly."),
            _ if status.is_client_error() => ("client_error", "The request was refused."),
            _ => ("internal_error", "Something went wrong on our side."),
        };
        let status = if status.is_client_error() || status == StatusCode::SERVICE_UNAVAILABLE {
            status
        } else if status == StatusCode::GATEWAY_TIMEOUT {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        Self::new(status, code, title)
    }
}

impl ApiError {
    /// The answer for this error, with per-field messages or nights if any.
    pub fn problem(&self) -> Problem {
        match self {
            Self::Domain(error) => domain_problem(error),
            Self::Malformed(detail) => Problem {
                detail: Some((*detail).to_owned()),
                ..Problem::for_status(StatusCode::BAD_REQUEST)
            },
            Self::UnsupportedMediaType => Problem::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            Self::PayloadTooLarge => Problem::for_status(StatusCode::PAYLOAD_TOO_LARGE),
            Self::CrossSite => Problem::new(
                StatusCode::FORBIDDEN,
                "cross_site_request",
                "Requests that change data must come from this site.",
            ),
            Self::KeyReused => Problem {
                detail: Some(
                    "Send a new key with a new request, or resend the original body unchanged."
                        .to_owned(),
                ),
                ..Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for a different request.",
                )
            },
        }
    }
}

/// How the use cases' errors read over HTTP.
fn domain_problem(error: &Error) -> Problem {
    match error {
        Error::Validation(errors) => Problem {
            errors: errors.clone(),
            ..Problem::for_status(StatusCode::UNPROCESSABLE_ENTITY)
        },
        Error::Unauthenticated => Problem::for_status(StatusCode::UNAUTHORIZED),
        Error::InvalidCredentials => Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "The email or password is not correct.",
        ),
        Error::InsufficientScope(scope) => Problem {
            detail: Some(format!(
                "This API token lacks the `{scope}` scope. Create a token with it, or sign in."
            )),
            ..Problem::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                "The token does not allow this request.",
            )
        },
        Error::SessionRequired => Problem::new(
            StatusCode::FORBIDDEN,
            "session_required",
            "Managing the account needs a signed-in session, not an API token.",
        ),
        Error::NotFound => Problem::for_status(StatusCode::NOT_FOUND),
        Error::Conflict(conflict) => Problem {
            detail: Some(conflict.detail.clone()),
            nights: conflict.nights.clone(),
            ..Problem::new(StatusCode::CONFLICT, conflict.code.as_str(), "Conflict.")
        },
        Error::RateLimited { .. } => Problem::for_status(StatusCode::TOO_MANY_REQUESTS),
        error if error.is_unavailable() => Problem::for_status(StatusCode::SERVICE_UNAVAILABLE),
        _ => Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = problem_response(&self.problem());
        let headers = response.headers_mut();
        match self {
            Self::Domain(Error::RateLimited { retry_after_secs }) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            Self::Domain(Error::Unauthenticated) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            // RFC 6750, section 3.1.
            Self::Domain(Error::InsufficientScope(scope)) => {
                let challenge = format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\"");
                if let Ok(value) = HeaderValue::try_from(challenge) {
                    headers.insert(header::WWW_AUTHENTICATE, value);
                }
            }
            Self::Domain(error) => error.log(),
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

/// Middleware: under the REST API's prefix, any answer that is not a
/// success and not already a problem document (axum's 405 with an empty
/// body, the body limit's 413, the fallback page's 404, a timeout's 503)
/// becomes the problem document of its status, keeping headers such as
/// `Allow` and `Retry-After`.
pub async fn api_errors_as_problems(request: Request<Body>, next: Next) -> Response {
    let path = request.uri().path();
    let is_api = path
        .strip_prefix(super::api::PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    let response = next.run(request).await;
    if !is_api {
        return response;
    }
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let problem = problem_response(&Problem::for_status(status));
    let (problem_parts, body) = problem.into_parts();
    parts.status = problem_parts.status;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(problem_parts.headers);
    Response::from_parts(parts, body)
}

/// Middleware for the server functions (under `/api/`, beside the REST
/// API): arguments that do not deserialise are refused by Leptos before
/// our code runs, and it answers every such error with a 500. The body is
/// the [`app::AppError`] the page decodes; its own status is the right one.
pub async fn server_fn_errors_with_their_status(request: Request<Body>, next: Next) -> Response {
    let path = request.uri().path();
    let is_server_fn = path.starts_with("/api/") && !path.starts_with(super::api::PREFIX);
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are a few bytes of JSON; a larger one is not ours to read.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return problem_response(&Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR));
    };
    if let Ok(error) = serde_json::from_slice::<app::AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Conflict;
    use shared_schema::ConflictCode;

    #[test]
    fn pool_timeout_is_a_503_not_a_500() {
        let problem = ApiError::from(Error::Database(sqlx::Error::PoolTimedOut)).problem();
        assert_eq!(problem.status, 503);
        assert_eq!(problem.code, "unavailable");
    }

    #[test]
    fn internal_errors_never_carry_their_cause() {
        let error = ApiError::from(Error::Internal(anyhow::anyhow!("secret connection string")));
        let body = serde_json::to_string(&error.problem()).expect("serialises");
        assert!(!body.contains("secret"), "{body}");
        assert!(body.contains("internal_error"));
    }

    #[test]
    fn conflicts_name_their_code_and_nights() {
        let night = NaiveDate::from_ymd_opt(2030, 1, 2).expect("date");
        let error = ApiError::from(Error::from(
            Conflict::new(ConflictCode::SoldOut, "Sold out.").with_nights(vec![night]),
        ));
        let body = serde_json::to_value(error.problem()).expect("serialises");
        assert_eq!(body["status"], 409);
        assert_eq!(body["code"], "sold_out");
        assert_eq!(body["nights"][0], "2030-01-02");
    }

    #[test]
    fn bare_statuses_get_stable_codes_and_no_5xx_other_than_500_and_503() {
        assert_eq!(
            Problem::for_status(StatusCode::METHOD_NOT_ALLOWED).code,
            "method_not_allowed"
        );
        assert_eq!(
            Problem::for_status(StatusCode::PAYLOAD_TOO_LARGE).status,
            413
        );
        assert_eq!(Problem::for_status(StatusCode::GATEWAY_TIMEOUT).status, 503);
        assert_eq!(Problem::for_status(StatusCode::BAD_GATEWAY).status, 500);
    }
}
