//! The error type of every server function, shared by server and browser.
//!
//! Variants carry only what the user may see: internal causes are logged on
//! the server and never cross the wire.

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
    /// The service is overloaded or a dependency is down; retrying may help.
    #[error("The service is busy right now. Please try again in a moment.")]
    Unavailable,
    /// A fault on our side, already logged with its cause.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request never got a proper answer (network, encoding).
    #[error("Could not reach the server. Check your connection and try again.")]
    Transport,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self::Transport,
            _ => Self::Internal,
        }
    }
}

impl AppError {
    /// The HTTP status a server function answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) => 422,
            Self::NotFound => 404,
            Self::Unavailable => 503,
            Self::Internal | Self::Transport => 500,
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
