//! Accounts, sessions, personal API tokens and who is asking.
//!
//! Owns `users`, `sessions`, `api_tokens` and `login_failures`. One opaque
//! session token serves both doors:
//! browsers get it as an HttpOnly SameSite cookie, API clients send it as
//! `Authorization: Bearer` (both are the HTTP layer's business). Other
//! modules only see [`Principal`]; none of them reads a token or a password
//! hash.
//!
//! Personal API tokens (`rbk_...`, [`tokens`]) are the third parties' way in:
//! they carry scopes, and [`Principal`] carries them into every check.
//!
//! The use cases here (register, login, logout, me, change the password,
//! sign out everywhere, create an admin) take a
//! pool and typed input and are what both doors (REST handlers, server
//! functions) and the command line call. They never log emails, names, passwords or tokens
//! (docs/LOGGING.md); spans carry the user's id once it is known.

pub mod password;
mod repo;
pub mod session;
mod throttle;
pub mod tokens;

use shared_schema::{
    ConflictCode,
    account::{ChangePassword, Scope},
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

/// How long a session may live, for one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Minutes a session may go unused before it is refused.
    pub idle_minutes: i32,
    /// Hours after sign-in the session ends, however much it is used.
    pub absolute_hours: i32,
}

/// How sessions are issued and checked, fixed at start-up: guests and
/// admins have their own limits (admins the stricter ASVS level 2 ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    pub guest: SessionLimits,
    pub admin: SessionLimits,
}

impl SessionSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            guest: SessionLimits {
                idle_minutes: config.session_idle_minutes,
                absolute_hours: config.session_absolute_hours,
            },
            admin: SessionLimits {
                idle_minutes: config.admin_session_idle_minutes,
                absolute_hours: config.admin_session_absolute_hours,
            },
        }
    }

    pub fn for_role(self, role: Role) -> SessionLimits {
        match role {
            Role::Guest => self.guest,
            Role::Admin => self.admin,
        }
    }
}

/// What `create_admin` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAccount {
    /// A new admin account with the given password.
    Created(User),
    /// An existing account became admin, with the given password; all its
    /// sessions and API tokens were revoked.
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
    // Counted before the password is checked, so parallel guesses cannot
    // slip past the backoff; a success resets it.
    let email_key = throttle::email_key(&input.email);
    throttle::attempt(pool, &email_key).await?;
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
    throttle::succeeded(pool, &email_key).await?;
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

/// Changes the caller's password, given the current one, and revokes every
/// other session and every API token of the account: whoever learnt the old
/// password is signed out. Only a browser or API session may do this (not
/// an API token); `token` is that session's, and it stays signed in.
///
/// Wrong current passwords count against the same backoff as sign-ins with
/// the account's email, so a stolen session cannot guess the password fast.
#[tracing::instrument(skip_all, fields(user_id = %who.user_id))]
pub async fn change_password(
    pool: &PgPool,
    who: Principal,
    token: &str,
    input: ChangePassword,
) -> Result<(), Error> {
    who.require_session()?;
    let input = validated(input, &())?;
    let account = repo::credentials_by_id(pool, who.user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let email_key = throttle::email_key(&account.user.email);
    throttle::attempt(pool, &email_key).await?;
    if !password::verify(input.current_password, Some(account.password_hash)).await? {
        tracing::info!("password change refused: wrong current password");
        return Err(Error::invalid(
            "current_password",
            MSG_CURRENT_PASSWORD_WRONG,
        ));
    }
    throttle::succeeded(pool, &email_key).await?;
    let password_hash = password::hash(input.new_password).await?;
    let mut tx = pool.begin().await?;
    repo::set_password(&mut *tx, who.user_id, &password_hash).await?;
    let sessions =
        repo::delete_sessions_except(&mut *tx, who.user_id, &session::token_hash(token)).await?;
    let tokens = repo::delete_api_tokens(&mut *tx, who.user_id).await?;
    tx.commit().await?;
    tracing::info!(
        revoked_sessions = sessions,
        revoked_tokens = tokens,
        "password changed"
    );
    Ok(())
}

/// What a wrong current password reads as, under its field.
pub const MSG_CURRENT_PASSWORD_WRONG: &str = "This is not your current password.";

/// Signs the caller out everywhere: every session (this one included) and
/// every API token of the account. Only a session may do this.
#[tracing::instrument(skip_all, fields(user_id = %who.user_id))]
pub async fn logout_everywhere(pool: &PgPool, who: Principal) -> Result<(), Error> {
    who.require_session()?;
    let mut tx = pool.begin().await?;
    let sessions = repo::delete_sessions(&mut *tx, who.user_id).await?;
    let tokens = repo::delete_api_tokens(&mut *tx, who.user_id).await?;
    tx.commit().await?;
    tracing::info!(
        revoked_sessions = sessions,
        revoked_tokens = tokens,
        "signed out everywhere"
    );
    Ok(())
}

/// Creates an admin account. The password must pass the sign-up rules, so a
/// weak one is refused before anything is written. Used by
/// `server create-admin`: there is no default admin.
///
/// An email that already has an account is a conflict (`email_taken`):
/// whoever registered it would otherwise become admin. With
/// `promote_existing` that account becomes admin instead, gets the new
/// password (its name stays) and loses every session and API token, all in
/// one transaction.
#[tracing::instrument(skip_all, fields(user_id = field::Empty))]
pub async fn create_admin(
    pool: &PgPool,
    input: Register,
    promote_existing: bool,
) -> Result<AdminAccount, Error> {
    let input = validated(input.normalized(), &())?;
    let password_hash = password::hash(input.password).await?;
    let mut tx = pool.begin().await?;
    let (user, created) = if promote_existing {
        repo::upsert_admin(&mut *tx, &input.email, &input.name, &password_hash).await?
    } else {
        let user = repo::insert_user(
            &mut *tx,
            &input.email,
            &input.name,
            &password_hash,
            Role::Admin,
        )
        .await
        .on_constraint("users_email_key", email_taken)?;
        (user, true)
    };
    tracing::Span::current().record("user_id", field::display(user.id));
    if created {
        tx.commit().await?;
        tracing::info!("admin account created");
        return Ok(AdminAccount::Created(user));
    }
    let sessions = repo::delete_sessions(&mut *tx, user.id).await?;
    let tokens = repo::delete_api_tokens(&mut *tx, user.id).await?;
    tx.commit().await?;
    tracing::info!(
        revoked_sessions = sessions,
        revoked_tokens = tokens,
        "existing account promoted to admin, password reset"
    );
    Ok(AdminAccount::Promoted(user))
}

/// What [`purge_stale`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    pub sessions: u64,
    pub login_failures: u64,
}

/// Housekeeping: deletes sessions past their absolute end or idle beyond
/// the longest idle timeout (they can never be used again), and sign-in
/// failure counts a day old whose wait is over (the next failure would
/// start afresh anyway). Idempotent; any instance may run it.
pub async fn purge_stale(pool: &PgPool, settings: SessionSettings) -> Result<Purged, Error> {
    let longest_idle = settings.guest.idle_minutes.max(settings.admin.idle_minutes);
    let sessions = sqlx::query(
        "delete from sessions
          where expires_at <= now()
             or last_seen_at < now() - make_interval(mins => $1)",
    )
    .bind(longest_idle)
    .execute(pool)
    .await?
    .rows_affected();
    let login_failures = sqlx::query(
        "delete from login_failures
          where last_failed_at < now() - interval '1 day'
            and (blocked_until is null or blocked_until <= now())",
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(Purged {
        sessions,
        login_failures,
    })
}

fn email_taken() -> Error {
    Conflict::new(
        ConflictCode::EmailTaken,
        "An account with this email address already exists.",
    )
    .into()
}

/// Issues a new token for `user` and stores its hash; the session ends
/// after the absolute lifetime of the user's role.
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
        settings.for_role(user.role).absolute_hours,
    )
    .await?;
    Ok(Session {
        token,
        expires_at,
        user,
    })
}

/// A set of [`Scope`]s, small enough to copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    const fn bit(scope: Scope) -> u8 {
        match scope {
            Scope::Read => 1,
            Scope::Book => 2,
            Scope::Admin => 4,
        }
    }

    /// Every scope a session of `role` has: guests read and book, admins
    /// also administer.
    pub fn of_role(role: Role) -> Self {
        match role {
            Role::Guest => Self::from_iter([Scope::Read, Scope::Book]),
            Role::Admin => Self::from_iter(Scope::ALL),
        }
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & Self::bit(scope) != 0
    }

    /// The scopes in both sets.
    #[must_use]
    pub fn intersect(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    pub fn to_vec(self) -> Vec<Scope> {
        Scope::ALL
            .into_iter()
            .filter(|scope| self.contains(*scope))
            .collect()
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(scopes: I) -> Self {
        Self(
            scopes
                .into_iter()
                .fold(0, |bits, scope| bits | Self::bit(scope)),
        )
    }
}

/// What a request was authenticated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A session from signing in (browser cookie or bearer).
    Session,
    /// A personal API token, by id.
    ApiToken(Uuid),
}

/// The authenticated caller of a request, with what it may do: a session
/// has every scope of its user's role, an API token the scopes it was
/// given (an `admin` scope counts only while the user is an admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    pub role: Role,
    pub scopes: Scopes,
    pub credential: Credential,
}

impl Principal {
    /// The caller behind a session of `user_id`.
    pub fn session(user_id: Uuid, role: Role) -> Self {
        Self {
            user_id,
            role,
            scopes: Scopes::of_role(role),
            credential: Credential::Session,
        }
    }

    /// An admin acting as one: the role and, for an API token, the `admin`
    /// scope. An admin's token without it acts like a guest's.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin && self.scopes.contains(Scope::Admin)
    }

    /// This caller if an admin; for anyone else admin things do not exist.
    /// An admin's token without the `admin` scope is told so (403).
    pub fn require_admin(self) -> Result<Self, Error> {
        if self.is_admin() {
            Ok(self)
        } else if self.role == Role::Admin {
            Err(Error::InsufficientScope(Scope::Admin))
        } else {
            Err(Error::NotFound)
        }
    }

    /// This caller if it holds `scope`.
    pub fn require_scope(self, scope: Scope) -> Result<Self, Error> {
        if self.scopes.contains(scope) {
            Ok(self)
        } else {
            Err(Error::InsufficientScope(scope))
        }
    }

    /// This caller if signed in with a session: managing the account
    /// (password, tokens, signing out everywhere) is not for API tokens.
    pub fn require_session(self) -> Result<Self, Error> {
        match self.credential {
            Credential::Session => Ok(self),
            Credential::ApiToken(_) => Err(Error::SessionRequired),
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
    fn sessions_have_every_scope_of_their_role() {
        let guest = Principal::session(Uuid::nil(), Role::Guest);
        assert!(guest.scopes.contains(Scope::Read) && guest.scopes.contains(Scope::Book));
        assert!(!guest.scopes.contains(Scope::Admin));
        assert!(matches!(guest.require_admin(), Err(Error::NotFound)));
        let admin = Principal::session(Uuid::nil(), Role::Admin);
        assert!(admin.is_admin() && admin.require_admin().is_ok());
    }

    #[test]
    fn an_admins_token_without_the_admin_scope_acts_as_a_guest() {
        let token = Principal {
            scopes: Scopes::from_iter([Scope::Read]),
            credential: Credential::ApiToken(Uuid::nil()),
            ..Principal::session(Uuid::nil(), Role::Admin)
        };
        assert!(!token.is_admin());
        assert!(!token.may_access(Uuid::new_v4()));
        assert!(matches!(
            token.require_admin(),
            Err(Error::InsufficientScope(Scope::Admin))
        ));
        assert!(matches!(
            token.require_scope(Scope::Book),
            Err(Error::InsufficientScope(Scope::Book))
        ));
        assert!(matches!(
            token.require_session(),
            Err(Error::SessionRequired)
        ));
    }
}
