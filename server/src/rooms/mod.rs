//! The room catalogue and search over per-night availability.
//!
//! Owns reading rooms and their offers; it never writes availability (that
//! belongs to `availability` and `bookings`).

mod repo;
mod routes;

pub(crate) use routes::routes;

use shared_schema::{dto::RoomOffer, search::RoomSearch};
use sqlx::PgPool;

use crate::error::ApiError;

/// Most offers one search returns.
const SEARCH_LIMIT: i64 = 50;

/// Rooms with at least `units` free on every night of the stay and enough
/// capacity for the party, cheapest stay first.
#[tracing::instrument(skip(pool), err(Debug))]
pub(crate) async fn search(pool: &PgPool, search: &RoomSearch) -> Result<Vec<RoomOffer>, ApiError> {
    Ok(repo::search(pool, search, SEARCH_LIMIT).await?)
}
