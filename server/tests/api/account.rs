//! A user's own account security: changing the password, signing out
//! everywhere, session idle and absolute timeouts, and the per-email
//! sign-in backoff.

use axum::http::Method;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{TestApp, TestResponse, TestUser, create_user};

const REGISTER: &str = "/api/v1/auth/register";
const LOGIN: &str = "/api/v1/auth/login";
const ME: &str = "/api/v1/auth/me";
const PASSWORD_URI: &str = "/api/v1/auth/password";
const LOGOUT_ALL: &str = "/api/v1/auth/logout-all";

const PASSWORD: &str = "correct horse battery staple";
const NEW_PASSWORD: &str = "a brand new long passphrase";

async fn register(app: &TestApp, email: &str) -> TestUser {
    let response = app
        .json(
            Method::POST,
            REGISTER,
            None,
            Some(json!({ "email": email, "name": "Ada Lovelace", "password": PASSWORD })),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    signed_in(&response)
}

async fn login(app: &TestApp, email: &str, password: &str) -> TestResponse {
    app.json(
        Method::POST,
        LOGIN,
        None,
        Some(json!({ "email": email, "password": password })),
    )
    .await
}

#[track_caller]
fn signed_in(response: &TestResponse) -> TestUser {
    let body = response.json();
    TestUser {
        id: body["user"]["id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("uuid"),
        token: body["token"].as_str().expect("token").to_owned(),
    }
}

#[track_caller]
fn assert_problem(response: &TestResponse, status: u16, code: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(response.header("content-type"), "application/problem+json");
    assert_eq!(response.json()["code"], code, "{}", response.body);
}

async fn me_status(app: &TestApp, user: &TestUser) -> u16 {
    app.json(Method::GET, ME, Some(user), None)
        .await
        .status
        .as_u16()
}

async fn count(pool: &PgPool, sql: &str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("count")
}

/// An API token of `user` with these scopes, stored directly.
async fn api_token(pool: &PgPool, user: &TestUser, scopes: &[&str]) -> TestUser {
    let token = format!("rbk_{}", server::auth::session::new_token());
    sqlx::query(
        "insert into api_tokens (user_id, name, token_hash, scopes) values ($1, 'test', $2, $3)",
    )
    .bind(user.id)
    .bind(server::auth::session::token_hash(&token))
    .bind(scopes)
    .execute(pool)
    .await
    .expect("insert token");
    TestUser { id: user.id, token }
}

async fn change_password(app: &TestApp, user: &TestUser, current: &str, new: &str) -> TestResponse {
    app.json(
        Method::POST,
        PASSWORD_URI,
        Some(user),
        Some(json!({ "current_password": current, "new_password": new })),
    )
    .await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn changing_the_password_revokes_every_other_session_and_token_but_this_one(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let here = register(&app, "ada@example.com").await;
    let elsewhere = signed_in(&login(&app, "ada@example.com", PASSWORD).await);
    let token = api_token(&pool, &here, &["read"]).await;
    let bystander = create_user(&pool, "guest").await;

    let response = change_password(&app, &here, PASSWORD, NEW_PASSWORD).await;

    assert_eq!(response.status, 204, "{}", response.body);
    assert_eq!(me_status(&app, &here).await, 200, "this session stays");
    assert_eq!(me_status(&app, &elsewhere).await, 401);
    assert_eq!(me_status(&app, &token).await, 401);
    assert_eq!(
        me_status(&app, &bystander).await,
        200,
        "other users keep theirs"
    );
    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.status, 401);
    assert_eq!(
        login(&app, "ada@example.com", NEW_PASSWORD).await.status,
        200
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_wrong_current_password_changes_nothing(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let here = register(&app, "ada@example.com").await;
    let elsewhere = signed_in(&login(&app, "ada@example.com", PASSWORD).await);

    let response = change_password(&app, &here, "not my password", NEW_PASSWORD).await;

    assert_problem(&response, 422, "validation_failed");
    assert_eq!(response.json()["errors"][0]["field"], "current_password");
    assert_eq!(me_status(&app, &elsewhere).await, 200);
    assert_eq!(
        login(&app, "ada@example.com", NEW_PASSWORD).await.status,
        401
    );
    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.status, 200);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_new_password_must_follow_the_rules_and_differ(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let here = register(&app, "ada@example.com").await;
    for (new, message) in [
        ("short", shared_schema::auth::MSG_PASSWORD_TOO_SHORT),
        (PASSWORD, shared_schema::account::MSG_PASSWORD_UNCHANGED),
    ] {
        let response = change_password(&app, &here, PASSWORD, new).await;
        assert_problem(&response, 422, "validation_failed");
        assert_eq!(response.json()["errors"][0]["field"], "new_password");
        assert_eq!(response.json()["errors"][0]["message"], message);
    }
    assert_problem(
        &app.json(
            Method::POST,
            PASSWORD_URI,
            Some(&here),
            Some(json!({ "new_password": NEW_PASSWORD })),
        )
        .await,
        422,
        "validation_failed",
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn api_tokens_cannot_change_the_password_or_sign_out_everywhere(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let here = register(&app, "ada@example.com").await;
    let token = api_token(&pool, &here, &["read", "book"]).await;

    assert_problem(
        &change_password(&app, &token, PASSWORD, NEW_PASSWORD).await,
        403,
        "session_required",
    );
    assert_problem(
        &app.json(Method::POST, LOGOUT_ALL, Some(&token), None).await,
        403,
        "session_required",
    );
    assert_eq!(me_status(&app, &here).await, 200);
    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.status, 200);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn signed_out_callers_cannot_change_a_password(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let response = app
        .json(
            Method::POST,
            PASSWORD_URI,
            None,
            Some(json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD })),
        )
        .await;
    assert_problem(&response, 401, "unauthenticated");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn signing_out_everywhere_revokes_every_session_and_token_of_the_account(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let here = register(&app, "ada@example.com").await;
    let elsewhere = signed_in(&login(&app, "ada@example.com", PASSWORD).await);
    let token = api_token(&pool, &here, &["read"]).await;
    let bystander = create_user(&pool, "guest").await;

    let response = app.json(Method::POST, LOGOUT_ALL, Some(&here), None).await;

    assert_eq!(response.status, 204, "{}", response.body);
    assert!(response.header("set-cookie").contains("Max-Age=0"));
    for revoked in [&here, &elsewhere, &token] {
        assert_eq!(me_status(&app, revoked).await, 401);
    }
    assert_eq!(
        count(
            &pool,
            "select count(*) from sessions where user_id = $1",
            here.id
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &pool,
            "select count(*) from api_tokens where user_id = $1",
            here.id
        )
        .await,
        0
    );
    assert_eq!(me_status(&app, &bystander).await, 200);
    assert_eq!(
        login(&app, "ada@example.com", PASSWORD).await.status,
        200,
        "the password stays"
    );
}

/// Moves a user's sessions back in time.
async fn age_sessions(pool: &PgPool, user: &TestUser, created: &str, last_seen: &str) {
    sqlx::query(
        "update sessions
            set created_at = now() - $2::interval, last_seen_at = now() - $3::interval
          where user_id = $1",
    )
    .bind(user.id)
    .bind(created)
    .bind(last_seen)
    .execute(pool)
    .await
    .expect("age the session");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_guest_session_unused_for_longer_than_the_idle_timeout_is_refused(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let fresh = create_user(&pool, "guest").await;
    let idle = create_user(&pool, "guest").await;
    age_sessions(&pool, &fresh, "20 hours", "6 days 23 hours").await;
    age_sessions(&pool, &idle, "20 hours", "7 days 1 minute").await;

    assert_eq!(me_status(&app, &fresh).await, 200);
    assert_problem(
        &app.json(Method::GET, ME, Some(&idle), None).await,
        401,
        "unauthenticated",
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn admin_sessions_time_out_after_thirty_idle_minutes_and_twelve_hours(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let active = create_user(&pool, "admin").await;
    let idle = create_user(&pool, "admin").await;
    let old = create_user(&pool, "admin").await;
    let guest = create_user(&pool, "guest").await;
    age_sessions(&pool, &active, "11 hours", "29 minutes").await;
    age_sessions(&pool, &idle, "1 hour", "31 minutes").await;
    age_sessions(&pool, &old, "12 hours 1 minute", "1 minute").await;
    age_sessions(&pool, &guest, "12 hours 1 minute", "31 minutes").await;

    assert_eq!(me_status(&app, &active).await, 200);
    assert_eq!(me_status(&app, &idle).await, 401);
    assert_eq!(me_status(&app, &old).await, 401);
    assert_eq!(
        me_status(&app, &guest).await,
        200,
        "guests have longer limits"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_limits_are_settings(pool: PgPool) {
    let app = TestApp::with_config(pool.clone(), |config| {
        config.session_idle_minutes = 10;
        config.session_absolute_hours = 2;
    });
    let idle = create_user(&pool, "guest").await;
    let old = create_user(&pool, "guest").await;
    age_sessions(&pool, &idle, "1 hour", "11 minutes").await;
    age_sessions(&pool, &old, "2 hours 1 minute", "1 minute").await;
    assert_eq!(me_status(&app, &idle).await, 401);
    assert_eq!(me_status(&app, &old).await, 401);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_new_session_ends_after_the_absolute_lifetime_of_its_role(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    register(&app, "ada@example.com").await;
    let expires_in_hours: f64 = sqlx::query_scalar(
        "select extract(epoch from expires_at - created_at)::float8 / 3600 from sessions",
    )
    .fetch_one(&pool)
    .await
    .expect("session");
    assert!(
        (expires_in_hours - 720.0).abs() < 0.01,
        "{expires_in_hours}"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn last_seen_moves_at_most_once_a_minute(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;
    let seconds_ago = || async {
        sqlx::query_scalar::<_, f64>(
            "select extract(epoch from now() - last_seen_at)::float8 from sessions where user_id = $1",
        )
        .bind(user.id)
        .fetch_one(&pool)
        .await
        .expect("session")
    };

    age_sessions(&pool, &user, "1 hour", "30 seconds").await;
    assert_eq!(me_status(&app, &user).await, 200);
    assert!(seconds_ago().await >= 29.0, "not touched within the minute");

    age_sessions(&pool, &user, "1 hour", "2 minutes").await;
    assert_eq!(me_status(&app, &user).await, 200);
    assert!(seconds_ago().await < 5.0, "touched after a minute");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn repeated_failed_sign_ins_for_one_email_are_answered_429_with_retry_after(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    register(&app, "ada@example.com").await;

    for attempt in 1..=5 {
        let response = login(&app, "Ada@Example.com", "wrong password").await;
        assert_problem(&response, 401, "invalid_credentials");
        assert_eq!(
            response.header("retry-after"),
            "",
            "attempt {attempt} is free"
        );
    }
    // Even the right password waits: the backoff is about the email.
    let response = login(&app, "ada@example.com", PASSWORD).await;
    assert_problem(&response, 429, "rate_limited");
    let retry_after: u64 = response.header("retry-after").parse().expect("Retry-After");
    assert!((29..=30).contains(&retry_after), "{retry_after}");

    // Once the wait is over, a success clears the count.
    sqlx::query("update login_failures set blocked_until = now() - interval '1 second'")
        .execute(&pool)
        .await
        .expect("end the wait");
    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.status, 200);
    let rows: i64 = sqlx::query_scalar("select count(*) from login_failures")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(rows, 0);
    assert_eq!(
        login(&app, "ada@example.com", "wrong password")
            .await
            .status,
        401,
        "free again"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn each_further_failure_doubles_the_wait_up_to_fifteen_minutes(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let mut waits = Vec::new();
    for _ in 0..12 {
        // Skip each wait, as a patient guesser would.
        sqlx::query("update login_failures set blocked_until = now() - interval '1 second'")
            .execute(&pool)
            .await
            .expect("end the wait");
        assert_eq!(login(&app, "nobody@example.com", "guess").await.status, 401);
        let wait: Option<i64> = sqlx::query_scalar(
            "select round(extract(epoch from blocked_until - now()))::int8 from login_failures",
        )
        .fetch_one(&pool)
        .await
        .expect("row");
        waits.push(wait.unwrap_or(0));
    }
    assert_eq!(waits, [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn unknown_emails_back_off_the_same_and_the_table_holds_no_addresses(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    register(&app, "ada@example.com").await;
    let mut answers = Vec::new();
    for email in ["ada@example.com", "nobody@example.com"] {
        let mut statuses = Vec::new();
        for _ in 0..6 {
            statuses.push(login(&app, email, "wrong password").await.status.as_u16());
        }
        answers.push(statuses);
    }
    assert_eq!(answers[0], [401, 401, 401, 401, 401, 429]);
    assert_eq!(answers[0], answers[1], "no difference for unknown emails");

    let leaked: i64 =
        sqlx::query_scalar("select count(*) from login_failures f where f::text ilike '%example%'")
            .fetch_one(&pool)
            .await
            .expect("search");
    assert_eq!(leaked, 0);
    // Someone else's email is not affected.
    let bob = login(&app, "bob@example.com", "wrong password").await;
    assert_problem(&bob, 401, "invalid_credentials");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn wrong_current_passwords_count_towards_the_same_backoff(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let here = register(&app, "ada@example.com").await;
    for _ in 0..5 {
        assert_eq!(
            change_password(&app, &here, "guess guess", NEW_PASSWORD)
                .await
                .status,
            422
        );
    }
    let response = change_password(&app, &here, PASSWORD, NEW_PASSWORD).await;
    assert_problem(&response, 429, "rate_limited");
    assert!(!response.header("retry-after").is_empty());
    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.status, 429);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn housekeeping_removes_dead_sessions_and_old_failure_counts_only(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let live = create_user(&pool, "guest").await;
    let idle = create_user(&pool, "guest").await;
    let expired = create_user(&pool, "guest").await;
    age_sessions(&pool, &idle, "8 days", "7 days 1 minute").await;
    sqlx::query("update sessions set expires_at = now() - interval '1 second', created_at = now() - interval '2 days' where user_id = $1")
        .bind(expired.id)
        .execute(&pool)
        .await
        .expect("expire");
    login(&app, "old@example.com", "wrong").await;
    login(&app, "recent@example.com", "wrong").await;
    sqlx::query(
        "update login_failures set last_failed_at = now() - interval '25 hours'
          where failures = 1 and email_hash = sha256('old@example.com')",
    )
    .execute(&pool)
    .await
    .expect("age");

    let settings = server::auth::SessionSettings::from_config(&server::Config::default_for_tests());
    let purged = server::auth::purge_stale(&pool, settings)
        .await
        .expect("purge");

    assert_eq!(purged.sessions, 2);
    assert_eq!(purged.login_failures, 1);
    assert_eq!(me_status(&app, &live).await, 200);
    let left: i64 = sqlx::query_scalar("select count(*) from login_failures")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(left, 1, "the recent count stays");
}
