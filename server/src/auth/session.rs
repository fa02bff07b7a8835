//! Session tokens: 256 random bits, given to the client once, stored only as
//! their SHA-256, valid until they expire or the user signs out.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::{Principal, Role};

/// A fresh random token, URL-safe base64 (43 characters).
pub fn new_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps instead of the token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The caller behind a token, if the session exists and has not expired.
pub async fn principal(pool: &PgPool, token: &str) -> Result<Option<Principal>, sqlx::Error> {
    let row: Option<(uuid::Uuid, Role)> = sqlx::query_as(
        "select u.id, u.role
           from sessions s
           join users u on u.id = s.user_id
          where s.token_hash = $1 and s.expires_at > now()",
    )
    .bind(token_hash(token))
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(user_id, role)| Principal { user_id, role }))
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
