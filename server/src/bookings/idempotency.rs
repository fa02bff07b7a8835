//! `Idempotency-Key` on `POST /bookings`, with Stripe's semantics.
//!
//! A client that did not hear the answer to a booking request (timeout,
//! dropped connection) sends it again with the same key and gets the answer
//! the first request got, instead of a second booking:
//!
//! - same user, key and body: the stored status and body, replayed;
//! - same key, different body: 422 `idempotency_key_reused`;
//! - same key while the first request still runs: 409 `idempotency_in_progress`.
//!
//! Only answers that come from running the booking are stored (201 and the
//! 404/409/422 it can decide); a body that fails validation never reaches
//! this module, and on a server-side failure the key is released so a retry
//! can run. A successful booking stores its answer in the booking's own
//! transaction, so a booking never exists without its stored answer. Keys
//! are kept at least 24 hours; an older key counts as new.

use anyhow::Context;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use shared_schema::{FieldErrors, booking::NewBooking};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::repo;
use crate::error::{ApiError, Conflict};

/// Name of the request header (HTTP header names are case-insensitive).
pub const HEADER: &str = "idempotency-key";

/// Longest key accepted, in characters.
pub const MAX_KEY_CHARS: usize = 255;

/// A key that is empty, too long or not printable ASCII.
pub const MSG_KEY_INVALID: &str = "Idempotency-Key must be 1 to 255 printable ASCII characters.";

/// A client-chosen key (a UUID is a good choice), 1 to 255 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Checks a key's length and characters (422 otherwise).
    pub fn parse(key: &str) -> Result<Self, ApiError> {
        let printable = key
            .bytes()
            .all(|byte| byte.is_ascii_graphic() || byte == b' ');
        if key.is_empty() || key.len() > MAX_KEY_CHARS || !printable {
            return Err(invalid_key());
        }
        Ok(Self(key.to_owned()))
    }

    /// The key a request carries, if any.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, ApiError> {
        headers
            .get(HEADER)
            .map(|value| {
                value
                    .to_str()
                    .map_err(|_| invalid_key())
                    .and_then(Self::parse)
            })
            .transpose()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn invalid_key() -> ApiError {
    let mut errors = FieldErrors::new();
    errors.push("Idempotency-Key", MSG_KEY_INVALID);
    ApiError::Validation(errors)
}

/// Where a key's first request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub(super) enum KeyState {
    InProgress,
    Completed,
}

/// An answer stored under a key, sent again as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: StatusCode,
    /// The JSON body: a booking for a 201, a problem document otherwise.
    pub body: String,
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
    Replay(StoredResponse),
    /// The key was used for a different request.
    Reused,
}

/// SHA-256 of the canonical JSON of the validated body: fields in
/// declaration order and defaults filled in, so `"units": 1` and no `units`
/// are the same request.
pub(super) fn request_hash(booking: &NewBooking) -> Result<Vec<u8>, ApiError> {
    let json = serde_json::to_vec(booking).context("cannot serialise a booking request")?;
    Ok(Sha256::digest(json).to_vec())
}

/// Claims the key for this request, or says how to answer instead.
pub(super) async fn begin(
    pool: &PgPool,
    user_id: Uuid,
    key: &IdempotencyKey,
    request_hash: &[u8],
) -> Result<Begin, ApiError> {
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
        if let (KeyState::Completed, Some(status), Some(body)) =
            (row.status, row.response_status, row.response)
        {
            let status = u16::try_from(status)
                .ok()
                .and_then(|status| StatusCode::from_u16(status).ok())
                .context("an idempotency key stores an invalid HTTP status")?;
            return Ok(Begin::Replay(StoredResponse { status, body }));
        }
        return Err(in_progress());
    }
    Err(in_progress())
}

/// The 409 for a duplicate of a request that has not finished.
pub(super) fn in_progress() -> ApiError {
    Conflict::new(
        "idempotency_in_progress",
        "A request with this Idempotency-Key is still being processed. Retry shortly.",
    )
    .into()
}

/// Stores a successful booking's answer inside its transaction; `false` if
/// the claim was taken over meanwhile (then the booking must not commit).
pub(super) async fn complete_in(
    conn: &mut PgConnection,
    claim: &Claim,
    status: StatusCode,
    body: &str,
) -> Result<bool, ApiError> {
    Ok(repo::complete_key(
        conn,
        claim.user_id,
        claim.key.as_str(),
        claim.claimed_at,
        i32::from(status.as_u16()),
        body,
    )
    .await?)
}

/// After the booking failed: stores a client error (the same request would
/// fail the same way until something changes, and a retry must not book
/// after all), or releases the key after a server-side failure so a retry
/// can run. Never fails: the caller already has the error to answer with.
pub(super) async fn settle_failure(pool: &PgPool, claim: Claim, error: &ApiError) {
    if error.status().is_client_error() {
        match store_problem(pool, &claim, error).await {
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

async fn store_problem(pool: &PgPool, claim: &Claim, error: &ApiError) -> Result<(), ApiError> {
    let body = serde_json::to_string(&error.problem()).context("cannot serialise a problem")?;
    let mut conn = pool.acquire().await?;
    // A claim taken over meanwhile belongs to the newer request: leave it.
    complete_in(&mut conn, claim, error.status(), &body).await?;
    Ok(())
}

/// Deletes keys older than 24 hours; returns how many. Run it periodically
/// (hourly is plenty): correctness does not depend on it, since an expired
/// key counts as new anyway, it only keeps the table small.
pub async fn purge_expired_keys(pool: &PgPool) -> Result<u64, ApiError> {
    Ok(repo::purge_keys(pool).await?)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
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
    fn empty_overlong_and_control_character_keys_are_422() {
        for key in ["", &"k".repeat(256), "tab\there"] {
            let error = IdempotencyKey::parse(key).expect_err(key);
            assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let ApiError::Validation(errors) = error else {
                panic!("not a validation error");
            };
            assert_eq!(errors.for_field("Idempotency-Key"), Some(MSG_KEY_INVALID));
        }
    }

    #[test]
    fn a_missing_header_is_no_key_and_a_non_ascii_one_is_422() {
        assert_eq!(
            IdempotencyKey::from_headers(&HeaderMap::new()).ok(),
            Some(None)
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            HEADER,
            HeaderValue::from_bytes("clé".as_bytes()).expect("obs-text is a valid value"),
        );
        assert!(IdempotencyKey::from_headers(&headers).is_err());
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
