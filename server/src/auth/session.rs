//! Session tokens: 256 random bits, given to the client once, stored only as
//! their SHA-256, valid until they expire, go unused for longer than their
//! role's idle timeout, or the user signs out. Also the one lookup that
//! turns any credential a request carries (session or `rbk_` API token)
//! into a [`Principal`].

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use shared_schema::account::TOKEN_PREFIX;
use sqlx::PgPool;

use super::{Principal, Role, SessionSettings, tokens};

/// A fresh random token, URL-safe base64 (43 characters). Never one that
/// starts like an API token (a chance of 1 in 2^24), which the lookup would
/// take for one.
pub fn new_token() -> String {
    loop {
        let token = random_base64();
        if !token.starts_with(TOKEN_PREFIX) {
            return token;
        }
    }
}

/// 256 random bits as URL-safe base64 (43 characters).
pub(super) fn random_base64() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps instead of the token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The caller behind a token: a personal API token when it has the `rbk_`
/// prefix, else a session that has not expired, is younger than its role's
/// absolute lifetime and was used within its role's idle timeout.
///
/// One round trip: the select also moves `last_seen_at` forward, at most
/// once a minute, so a busy client does not write on every request.
pub async fn principal(
    pool: &PgPool,
    settings: SessionSettings,
    token: &str,
) -> Result<Option<Principal>, sqlx::Error> {
    if token.starts_with(TOKEN_PREFIX) {
        return tokens::principal(pool, token).await;
    }
    let row: Option<(uuid::Uuid, Role)> = sqlx::query_as(
        "with live as (
             select s.token_hash, u.id, u.role, s.last_seen_at
               from sessions s
               join users u on u.id = s.user_id
              where s.token_hash = $1
                and s.expires_at > now()
                and s.created_at > now() - make_interval(hours =>
                        case when u.role = 'admin' then $4 else $5 end)
                and s.last_seen_at > now() - make_interval(mins =>
                        case when u.role = 'admin' then $2 else $3 end)
         ), touched as (
             update sessions s set last_seen_at = now()
               from live
              where s.token_hash = live.token_hash
                and live.last_seen_at < now() - interval '1 minute'
         )
         select id, role from live",
    )
    .bind(token_hash(token))
    .bind(settings.admin.idle_minutes)
    .bind(settings.guest.idle_minutes)
    .bind(settings.admin.absolute_hours)
    .bind(settings.guest.absolute_hours)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(user_id, role)| Principal::session(user_id, role)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_url_safe() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn only_a_hash_of_the_token_is_kept() {
        let token = new_token();
        let hash = token_hash(&token);
        assert_eq!(hash.len(), 32);
        assert_eq!(hash, token_hash(&token));
        assert_ne!(hash, token.as_bytes());
    }
}
