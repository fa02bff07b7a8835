use sqlx::PgPool;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn home_page_is_server_rendered_with_the_search_form(pool: PgPool) {
    let app = TestApp::new(pool);
    let response = app.get("/").await;
    assert_eq!(response.status, 200);
    assert!(response.header("content-type").starts_with("text/html"));
    for needle in [
        r#"id="check_in""#,
        r#"id="check_out""#,
        r#"id="guests""#,
        "/pkg/roombook.js",
        "/pkg/roombook.wasm",
        "/pkg/roombook.css",
    ] {
        assert!(response.body.contains(needle), "home page lacks {needle}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn unknown_pages_are_a_real_404(pool: PgPool) {
    let app = TestApp::new(pool);
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status, 404);
    assert!(response.body.contains("Page not found"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_search_url_renders_its_results_without_javascript(pool: PgPool) {
    use crate::helpers::{RoomSeed, in_days, seed_room};
    seed_room(
        &pool,
        RoomSeed {
            name: "Harbour Suite",
            ..RoomSeed::default()
        },
    )
    .await;
    let app = TestApp::new(pool);
    let response = app
        .get(&format!(
            "/?check_in={}&check_out={}&guests=2&units=1",
            in_days(3),
            in_days(5)
        ))
        .await;
    assert_eq!(response.status, 200);
    assert!(response.body.contains("Harbour Suite"), "{}", response.body);
    assert!(response.body.contains("for 2 nights"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn server_functions_refuse_posts_from_other_sites(pool: PgPool) {
    use axum::{body::Body, http::Request};
    let app = TestApp::new(pool);
    let post = |origin_headers: &[(&'static str, &'static str)]| {
        let mut request = Request::post("/api/search_rooms")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("host", "127.0.0.1:3000");
        for (name, value) in origin_headers {
            request = request.header(*name, *value);
        }
        request
            .body(Body::from("form[check_in]="))
            .expect("request")
    };
    let forged = app.request(post(&[("sec-fetch-site", "cross-site")])).await;
    assert_eq!(forged.status, 403);
    assert_eq!(forged.json()["code"], "cross_site_request");
    let foreign_origin = app
        .request(post(&[("origin", "https://evil.example")]))
        .await;
    assert_eq!(foreign_origin.status, 403);
    // The page's own requests pass (and then fail validation, as they should).
    let own = app
        .request(post(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://127.0.0.1:3000"),
        ]))
        .await;
    assert_eq!(own.status, 422, "{}", own.body);
}
