use sqlx::PgPool;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn healthz_answers_while_the_process_is_up(pool: PgPool) {
    let app = TestApp::new(pool);
    let response = app.get("/healthz").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, "ok");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn readyz_answers_when_the_database_does(pool: PgPool) {
    let app = TestApp::new(pool);
    let response = app.get("/readyz").await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json(),
        serde_json::json!({"database": "ok", "redis": "off"}),
        "without REDIS_URL Redis is reported off"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn readyz_is_a_503_problem_when_the_database_is_gone(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    pool.close().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status, 503);
    assert_eq!(response.header("content-type"), "application/problem+json");
    assert_eq!(response.header("retry-after"), "2");
    assert_eq!(response.json()["code"], "unavailable");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_answer_carries_security_headers_and_a_request_id(pool: PgPool) {
    let app = TestApp::new(pool);
    let response = app.get("/healthz").await;
    assert!(
        response
            .header("content-security-policy")
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(response.header("x-content-type-options"), "nosniff");
    assert_eq!(response.header("x-frame-options"), "DENY");
    assert_eq!(
        response.header("referrer-policy"),
        "strict-origin-when-cross-origin"
    );
    assert_eq!(
        response.header("x-request-id").len(),
        36,
        "a UUID request id"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_schema_refuses_overbooking_and_backwards_stays(pool: PgPool) {
    let room = crate::helpers::seed_room(&pool, crate::helpers::RoomSeed::default()).await;
    let overbook =
        sqlx::query("update room_availability set booked = total + 1 where room_id = $1")
            .bind(room)
            .execute(&pool)
            .await
            .expect_err("booked > total must be refused");
    assert_eq!(
        overbook.as_database_error().and_then(|e| e.constraint()),
        Some("room_availability_booked_within_total")
    );
    let user: uuid::Uuid = sqlx::query_scalar(
        "insert into users (email, name, password_hash) values ('a@example.com', 'A', 'x') returning id",
    )
    .fetch_one(&pool)
    .await
    .expect("user");
    let backwards = sqlx::query(
        "insert into bookings (reference, user_id, room_id, check_in, check_out, guests, units, total_cents, currency)
         values ('R1', $1, $2, current_date + 2, current_date + 1, 1, 1, 100, 'EUR')",
    )
    .bind(user)
    .bind(room)
    .execute(&pool)
    .await
    .expect_err("check_out before check_in must be refused");
    assert_eq!(
        backwards.as_database_error().and_then(|e| e.constraint()),
        Some("bookings_check_out_after_check_in")
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_allow_only_scripts_with_this_responses_nonce(pool: PgPool) {
    let app = TestApp::new(pool);
    let first = app.get("/").await;
    let second = app.get("/").await;
    let nonce_of = |policy: &str| {
        policy
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split_once('\''))
            .map_or_else(
                || panic!("no nonce in {policy}"),
                |(nonce, _)| nonce.to_owned(),
            )
    };
    let policy = first.header("content-security-policy");
    let nonce = nonce_of(policy);

    assert!(
        !policy.contains("script-src 'self' 'unsafe-inline'"),
        "{policy}"
    );
    assert!(
        first.body.contains(&format!("nonce=\"{nonce}\"")),
        "{}",
        first.body
    );
    assert_ne!(nonce, nonce_of(second.header("content-security-policy")));
    let docs = app.get("/api-docs/").await;
    assert!(
        docs.header("content-security-policy")
            .contains("script-src 'self';"),
        "{}",
        docs.header("content-security-policy")
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn request_ids_are_ours_even_when_the_client_sends_one(pool: PgPool) {
    let app = TestApp::new(pool);
    let request = axum::http::Request::get("/healthz")
        .header("x-request-id", "attacker-chosen-id")
        .body(axum::body::Body::empty())
        .expect("request");
    let response = app.request(request).await;
    let id = response.header("x-request-id");
    assert_eq!(id.len(), 36, "a UUID, not the client's: {id}");
    assert!(!id.contains("attacker"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn answers_to_a_signed_in_caller_are_not_stored(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = crate::helpers::create_user(&pool, "guest").await;
    let mine = app
        .json(
            axum::http::Method::GET,
            "/api/v1/auth/me",
            Some(&user),
            None,
        )
        .await;
    let page = app.get_with_session("/bookings", &user).await;
    let anonymous = app.get("/healthz").await;

    assert_eq!(mine.header("cache-control"), "no-store");
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(anonymous.header("cache-control"), "");
}
