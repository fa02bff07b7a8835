//! Who is calling, over HTTP: the session token from `Authorization:
//! Bearer` or the session cookie, the extractors that resolve it, and the
//! cookie itself.
//!
//! - [`AuthUser`]: a signed-in caller, else 401; an API token must hold the
//!   `read` scope for safe methods (GET, HEAD) and `book` for the others,
//!   else 403 `insufficient_scope`.
//! - [`MaybeAuthUser`]: the caller if any.
//! - [`AdminUser`]: an admin; 401 when signed out, 404 for everyone else so
//!   admin routes do not reveal themselves; an admin's API token without the
//!   `admin` scope gets 403 `insufficient_scope`.
//!
//! So every handler that takes one of these is covered by the scope check;
//! handlers for account management (password, tokens, signing out
//! everywhere) also ask for a session with `Principal::require_session`.

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, header, request::Parts},
};
use cookie::{Cookie, SameSite, time::Duration};

use super::{AppState, problem::ApiError};
use shared_schema::account::Scope;

use crate::{
    auth::{Principal, session},
    config::Config,
    error::Error,
};

/// Name of the session cookie browsers get over plain HTTP (local use);
/// API clients send the same token as `Authorization: Bearer`.
pub const SESSION_COOKIE: &str = "roombook_session";

/// Name of the session cookie over HTTPS: the `__Host-` prefix makes the
/// browser refuse it unless it is `Secure`, for this host only and site-wide,
/// so no other host (or plain-HTTP attacker) can plant one.
pub const SECURE_SESSION_COOKIE: &str = "__Host-roombook_session";

/// How the session cookie is set, fixed at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookiePolicy {
    /// Lifetime of the cookie, as long as the session's.
    pub max_age_secs: i64,
    /// Whether the site is served over HTTPS: then the cookie is `Secure`
    /// and named with the `__Host-` prefix.
    pub secure: bool,
}

impl CookiePolicy {
    pub fn from_config(config: &Config) -> Self {
        Self {
            // The longer of the two absolute lifetimes: the server, not the
            // cookie, ends a session.
            max_age_secs: i64::from(
                config
                    .session_absolute_hours
                    .max(config.admin_session_absolute_hours),
            ) * 3600,
            secure: config.secure_cookies(),
        }
    }

    /// The session cookie's name under this policy.
    pub fn name(self) -> &'static str {
        if self.secure {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    /// The session token a request carries: `Authorization: Bearer` first,
    /// then the session cookie of this policy's name.
    pub fn token(self, headers: &HeaderMap) -> Option<&str> {
        token_from_headers(headers, self.name())
    }

    /// The `Set-Cookie` value that hands `token` to a browser.
    pub fn cookie(self, token: &str) -> HeaderValue {
        self.build(token, self.max_age_secs)
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn clearing_cookie(self) -> HeaderValue {
        self.build("", 0)
    }

    /// `SameSite=Lax` keeps the cookie off cross-site POSTs (so forms
    /// elsewhere cannot act as the user) while links from other sites still
    /// arrive signed in; `HttpOnly` keeps it away from scripts.
    fn build(self, token: &str, max_age_secs: i64) -> HeaderValue {
        let cookie = Cookie::build((self.name(), token))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(Duration::seconds(max_age_secs))
            .secure(self.secure)
            .build();
        // Tokens are URL-safe base64, which is always a valid header value.
        HeaderValue::try_from(cookie.to_string()).expect("a session cookie is a valid header value")
    }
}

/// The session token a request carries: `Authorization: Bearer` first, then
/// the cookie named `cookie_name`.
pub fn token_from_headers<'a>(headers: &'a HeaderMap, cookie_name: &str) -> Option<&'a str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    bearer.or_else(|| cookie_from_headers(headers, cookie_name))
}

/// The value of the cookie `name` a request carries.
pub fn cookie_from_headers<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .and_then(|cookie| cookie.value_raw())
}

/// The cookie that carries what a plain form post leaves for the page it
/// redirects to, for a few minutes and read once: what was typed (never a
/// password) after a failure, a new API token's secret after success.
pub const FLASH_COOKIE: &str = "roombook_flash";

impl CookiePolicy {
    /// The `Set-Cookie` value that keeps `flash` (URL-encoded fields) for
    /// the next page, or removes it (`None`).
    pub fn flash_cookie(self, flash: Option<&str>) -> HeaderValue {
        let cookie = Cookie::build((FLASH_COOKIE, flash.unwrap_or_default()))
            .http_only(true)
            .same_site(SameSite::Lax)
            .path("/")
            .max_age(Duration::seconds(if flash.is_some() { 300 } else { 0 }))
            .secure(self.secure)
            .build();
        // URL-encoded text has no character a cookie value may not hold.
        HeaderValue::try_from(cookie.to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("roombook_flash=; Max-Age=0; Path=/"))
    }
}

/// A signed-in caller (401 otherwise).
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub Principal);

/// The caller, if signed in.
#[derive(Debug, Clone, Copy)]
pub struct MaybeAuthUser(pub Option<Principal>);

/// An admin (401 when signed out, 404 for non-admins).
#[derive(Debug, Clone, Copy)]
pub struct AdminUser(pub Principal);

impl FromRequestParts<AppState> for MaybeAuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Resolved once per request, even when several extractors ask.
        if let Some(cached) = parts.extensions.get::<Self>() {
            return Ok(*cached);
        }
        let principal = match state.services.cookies.token(&parts.headers) {
            Some(token) => session::principal(&state.services.pool, state.services.sessions, token)
                .await
                .map_err(Error::from)?,
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
        let principal = principal.ok_or(Error::Unauthenticated)?;
        let needed = if parts.method.is_safe() {
            Scope::Read
        } else {
            Scope::Book
        };
        Ok(Self(principal.require_scope(needed)?))
    }
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Not through `AuthUser`: the `admin` scope is what admin routes
        // need, whatever the method.
        let MaybeAuthUser(principal) = MaybeAuthUser::from_request_parts(parts, state).await?;
        let principal = principal.ok_or(Error::Unauthenticated)?;
        Ok(Self(principal.require_admin()?))
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(token_from_headers(&map, SESSION_COOKIE), Some("abc"));
    }

    #[test]
    fn session_cookie_is_found_among_others() {
        let map = headers(&[(header::COOKIE, "theme=dark; roombook_session=def; x=1")]);
        assert_eq!(token_from_headers(&map, SESSION_COOKIE), Some("def"));
    }

    #[test]
    fn other_schemes_and_cookies_are_ignored() {
        let map = headers(&[
            (header::AUTHORIZATION, "Basic dXNlcjpwYXNz"),
            (header::COOKIE, "roombook_session_old=x"),
        ]);
        assert_eq!(token_from_headers(&map, SESSION_COOKIE), None);
    }

    #[test]
    fn cookie_is_http_only_lax_site_wide_and_expires_with_the_session() {
        let policy = CookiePolicy {
            max_age_secs: 1_209_600,
            secure: false,
        };
        assert_eq!(
            policy.cookie("abc"),
            "roombook_session=abc; HttpOnly; SameSite=Lax; Path=/; Max-Age=1209600"
        );
        let secure = CookiePolicy {
            secure: true,
            ..policy
        };
        assert_eq!(
            secure.clearing_cookie(),
            "__Host-roombook_session=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0"
        );
    }

    #[test]
    fn over_https_only_the_host_prefixed_cookie_counts() {
        let secure = CookiePolicy {
            max_age_secs: 60,
            secure: true,
        };
        let planted = headers(&[(header::COOKIE, "roombook_session=planted")]);
        let real = headers(&[(header::COOKIE, "__Host-roombook_session=real")]);
        assert_eq!(secure.token(&planted), None);
        assert_eq!(secure.token(&real), Some("real"));
    }
}
