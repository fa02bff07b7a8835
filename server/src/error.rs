//! The use cases' error type. It says what went wrong in the domain's
//! terms; it knows nothing about HTTP. The two doors map it: the REST API to
//! problem documents (`http::problem`), the server functions to
//! [`app::AppError`] (`services`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shared_schema::{ConflictCode, account::Scope, errors::FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input broke a shared-schema rule; messages are per field.
    #[error("the input is invalid")]
    Validation(FieldErrors),
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    /// Email and password do not match an account (one answer for both).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Signed in with an API token that lacks this scope.
    #[error("insufficient scope: {0} required")]
    InsufficientScope(Scope),
    /// Managing the account (password, tokens) needs a session, not an API
    /// token.
    #[error("a session is required")]
    SessionRequired,
    /// Nothing here, or nothing this caller may see (other people's
    /// bookings and, for non-admins, admin things).
    #[error("not found")]
    NotFound,
    /// The request conflicts with the current state.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// Too many attempts; the caller should wait this long.
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// Overloaded, or a dependency is down: retrying later may work.
    #[error("service unavailable")]
    Unavailable,
    /// A database fault; overload or a fault of ours (see [`Error::is_unavailable`]).
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// Anything else that is our fault.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What a refused change says: a stable code, a sentence, and the nights
/// involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub code: ConflictCode,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nights: Vec<NaiveDate>,
}

impl Conflict {
    pub fn new(code: ConflictCode, detail: impl Into<String>) -> Self {
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

impl From<Conflict> for Error {
    fn from(conflict: Conflict) -> Self {
        Self::Conflict(conflict)
    }
}

impl From<FieldErrors> for Error {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
    }
}

impl Error {
    /// A single message about one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.push(field, message);
        Self::Validation(errors)
    }

    /// Load or an outage rather than a bug: pool exhaustion, "too many
    /// clients", a restarting server, a statement or lock timeout.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable => true,
            Self::Database(error) => is_overload(error),
            _ => false,
        }
    }

    /// Whether the caller's request, not our side, is at fault: the same
    /// request would be refused the same way until something changes.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::Validation(_)
                | Self::NotFound
                | Self::Conflict(_)
                | Self::InsufficientScope(_)
                | Self::SessionRequired
        )
    }

    /// Logs the cause of a failure on our side, once, where it is answered.
    /// Refusals are the caller's business and not logged.
    pub fn log(&self) {
        match self {
            Self::Database(error) if is_overload(error) => {
                tracing::warn!(%error, "database overloaded or unreachable");
            }
            Self::Database(error) => tracing::error!(%error, "database error"),
            Self::Internal(error) => {
                tracing::error!(error = %format!("{error:#}"), "internal error");
            }
            _ => {}
        }
    }
}

fn is_overload(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => matches!(
            db.code().as_deref(),
            // too_many_connections, cannot_connect_now, admin_shutdown,
            // query_canceled (statement_timeout), lock_not_available (lock_timeout)
            Some("53300" | "57P03" | "57P01" | "57014" | "55P03")
        ),
        _ => false,
    }
}

/// Turns a violation of a named database constraint into a chosen error,
/// passing every other error through (`realworld-axum-sqlx`'s idea).
pub trait ResultExt<T> {
    fn on_constraint(self, name: &str, map: impl FnOnce() -> Error) -> Result<T, Error>;
}

impl<T, E: Into<Error>> ResultExt<T> for Result<T, E> {
    fn on_constraint(self, name: &str, map: impl FnOnce() -> Error) -> Result<T, Error> {
        self.map_err(|error| match error.into() {
            Error::Database(sqlx::Error::Database(db)) if db.constraint() == Some(name) => map(),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_timeouts_and_statement_timeouts_are_overload_not_bugs() {
        assert!(Error::Database(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(Error::Unavailable.is_unavailable());
        assert!(!Error::Internal(anyhow::anyhow!("bug")).is_unavailable());
    }

    #[test]
    fn only_the_callers_mistakes_are_refusals() {
        assert!(Error::NotFound.is_refusal());
        assert!(Error::invalid("guests", "Too many.").is_refusal());
        assert!(!Error::Unavailable.is_refusal());
        assert!(!Error::Unauthenticated.is_refusal());
    }
}
