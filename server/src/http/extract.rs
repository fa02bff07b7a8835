//! Request extractors whose rejections are our own problem documents, so a
//! malformed request gets a clear 4xx in the same format as everything else,
//! and a 422 names the field by its wire name (`serde_path_to_error` tracks
//! where deserialisation stopped).

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Path, Request, rejection::BytesRejection},
    http::{HeaderMap, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};
use shared_schema::errors::FieldErrors;
use uuid::Uuid;

use super::problem::ApiError;
use crate::error::Error;

/// `axum::Json`, but every rejection is a problem document: a body that is
/// not JSON is a 400, one that is not labelled JSON a 415, one over the
/// limit a 413, and JSON of the wrong shape (a missing, mistyped or unknown
/// field) a 422 naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let body =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection {
                    BytesRejection::FailedToBufferBody(_)
                        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
                    {
                        ApiError::PayloadTooLarge
                    }
                    _ => ApiError::Malformed("The body could not be read."),
                })?;
        parse_json(&body).map(Self)
    }
}

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| {
            let essence = essence.trim();
            essence.eq_ignore_ascii_case("application/json")
                || essence
                    .rsplit_once('+')
                    .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
        })
}

/// A JSON body as `T`: 400 when it is not JSON at all, 422 naming the field
/// when its shape is wrong.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_data() {
            field_error(&path, &inner.to_string())
        } else {
            ApiError::Malformed("The body is not valid JSON.")
        }
    })?;
    deserializer
        .end()
        .map_err(|_| ApiError::Malformed("The body is not valid JSON."))?;
    Ok(value)
}

/// `axum::extract::Query` with our 422 rejection naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for AppQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Self)
            .map_err(|error| field_error(&error.path().to_string(), &error.inner().to_string()))
    }
}

/// The `{id}` of a path. Anything that is not a UUID cannot name a thing
/// of ours, so it is a 404 like any other unknown id.
#[derive(Debug, Clone, Copy)]
pub struct PathId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::NotFound)?;
        Uuid::parse_str(&id)
            .map(Self)
            .map_err(|_| Error::NotFound.into())
    }
}

/// A 422 for the field at `path` (`serde_path_to_error`'s `.` is the input
/// itself). serde reports a missing field on the enclosing object, with the
/// field's name only in its message: take it from there.
fn field_error(path: &str, message: &str) -> ApiError {
    let parent = if path == "." { "" } else { path };
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    let field = match (parent, missing) {
        ("", Some(name)) => name.to_owned(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        (parent, None) => parent.to_owned(),
    };
    if field.is_empty() {
        // The input as a whole has the wrong shape (`[]` instead of an object).
        return ApiError::Malformed("The body must be a JSON object with the documented fields.");
    }
    let mut errors = FieldErrors::new();
    errors.push(field, sentence(message));
    errors.into()
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

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialised")]
    struct Body {
        guests: i32,
        stay: Stay,
    }

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "only deserialised")]
    struct Stay {
        check_in: chrono::NaiveDate,
    }

    fn fields(result: Result<Body, ApiError>) -> Vec<String> {
        match result {
            Err(ApiError::Domain(Error::Validation(errors))) => {
                errors.iter().map(|e| e.field.clone()).collect()
            }
            other => panic!("not a 422: {other:?}"),
        }
    }

    #[test]
    fn a_422_names_the_field_by_its_wire_path() {
        let body = |json: &str| parse_json::<Body>(json.as_bytes());
        assert_eq!(
            fields(body(r#"{"guests":"two","stay":{"check_in":"2030-01-01"}}"#)),
            ["guests"]
        );
        assert_eq!(
            fields(body(r#"{"stay":{"check_in":"2030-01-01"}}"#)),
            ["guests"]
        );
        assert_eq!(fields(body(r#"{"guests":1,"stay":{}}"#)), ["stay.check_in"]);
        assert_eq!(
            fields(body(r#"{"guests":1,"stay":{"check_in":"2030-02-30"}}"#)),
            ["stay.check_in"]
        );
        assert_eq!(
            fields(body(
                r#"{"guests":1,"role":"admin","stay":{"check_in":"2030-01-01"}}"#
            )),
            ["role"]
        );
        assert_eq!(
            fields(body(
                r#"{"guests":9999999999,"stay":{"check_in":"2030-01-01"}}"#
            )),
            ["guests"]
        );
    }

    #[test]
    fn what_is_not_json_or_not_an_object_is_a_400() {
        let trailing = r#"{"guests":1,"stay":{"check_in":"2030-01-01"}} trailing"#;
        for body in ["{", "[]", "null", trailing] {
            assert!(
                matches!(
                    parse_json::<Body>(body.as_bytes()),
                    Err(ApiError::Malformed(_))
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn json_media_types_are_recognised_with_parameters_and_suffixes() {
        let headers = |value: &'static str| {
            let mut map = HeaderMap::new();
            map.insert(header::CONTENT_TYPE, value.parse().expect("header"));
            map
        };
        assert!(is_json(&headers("application/json; charset=utf-8")));
        assert!(is_json(&headers("application/merge-patch+json")));
        assert!(!is_json(&headers("text/plain")));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn serde_messages_become_sentences() {
        assert_eq!(
            sentence("unknown field `role`, expected `email` at line 1 column 8"),
            "Unknown field `role`, expected `email`."
        );
        assert_eq!(sentence(""), "");
    }
}
