//! Accounts, sessions and who is asking.
//!
//! Owns `users` and `sessions`. One opaque session token serves both doors:
//! browsers get it as an HttpOnly SameSite cookie, API clients send it as
//! `Authorization: Bearer` (both are the HTTP layer's business). Other
//! modules only see [`Principal`]; none of them reads a token or a password
//! hash.
//!
//! The use cases here (register, login, logout, me, create an admin) take a
//! pool and typed input and are what both doors (REST handlers, server
//! functions) and the command line call. They never log emails, names, passwords or tokens
//! (docs/LOGGING.md); spans carry the user's id once it is known.

pub mod password;
mod repo;
pub mod session;

use shared_schema::{
    ConflictCode,
    auth::{Login, Register},
    dto::{Session, User},
    validated,
};
use sqlx::{PgExecutor, PgPool};
use tracing::field;
use uuid::Uuid;

use crate::{
    config::Config,
    error::{Conflict, Error, ResultExt},
};

/// Roles live in `shared-schema` so the UI can read them too.
pub use shared_schema::dto::Role;

/// How sessions are issued, fixed at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// Lifetime of a new session, in hours.
    pub ttl_hours: i32,
}

impl SessionSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            ttl_hours: config.session_ttl_hours,
        }
    }
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
) -> Result<Session, Error> {
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
) -> Result<Session, Error> {
    let input = validated(input.normalized(), &())?;
    let (user, stored_hash) = match repo::credentials_by_email(pool, &input.email).await? {
        Some(account) => (Some(account.user), Some(account.password_hash)),
        None => (None, None),
    };
    let matches = password::verify(input.password, stored_hash).await?;
    let Some(user) = user.filter(|_| matches) else {
        tracing::info!("sign-in refused");
        return Err(Error::InvalidCredentials);
    };
    tracing::Span::current().record("user_id", field::display(user.id));
    // Opportunistic clean-up, bounded by this user's own sessions.
    repo::delete_expired_sessions(pool, user.id).await?;
    start_session(pool, settings, user).await
}

/// Revokes the session behind `token`, which must belong to `who`.
/// Revoking a session that is already gone is not an error.
#[tracing::instrument(skip_all, fields(user_id = %who.user_id))]
pub async fn logout(pool: &PgPool, who: Principal, token: &str) -> Result<(), Error> {
    repo::delete_session(pool, &session::token_hash(token), who.user_id).await?;
    Ok(())
}

/// The caller's own account.
#[tracing::instrument(skip_all, fields(user_id = %who.user_id))]
pub async fn me(pool: &PgPool, who: Principal) -> Result<User, Error> {
    // The session was valid a moment ago; an account deleted since then is
    // signed out, not "not found".
    repo::user_by_id(pool, who.user_id)
        .await?
        .ok_or(Error::Unauthenticated)
}

/// Creates an admin account, or promotes the existing account with that
/// email (keeping its name and password). The password must pass the
/// sign-up rules either way, so a weak one is refused before anything is
/// written. Used by `server create-admin`: there is no default admin.
#[tracing::instrument(skip_all, fields(user_id = field::Empty))]
pub async fn create_admin(pool: &PgPool, input: Register) -> Result<AdminAccount, Error> {
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

fn email_taken() -> Error {
    Conflict::new(
        ConflictCode::EmailTaken,
        "An account with this email address already exists.",
    )
    .into()
}

/// Issues a new token for `user` and stores its hash.
async fn start_session(
    db: impl PgExecutor<'_>,
    settings: SessionSettings,
    user: User,
) -> Result<Session, Error> {
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
    pub fn require_admin(self) -> Result<Self, Error> {
        if self.is_admin() {
            Ok(self)
        } else {
            Err(Error::NotFound)
        }
    }

    /// Object-level authorisation: the owner or an admin.
    pub fn may_access(&self, owner: Uuid) -> bool {
        self.is_admin() || self.user_id == owner
    }
}
