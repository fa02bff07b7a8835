//! Liveness and readiness probes for load balancers and orchestrators.

use axum::{Json, extract::State};
use serde_json::{Value, json};

use super::AppState;
use super::problem::ApiError;
use crate::error::Error;

/// The process is up and serving HTTP.
pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// The database answers; a load balancer should route traffic here.
///
/// Redis is reported but never fails the check: without it the instance
/// still answers everything, with its own rate-limit counters
/// (`{"database":"ok","redis":"degraded"}`; `"off"` without `REDIS_URL`).
pub(super) async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    sqlx::query("select 1")
        .execute(&state.services.pool)
        .await
        .map_err(|error| {
            tracing::warn!(%error, "readiness check failed");
            Error::Unavailable
        })?;
    Ok(Json(json!({
        "database": "ok",
        "redis": state.shared.redis_status().as_str(),
    })))
}
