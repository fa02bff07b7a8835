//! Extractors that resolve the caller from the session cookie or bearer token.
//!
//! - [`AuthUser`]: a signed-in caller, else 401.
//! - [`MaybeAuthUser`]: the caller if any.
//! - [`AdminUser`]: an admin; 401 when signed out, 404 for everyone else so
//!   admin routes do not reveal themselves.

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, header, request::Parts},
};

use super::{Principal, session};
use crate::{error::ApiError, http::AppState, http::openapi::SESSION_COOKIE};

/// A signed-in caller (401 otherwise).
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub Principal);

/// The caller, if signed in.
#[derive(Debug, Clone, Copy)]
pub struct MaybeAuthUser(pub Option<Principal>);

/// An admin (401 when signed out, 404 for non-admins).
#[derive(Debug, Clone, Copy)]
pub struct AdminUser(pub Principal);

/// The session token a request carries: `Authorization: Bearer` first, then
/// the session cookie.
pub fn token_from_headers(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    bearer.or_else(|| {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find_map(|(name, value)| (name == SESSION_COOKIE).then_some(value))
    })
}

impl FromRequestParts<AppState> for MaybeAuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Resolved once per request, even when several extractors ask.
        if let Some(cached) = parts.extensions.get::<Self>() {
            return Ok(*cached);
        }
        let principal = match token_from_headers(&parts.headers) {
            Some(token) => session::principal(&state.services.pool, token).await?,
            None => None,
        };
        parts.extensions.insert(Self(principal));
        Ok(Self(principal))
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let MaybeAuthUser(principal) = MaybeAuthUser::from_request_parts(parts, state).await?;
        principal.map(Self).ok_or(ApiError::Unauthenticated)
    }
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let AuthUser(principal) = AuthUser::from_request_parts(parts, state).await?;
        principal.require_admin().map(Self)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.clone(), HeaderValue::from_static(value)))
            .collect()
    }

    #[test]
    fn bearer_token_wins_over_the_cookie() {
        let map = headers(&[
            (header::AUTHORIZATION, "Bearer abc"),
            (header::COOKIE, "roombook_session=def"),
        ]);
        assert_eq!(token_from_headers(&map), Some("abc"));
    }

    #[test]
    fn session_cookie_is_found_among_others() {
        let map = headers(&[(header::COOKIE, "theme=dark; roombook_session=def; x=1")]);
        assert_eq!(token_from_headers(&map), Some("def"));
    }

    #[test]
    fn other_schemes_and_cookies_are_ignored() {
        let map = headers(&[
            (header::AUTHORIZATION, "Basic dXNlcjpwYXNz"),
            (header::COOKIE, "roombook_session_old=x"),
        ]);
        assert_eq!(token_from_headers(&map), None);
    }
}
