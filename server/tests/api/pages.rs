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
