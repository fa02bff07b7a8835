use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use chrono::{Days, NaiveDate, Utc};
use http_body_util::BodyExt;
use server::{AppState, Config, router};
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

/// The application as a test sees it, driven in memory.
pub struct TestApp {
    router: Router,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent (`body` is its lossy text).
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl TestApp {
    pub fn new(pool: PgPool) -> Self {
        // Tests share one in-memory client address; rate limits have their
        // own tests.
        Self::with_config(pool, |config| {
            config.rate_limit_per_minute = 1_000_000;
            config.auth_rate_limit_per_15_min = 1_000_000;
        })
    }

    pub fn with_config(pool: PgPool, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::default_for_tests();
        adjust(&mut config);
        let state = AppState::new(&config, pool, "127.0.0.1:3000".parse().expect("address"));
        Self {
            router: router(state),
        }
    }

    /// The router of a state the test prepared (e.g. with an availability
    /// index started).
    pub fn from_state(state: AppState) -> Self {
        Self {
            router: router(state),
        }
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    /// A page as a browser signed in as `user` gets it (session cookie).
    pub async fn get_with_session(&self, uri: &str, user: &TestUser) -> TestResponse {
        self.request(
            Request::get(uri)
                .header(header::COOKIE, format!("roombook_session={}", user.token))
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    /// Posts form fields the way the browser's server-function client does.
    pub async fn post_form(&self, uri: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = form_body(fields.iter().copied());
        self.request(
            Request::builder()
                .method(Method::POST)
                .uri(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }
}

/// An `application/x-www-form-urlencoded` body of `fields`.
pub fn form_body<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub fn in_days(days: u64) -> NaiveDate {
    today() + Days::new(days)
}

/// A room with `units` identical units, open every night for `nights` nights
/// from today at `price_cents`.
pub struct RoomSeed<'a> {
    pub name: &'a str,
    pub capacity: i32,
    pub units: i32,
    pub price_cents: i64,
    pub nights: u64,
}

impl Default for RoomSeed<'_> {
    fn default() -> Self {
        Self {
            name: "Garden Double",
            capacity: 2,
            units: 3,
            price_cents: 10_000,
            nights: 60,
        }
    }
}

pub async fn seed_room(pool: &PgPool, seed: RoomSeed<'_>) -> Uuid {
    let id: Uuid = sqlx::query_scalar(
        "insert into rooms (name, capacity, price_cents, currency, total_inventory)
         values ($1, $2, $3, 'EUR', $4) returning id",
    )
    .bind(seed.name)
    .bind(seed.capacity)
    .bind(seed.price_cents)
    .bind(seed.units)
    .fetch_one(pool)
    .await
    .expect("insert room");
    sqlx::query(
        "insert into room_availability (room_id, night, total, price_cents)
         select $1, night::date, $2, $3
           from generate_series($4::date, $5::date, interval '1 day') as night",
    )
    .bind(id)
    .bind(seed.units)
    .bind(seed.price_cents)
    .bind(today())
    .bind(in_days(seed.nights))
    .execute(pool)
    .await
    .expect("insert availability");
    id
}

/// A user with a live session, created directly in the database.
pub struct TestUser {
    pub id: Uuid,
    pub token: String,
}

pub async fn create_user(pool: &PgPool, role: &str) -> TestUser {
    let email = format!("{}@example.com", Uuid::new_v4().simple());
    create_person(pool, "Test User", &email, role).await
}

/// A user with this name, e-mail and role, and a live session.
pub async fn create_person(pool: &PgPool, name: &str, email: &str, role: &str) -> TestUser {
    let id: Uuid = sqlx::query_scalar(
        "insert into users (email, name, password_hash, role)
         values ($1, $2, 'not-a-real-hash', $3) returning id",
    )
    .bind(email)
    .bind(name)
    .bind(role)
    .fetch_one(pool)
    .await
    .expect("insert user");
    let token = server::auth::session::new_token();
    sqlx::query(
        "insert into sessions (token_hash, user_id, expires_at)
         values ($1, $2, now() + interval '1 day')",
    )
    .bind(server::auth::session::token_hash(&token))
    .bind(id)
    .execute(pool)
    .await
    .expect("insert session");
    TestUser { id, token }
}

impl TestApp {
    /// Sends a JSON request, with the user's bearer token if given.
    pub async fn json(
        &self,
        method: Method,
        uri: &str,
        user: Option<&TestUser>,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        self.json_with_headers(method, uri, user, body, &[]).await
    }
}

impl TestApp {
    /// As [`TestApp::json`], with extra request headers (e.g.
    /// `Idempotency-Key`).
    pub async fn json_with_headers(
        &self,
        method: Method,
        uri: &str,
        user: Option<&TestUser>,
        body: Option<serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(user) = user {
            request = request.header(header::AUTHORIZATION, format!("Bearer {}", user.token));
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.request(request.body(body).expect("request")).await
    }
}
