//! SQL of the auth module, and nothing else.
//!
//! Emails are bound as `$1::citext`: a plain text parameter would turn
//! `email = $1` into a case-sensitive text comparison.

use chrono::{DateTime, Utc};
use shared_schema::dto::{Role, User};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// The columns of [`User`] (`email` read as text because it is citext); a
/// macro so the queries stay `&'static str` literals.
macro_rules! user_columns {
    () => {
        "id, email::text as email, name, role, created_at"
    };
}

/// An account with what login needs to check it.
#[derive(sqlx::FromRow)]
pub(super) struct Credentials {
    #[sqlx(flatten)]
    pub user: User,
    pub password_hash: String,
}

pub(super) async fn insert_user(
    db: impl PgExecutor<'_>,
    email: &str,
    name: &str,
    password_hash: &str,
    role: Role,
) -> Result<User, sqlx::Error> {
    sqlx::query_as(concat!(
        "insert into users (email, name, password_hash, role)
         values ($1::citext, $2, $3, $4)
         returning ",
        user_columns!()
    ))
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(role)
    .fetch_one(db)
    .await
}

/// Creates an admin, or makes the existing account with that email one with
/// the given password (its name stays). One statement, so two concurrent
/// runs cannot both insert; `xmax = 0` holds only for a freshly inserted row.
pub(super) async fn upsert_admin(
    db: impl PgExecutor<'_>,
    email: &str,
    name: &str,
    password_hash: &str,
) -> Result<(User, bool), sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        created: bool,
    }
    let row: Row = sqlx::query_as(concat!(
        "insert into users as u (email, name, password_hash, role)
         values ($1::citext, $2, $3, 'admin')
         on conflict on constraint users_email_key
         do update set role = 'admin', password_hash = excluded.password_hash
         returning ",
        user_columns!(),
        ", (u.xmax = 0) as created"
    ))
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .fetch_one(db)
    .await?;
    Ok((row.user, row.created))
}

pub(super) async fn credentials_by_email(
    pool: &PgPool,
    email: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(concat!(
        "select ",
        user_columns!(),
        ", password_hash from users where email = $1::citext"
    ))
    .bind(email)
    .fetch_optional(pool)
    .await
}

pub(super) async fn credentials_by_id(
    pool: &PgPool,
    id: Uuid,
) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(concat!(
        "select ",
        user_columns!(),
        ", password_hash from users where id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub(super) async fn set_password(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("update users set password_hash = $2 where id = $1")
        .bind(user_id)
        .bind(password_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Revokes every session of a user; how many there were.
pub(super) async fn delete_sessions(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("delete from sessions where user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Revokes every session of a user but the one with `keep` as its hash.
pub(super) async fn delete_sessions_except(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    keep: &[u8],
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("delete from sessions where user_id = $1 and token_hash <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Revokes every API token of a user.
pub(super) async fn delete_api_tokens(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("delete from api_tokens where user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

pub(super) async fn user_by_id(pool: &PgPool, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(concat!(
        "select ",
        user_columns!(),
        " from users where id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Stores a session under the token's hash; the database clock sets the
/// expiry, the same clock that checks it.
pub(super) async fn insert_session(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    user_id: Uuid,
    ttl_hours: i32,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "insert into sessions (token_hash, user_id, expires_at)
         values ($1, $2, now() + make_interval(hours => $3))
         returning expires_at",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(ttl_hours)
    .fetch_one(db)
    .await
}

/// Revokes one session of one user; `false` when there was none.
pub(super) async fn delete_session(
    pool: &PgPool,
    token_hash: &[u8],
    user_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from sessions where token_hash = $1 and user_id = $2")
        .bind(token_hash)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes a user's expired sessions (bounded by that user's sessions,
/// found through `sessions_user_id_idx`).
pub(super) async fn delete_expired_sessions(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("delete from sessions where user_id = $1 and expires_at <= now()")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
