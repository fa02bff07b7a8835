use std::net::SocketAddr;

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode},
};
use sqlx::PgPool;

use crate::helpers::{TestApp, TestResponse};

fn limited_app(pool: PgPool, per_minute: u32, auth_per_15_min: u32) -> TestApp {
    TestApp::with_config(pool, |config| {
        config.rate_limit_per_minute = per_minute;
        config.auth_rate_limit_per_15_min = auth_per_15_min;
        config.trusted_proxies = vec!["10.0.0.0/8".parse().expect("network")];
    })
}

async fn get_from(
    app: &TestApp,
    peer: &str,
    forwarded_for: Option<&str>,
    uri: &str,
) -> TestResponse {
    let mut request = Request::get(uri);
    if let Some(header) = forwarded_for {
        request = request.header("x-forwarded-for", header);
    }
    from_peer(app, request.body(Body::empty()).expect("request"), peer).await
}

const SEARCH: &str = "/api/v1/rooms?check_in=2099-01-01&check_out=2099-01-02";

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_client_over_its_budget_gets_a_429_problem_with_retry_after(pool: PgPool) {
    let app = limited_app(pool, 3, 100);
    for _ in 0..3 {
        assert_ne!(
            get_from(&app, "203.0.113.1", None, SEARCH).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    let limited = get_from(&app, "203.0.113.1", None, SEARCH).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.header("content-type"), "application/problem+json");
    assert_eq!(limited.json()["code"], "rate_limited");
    let retry_after: u64 = limited.header("retry-after").parse().expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");

    // Another client has its own budget; health checks are never limited.
    assert_ne!(
        get_from(&app, "203.0.113.2", None, SEARCH).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        get_from(&app, "203.0.113.1", None, "/healthz").await.status,
        StatusCode::OK
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn forwarded_headers_count_only_from_trusted_proxies(pool: PgPool) {
    let app = limited_app(pool, 1, 100);
    // An untrusted client cannot dodge its limit by inventing addresses.
    assert_ne!(
        get_from(&app, "203.0.113.9", Some("1.1.1.1"), SEARCH)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        get_from(&app, "203.0.113.9", Some("2.2.2.2"), SEARCH)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Behind the trusted proxy, each real client (rightmost untrusted entry)
    // has its own budget, whatever it wrote further left.
    assert_ne!(
        get_from(&app, "10.0.0.5", Some("6.6.6.6, 198.51.100.1"), SEARCH)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_ne!(
        get_from(&app, "10.0.0.5", Some("198.51.100.2"), SEARCH)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        get_from(&app, "10.0.0.5", Some("7.7.7.7, 198.51.100.1"), SEARCH)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn login(app: &TestApp) -> TestResponse {
    let request = Request::post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"email":"nobody@example.com","password":"wrong password!"}"#,
        ))
        .expect("request");
    from_peer(app, request, "203.0.113.50").await
}

/// The browser's door to the same use case: the sign-in server function.
async fn login_in_browser(app: &TestApp) -> TestResponse {
    let request = Request::post("/api/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(
            "input[email]=nobody%40example.com&input[password]=wrong+password%21",
        ))
        .expect("request");
    from_peer(app, request, "203.0.113.50").await
}

async fn from_peer(app: &TestApp, mut request: Request<Body>, peer: &str) -> TestResponse {
    let peer: SocketAddr = format!("{peer}:40000").parse().expect("peer");
    request.extensions_mut().insert(ConnectInfo(peer));
    app.request(request).await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_in_attempts_have_a_smaller_budget_of_their_own(pool: PgPool) {
    let app = limited_app(pool, 100, 2);
    assert_eq!(login(&app).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&app).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&app).await.status, StatusCode::TOO_MANY_REQUESTS);
    // The general budget of the same client is untouched.
    assert_ne!(
        get_from(&app, "203.0.113.50", None, SEARCH).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_sign_in_server_function_shares_the_sign_in_budget(pool: PgPool) {
    let app = limited_app(pool, 100, 2);
    assert_eq!(login(&app).await.status, StatusCode::UNAUTHORIZED);
    let refused = login_in_browser(&app).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert_eq!(
        login_in_browser(&app).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(login(&app).await.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn get_with_lines(app: &TestApp, peer: &str, lines: &[&str]) -> StatusCode {
    let mut request = Request::get(SEARCH);
    for line in lines {
        request = request.header("x-forwarded-for", *line);
    }
    from_peer(app, request.body(Body::empty()).expect("request"), peer)
        .await
        .status
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_forwarded_line_of_the_clients_own_before_the_proxys_gains_nothing(pool: PgPool) {
    let app = limited_app(pool, 1, 100);
    // The client sends its own X-Forwarded-For line; the proxy adds one.
    assert_ne!(
        get_with_lines(&app, "10.0.0.5", &["6.6.6.1", "198.51.100.9"]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        get_with_lines(&app, "10.0.0.5", &["6.6.6.2", "198.51.100.9"]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // With a port, as some proxies write it: the same client.
    assert_eq!(
        get_with_lines(&app, "10.0.0.5", &["198.51.100.9:51234"]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn ipv6_clients_share_a_budget_per_64(pool: PgPool) {
    let app = limited_app(pool, 1, 100);
    assert_ne!(
        get_with_lines(&app, "10.0.0.5", &["[2001:db8:7:7::1]:443"]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        get_with_lines(&app, "10.0.0.5", &["2001:db8:7:7:ffff::2"]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_ne!(
        get_with_lines(&app, "10.0.0.5", &["2001:db8:7:8::1"]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
