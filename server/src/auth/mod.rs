//! Accounts, sessions and who is asking.
//!
//! Owns `users` and `sessions`. One opaque session token serves both doors:
//! browsers get it as an HttpOnly SameSite cookie, API clients send it as
//! `Authorization: Bearer`. Other modules only see [`Principal`], through the
//! extractors in [`extract`]; none of them reads a token or a password hash.
//!
//! The use cases here (register, login, logout, me, create an admin) take a
//! pool and typed input and are what both the REST handlers in `routes` and
//! the command line call. They never log emails, names, passwords or tokens
//! (docs/LOGGING.md); spans carry the user's id once it is known.

pub mod extract;
pub mod password;
mod repo;
pub(crate) mod routes;
pub mod session;

use axum::http::HeaderValue;
use shared_schema::{
    auth::{Login, Register},
    dto::{Session, User},
    validated,
};
use sqlx::{PgExecutor, PgPool};
use tracing::field;
use uuid::Uuid;

use crate::{
    config::Config,
    error::{ApiError, Conflict, ResultExt},
    http::openapi::SESSION_COOKIE,
};

/// Roles live in `shared-schema` so the UI can read them too.
pub use shared_schema::dto::Role;

/// How sessions are issued, fixed at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// Lifetime of a new session, in hours.
    pub ttl_hours: i32,
    /// Whether the session cookie is marked `Secure`.
    pub secure_cookie: bool,
}

impl SessionSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            ttl_hours: config.session_ttl_hours,
            secure_cookie: config.secure_cookies(),
        }
    }

    /// The lifetime in seconds, for the cookie's `Max-Age`.
    pub fn ttl_secs(self) -> i64 {
        i64::from(self.ttl_hours) * 3600
    }

    /// The `Set-Cookie` value that hands `token` to a browser.
    pub fn cookie(self, token: &str) -> HeaderValue {
        session_cookie(token, self.ttl_secs(), self.secure_cookie)
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub fn clearing_cookie(self) -> HeaderValue {
        session_cookie("", 0, self.secure_cookie)
    }
}

/// The session cookie. `SameSite=Lax` keeps it off cross-site POSTs (so
/// forms elsewhere cannot act as the user) while links from other sites
/// still arrive signed in; `HttpOnly` keeps it away from scripts.
fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}"
    );
    // Tokens are URL-safe base64, which is always a valid header value.
    HeaderValue::try_from(value).expect("a session cookie is a valid header value")
}

/// What `create_admin` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAccount {
    /// A new admin account with the given password.
    Created(User),
    /// An existing account became admin; its password and name are unchanged.
    Promoted(User),
}

/// Creates a guest account and signs it in.
///
/// The account and its first session are one transaction, so a failure
/// cannot leave an account whose owner was told sign-up failed.
#[tracing::instrument(skip_all, fields(user_id = field::Empty))]
pub async fn register(
    pool: &PgPool,
    settings: SessionSettings,
    input: Register,
) -> Result<Session, ApiError> {
    let input = validated(input.normalized(), &())?;
    let password_hash = password::hash(input.password).await?;
    let mut tx = pool.begin().await?;
    let user = repo::insert_user(
        &mut *tx,
        &input.email,
        &input.name,
        &password_hash,
        Role::Guest,
    )
    .await
    .on_constraint("users_email_key", email_taken)?;
    let session = start_session(&mut *tx, settings, user).await?;
    tx.commit().await?;
    tracing::Span::current().record("user_id", field::display(session.user.id));
    tracing::info!("account created");
    Ok(session)
}

/// Signs in with email and password.
///
/// An unknown email and a wrong password get the same error after the same
/// work: with no account, the password is checked against a dummy hash.
#[tracing::instrument(skip_all, fields(user_id = field::Empty))]
pub async fn login(
    pool: &PgPool,
    settings: SessionSettings,
    input: Login,
) -> Result<Session, ApiError> {
    let input = validated(input.normalized(), &())?;
    let (user, stored_hash) = match repo::credentials_by_email(pool, &input.email).await? {
        Some(account) => (Some(account.user), Some(account.password_hash)),
        None => (None, None),
    };
    let matches = password::verify(input.password, stored_hash).await?;
    let Some(user) = user.filter(|_| matches) else {
        tracing::info!("sign-in refused");
        return Err(ApiError::InvalidCredentials);
    };
    tracing::Span::current().record("user_id", field::display(user.id));
    // Opportunistic clean-up, bounded by this user's own sessions.
    repo::delete_expired_sessions(pool, user.id).await?;
    start_session(pool, settings, user).await
}

/// Revokes the session behind `token`, which must belong to `who`.
/// Revoking a session that is already gone is not an error.
#[tracing::instrument(skip_all, fields(user_id = %who.user_id))]
pub async fn logout(pool: &PgPool, who: Principal, token: &str) -> Result<(), ApiError> {
    repo::delete_session(pool, &session::token_hash(token), who.user_id).await?;
    Ok(())
}

/// The caller's own account.
#[tracing::instrument(skip_all, fields(user_id = %who.user_id))]
pub async fn me(pool: &PgPool, who: Principal) -> Result<User, ApiError> {
    // The session was valid a moment ago; an account deleted since then is
    // signed out, not "not found".
    repo::user_by_id(pool, who.user_id)
        .await?
        .ok_or(ApiError::Unauthenticated)
}

/// Creates an admin account, or promotes the existing account with that
/// email (keeping its name and password). The password must pass the
/// sign-up rules either way, so a weak one is refused before anything is
/// written. Used by `server create-admin`: there is no default admin.
#[tracing::instrument(skip_all, fields(user_id = field::Empty))]
pub async fn create_admin(pool: &PgPool, input: Register) -> Result<AdminAccount, ApiError> {
    let input = validated(input.normalized(), &())?;
    let password_hash = password::hash(input.password).await?;
    let (user, created) =
        repo::upsert_admin(pool, &input.email, &input.name, &password_hash).await?;
    tracing::Span::current().record("user_id", field::display(user.id));
    if created {
        tracing::info!("admin account created");
        Ok(AdminAccount::Created(user))
    } else {
        tracing::info!("existing account promoted to admin");
        Ok(AdminAccount::Promoted(user))
    }
}

fn email_taken() -> ApiError {
    Conflict::new(
        "email_taken",
        "An account with this email address already exists.",
    )
    .into()
}

/// Issues a new token for `user` and stores its hash.
async fn start_session(
    db: impl PgExecutor<'_>,
    settings: SessionSettings,
    user: User,
) -> Result<Session, ApiError> {
    let token = session::new_token();
    let expires_at = repo::insert_session(
        db,
        &session::token_hash(&token),
        user.id,
        settings.ttl_hours,
    )
    .await?;
    Ok(Session {
        token,
        expires_at,
        user,
    })
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

    /// This caller if an admin; for anyone else admin things do not exist.
    pub fn require_admin(self) -> Result<Self, ApiError> {
        if self.is_admin() {
            Ok(self)
        } else {
            Err(ApiError::NotFound)
        }
    }

    /// Object-level authorisation: the owner or an admin.
    pub fn may_access(&self, owner: Uuid) -> bool {
        self.is_admin() || self.user_id == owner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_is_http_only_lax_site_wide_and_expires_with_the_session() {
        let settings = SessionSettings {
            ttl_hours: 336,
            secure_cookie: false,
        };
        let value = settings.cookie("abc");
        assert_eq!(
            value,
            "roombook_session=abc; HttpOnly; SameSite=Lax; Path=/; Max-Age=1209600"
        );
    }

    #[test]
    fn cookie_is_secure_when_configured() {
        let value = session_cookie("abc", 0, true);
        assert_eq!(
            value,
            "roombook_session=abc; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Secure"
        );
    }
}
