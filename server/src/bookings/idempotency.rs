//! `Idempotency-Key` on `POST /bookings`, with Stripe's semantics.
//!
//! A client that did not hear the answer to a booking request (timeout,
//! dropped connection) sends it again with the same key and gets the answer
//! the first request got, instead of a second booking:
//!
//! - same user, key and body: the stored outcome (the booking, or why it
//!   was refused), replayed;
//! - same key, different body: 422 `idempotency_key_reused`;
//! - same key while the first request still runs: 409 `idempotency_in_progress`.
//!
//! Only outcomes of running the booking are stored (the booking, or the
//! refusal it decided: not found, sold out, too many guests); a body that
//! fails validation never reaches this module, and on a server-side failure
//! the key is released so a retry can run. A successful booking stores its
//! outcome in the booking's own transaction, so a booking never exists
//! without it. What is stored is the use case's outcome, not an HTTP
//! response: each door renders it as it renders a fresh one. Keys are kept
//! at least 24 hours; an older key counts as new.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared_schema::{ConflictCode, FieldErrors, booking::NewBooking, dto::Booking};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::repo;
use crate::error::{Conflict, Error};

/// Name of the request header that carries the key, as messages name it.
pub const HEADER_NAME: &str = "Idempotency-Key";

/// Longest key accepted, in characters.
pub const MAX_KEY_CHARS: usize = 255;

/// A key that is empty, too long or not printable ASCII.
pub const MSG_KEY_INVALID: &str = "Idempotency-Key must be 1 to 255 printable ASCII characters.";

/// A client-chosen key (a UUID is a good choice), 1 to 255 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Checks a key's length and characters (422 otherwise).
    pub fn parse(key: &str) -> Result<Self, Error> {
        let printable = key
            .bytes()
            .all(|byte| byte.is_ascii_graphic() || byte == b' ');
        if key.is_empty() || key.len() > MAX_KEY_CHARS || !printable {
            return Err(invalid_key());
        }
        Ok(Self(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn invalid_key() -> Error {
    Error::invalid(HEADER_NAME, MSG_KEY_INVALID)
}

/// Where a key's first request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(super) enum KeyState {
    InProgress,
    Completed,
}

/// The outcome stored under a key, answered again to a retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredOutcome {
    /// The stay was booked.
    Booked(Booking),
    /// The booking was refused, for a reason a retry would meet again.
    Refused(Refusal),
}

/// A refusal the booking decided, in a form that can be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    NotFound,
    Conflict(Conflict),
    Invalid { errors: FieldErrors },
}

impl Refusal {
    /// The storable form of `error`, if it is a refusal (not our fault).
    fn of(error: &Error) -> Option<Self> {
        match error {
            Error::NotFound => Some(Self::NotFound),
            Error::Conflict(conflict) => Some(Self::Conflict(conflict.clone())),
            Error::Validation(errors) => Some(Self::Invalid {
                errors: errors.clone(),
            }),
            _ => None,
        }
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => Self::NotFound,
            Refusal::Conflict(conflict) => Self::Conflict(conflict),
            Refusal::Invalid { errors } => Self::Validation(errors),
        }
    }
}

/// This request's hold on a key, identified by when it was claimed.
#[derive(Debug)]
pub(super) struct Claim {
    user_id: Uuid,
    key: IdempotencyKey,
    claimed_at: DateTime<Utc>,
}

impl Claim {
    pub(super) fn key(&self) -> &str {
        self.key.as_str()
    }
}

/// What to do with a request that carries a key.
#[derive(Debug)]
pub(super) enum Begin {
    /// The key is new (or expired): run the request.
    Claimed(Claim),
    /// The same request ran before: answer what it got.
    Replay(StoredOutcome),
    /// The key was used for a different request.
    Reused,
}

/// SHA-256 of the canonical JSON of the validated body: fields in
/// declaration order and defaults filled in, so `"units": 1` and no `units`
/// are the same request.
pub(super) fn request_hash(booking: &NewBooking) -> Result<Vec<u8>, Error> {
    let json = serde_json::to_vec(booking).context("cannot serialise a booking request")?;
    Ok(Sha256::digest(json).to_vec())
}

/// Claims the key for this request, or says how to answer instead.
pub(super) async fn begin(
    pool: &PgPool,
    user_id: Uuid,
    key: &IdempotencyKey,
    request_hash: &[u8],
) -> Result<Begin, Error> {
    // A row can disappear between the claim and the look-up (its request
    // failed and released it); then the next claim wins it.
    for _ in 0..3 {
        if let Some(claimed_at) = repo::claim_key(pool, user_id, key.as_str(), request_hash).await?
        {
            return Ok(Begin::Claimed(Claim {
                user_id,
                key: key.clone(),
                claimed_at,
            }));
        }
        let Some(row) = repo::find_key(pool, user_id, key.as_str()).await? else {
            continue;
        };
        if row.request_hash != request_hash {
            return Ok(Begin::Reused);
        }
        if let (KeyState::Completed, Some(outcome)) = (row.status, row.outcome) {
            let outcome = serde_json::from_str(&outcome)
                .context("an idempotency key stores an unreadable outcome")?;
            return Ok(Begin::Replay(outcome));
        }
        return Err(in_progress());
    }
    Err(in_progress())
}

/// The 409 for a duplicate of a request that has not finished.
pub(super) fn in_progress() -> Error {
    Conflict::new(
        ConflictCode::IdempotencyInProgress,
        "A request with this Idempotency-Key is still being processed. Retry shortly.",
    )
    .into()
}

/// Stores an outcome under a claim, inside the caller's transaction for a
/// booking; `false` if the claim was taken over meanwhile (then the booking
/// must not commit).
pub(super) async fn complete_in(
    conn: &mut PgConnection,
    claim: &Claim,
    outcome: &StoredOutcome,
) -> Result<bool, Error> {
    let outcome = serde_json::to_string(outcome).context("cannot serialise an outcome")?;
    Ok(repo::complete_key(
        conn,
        claim.user_id,
        claim.key.as_str(),
        claim.claimed_at,
        &outcome,
    )
    .await?)
}

/// After the booking failed: stores a client error (the same request would
/// fail the same way until something changes, and a retry must not book
/// after all), or releases the key after a server-side failure so a retry
/// can run. Never fails: the caller already has the error to answer with.
pub(super) async fn settle_failure(pool: &PgPool, claim: Claim, error: &Error) {
    if let Some(refusal) = Refusal::of(error) {
        match store_refusal(pool, &claim, refusal).await {
            Ok(()) => return,
            Err(store_error) => {
                tracing::warn!(error = ?store_error, "could not store an idempotent answer");
            }
        }
    }
    if let Err(release_error) =
        repo::release_key(pool, claim.user_id, claim.key.as_str(), claim.claimed_at).await
    {
        // The claim expires as abandoned after a minute anyway.
        tracing::warn!(error = ?release_error, "could not release an idempotency key");
    }
}

async fn store_refusal(pool: &PgPool, claim: &Claim, refusal: Refusal) -> Result<(), Error> {
    let mut conn = pool.acquire().await?;
    // A claim taken over meanwhile belongs to the newer request: leave it.
    complete_in(&mut conn, claim, &StoredOutcome::Refused(refusal)).await?;
    Ok(())
}

/// Deletes keys older than 24 hours; returns how many. Run it periodically
/// (hourly is plenty): correctness does not depend on it, since an expired
/// key counts as new anyway, it only keeps the table small.
pub async fn purge_expired_keys(pool: &PgPool) -> Result<u64, Error> {
    Ok(repo::purge_keys(pool).await?)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn booking(units: i32) -> NewBooking {
        let day = |d| NaiveDate::from_ymd_opt(2030, 1, d).expect("date");
        NewBooking {
            room_id: Uuid::nil(),
            check_in: day(10),
            check_out: day(12),
            guests: 2,
            units,
        }
    }

    #[test]
    fn keys_of_1_to_255_printable_characters_are_accepted() {
        for key in [
            "a",
            "3f6c1e9a-0b7d-4a57-9a43-2d1f4c0e8b21",
            &"k".repeat(255),
        ] {
            assert_eq!(IdempotencyKey::parse(key).expect("valid").as_str(), key);
        }
    }

    #[test]
    fn empty_overlong_and_control_character_keys_are_refused() {
        for key in ["", &"k".repeat(256), "tab\there", "clé"] {
            let Err(Error::Validation(errors)) = IdempotencyKey::parse(key) else {
                panic!("{key:?} is not a validation error");
            };
            assert_eq!(errors.for_field(HEADER_NAME), Some(MSG_KEY_INVALID));
        }
    }

    #[test]
    fn refusals_survive_storage_and_server_faults_are_not_stored() {
        let conflict = Conflict::new(ConflictCode::SoldOut, "Sold out.")
            .with_nights(vec![NaiveDate::from_ymd_opt(2030, 1, 2).expect("date")]);
        let stored = StoredOutcome::Refused(
            Refusal::of(&Error::Conflict(conflict.clone())).expect("a refusal"),
        );
        let json = serde_json::to_string(&stored).expect("serialises");
        let back: StoredOutcome = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, StoredOutcome::Refused(Refusal::Conflict(conflict)));
        assert!(Refusal::of(&Error::Unavailable).is_none());
    }

    #[test]
    fn the_hash_is_of_the_request_not_of_its_spelling() {
        let explicit: NewBooking = serde_json::from_str(
            r#"{"units":1,"guests":2,"check_out":"2030-01-12","check_in":"2030-01-10",
                "room_id":"00000000-0000-0000-0000-000000000000"}"#,
        )
        .expect("json");
        let defaulted: NewBooking = serde_json::from_str(
            r#"{"room_id":"00000000-0000-0000-0000-000000000000",
                "check_in":"2030-01-10","check_out":"2030-01-12","guests":2}"#,
        )
        .expect("json");
        let hash = request_hash(&booking(1)).expect("hash");
        assert_eq!(request_hash(&explicit).expect("hash"), hash);
        assert_eq!(request_hash(&defaulted).expect("hash"), hash);
        assert_ne!(request_hash(&booking(2)).expect("hash"), hash);
        assert_eq!(hash.len(), 32);
    }
}
