//! Liveness and readiness probes for load balancers and orchestrators.

use axum::{extract::State, http::StatusCode};

use super::AppState;
use super::problem::ApiError;
use crate::error::Error;

/// The process is up and serving HTTP.
pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// The database answers; a load balancer should route traffic here.
pub(super) async fn readyz(
    State(state): State<AppState>,
) -> Result<(StatusCode, &'static str), ApiError> {
    sqlx::query("select 1")
        .execute(&state.services.pool)
        .await
        .map_err(|error| {
            tracing::warn!(%error, "readiness check failed");
            Error::Unavailable
        })?;
    Ok((StatusCode::OK, "ready"))
}
