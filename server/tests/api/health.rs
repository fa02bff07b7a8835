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
