//! The per-email sign-in backoff: repeated failures for one email slow down
//! every attempt for it, from whatever address they come (the per-client
//! rate limit in `http::rate_limit` cannot see a guesser spread over many).
//!
//! Counted in PostgreSQL (`login_failures`), so every instance shares it,
//! keyed by the SHA-256 of the normalised email: the table holds no
//! addresses, and unknown emails are counted exactly like known ones, so the
//! backoff says nothing about which accounts exist. The first
//! [`FREE_FAILURES`] failures cost nothing; from then on each failure
//! doubles the wait, from [`FIRST_DELAY_SECS`] up to [`MAX_DELAY_SECS`], so
//! nobody can lock an account for longer than that. A day without failures
//! starts the count afresh; a success clears it.
//!
//! Every attempt is counted *before* the password is checked (a success
//! then clears the count), so parallel guesses cannot all get in before the
//! first of them is recorded. An attempt refused by the backoff is not
//! counted and checks no password.

use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::error::Error;

/// Failures in a row that cost no waiting.
pub const FREE_FAILURES: i32 = 5;
/// The wait after the [`FREE_FAILURES`]th failure; it doubles with each more.
pub const FIRST_DELAY_SECS: i32 = 30;
/// The longest wait (15 minutes).
pub const MAX_DELAY_SECS: i32 = 900;

/// What the table keys an email by: never the address itself.
pub(super) fn email_key(email: &str) -> Vec<u8> {
    Sha256::digest(email.trim().to_lowercase().as_bytes()).to_vec()
}

/// Records a sign-in attempt for the email, or refuses it while the email
/// is in its backoff (`RateLimited` with the seconds left).
///
/// One statement: the row lock orders concurrent attempts, and whether this
/// attempt was counted shows in `last_failed_at = now()` (an attempt refused
/// while blocked leaves the row as it was).
pub(super) async fn attempt(pool: &PgPool, key: &[u8]) -> Result<(), Error> {
    let (counted, retry_after_secs): (bool, Option<i64>) = sqlx::query_as(
        "insert into login_failures as f (email_hash, failures, last_failed_at, blocked_until)
         values ($1, 1, now(), case when 1 >= $2 then now() + make_interval(secs => $3) end)
         on conflict (email_hash) do update set
             failures = case
                 when f.blocked_until > now() then f.failures
                 when f.last_failed_at < now() - interval '1 day' then 1
                 else f.failures + 1 end,
             last_failed_at = case when f.blocked_until > now() then f.last_failed_at else now() end,
             blocked_until = case
                 when f.blocked_until > now() then f.blocked_until
                 when f.last_failed_at < now() - interval '1 day' then null
                 when f.failures + 1 >= $2 then now() + make_interval(secs => least(
                     $4::float8,
                     $3::float8 * power(2::float8, least(f.failures + 1 - $2, 30))))
                 else null end
         returning last_failed_at = now(),
                   ceil(extract(epoch from blocked_until - now()))::int8",
    )
    .bind(key)
    .bind(FREE_FAILURES)
    .bind(f64::from(FIRST_DELAY_SECS))
    .bind(f64::from(MAX_DELAY_SECS))
    .fetch_one(pool)
    .await?;
    if counted {
        Ok(())
    } else {
        tracing::info!("sign-in refused: email in backoff");
        Err(Error::RateLimited {
            retry_after_secs: retry_after_secs.map_or(1, |secs| secs.max(1).unsigned_abs()),
        })
    }
}

/// Clears the count after a successful sign-in.
pub(super) async fn succeeded(pool: &PgPool, key: &[u8]) -> Result<(), Error> {
    sqlx::query("delete from login_failures where email_hash = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_keyed_by_a_hash_of_their_normalised_form() {
        let key = email_key(" Ada@Example.COM ");
        assert_eq!(key, email_key("ada@example.com"));
        assert_eq!(key.len(), 32);
        assert_ne!(key, email_key("bob@example.com"));
    }

    #[test]
    fn the_longest_wait_is_fifteen_minutes() {
        assert_eq!(MAX_DELAY_SECS, 15 * 60);
    }
}
