//! The error type of every server function, shared by server and browser.
//!
//! Variants carry only what the user may see: internal causes are logged on
//! the server and never cross the wire.

use chrono::NaiveDate;
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};
use shared_schema::errors::FieldErrors;

/// What went wrong, in terms a page can show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input broke shared-schema rules; messages are per field.
    #[error("Please correct the highlighted fields.")]
    Invalid(FieldErrors),
    /// Nothing here, or nothing this user may see.
    #[error("We could not find that.")]
    NotFound,
    /// The page or action needs a signed-in user.
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// Email and password do not match an account (one answer for both).
    #[error("That email and password do not match an account.")]
    InvalidCredentials,
    /// The request clashes with the current state, e.g. nights sold out
    /// meanwhile; `message` is a sentence for the user.
    #[error("{}", .0.message)]
    Conflict(Conflict),
    /// Too many attempts from this client; the user should wait a little.
    #[error("Too many attempts. Please wait a few minutes and try again.")]
    RateLimited,
    /// The service is overloaded or a dependency is down; retrying may help.
    #[error("The service is busy right now. Please try again in a moment.")]
    Unavailable,
    /// A fault on our side, already logged with its cause.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request could not be read (arguments missing or malformed).
    #[error("The request could not be read. Please reload the page and try again.")]
    Malformed,
    /// The request never got a proper answer (network, encoding).
    #[error("Could not reach the server. Check your connection and try again.")]
    Transport,
}

/// What a refused change says: a stable code, a sentence, and the nights
/// it is about (sold out, booked above a new total, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub code: shared_schema::ConflictCode,
    pub message: String,
    #[serde(deserialize_with = "shared_schema::date::deserialize_all")]
    pub nights: Vec<NaiveDate>,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self::Transport,
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => Self::Malformed,
            _ => Self::Internal,
        }
    }
}

impl AppError {
    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::Malformed => 400,
            Self::Invalid(_) => 422,
            Self::NotFound => 404,
            Self::Unauthenticated | Self::InvalidCredentials => 401,
            Self::Conflict(_) => 409,
            Self::RateLimited => 429,
            Self::Unavailable => 503,
            Self::Internal | Self::Transport => 500,
        }
    }

    /// The messages for form fields, if this is a validation error.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            Self::Invalid(errors) => Some(errors),
            _ => None,
        }
    }
}

/// Gives a failed server function the HTTP status of its error (the client
/// decodes any 4xx/5xx body as an [`AppError`]).
#[cfg(feature = "ssr")]
pub(crate) fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(
            http::StatusCode::from_u16(error.status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    result
}
