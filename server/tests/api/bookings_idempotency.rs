//! `Idempotency-Key` on `POST /api/v1/bookings` (Stripe's semantics).

use axum::http::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use shared_schema::booking::NewBooking;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    bookings::{BOOKINGS, booked_by_night, booking_count, stay},
    helpers::{RoomSeed, TestApp, TestResponse, TestUser, create_user, seed_room},
};

async fn book_with_key(app: &TestApp, user: &TestUser, key: &str, body: Value) -> TestResponse {
    app.json_with_headers(
        Method::POST,
        BOOKINGS,
        Some(user),
        Some(body),
        &[("Idempotency-Key", key)],
    )
    .await
}

async fn booked_total(pool: &PgPool, room: Uuid) -> i32 {
    booked_by_night(pool, room)
        .await
        .iter()
        .map(|(_, booked)| booked)
        .sum()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_retry_after_a_lost_response_returns_the_same_booking_and_books_once(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let key = Uuid::new_v4().to_string();

    // The client never sees this answer (lost on the way back) ...
    let lost = book_with_key(&app, &guest, &key, stay(room, 2, 4, 2, 2)).await;
    assert_eq!(lost.status, 201, "{}", lost.body);
    assert_eq!(lost.header("idempotent-replayed"), "");
    // ... so it sends the same request again.
    let retry = book_with_key(&app, &guest, &key, stay(room, 2, 4, 2, 2)).await;

    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.header("idempotent-replayed"), "true");
    assert_eq!(retry.header("content-type"), "application/json");
    assert_eq!(retry.header("location"), lost.header("location"));
    assert_eq!(
        retry.json(),
        lost.json(),
        "same id, reference and everything"
    );
    assert_eq!(booking_count(&pool).await, 1);
    assert_eq!(
        booked_total(&pool, room).await,
        2 * 2,
        "two nights, two units, once"
    );
    let stored_key: Option<String> = sqlx::query_scalar("select idempotency_key from bookings")
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(stored_key.as_deref(), Some(key.as_str()));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_same_key_with_a_different_body_is_a_422(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;

    let first = book_with_key(&app, &guest, "order-17", stay(room, 2, 4, 1, 1)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let other = book_with_key(&app, &guest, "order-17", stay(room, 2, 5, 1, 1)).await;

    assert_eq!(other.status, 422, "{}", other.body);
    assert_eq!(other.header("content-type"), "application/problem+json");
    assert_eq!(other.json()["code"], "idempotency_key_reused");
    assert_eq!(booking_count(&pool).await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_omitted_default_is_the_same_request(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let mut without_units = stay(room, 2, 4, 1, 1);
    without_units
        .as_object_mut()
        .expect("object")
        .remove("units");

    let first = book_with_key(&app, &guest, "k", stay(room, 2, 4, 1, 1)).await;
    let again = book_with_key(&app, &guest, "k", without_units).await;

    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(booking_count(&pool).await, 1);
}

/// The hash the server keeps: SHA-256 of the validated body's JSON.
fn request_hash(body: &Value) -> Vec<u8> {
    let booking: NewBooking = serde_json::from_value(body.clone()).expect("a booking");
    Sha256::digest(serde_json::to_vec(&booking).expect("json")).to_vec()
}

async fn insert_in_progress_key(
    pool: &PgPool,
    user: &TestUser,
    key: &str,
    body: &Value,
    age: &str,
) {
    sqlx::query(
        "insert into idempotency_keys (user_id, key, request_hash, created_at)
         values ($1, $2, $3, now() - $4::interval)",
    )
    .bind(user.id)
    .bind(key)
    .bind(request_hash(body))
    .bind(age)
    .execute(pool)
    .await
    .expect("insert key");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_duplicate_sent_while_the_first_is_in_progress_is_a_409(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let body = stay(room, 2, 4, 1, 1);
    // The first request has claimed the key and is still booking.
    insert_in_progress_key(&pool, &guest, "busy", &body, "1 second").await;

    let duplicate = book_with_key(&app, &guest, "busy", body).await;

    assert_eq!(duplicate.status, 409, "{}", duplicate.body);
    assert_eq!(duplicate.json()["code"], "idempotency_in_progress");
    assert_eq!(booking_count(&pool).await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_key_abandoned_in_progress_for_over_a_minute_is_taken_over(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let body = stay(room, 2, 4, 1, 1);
    // Its request was dropped (timeout, disconnect) before it could finish.
    insert_in_progress_key(&pool, &guest, "dropped", &body, "2 minutes").await;

    let retry = book_with_key(&app, &guest, "dropped", body).await;

    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(booking_count(&pool).await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_stored_409_is_replayed_even_after_rooms_free_up(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    sqlx::query("update room_availability set booked = total where room_id = $1")
        .bind(room)
        .execute(&pool)
        .await
        .expect("fill the room");

    let first = book_with_key(&app, &guest, "full", stay(room, 2, 4, 1, 1)).await;
    assert_eq!(first.status, 409, "{}", first.body);
    sqlx::query("update room_availability set booked = 0 where room_id = $1")
        .bind(room)
        .execute(&pool)
        .await
        .expect("free the room");
    let retry = book_with_key(&app, &guest, "full", stay(room, 2, 4, 1, 1)).await;

    assert_eq!(retry.status, 409, "{}", retry.body);
    assert_eq!(retry.header("content-type"), "application/problem+json");
    assert_eq!(retry.header("idempotent-replayed"), "true");
    assert_eq!(retry.json(), first.json());
    assert_eq!(booking_count(&pool).await, 0);
    // A new key is a new request.
    let fresh = book_with_key(&app, &guest, "full-2", stay(room, 2, 4, 1, 1)).await;
    assert_eq!(fresh.status, 201, "{}", fresh.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_request_that_fails_validation_does_not_use_up_its_key(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;

    let invalid = book_with_key(&app, &guest, "typo", stay(room, 4, 2, 1, 1)).await;
    assert_eq!(invalid.status, 422, "{}", invalid.body);
    assert_eq!(invalid.json()["code"], "validation_failed");
    let fixed = book_with_key(&app, &guest, "typo", stay(room, 2, 4, 1, 1)).await;

    assert_eq!(fixed.status, 201, "{}", fixed.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn keys_belong_to_one_user(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let alice = create_user(&pool, "guest").await;
    let bob = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;

    let hers = book_with_key(&app, &alice, "same", stay(room, 2, 4, 1, 1)).await;
    let his = book_with_key(&app, &bob, "same", stay(room, 2, 4, 1, 1)).await;

    assert_eq!(hers.status, 201, "{}", hers.body);
    assert_eq!(his.status, 201, "{}", his.body);
    assert_ne!(his.json()["id"], hers.json()["id"]);
    assert_eq!(booking_count(&pool).await, 2);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_key_older_than_24_hours_counts_as_new_and_is_purged(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let first = book_with_key(&app, &guest, "old", stay(room, 2, 4, 1, 1)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let recent = book_with_key(&app, &guest, "recent", stay(room, 5, 6, 1, 1)).await;
    assert_eq!(recent.status, 201, "{}", recent.body);
    sqlx::query(
        "update idempotency_keys set created_at = now() - interval '25 hours' where key = 'old'",
    )
    .execute(&pool)
    .await
    .expect("age the key");

    let again = book_with_key(&app, &guest, "old", stay(room, 2, 4, 1, 1)).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), "");
    assert_ne!(again.json()["id"], first.json()["id"]);

    sqlx::query(
        "update idempotency_keys set created_at = now() - interval '25 hours' where key = 'old'",
    )
    .execute(&pool)
    .await
    .expect("age the key");
    let purged = server::bookings::purge_expired_keys(&pool)
        .await
        .expect("purge");
    assert_eq!(purged, 1);
    let left: Vec<String> = sqlx::query_scalar("select key from idempotency_keys")
        .fetch_all(&pool)
        .await
        .expect("keys");
    assert_eq!(left, ["recent"]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_empty_or_overlong_key_is_a_422(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;

    for key in [String::new(), "k".repeat(256)] {
        let response = book_with_key(&app, &guest, &key, stay(room, 2, 4, 1, 1)).await;
        assert_eq!(response.status, 422, "{}", response.body);
        assert_eq!(
            response.json()["errors"],
            json!([{
                "field": "Idempotency-Key",
                "message": "Idempotency-Key must be 1 to 255 printable ASCII characters."
            }])
        );
    }
    let longest = book_with_key(&app, &guest, &"k".repeat(255), stay(room, 2, 4, 1, 1)).await;
    assert_eq!(longest.status, 201, "{}", longest.body);
    assert_eq!(booking_count(&pool).await, 1);
}
