//! Output types: what the server answers, the same for the browser UI and
//! the REST API.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A room that is free for every night of a searched stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct RoomOffer {
    /// The room's id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Description shown on the room page.
    pub description: String,
    /// Guests per unit.
    pub capacity: i32,
    /// ISO 4217 code of every price of this room.
    pub currency: String,
    /// Nights in the stay.
    pub nights: i32,
    /// The cheapest night of the stay, in minor units.
    pub nightly_from_cents: i64,
    /// Price of the whole stay for the requested units, in minor units.
    pub total_cents: i64,
    /// The fewest units free on any night of the stay.
    pub min_free: i32,
}
