//! Password hashing: argon2id with the crate's defaults (m=19456 KiB, t=2,
//! p=1), stored as a PHC string in `users.password_hash`.
//!
//! Hashing and verifying take tens of milliseconds of CPU and 19 MiB of
//! memory each on purpose, so both run on the blocking thread pool, never on
//! an async worker, and at most one per core at a time ([`HASHING`]): a
//! sign-up or sign-in burst queues for a permit instead of starting a
//! hundred 19 MiB hashes at once. The bound caps the peak; giving the
//! memory back afterwards is the allocator's part (mimalloc, `main.rs`;
//! ADR 0010 has the figures). A request that waits longer than
//! [`PERMIT_WAIT`] gets 503 with `Retry-After`, so a flood cannot queue
//! without end.
//! Nothing here logs a password or a hash.

use std::{sync::LazyLock, time::Duration};

use anyhow::Context;
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use tokio::sync::Semaphore;

use crate::error::Error;

/// One permit per hash that may run at once: one per core. More would not
/// finish sooner (each hash keeps a core busy) and would only hold more
/// memory.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
});

/// How long a request waits for a hashing permit before it gets 503: a
/// queue longer than this is a flood, not a burst of real users.
const PERMIT_WAIT: Duration = Duration::from_secs(1);

/// A hash no password is known for, made once with the same parameters as
/// real ones. Login verifies against it when the email is unknown, so an
/// unknown email costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut secret = [0_u8; 32];
    argon2::password_hash::rand_core::RngCore::fill_bytes(&mut OsRng, &mut secret);
    hash_blocking(&secret).expect("argon2 with default parameters hashes any input")
});

/// Computes the dummy hash ahead of the first login, so that login does not
/// pay for it (and so answer more slowly for the first unknown email).
/// Blocking: call it on the blocking pool.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

/// The PHC string of `password` with a fresh random salt.
pub async fn hash(password: String) -> Result<String, Error> {
    let phc = bounded(move || hash_blocking(password.as_bytes()))
        .await?
        .context("cannot hash a password")?;
    Ok(phc)
}

/// Whether `password` matches the stored PHC string; with `None` (no such
/// account) it checks against the dummy hash and answers `false`, taking the
/// same time.
pub async fn verify(password: String, phc: Option<String>) -> Result<bool, Error> {
    bounded(move || {
        if let Some(phc) = phc {
            verify_blocking(password.as_bytes(), &phc)
        } else {
            verify_blocking(password.as_bytes(), &DUMMY_HASH);
            false
        }
    })
    .await
}

/// Runs `work` on the blocking pool once a [`HASHING`] permit is free, or
/// answers 503 after [`PERMIT_WAIT`]. The permit moves into the blocking
/// task, so a request dropped meanwhile (timeout, closed connection) still
/// counts until its hash has really finished.
async fn bounded<T, F>(work: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    bounded_by(&HASHING, PERMIT_WAIT, work).await
}

async fn bounded_by<T, F>(permits: &'static Semaphore, wait: Duration, work: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    crate::blocking::bounded(permits, wait, "password hashing", work).await
}

fn hash_blocking(password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password, &salt)?
        .to_string())
}

/// The parameters come from the PHC string, so hashes made with older
/// parameters keep working.
fn verify_blocking(password: &[u8], phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => match Argon2::default().verify_password(password, &parsed) {
            Ok(()) => true,
            Err(argon2::password_hash::Error::Password) => false,
            Err(error) => {
                tracing::error!(%error, "stored password hash cannot be checked");
                false
            }
        },
        Err(error) => {
            // A corrupt stored hash is our bug, but the caller still gets
            // the uniform answer, after the usual amount of work.
            tracing::error!(%error, "stored password hash is not a PHC string");
            verify_blocking(password, &DUMMY_HASH);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crate's default, as the issue asks: argon2id, v1.3, 19 MiB, 2 passes.
    const PHC_PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_with_a_fresh_salt() {
        let a = hash("correct horse battery".to_owned())
            .await
            .expect("hash");
        let b = hash("correct horse battery".to_owned())
            .await
            .expect("hash");
        assert!(a.starts_with(PHC_PREFIX), "{a}");
        assert!(!a.contains("correct horse"));
        assert_ne!(a, b, "every hash has its own salt");
    }

    #[tokio::test]
    async fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let phc = hash("correct horse battery".to_owned())
            .await
            .expect("hash");
        let check = |password: &str| verify(password.to_owned(), Some(phc.clone()));
        assert!(check("correct horse battery").await.expect("verify"));
        assert!(!check("correct horse battery ").await.expect("verify"));
        assert!(!check("Correct horse battery").await.expect("verify"));
        assert!(!check("").await.expect("verify"));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(
            !verify("anything at all".to_owned(), None)
                .await
                .expect("verify")
        );
        assert!(
            DUMMY_HASH.starts_with(PHC_PREFIX),
            "same cost as real hashes"
        );
    }

    #[tokio::test]
    async fn a_request_that_waits_too_long_for_a_permit_is_503_and_the_next_one_runs() {
        static ONE: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(1));
        let held = ONE.acquire().await.expect("permit");
        let refused = bounded_by(&ONE, Duration::from_millis(50), || 1).await;
        assert!(matches!(refused, Err(Error::Unavailable)), "{refused:?}");
        drop(held);
        let ran = bounded_by(&ONE, Duration::from_millis(50), || 2).await;
        assert_eq!(ran.ok(), Some(2));
    }

    #[tokio::test]
    async fn a_dropped_request_keeps_its_permit_until_its_hash_is_done() {
        static ONE: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(1));
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (finish_tx, finish_rx) = std::sync::mpsc::channel::<()>();
        let request = tokio::spawn(bounded_by(&ONE, Duration::from_secs(5), move || {
            started_tx.send(()).ok();
            finish_rx.recv().ok();
        }));
        tokio::task::spawn_blocking(move || started_rx.recv())
            .await
            .expect("join")
            .expect("the work started");
        request.abort();
        assert_eq!(ONE.available_permits(), 0, "the work still runs");
        finish_tx.send(()).expect("the work waits");
        let freed = tokio::time::timeout(Duration::from_secs(5), ONE.acquire())
            .await
            .expect("the permit comes back once the work is done");
        assert!(freed.is_ok());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_a_mismatch_not_a_panic() {
        for phc in ["not-a-real-hash", "", "$argon2id$v=19$m=19456,t=2,p=1$x$y"] {
            assert!(
                !verify("anything at all".to_owned(), Some(phc.to_owned()))
                    .await
                    .expect("verify"),
                "{phc:?}"
            );
        }
    }
}
