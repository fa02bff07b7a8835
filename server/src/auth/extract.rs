//! Extractors that resolve the caller from the session cookie or bearer token.
//!
//! - [`AuthUser`]: a signed-in caller, else 401.
//! - [`MaybeAuthUser`]: the caller if any.
//! - [`AdminUser`]: an admin; 401 when signed out, 404 for everyone else so
//!   admin routes do not reveal themselves.

use super::Principal;

/// A signed-in caller (401 otherwise).
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub Principal);

/// The caller, if signed in.
#[derive(Debug, Clone, Copy)]
pub struct MaybeAuthUser(pub Option<Principal>);

/// An admin (401 when signed out, 404 for non-admins).
#[derive(Debug, Clone, Copy)]
pub struct AdminUser(pub Principal);
