//! Personal API tokens: created, listed and revoked by a signed-in user,
//! shown once, stored hashed, and limited to their scopes on every route.

use axum::http::Method;
use serde_json::{Value, json};
use server::auth::session::token_hash;
use sqlx::PgPool;

use crate::{
    bookings::{BOOKINGS, booked_ok, stay},
    helpers::{RoomSeed, TestApp, TestResponse, TestUser, create_user, seed_room},
};

const TOKENS: &str = "/api/v1/tokens";

#[track_caller]
fn assert_problem(response: &TestResponse, status: u16, code: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(response.header("content-type"), "application/problem+json");
    assert_eq!(response.json()["code"], code, "{}", response.body);
}

async fn create(app: &TestApp, user: &TestUser, body: Value) -> TestResponse {
    app.json(Method::POST, TOKENS, Some(user), Some(body)).await
}

/// Creates a token with these scopes and returns it as a caller.
async fn token(app: &TestApp, user: &TestUser, scopes: &[&str]) -> TestUser {
    let response = create(app, user, json!({ "name": "tool", "scopes": scopes })).await;
    assert_eq!(response.status, 201, "{}", response.body);
    TestUser {
        id: user.id,
        token: response.json()["token"].as_str().expect("token").to_owned(),
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_created_token_is_shown_once_stored_hashed_and_listed_without_it(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;

    let response = create(
        &app,
        &user,
        json!({ "name": "  Accounting export ", "scopes": ["read", "book"], "expires_in_days": 90 }),
    )
    .await;

    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(response.header("cache-control"), "no-store");
    let created = response.json();
    let secret = created["token"].as_str().expect("token");
    assert!(secret.starts_with("rbk_") && secret.len() == 47, "{secret}");
    assert_eq!(created["name"], "Accounting export");
    assert_eq!(created["scopes"], json!(["read", "book"]));
    assert!(created["last_used_at"].is_null());
    assert!(created["expires_at"].is_string());

    let stored: Vec<u8> = sqlx::query_scalar("select token_hash from api_tokens")
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(stored, token_hash(secret));
    let anywhere: i64 =
        sqlx::query_scalar("select count(*) from api_tokens t where t::text like '%' || $1 || '%'")
            .bind(&secret[4..])
            .fetch_one(&pool)
            .await
            .expect("search");
    assert_eq!(anywhere, 0);

    let listed = app.json(Method::GET, TOKENS, Some(&user), None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let listed = listed.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], created["id"]);
    assert!(listed[0].get("token").is_none(), "{listed}");
    assert!(!listed.to_string().contains(&secret[4..]));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_token_authenticates_and_records_its_last_use_at_most_once_a_minute(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;
    let tool = token(&app, &user, &["read"]).await;

    let me = app
        .json(Method::GET, "/api/v1/auth/me", Some(&tool), None)
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["id"], user.id.to_string());

    let last_used = || async {
        sqlx::query_scalar::<_, Option<f64>>(
            "select extract(epoch from now() - last_used_at)::float8 from api_tokens",
        )
        .fetch_one(&pool)
        .await
        .expect("row")
    };
    assert!(last_used().await.is_some_and(|secs| secs < 5.0));
    sqlx::query("update api_tokens set last_used_at = now() - interval '30 seconds'")
        .execute(&pool)
        .await
        .expect("age");
    app.json(Method::GET, "/api/v1/auth/me", Some(&tool), None)
        .await;
    assert!(
        last_used().await.is_some_and(|secs| secs >= 29.0),
        "not touched again"
    );
    sqlx::query("update api_tokens set last_used_at = now() - interval '2 minutes'")
        .execute(&pool)
        .await
        .expect("age");
    app.json(Method::GET, "/api/v1/auth/me", Some(&tool), None)
        .await;
    assert!(
        last_used().await.is_some_and(|secs| secs < 5.0),
        "touched after a minute"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_token_without_book_gets_403_insufficient_scope_on_booking(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let room = seed_room(&pool, RoomSeed::default()).await;
    let user = create_user(&pool, "guest").await;
    let reader = token(&app, &user, &["read"]).await;
    let booker = token(&app, &user, &["book"]).await;

    let refused = app
        .json(
            Method::POST,
            BOOKINGS,
            Some(&reader),
            Some(stay(room, 3, 5, 2, 1)),
        )
        .await;
    assert_problem(&refused, 403, "insufficient_scope");
    assert_eq!(
        refused.header("www-authenticate"),
        r#"Bearer error="insufficient_scope", scope="book""#
    );
    let booked: i64 = sqlx::query_scalar("select count(*) from bookings")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(booked, 0);

    // `book` creates and cancels, but does not read.
    let booking = booked_ok(&app, &booker, stay(room, 3, 5, 2, 1)).await;
    let id = booking["id"].as_str().expect("id");
    assert_problem(
        &app.json(Method::GET, BOOKINGS, Some(&booker), None).await,
        403,
        "insufficient_scope",
    );
    assert_problem(
        &app.json(
            Method::POST,
            &format!("{BOOKINGS}/{id}/cancel"),
            Some(&reader),
            None,
        )
        .await,
        403,
        "insufficient_scope",
    );
    let cancelled = app
        .json(
            Method::POST,
            &format!("{BOOKINGS}/{id}/cancel"),
            Some(&booker),
            None,
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let listed = app.json(Method::GET, BOOKINGS, Some(&reader), None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn admin_routes_need_an_admins_token_with_the_admin_scope(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let guest = create_user(&pool, "guest").await;
    let admin_reader = token(&app, &admin, &["read", "book"]).await;
    let admin_tool = token(&app, &admin, &["admin"]).await;
    let guest_reader = token(&app, &guest, &["read"]).await;

    assert_problem(
        &app.json(
            Method::GET,
            "/api/v1/admin/rooms",
            Some(&admin_reader),
            None,
        )
        .await,
        403,
        "insufficient_scope",
    );
    assert_problem(
        &app.json(
            Method::GET,
            "/api/v1/admin/rooms",
            Some(&guest_reader),
            None,
        )
        .await,
        404,
        "not_found",
    );
    let allowed = app
        .json(Method::GET, "/api/v1/admin/rooms", Some(&admin_tool), None)
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);

    // An admin's token without `admin` sees only its own bookings.
    let room = seed_room(&pool, RoomSeed::default()).await;
    let guests_booking = booked_ok(&app, &guest, stay(room, 3, 5, 2, 1)).await;
    let id = guests_booking["id"].as_str().expect("id");
    assert_problem(
        &app.json(
            Method::GET,
            &format!("{BOOKINGS}/{id}"),
            Some(&admin_reader),
            None,
        )
        .await,
        404,
        "not_found",
    );

    // A demoted admin's token loses the admin scope at once.
    sqlx::query("update users set role = 'guest' where id = $1")
        .bind(admin.id)
        .execute(&pool)
        .await
        .expect("demote");
    assert_problem(
        &app.json(Method::GET, "/api/v1/admin/rooms", Some(&admin_tool), None)
            .await,
        404,
        "not_found",
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn only_admins_may_create_admin_scoped_tokens(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let admin = create_user(&pool, "admin").await;

    let refused = create(&app, &guest, json!({ "name": "x", "scopes": ["admin"] })).await;
    assert_problem(&refused, 422, "validation_failed");
    assert_eq!(refused.json()["errors"][0]["field"], "scopes");
    let created = create(&app, &admin, json!({ "name": "x", "scopes": ["admin"] })).await;
    assert_eq!(created.status, 201, "{}", created.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn invalid_token_requests_name_their_field(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;
    for (body, field) in [
        (json!({ "name": " ", "scopes": ["read"] }), "name"),
        (
            json!({ "name": "x".repeat(101), "scopes": ["read"] }),
            "name",
        ),
        (json!({ "name": "a\u{1b}b", "scopes": ["read"] }), "name"),
        (json!({ "name": "x", "scopes": [] }), "scopes"),
        (json!({ "name": "x", "scopes": ["read", "read"] }), "scopes"),
        (json!({ "name": "x", "scopes": ["write"] }), "scopes[0]"),
        (
            json!({ "name": "x", "scopes": ["read"], "expires_in_days": 0 }),
            "expires_in_days",
        ),
        (
            json!({ "name": "x", "scopes": ["read"], "expires_in_days": 731 }),
            "expires_in_days",
        ),
        (
            json!({ "name": "x", "scopes": ["read"], "expires_in_days": i64::MAX }),
            "expires_in_days",
        ),
    ] {
        let response = create(&app, &user, body.clone()).await;
        assert_problem(&response, 422, "validation_failed");
        assert_eq!(response.json()["errors"][0]["field"], field, "{body}");
    }
    let count: i64 = sqlx::query_scalar("select count(*) from api_tokens")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn tokens_cannot_manage_tokens(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;
    let tool = token(&app, &user, &["read", "book"]).await;

    assert_problem(
        &create(&app, &tool, json!({ "name": "x", "scopes": ["read"] })).await,
        403,
        "session_required",
    );
    assert_problem(
        &app.json(Method::GET, TOKENS, Some(&tool), None).await,
        403,
        "session_required",
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_revoked_or_expired_token_stops_working_and_others_tokens_cannot_be_revoked(
    pool: PgPool,
) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;
    let other = create_user(&pool, "guest").await;
    let tool = token(&app, &user, &["read"]).await;
    let listed = app
        .json(Method::GET, TOKENS, Some(&user), None)
        .await
        .json();
    let id = listed[0]["id"].as_str().expect("id").to_owned();

    assert_problem(
        &app.json(
            Method::DELETE,
            &format!("{TOKENS}/{id}"),
            Some(&other),
            None,
        )
        .await,
        404,
        "not_found",
    );
    assert_eq!(
        app.json(Method::GET, "/api/v1/auth/me", Some(&tool), None)
            .await
            .status,
        200
    );
    let revoked = app
        .json(Method::DELETE, &format!("{TOKENS}/{id}"), Some(&user), None)
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    assert_problem(
        &app.json(Method::GET, "/api/v1/auth/me", Some(&tool), None)
            .await,
        401,
        "unauthenticated",
    );
    assert_problem(
        &app.json(Method::DELETE, &format!("{TOKENS}/{id}"), Some(&user), None)
            .await,
        404,
        "not_found",
    );

    let expiring = token(&app, &user, &["read"]).await;
    sqlx::query(
        "update api_tokens set created_at = now() - interval '2 days', expires_at = now() - interval '1 second'",
    )
    .execute(&pool)
    .await
    .expect("expire");
    assert_problem(
        &app.json(Method::GET, "/api/v1/auth/me", Some(&expiring), None)
            .await,
        401,
        "unauthenticated",
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_browser_ui_does_not_accept_api_tokens(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let tool = token(&app, &admin, &["read", "book", "admin"]).await;
    // Pages and server functions read a session only; a token is none.
    assert_eq!(app.get_with_session("/admin", &admin).await.status, 200);
    assert_eq!(app.get_with_session("/admin", &tool).await.status, 404);
}

#[test]
fn the_api_document_describes_tokens_and_their_security_scheme() {
    let doc: Value = serde_json::to_value(server::http::api::document()).expect("document");
    for (path, method, id) in [
        ("/api/v1/tokens", "post", "create_token"),
        ("/api/v1/tokens", "get", "list_tokens"),
        ("/api/v1/tokens/{id}", "delete", "revoke_token"),
        ("/api/v1/auth/password", "post", "change_password"),
        ("/api/v1/auth/logout-all", "post", "logout_everywhere"),
    ] {
        assert_eq!(doc["paths"][path][method]["operationId"], id, "{path}");
    }
    let scheme = &doc["components"]["securitySchemes"]["api_token"];
    assert_eq!(scheme["scheme"], "bearer");
    assert!(
        scheme["description"]
            .as_str()
            .is_some_and(|d| d.contains("insufficient_scope"))
    );
    for schema in [
        "NewApiToken",
        "ApiToken",
        "CreatedApiToken",
        "Scope",
        "ChangePassword",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema}"
        );
    }
}
