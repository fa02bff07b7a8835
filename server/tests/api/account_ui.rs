//! The account page and the server functions behind it: the browser's door
//! to the same use cases as `/api/v1/auth/password`, `/logout-all` and
//! `/tokens`.

use axum::{
    body::Body,
    http::{Request, header},
};
use sqlx::PgPool;

use crate::helpers::{TestApp, TestResponse, TestUser, create_user};

/// Posts a server function's form fields as the page's own script does,
/// signed in with the session cookie.
async fn call(app: &TestApp, path: &str, user: &TestUser, body: &str) -> TestResponse {
    app.request(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, format!("roombook_session={}", user.token))
            .body(Body::from(body.to_owned()))
            .expect("request"),
    )
    .await
}

async fn sessions_of(pool: &PgPool, user: &TestUser) -> i64 {
    sqlx::query_scalar("select count(*) from sessions where user_id = $1")
        .bind(user.id)
        .fetch_one(pool)
        .await
        .expect("count")
}

/// A second session of the same user.
async fn second_session(pool: &PgPool, user: &TestUser) -> TestUser {
    let token = server::auth::session::new_token();
    sqlx::query(
        "insert into sessions (token_hash, user_id, expires_at) values ($1, $2, now() + interval '1 day')",
    )
    .bind(server::auth::session::token_hash(&token))
    .bind(user.id)
    .execute(pool)
    .await
    .expect("session");
    TestUser { id: user.id, token }
}

async fn set_password(pool: &PgPool, user: &TestUser, password: &str) {
    let hash = server::auth::password::hash(password.to_owned())
        .await
        .expect("hash");
    sqlx::query("update users set password_hash = $2 where id = $1")
        .bind(user.id)
        .bind(hash)
        .execute(pool)
        .await
        .expect("set password");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_account_page_offers_the_password_form_sign_out_everywhere_and_tokens(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;
    let page = app.get_with_session("/account", &user).await;
    assert_eq!(page.status, 200);
    for needle in [
        "Change password",
        r#"id="current_password""#,
        r#"id="new_password""#,
        "Sign out everywhere",
        "API tokens",
        r#"value="read""#,
        r#"value="book""#,
    ] {
        assert!(page.body.contains(needle), "the page lacks {needle}");
    }
    assert!(
        !page.body.contains(r#"value="admin""#),
        "guests get no admin scope"
    );
    let admin = create_user(&pool, "admin").await;
    let page = app.get_with_session("/account", &admin).await;
    assert!(page.body.contains(r#"value="admin""#));
    let signed_out = app.get("/account").await;
    assert!(signed_out.body.contains("Sign in to see your account"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_password_form_changes_it_and_signs_out_the_other_sessions(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;
    set_password(&pool, &user, "correct horse battery staple").await;
    let other = second_session(&pool, &user).await;

    let wrong = call(
        &app,
        "/api/change_password",
        &user,
        "input[current_password]=nope&input[new_password]=a+brand+new+long+passphrase",
    )
    .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert_eq!(sessions_of(&pool, &user).await, 2);

    let done = call(
        &app,
        "/api/change_password",
        &user,
        "input[current_password]=correct+horse+battery+staple&input[new_password]=a+brand+new+long+passphrase",
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(sessions_of(&pool, &user).await, 1);
    assert!(
        !app.get_with_session("/account", &other)
            .await
            .body
            .contains("Change password")
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn tokens_are_created_listed_and_revoked_from_the_page(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;

    let refused = call(
        &app,
        "/api/create_api_token",
        &user,
        "name=CI&scopes[0]=admin",
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);

    let created = call(
        &app,
        "/api/create_api_token",
        &user,
        "name=CI&scopes[0]=read&scopes[1]=book&expires_in_days=30",
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let created = created.json();
    assert!(
        created["token"]
            .as_str()
            .is_some_and(|t| t.starts_with("rbk_"))
    );

    let listed = call(&app, "/api/api_tokens", &user, "").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.json()[0]["id"], created["id"]);
    assert_eq!(
        listed.json()[0]["scopes"],
        serde_json::json!(["read", "book"])
    );
    assert!(
        !listed
            .body
            .contains(created["token"].as_str().expect("token"))
    );

    let id = created["id"].as_str().expect("id");
    let revoked = call(&app, "/api/revoke_api_token", &user, &format!("id={id}")).await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let left: i64 = sqlx::query_scalar("select count(*) from api_tokens")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(left, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn signing_out_everywhere_from_the_page_ends_every_session(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;
    second_session(&pool, &user).await;

    let response = call(&app, "/api/logout_everywhere", &user, "").await;

    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(sessions_of(&pool, &user).await, 0);
}

/// The token form posted by the browser itself (no WASM): a redirect to
/// the account page, which shows the secret once. It travels in the flash
/// cookie, never in the address; a refused form gets its name back.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_plainly_posted_token_form_shows_the_secret_once_on_the_account_page(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;
    let post = |body: String| {
        Request::post("/api/create_api_token")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, "http://localhost/account")
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, format!("roombook_session={}", user.token))
            .body(Body::from(body))
            .expect("request")
    };
    let flash_of = |response: &TestResponse| {
        response
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|cookie| cookie.starts_with("roombook_flash="))
            .map(|cookie| cookie.split(';').next().unwrap_or_default().to_owned())
            .expect("a flash cookie")
    };

    let created = app
        .request(post(
            "name=laptop&scopes[0]=read&expires_in_days=".to_owned(),
        ))
        .await;
    assert_eq!(created.status, 302, "{}", created.body);
    let location = created.header("location");
    assert_eq!(location, "/account?token=created#new-token");
    let flash = flash_of(&created);
    assert!(flash.contains("rbk_"), "{flash}");

    let page = app
        .request(
            Request::get("/account?token=created")
                .header(
                    header::COOKIE,
                    format!("roombook_session={}; {flash}", user.token),
                )
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(page.status, 200);
    let token = flash
        .split(['=', '&'])
        .find(|part| part.starts_with("rbk_"))
        .expect("token in the flash");
    assert!(page.body.contains(token), "the page shows the secret");
    assert!(page.body.contains("laptop"));
    assert!(
        flash_of(&page).ends_with('='),
        "the page empties the flash: {}",
        flash_of(&page)
    );

    // A name too long: back on the form with the name and the message.
    let long = format!("name={}&scopes[0]=read", "x".repeat(101));
    let refused = app.request(post(long)).await;
    assert_eq!(refused.status, 302, "{}", refused.body);
    let location = refused.header("location");
    assert!(
        location.starts_with("http://localhost/account?") && location.contains("__err="),
        "{location}"
    );
    assert!(flash_of(&refused).contains(&"x".repeat(101)));
}
