//! `/metrics`: what each instance counts, in the Prometheus text format.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use serde_json::json;
use sqlx::PgPool;
use tower::ServiceExt;

use crate::{
    helpers::{RoomSeed, TestUser, create_user, form_body, in_days, seed_room},
    shared_state::Instance,
};

fn post_json(uri: &str, user: &TestUser, body: &serde_json::Value, key: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::AUTHORIZATION, format!("Bearer {}", user.token))
        .header(header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .expect("request")
}

#[track_caller]
fn assert_has(metrics: &str, line: &str) {
    assert!(
        metrics.lines().any(|l| l == line),
        "no line `{line}` in\n{metrics}"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn requests_are_counted_by_route_and_status_class(pool: PgPool) {
    let app = Instance::new(pool, |config| config.rate_limit_per_minute = 2);
    let get = |uri: &str| Request::get(uri).body(Body::empty()).expect("request");
    app.send(get("/healthz"), "203.0.113.1").await;
    app.send(get("/healthz"), "203.0.113.1").await;
    app.send(get("/api/v1/rooms/not-a-uuid"), "203.0.113.1")
        .await;
    app.send(get("/api/v1/rooms/not-a-uuid"), "203.0.113.1")
        .await;
    let limited = app
        .send(get("/api/v1/rooms/not-a-uuid"), "203.0.113.1")
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    app.send(get("/no/such/page/7f3a"), "203.0.113.2").await;

    let metrics = app.metrics();
    assert_has(
        &metrics,
        r#"roombook_http_requests_total{method="GET",route="/healthz",status="2xx"} 2"#,
    );
    assert_has(
        &metrics,
        r#"roombook_http_requests_total{method="GET",route="/api/v1/rooms/{id}",status="4xx"} 3"#,
    );
    assert_has(
        &metrics,
        r#"roombook_http_request_duration_seconds_count{method="GET",route="/healthz"} 2"#,
    );
    assert_has(
        &metrics,
        r#"roombook_rate_limit_rejections_total{limit="general"} 1"#,
    );
    // Raw paths never become labels.
    assert!(!metrics.contains("7f3a"), "{metrics}");
    assert!(!metrics.contains("not-a-uuid"), "{metrics}");
    // Without Redis there is no Redis series.
    assert!(!metrics.contains("redis_up"), "{metrics}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn bookings_created_conflicted_and_cancelled_are_counted_once(pool: PgPool) {
    let (room, guest) = one_unit_room_and_guest(&pool).await;
    let app = Instance::new(pool.clone(), |config| {
        config.rate_limit_per_minute = 1_000;
    });
    let stay = json!({
        "room_id": room,
        "check_in": in_days(2),
        "check_out": in_days(4),
        "guests": 1,
        "units": 1,
    });
    let booked = app
        .send(
            post_json("/api/v1/bookings", &guest, &stay, "k1"),
            "203.0.113.5",
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.body);
    // A replay of the same request is not a second booking.
    let replay = app
        .send(
            post_json("/api/v1/bookings", &guest, &stay, "k1"),
            "203.0.113.5",
        )
        .await;
    assert_eq!(replay.status, StatusCode::CREATED);
    let sold_out = app
        .send(
            post_json("/api/v1/bookings", &guest, &stay, "k2"),
            "203.0.113.5",
        )
        .await;
    assert_eq!(sold_out.status, StatusCode::CONFLICT, "{}", sold_out.body);
    let id = serde_json::from_str::<serde_json::Value>(&booked.body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let cancelled = app
        .send(
            post_json(
                &format!("/api/v1/bookings/{id}/cancel"),
                &guest,
                &json!({}),
                "k3",
            ),
            "203.0.113.5",
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);

    assert_one_of_each_counted(&app.metrics(), "api", "ui");
}

/// One booking created, one refused as sold out and one cancelled, all
/// through `door`, none through `other`.
#[track_caller]
fn assert_one_of_each_counted(metrics: &str, door: &str, other: &str) {
    for counter in ["created", "conflicted", "cancelled"] {
        assert_has(
            metrics,
            &format!(r#"roombook_bookings_{counter}_total{{door="{door}"}} 1"#),
        );
    }
    assert!(
        !metrics.contains(&format!(r#"door="{other}""#)),
        "{metrics}"
    );
}

/// A room with a single unit (so a second booking is sold out) and a guest.
async fn one_unit_room_and_guest(pool: &PgPool) -> (uuid::Uuid, TestUser) {
    let room = seed_room(
        pool,
        RoomSeed {
            units: 1,
            ..RoomSeed::default()
        },
    )
    .await;
    (room, create_user(pool, "guest").await)
}

/// A server function's form post, as the browser's booking page sends it.
fn server_function(path: &str, user: &TestUser, fields: &[(&str, &str)]) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, format!("roombook_session={}", user.token))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(form_body(fields.iter().copied())))
        .expect("request")
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn bookings_through_the_browsers_server_functions_are_counted_too(pool: PgPool) {
    let (room, guest) = one_unit_room_and_guest(&pool).await;
    let room = room.to_string();
    let app = Instance::new(pool.clone(), |config| {
        config.rate_limit_per_minute = 1_000;
    });
    let (check_in, check_out) = (in_days(2).to_string(), in_days(4).to_string());
    let stay = [
        ("room_id", room.as_str()),
        ("form[check_in]", check_in.as_str()),
        ("form[check_out]", check_out.as_str()),
        ("form[guests]", "1"),
        ("form[units]", "1"),
    ];
    let booked = app
        .send(server_function("/api/book", &guest, &stay), "203.0.113.6")
        .await;
    assert_eq!(booked.status, StatusCode::OK, "{}", booked.body);
    // The only unit is taken now: sold out.
    let sold_out = app
        .send(server_function("/api/book", &guest, &stay), "203.0.113.6")
        .await;
    assert_ne!(sold_out.status, StatusCode::OK, "{}", sold_out.body);
    let id: String = sqlx::query_scalar("select id::text from bookings where room_id = $1::uuid")
        .bind(&room)
        .fetch_one(&pool)
        .await
        .expect("the booking");
    let cancelled = app
        .send(
            server_function("/api/cancel_booking", &guest, &[("id", id.as_str())]),
            "203.0.113.6",
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);

    assert_one_of_each_counted(&app.metrics(), "ui", "api");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_metrics_endpoint_serves_the_text_format_with_pool_gauges(pool: PgPool) {
    let app = Instance::new(pool, |_| {});
    // The public router has no /metrics.
    let public = app
        .send(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("request"),
            "203.0.113.9",
        )
        .await;
    let response = server::http::metrics::router(app.state.clone())
        .oneshot(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("application/openmetrics-text")
    );
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains(r#"roombook_db_pool_connections{state="idle"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"roombook_db_pool_connections{state="in_use"}"#),
        "{text}"
    );
    assert!(text.contains("# TYPE roombook_http_request_duration_seconds histogram"));
    assert!(text.ends_with("# EOF\n"));
    assert!(!public.body.contains("roombook_http_requests_total"));
}
