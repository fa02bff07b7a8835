//! Accounts and sessions: register, login, logout, me, and `create-admin`.

use axum::{
    body::Body,
    http::{Method, Request, header},
};
use serde_json::{Value, json};
use server::auth::{self, AdminAccount, Role, session::token_hash};
use shared_schema::auth::{
    MSG_EMAIL_INVALID, MSG_EMAIL_REQUIRED, MSG_EMAIL_TOO_LONG, MSG_NAME_REQUIRED,
    MSG_NAME_TOO_LONG, MSG_PASSWORD_REQUIRED, MSG_PASSWORD_TOO_LONG, MSG_PASSWORD_TOO_SHORT,
    Register,
};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{TestApp, TestResponse, TestUser, create_user};

const REGISTER: &str = "/api/v1/auth/register";
const LOGIN: &str = "/api/v1/auth/login";
const LOGOUT: &str = "/api/v1/auth/logout";
const ME: &str = "/api/v1/auth/me";

const PASSWORD: &str = "correct horse battery staple";
/// argon2id, version 1.3, the crate's defaults: 19 MiB, 2 passes, 1 lane.
const PHC_PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";
/// 30 days, the default absolute lifetime of a guest's session.
const DEFAULT_MAX_AGE: &str = "Max-Age=2592000";

async fn register(app: &TestApp, email: &str) -> TestResponse {
    app.json(
        Method::POST,
        REGISTER,
        None,
        Some(json!({ "email": email, "name": "Ada Lovelace", "password": PASSWORD })),
    )
    .await
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

/// The signed-in user a register or login answer describes.
#[track_caller]
fn signed_in(response: &TestResponse) -> TestUser {
    let body = response.json();
    TestUser {
        id: body["user"]["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("no user id in {}", response.body)),
        token: body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {}", response.body))
            .to_owned(),
    }
}

async fn with_cookie(app: &TestApp, method: Method, uri: &str, token: &str) -> TestResponse {
    app.request(
        Request::builder()
            .method(method)
            .uri(uri)
            .header(
                header::COOKIE,
                format!("theme=dark; roombook_session={token}"),
            )
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

async fn count(pool: &PgPool, sql: &str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("count")
}

async fn users_with_email(pool: &PgPool, email: &str) -> i64 {
    sqlx::query_scalar("select count(*) from users where email = $1::citext")
        .bind(email)
        .fetch_one(pool)
        .await
        .expect("count users")
}

#[track_caller]
fn assert_problem(response: &TestResponse, status: u16, code: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(response.header("content-type"), "application/problem+json");
    assert_eq!(response.json()["code"], code, "{}", response.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn registering_creates_a_guest_signed_in_by_cookie_and_by_bearer_token(pool: PgPool) {
    let app = TestApp::new(pool);

    let response = register(&app, "  ada@example.com ").await;

    assert_eq!(response.status, 201, "{}", response.body);
    let body = response.json();
    let user = &body["user"];
    assert_eq!(user["email"], "ada@example.com", "trimmed");
    assert_eq!(user["name"], "Ada Lovelace");
    assert_eq!(user["role"], "guest");
    assert!(user["created_at"].is_string());
    assert!(body["expires_at"].is_string());
    assert!(
        user.get("password_hash").is_none() && !response.body.contains("argon2"),
        "{}",
        response.body
    );
    let session = signed_in(&response);
    assert_eq!(session.token.len(), 43, "256 random bits, base64url");
    assert_eq!(response.header("cache-control"), "no-store");
    assert_eq!(response.header("location"), ME);

    let cookie = response.header("set-cookie");
    let attributes: Vec<&str> = cookie.split("; ").collect();
    assert_eq!(attributes[0], format!("roombook_session={}", session.token));
    for expected in ["HttpOnly", "SameSite=Lax", "Path=/", DEFAULT_MAX_AGE] {
        assert!(
            attributes.contains(&expected),
            "{expected} missing: {cookie}"
        );
    }
    assert!(
        !attributes.contains(&"Secure"),
        "tests listen on loopback, where `auto` leaves Secure off: {cookie}"
    );

    let me = app.json(Method::GET, ME, Some(&session), None).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json(), body["user"]);

    let me = with_cookie(&app, Method::GET, ME, &session.token).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["id"], session.id.to_string());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn registering_an_existing_email_in_any_letter_case_is_a_409_email_taken(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    assert_eq!(register(&app, "ada@example.com").await.status, 201);

    for email in ["ada@example.com", "ADA@Example.COM", " Ada@example.com "] {
        let response = register(&app, email).await;
        assert_problem(&response, 409, "email_taken");
        assert!(response.header("set-cookie").is_empty());
    }
    assert_eq!(users_with_email(&pool, "ada@example.com").await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn invalid_registrations_get_the_shared_message_under_each_field(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let valid = || Register {
        email: "ada@example.com".to_owned(),
        name: "Ada Lovelace".to_owned(),
        password: PASSWORD.to_owned(),
    };
    let long_email = format!("{}@example.com", "a".repeat(243));
    let cases = [
        (
            Register {
                email: "ada.example.com".to_owned(),
                ..valid()
            },
            "email",
            MSG_EMAIL_INVALID,
        ),
        (
            Register {
                email: "   ".to_owned(),
                ..valid()
            },
            "email",
            MSG_EMAIL_REQUIRED,
        ),
        (
            Register {
                email: long_email,
                ..valid()
            },
            "email",
            MSG_EMAIL_TOO_LONG,
        ),
        (
            Register {
                name: " \t ".to_owned(),
                ..valid()
            },
            "name",
            MSG_NAME_REQUIRED,
        ),
        (
            Register {
                name: "n".repeat(101),
                ..valid()
            },
            "name",
            MSG_NAME_TOO_LONG,
        ),
        (
            Register {
                password: "a".repeat(11),
                ..valid()
            },
            "password",
            MSG_PASSWORD_TOO_SHORT,
        ),
        (
            Register {
                password: "a".repeat(129),
                ..valid()
            },
            "password",
            MSG_PASSWORD_TOO_LONG,
        ),
    ];
    for (input, field, message) in cases {
        // What the browser's form shows, from the same shared rules.
        let expected = shared_schema::validated(input.clone(), &()).expect_err(message);
        let response = app
            .json(
                Method::POST,
                REGISTER,
                None,
                Some(serde_json::to_value(&input).expect("json")),
            )
            .await;
        assert_problem(&response, 422, "validation_failed");
        let errors = &response.json()["errors"];
        assert_eq!(
            errors,
            &serde_json::to_value(&expected).expect("json"),
            "{field}"
        );
        assert_eq!(errors[0]["field"], field);
        assert_eq!(errors[0]["message"], message);
    }
    let users: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(users, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn registration_cannot_choose_its_role(pool: PgPool) {
    let app = TestApp::new(pool.clone());

    let response = app
        .json(
            Method::POST,
            REGISTER,
            None,
            Some(json!({
                "email": "mallory@example.com",
                "name": "Mallory",
                "password": PASSWORD,
                "role": "admin"
            })),
        )
        .await;

    assert_problem(&response, 422, "validation_failed");
    let message = response.json()["errors"][0]["message"].clone();
    assert!(
        message.as_str().is_some_and(|m| m.contains("`role`")),
        "{message}"
    );
    assert_eq!(users_with_email(&pool, "mallory@example.com").await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_body_that_is_not_json_is_a_400_problem(pool: PgPool) {
    let app = TestApp::new(pool);
    for uri in [REGISTER, LOGIN] {
        let response = app
            .request(
                Request::post(uri)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{\"email\": "))
                    .expect("request"),
            )
            .await;
        assert_problem(&response, 400, "malformed_request");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn login_with_the_right_password_starts_a_second_session(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let first = signed_in(&register(&app, "ada@example.com").await);

    let response = login(&app, " ADA@example.com ", PASSWORD).await;

    assert_eq!(response.status, 200, "{}", response.body);
    let second = signed_in(&response);
    assert_eq!(second.id, first.id);
    assert_ne!(second.token, first.token);
    assert_eq!(response.json()["user"]["email"], "ada@example.com");
    assert_eq!(response.header("cache-control"), "no-store");
    let cookie = response.header("set-cookie");
    assert!(
        cookie.starts_with(&format!("roombook_session={}; ", second.token)),
        "{cookie}"
    );
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    for session in [&first, &second] {
        assert_eq!(
            app.json(Method::GET, ME, Some(session), None).await.status,
            200
        );
    }
    let sessions = count(
        &pool,
        "select count(*) from sessions where user_id = $1",
        first.id,
    )
    .await;
    assert_eq!(sessions, 2);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn wrong_password_and_unknown_email_get_byte_identical_401s(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    assert_eq!(register(&app, "ada@example.com").await.status, 201);

    let wrong_password = login(&app, "ada@example.com", "correct horse battery stapler").await;
    let unknown_email = login(&app, "nobody@example.com", PASSWORD).await;

    assert_problem(&wrong_password, 401, "invalid_credentials");
    assert_eq!(wrong_password.body, unknown_email.body);
    assert_eq!(wrong_password.status, unknown_email.status);
    for name in ["content-type", "set-cookie", "www-authenticate"] {
        assert_eq!(
            wrong_password.header(name),
            unknown_email.header(name),
            "{name}"
        );
    }
    assert!(wrong_password.header("set-cookie").is_empty());
    let sessions: i64 = sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(sessions, 1, "only the one from registering");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn invalid_logins_get_the_shared_messages(pool: PgPool) {
    let app = TestApp::new(pool);
    let cases = [
        (
            json!({ "email": "ada@example.com", "password": "" }),
            "password",
            MSG_PASSWORD_REQUIRED,
        ),
        (
            json!({ "email": "ada@example.com", "password": "x".repeat(129) }),
            "password",
            MSG_PASSWORD_TOO_LONG,
        ),
        (
            json!({ "email": "ada", "password": PASSWORD }),
            "email",
            MSG_EMAIL_INVALID,
        ),
    ];
    for (body, field, message) in cases {
        let response = app.json(Method::POST, LOGIN, None, Some(body)).await;
        assert_problem(&response, 422, "validation_failed");
        let errors = response.json()["errors"].clone();
        assert_eq!(errors, json!([{ "field": field, "message": message }]));
    }
    let response = app
        .json(
            Method::POST,
            LOGIN,
            None,
            Some(json!({ "email": "ada@example.com", "password": PASSWORD, "remember": true })),
        )
        .await;
    assert_problem(&response, 422, "validation_failed");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn logout_revokes_that_session_only_and_clears_the_cookie(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let phone = signed_in(&register(&app, "ada@example.com").await);
    let laptop = signed_in(&login(&app, "ada@example.com", PASSWORD).await);

    let response = app.json(Method::POST, LOGOUT, Some(&phone), None).await;

    assert_eq!(response.status, 204, "{}", response.body);
    assert!(response.body.is_empty());
    let cookie = response.header("set-cookie");
    assert!(cookie.starts_with("roombook_session=; "), "{cookie}");
    assert!(
        cookie.contains("Max-Age=0") && cookie.contains("Path=/"),
        "{cookie}"
    );

    let me = app.json(Method::GET, ME, Some(&phone), None).await;
    assert_problem(&me, 401, "unauthenticated");
    let me = with_cookie(&app, Method::GET, ME, &phone.token).await;
    assert_problem(&me, 401, "unauthenticated");
    assert_problem(
        &app.json(Method::POST, LOGOUT, Some(&phone), None).await,
        401,
        "unauthenticated",
    );
    let row: i64 = sqlx::query_scalar("select count(*) from sessions where token_hash = $1")
        .bind(token_hash(&phone.token))
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(row, 0, "the session row is deleted");

    assert_eq!(
        app.json(Method::GET, ME, Some(&laptop), None).await.status,
        200
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn logout_with_the_session_cookie_revokes_it(pool: PgPool) {
    let app = TestApp::new(pool);
    let session = signed_in(&register(&app, "ada@example.com").await);

    let response = with_cookie(&app, Method::POST, LOGOUT, &session.token).await;

    assert_eq!(response.status, 204, "{}", response.body);
    assert!(response.header("set-cookie").contains("Max-Age=0"));
    assert_problem(
        &app.json(Method::GET, ME, Some(&session), None).await,
        401,
        "unauthenticated",
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn me_without_a_valid_token_is_401_asking_for_a_bearer_token(pool: PgPool) {
    let app = TestApp::new(pool);
    let forged = TestUser {
        id: Uuid::new_v4(),
        token: auth::session::new_token(),
    };
    for response in [
        app.json(Method::GET, ME, None, None).await,
        app.json(Method::GET, ME, Some(&forged), None).await,
        with_cookie(&app, Method::GET, ME, "not-a-session").await,
        app.json(Method::POST, LOGOUT, None, None).await,
    ] {
        assert_problem(&response, 401, "unauthenticated");
        assert_eq!(response.header("www-authenticate"), "Bearer");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_expired_session_is_signed_out(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = create_user(&pool, "guest").await;
    assert_eq!(
        app.json(Method::GET, ME, Some(&user), None).await.status,
        200
    );

    sqlx::query(
        "update sessions
            set created_at = now() - interval '15 days', expires_at = now() - interval '1 second'
          where user_id = $1",
    )
    .bind(user.id)
    .execute(&pool)
    .await
    .expect("expire the session");

    let response = app.json(Method::GET, ME, Some(&user), None).await;
    assert_problem(&response, 401, "unauthenticated");
    assert_eq!(response.header("www-authenticate"), "Bearer");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn login_clears_the_users_expired_sessions(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let ada = signed_in(&register(&app, "ada@example.com").await);
    let other = create_user(&pool, "guest").await;
    for user_id in [ada.id, other.id] {
        sqlx::query(
            "insert into sessions (token_hash, user_id, created_at, expires_at)
             values (gen_random_uuid()::text::bytea, $1, now() - interval '20 days', now() - interval '6 days')",
        )
        .bind(user_id)
        .execute(&pool)
        .await
        .expect("insert an expired session");
    }
    let expired = "select count(*) from sessions where user_id = $1 and expires_at <= now()";

    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.status, 200);

    assert_eq!(count(&pool, expired, ada.id).await, 0);
    assert_eq!(
        count(&pool, expired, other.id).await,
        1,
        "only the user's own"
    );
    assert_eq!(
        app.json(Method::GET, ME, Some(&ada), None).await.status,
        200
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn passwords_are_stored_as_argon2id_hashes_never_in_clear(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = signed_in(&register(&app, "ada@example.com").await);

    let stored: String = sqlx::query_scalar("select password_hash from users where id = $1")
        .bind(user.id)
        .fetch_one(&pool)
        .await
        .expect("user");

    assert!(stored.starts_with(PHC_PREFIX), "{stored}");
    assert!(!stored.contains(PASSWORD));
    let anywhere: i64 =
        sqlx::query_scalar("select count(*) from users u where u::text like '%' || $1 || '%'")
            .bind(PASSWORD)
            .fetch_one(&pool)
            .await
            .expect("search");
    assert_eq!(anywhere, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sessions_store_a_hash_of_the_token_not_the_token(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let user = signed_in(&register(&app, "ada@example.com").await);

    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("select token_hash from sessions where user_id = $1")
            .bind(user.id)
            .fetch_all(&pool)
            .await
            .expect("sessions");

    assert_eq!(stored, [token_hash(&user.token)]);
    assert_eq!(stored[0].len(), 32, "SHA-256");
    assert_ne!(stored[0], user.token.as_bytes());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn create_admin_creates_an_admin_who_can_sign_in(pool: PgPool) {
    let app = TestApp::new(pool.clone());

    let outcome = auth::create_admin(
        &pool,
        Register {
            email: " root@example.com ".to_owned(),
            name: " Root ".to_owned(),
            password: PASSWORD.to_owned(),
        },
        false,
    )
    .await
    .expect("create admin");

    let AdminAccount::Created(user) = outcome else {
        panic!("expected a new account, got {outcome:?}");
    };
    assert_eq!(user.role, Role::Admin);
    assert_eq!(
        (user.email.as_str(), user.name.as_str()),
        ("root@example.com", "Root")
    );
    let response = login(&app, "root@example.com", PASSWORD).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["user"]["role"], "admin");
    let me = app
        .json(Method::GET, ME, Some(&signed_in(&response)), None)
        .await;
    assert_eq!(me.json()["role"], "admin");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn create_admin_refuses_an_email_that_already_has_an_account(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = signed_in(&register(&app, "ada@example.com").await);

    let error = auth::create_admin(
        &pool,
        Register {
            email: "ADA@example.com".to_owned(),
            name: "Root".to_owned(),
            password: "a different password".to_owned(),
        },
        false,
    )
    .await
    .expect_err("whoever registered the email must not become admin");

    assert!(
        matches!(error, server::error::Error::Conflict(ref c) if c.code == shared_schema::ConflictCode::EmailTaken),
        "{error:?}"
    );
    let me = app.json(Method::GET, ME, Some(&guest), None).await;
    assert_eq!(me.json()["role"], "guest", "nothing changed");
    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.status, 200);
    assert_eq!(users_with_email(&pool, "ada@example.com").await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn create_admin_promotes_an_existing_account_only_when_asked_resetting_its_password_and_sessions(
    pool: PgPool,
) {
    let app = TestApp::new(pool.clone());
    let guest = signed_in(&register(&app, "ada@example.com").await);
    sqlx::query(
        "insert into api_tokens (user_id, name, token_hash, scopes)
         values ($1, 'tool', '\\x00', array['read'])",
    )
    .bind(guest.id)
    .execute(&pool)
    .await
    .expect("a token of the registrant");

    let outcome = auth::create_admin(
        &pool,
        Register {
            email: "ADA@example.com".to_owned(),
            name: "Someone Else".to_owned(),
            password: "a different password".to_owned(),
        },
        true,
    )
    .await
    .expect("promote");

    let AdminAccount::Promoted(user) = outcome else {
        panic!("expected a promotion, got {outcome:?}");
    };
    assert_eq!(user.id, guest.id);
    assert_eq!(user.role, Role::Admin);
    assert_eq!(user.name, "Ada Lovelace");
    assert_eq!(users_with_email(&pool, "ada@example.com").await, 1);
    // The registrant's password and sessions no longer work...
    assert_problem(
        &app.json(Method::GET, ME, Some(&guest), None).await,
        401,
        "unauthenticated",
    );
    assert_eq!(
        count(
            &pool,
            "select count(*) from sessions where user_id = $1",
            guest.id
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &pool,
            "select count(*) from api_tokens where user_id = $1",
            guest.id
        )
        .await,
        0
    );
    assert_eq!(login(&app, "ada@example.com", PASSWORD).await.status, 401);
    // ... the operator's password does.
    let response = login(&app, "ada@example.com", "a different password").await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["user"]["role"], "admin");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn create_admin_refuses_input_that_breaks_the_sign_up_rules(pool: PgPool) {
    let weak = Register {
        email: "root@example.com".to_owned(),
        name: "Root".to_owned(),
        password: "short".to_owned(),
    };
    let error = auth::create_admin(&pool, weak, true)
        .await
        .expect_err("a weak password");
    let server::error::Error::Validation(errors) = error else {
        panic!("expected a validation error, got {error:?}");
    };
    assert_eq!(errors.for_field("password"), Some(MSG_PASSWORD_TOO_SHORT));
    assert_eq!(users_with_email(&pool, "root@example.com").await, 0);
}

#[test]
fn the_api_document_describes_the_auth_endpoints() {
    let doc: Value = serde_json::to_value(server::http::api::document()).expect("document as JSON");
    let operations = [
        ("/api/v1/auth/register", "post", "register_user", false),
        ("/api/v1/auth/login", "post", "login", false),
        ("/api/v1/auth/logout", "post", "logout", true),
        ("/api/v1/auth/me", "get", "get_me", true),
    ];
    for (path, method, id, needs_auth) in operations {
        let operation = &doc["paths"][path][method];
        assert_eq!(operation["operationId"], id, "{path}");
        assert_eq!(operation["tags"], json!(["auth"]), "{path}");
        if needs_auth {
            assert_eq!(
                operation["security"],
                json!([{ "bearer": [] }, { "cookie": [] }]),
                "{path}"
            );
        } else {
            assert!(operation.get("security").is_none(), "{path}");
        }
    }
    let schemas = &doc["components"]["schemas"];
    for schema in ["Register", "Login", "Session", "User", "Role"] {
        assert!(schemas.get(schema).is_some(), "{schema} is not documented");
    }
    assert!(
        doc["paths"]["/api/v1/auth/login"]["post"]["responses"]["200"]["content"]["application/json"]
            ["example"]["token"]
            .is_string()
    );
}
