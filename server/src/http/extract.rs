//! Request extractors whose rejections are our own problem documents, so a
//! malformed request gets a clear 4xx in the same format as everything else.

use axum::{
    extract::{FromRequest, FromRequestParts, Request, rejection::JsonRejection},
    http::request::Parts,
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};
use shared_schema::errors::FieldErrors;

use crate::error::ApiError;

/// `axum::Json`, but a body that is not JSON is a 400 problem and JSON of the
/// wrong shape (a missing, mistyped or unknown field) a 422 naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            // "Failed to deserialize …: <path>: <serde message>": keep the part
            // that speaks about the client's input.
            let text = error.body_text();
            let detail = text
                .split_once(": ")
                .map_or(text.as_str(), |(_, rest)| rest);
            let (field, message) = match detail.split_once(": ") {
                Some((path, message)) if !path.contains(' ') => (path, message),
                _ => ("", detail),
            };
            let mut errors = FieldErrors::default();
            errors.push(field, sentence(message));
            ApiError::Validation(errors)
        }
        JsonRejection::MissingJsonContentType(_) => ApiError::Malformed(
            "Send the body as JSON with `Content-Type: application/json`.".into(),
        ),
        _ => ApiError::Malformed("The body is not valid JSON.".into()),
    }
}

/// Serde's messages start in lower case and carry a position suffix.
fn sentence(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        format!(
            "{}{}.",
            first.to_uppercase(),
            chars.as_str().trim_end_matches('.')
        )
    })
}

/// `axum::extract::Query` with our 422 rejection.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for AppQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| {
                let text = rejection.body_text();
                let detail = text
                    .split_once(": ")
                    .map_or(text.as_str(), |(_, rest)| rest);
                let mut errors = FieldErrors::default();
                errors.push("", sentence(detail));
                ApiError::Validation(errors)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::sentence;

    #[test]
    fn serde_messages_become_sentences() {
        assert_eq!(
            sentence("unknown field `role`, expected `email` at line 1 column 8"),
            "Unknown field `role`, expected `email`."
        );
        assert_eq!(sentence(""), "");
    }
}
