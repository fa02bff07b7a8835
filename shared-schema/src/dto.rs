//! Output types: what the server answers, the same for the browser UI and
//! the REST API.

use std::fmt;

use chrono::{DateTime, Utc};
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
    /// The room's first photo, if it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub cover: Option<crate::photos::Photo>,
}

/// What a user may do: book as a guest, or also manage rooms as an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ssr",
    derive(sqlx::Type, utoipa::ToSchema),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Searches, books and cancels their own stays.
    Guest,
    /// Also manages rooms and inventory and sees every booking.
    Admin,
}

/// An account as its owner (or an admin) sees it. Never carries the
/// password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct User {
    /// The user's id.
    pub id: Uuid,
    /// Email address, as typed at sign-up (compared case-insensitively).
    #[cfg_attr(feature = "ssr", schema(example = "ada@example.com"))]
    pub email: String,
    /// Display name.
    #[cfg_attr(feature = "ssr", schema(example = "Ada Lovelace"))]
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// A signed-in session: the token to send as `Authorization: Bearer` (the
/// same value the session cookie carries), when it expires, and who it is
/// for. `Debug` redacts the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Session {
    /// Opaque session token (43 characters of URL-safe base64). Shown once:
    /// the server keeps only its hash.
    #[cfg_attr(
        feature = "ssr",
        schema(example = "q3Rk1x7cVb0mP2sZ9wYfL4nT8hJ6eA5uD1oG3iK0rQw")
    )]
    pub token: String,
    /// After this instant the token no longer works.
    pub expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: User,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &crate::auth::REDACTED)
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .finish()
    }
}

/// Where a booking stands. A cancelled booking keeps its row (and its
/// reference) but no longer holds any units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ssr",
    derive(sqlx::Type, utoipa::ToSchema),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
#[serde(rename_all = "lowercase")]
pub enum BookingStatus {
    /// Holds `units` rooms on every night of the stay.
    Confirmed,
    /// Cancelled; its units were given back.
    Cancelled,
}

/// A booked stay as its owner (or an admin) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow, utoipa::ToSchema))]
pub struct Booking {
    /// The booking's id.
    pub id: Uuid,
    /// Human reference to quote at the desk or on the phone.
    #[cfg_attr(feature = "ssr", schema(example = "RB-7K3QX9TZ"))]
    pub reference: String,
    /// The booked room type.
    pub room_id: Uuid,
    /// The room type's display name.
    #[cfg_attr(feature = "ssr", schema(example = "Garden Double"))]
    pub room_name: String,
    /// Id of the account the booking belongs to.
    pub user_id: Uuid,
    /// Name of the account the booking belongs to.
    #[cfg_attr(feature = "ssr", schema(example = "Ada Lovelace"))]
    pub guest_name: String,
    /// E-mail address of the account; shown to admins only (absent for
    /// guests, who know their own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(example = "ada@example.com"))]
    pub guest_email: Option<String>,
    /// First night of the stay.
    #[cfg_attr(feature = "ssr", schema(example = "2030-01-10"))]
    pub check_in: chrono::NaiveDate,
    /// Day of departure; the stay is `[check_in, check_out)`, so this night
    /// is not booked.
    #[cfg_attr(feature = "ssr", schema(example = "2030-01-13"))]
    pub check_out: chrono::NaiveDate,
    /// Nights in the stay.
    #[cfg_attr(feature = "ssr", schema(example = 3))]
    pub nights: i32,
    /// Number of guests.
    #[cfg_attr(feature = "ssr", schema(example = 2))]
    pub guests: i32,
    /// Rooms of this type held on every night of the stay.
    #[cfg_attr(feature = "ssr", schema(example = 1))]
    pub units: i32,
    /// Price of the whole stay (the sum of the nightly prices times
    /// `units`), in minor units of `currency`.
    #[cfg_attr(feature = "ssr", schema(example = 30000))]
    pub total_cents: i64,
    /// ISO 4217 code of `total_cents`.
    #[cfg_attr(feature = "ssr", schema(example = "EUR"))]
    pub currency: String,
    /// Confirmed or cancelled.
    pub status: BookingStatus,
    /// When the booking was made.
    pub created_at: DateTime<Utc>,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn session() -> Session {
        Session {
            token: "q3Rk1x7cVb0mP2sZ9wYfL4nT8hJ6eA5uD1oG3iK0rQw".to_owned(),
            expires_at: Utc
                .with_ymd_and_hms(2026, 12, 10, 9, 30, 0)
                .single()
                .expect("a valid instant"),
            user: User {
                id: Uuid::nil(),
                email: "ada@example.com".to_owned(),
                name: "Ada Lovelace".to_owned(),
                role: Role::Guest,
                created_at: Utc
                    .with_ymd_and_hms(2026, 11, 26, 9, 30, 0)
                    .single()
                    .expect("a valid instant"),
            },
        }
    }

    #[test]
    fn roles_travel_in_lower_case() {
        assert_eq!(
            serde_json::to_string(&Role::Admin).ok().as_deref(),
            Some(r#""admin""#)
        );
        assert_eq!(
            serde_json::from_str::<Role>(r#""guest""#).ok(),
            Some(Role::Guest)
        );
        assert!(serde_json::from_str::<Role>(r#""root""#).is_err());
    }

    #[test]
    fn session_debug_output_never_contains_the_token() {
        let session = session();
        for debug in [format!("{session:?}"), format!("{session:#?}")] {
            assert!(!debug.contains(&session.token), "{debug}");
            assert!(debug.contains(crate::auth::REDACTED), "{debug}");
        }
    }

    #[test]
    fn a_session_serialises_with_its_token() {
        let json = serde_json::to_value(session()).expect("serialises");
        assert_eq!(json["token"], "q3Rk1x7cVb0mP2sZ9wYfL4nT8hJ6eA5uD1oG3iK0rQw");
        assert_eq!(json["expires_at"], "2026-12-10T09:30:00Z");
        assert_eq!(json["user"]["role"], "guest");
    }
}
