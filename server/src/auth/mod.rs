//! Accounts, sessions and who is asking.
//!
//! Owns `users` and `sessions`. One opaque session token serves both doors:
//! browsers get it as an HttpOnly SameSite cookie, API clients send it as
//! `Authorization: Bearer`. Other modules only see [`Principal`], through the
//! extractors in [`extract`]; none of them reads a token or a password hash.

pub mod extract;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Guest,
    Admin,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    pub role: Role,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Object-level authorisation: the owner or an admin.
    pub fn may_access(&self, owner: Uuid) -> bool {
        self.is_admin() || self.user_id == owner
    }
}
