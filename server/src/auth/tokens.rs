//! Personal API tokens: how a third party acts for a user without the
//! user's password.
//!
//! A token is `rbk_` and 256 random bits (the prefix lets secret scanners
//! recognise a leaked one), shown once when created and stored only as its
//! SHA-256, like sessions. It carries scopes (`read`, `book`, `admin`), an
//! optional expiry and a last-used time that moves at most once a minute.
//! Only a signed-in session manages tokens, and only its own; `admin` is
//! granted only to admins, and counts only while the user stays one.

use chrono::{DateTime, Utc};
use shared_schema::{
    ConflictCode,
    account::{ApiToken, CreatedApiToken, NewApiToken, Scope, TOKEN_PREFIX},
    validated,
};
use sqlx::PgPool;
use tracing::field;
use uuid::Uuid;

use super::{Credential, Principal, Role, Scopes, session};
use crate::error::{Conflict, Error, ResultExt};

/// Most live tokens one user may hold: listing stays one small page, and a
/// leaked session cannot mint tokens without end.
pub const MAX_TOKENS_PER_USER: i64 = 50;

/// What a token row holds besides its hash.
#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    name: String,
    scopes: Vec<String>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
}

impl From<Row> for ApiToken {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            name: row.name,
            scopes: parse_scopes(&row.scopes).to_vec(),
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
        }
    }
}

/// The stored scope names (checked by `api_tokens_scopes_valid`).
fn parse_scopes(names: &[String]) -> Scopes {
    names.iter().filter_map(|name| Scope::parse(name)).collect()
}

/// Creates a token for the caller. Only a session may (a token cannot mint
/// tokens); the `admin` scope only for admins (a guest asking for it gets a
/// 422 on `scopes`, which reveals nothing an admin route would not).
#[tracing::instrument(skip_all, fields(user_id = %who.user_id, token_id = field::Empty))]
pub async fn create(
    pool: &PgPool,
    who: Principal,
    input: NewApiToken,
) -> Result<CreatedApiToken, Error> {
    who.require_session()?;
    let input = validated(input.normalized(), &())?;
    if input.scopes.contains(&Scope::Admin) && who.role != Role::Admin {
        return Err(Error::invalid(
            "scopes",
            "Only admins can create tokens with the admin scope.",
        ));
    }
    let token = format!("{TOKEN_PREFIX}{}", session::random_base64());
    let scopes: Vec<&str> = input.scopes.iter().map(|scope| scope.as_str()).collect();
    // The count and the insert in one statement: under concurrent creates
    // the limit may be passed by a few, which is harmless.
    let row: Option<Row> = sqlx::query_as(
        "insert into api_tokens (user_id, name, token_hash, scopes, expires_at)
         select $1, $2, $3, $4, now() + make_interval(days => $5)
          where (select count(*) from api_tokens
                  where user_id = $1 and (expires_at is null or expires_at > now())) < $6
         returning id, name, scopes, created_at, last_used_at, expires_at",
    )
    .bind(who.user_id)
    .bind(&input.name)
    .bind(session::token_hash(&token))
    .bind(&scopes)
    .bind(input.expires_in_days)
    .bind(MAX_TOKENS_PER_USER)
    .fetch_optional(pool)
    .await
    .on_constraint("api_tokens_name_length", || {
        Error::invalid("name", shared_schema::account::MSG_TOKEN_NAME_TOO_LONG)
    })?;
    let Some(row) = row else {
        // The request is fine; the account's state refuses it.
        return Err(Conflict::new(
            ConflictCode::TooManyTokens,
            format!("You have {MAX_TOKENS_PER_USER} tokens already; revoke one first."),
        )
        .into());
    };
    tracing::Span::current().record("token_id", field::display(row.id));
    tracing::info!(scopes = ?scopes, "API token created");
    Ok(CreatedApiToken {
        token,
        details: row.into(),
    })
}

/// The caller's tokens, newest first, expired ones included (marked by
/// their `expires_at`) so the owner sees why a tool stopped working.
#[tracing::instrument(skip_all, fields(user_id = %who.user_id))]
pub async fn list(pool: &PgPool, who: Principal) -> Result<Vec<ApiToken>, Error> {
    who.require_session()?;
    let rows: Vec<Row> = sqlx::query_as(
        "select id, name, scopes, created_at, last_used_at, expires_at
           from api_tokens where user_id = $1
          order by created_at desc, id",
    )
    .bind(who.user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ApiToken::from).collect())
}

/// Revokes one of the caller's tokens. Someone else's token, or one that is
/// gone, is "not found".
#[tracing::instrument(skip_all, fields(user_id = %who.user_id, token_id = %id))]
pub async fn revoke(pool: &PgPool, who: Principal, id: Uuid) -> Result<(), Error> {
    who.require_session()?;
    let done = sqlx::query("delete from api_tokens where id = $1 and user_id = $2")
        .bind(id)
        .bind(who.user_id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    tracing::info!("API token revoked");
    Ok(())
}

/// The caller behind an API token that exists and has not expired, with
/// the token's scopes (`admin` only while the user is an admin). Moves
/// `last_used_at` at most once a minute, in the same round trip.
pub(super) async fn principal(
    pool: &PgPool,
    token: &str,
) -> Result<Option<Principal>, sqlx::Error> {
    let row: Option<(Uuid, Uuid, Role, Vec<String>)> = sqlx::query_as(
        "with live as (
             select t.id, t.user_id, u.role, t.scopes, t.last_used_at
               from api_tokens t
               join users u on u.id = t.user_id
              where t.token_hash = $1
                and (t.expires_at is null or t.expires_at > now())
         ), touched as (
             update api_tokens t set last_used_at = now()
               from live
              where t.id = live.id
                and (live.last_used_at is null or live.last_used_at < now() - interval '1 minute')
         )
         select id, user_id, role, scopes from live",
    )
    .bind(session::token_hash(token))
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id, user_id, role, scopes)| Principal {
        user_id,
        role,
        scopes: parse_scopes(&scopes).intersect(Scopes::of_role(role)),
        credential: Credential::ApiToken(id),
    }))
}
