//! Rate limits shared through Redis by several instances, and what happens
//! when Redis dies or freezes. Each test starts its own `redis-server` on a
//! free port (never the machine's shared one) and kills it at the end.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode},
};
use http_body_util::BodyExt;
use server::{AppState, Config, router, shared_state::RedisUrl};
use sqlx::PgPool;
use tower::ServiceExt;

/// A `redis-server` of this test's own, killed when dropped.
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut server = Self { port, child: None };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (Debian package `redis-server`)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> RedisUrl {
        format!("redis://127.0.0.1:{}", self.port)
            .parse()
            .expect("url")
    }

    /// SIGKILL: gone at once, like a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            Self::signal(&child, "CONT");
            child.kill().expect("kill redis-server");
            child.wait().expect("reap redis-server");
        }
    }

    /// A new, empty Redis on the same port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// SIGSTOP: the socket stays open and nothing answers.
    pub fn freeze(&self) {
        Self::signal(self.child.as_ref().expect("running"), "STOP");
    }

    pub fn thaw(&self) {
        Self::signal(self.child.as_ref().expect("running"), "CONT");
    }

    fn signal(child: &Child, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{signal} failed");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One app instance, as a test process can hold several.
pub struct Instance {
    pub state: AppState,
    router: Router,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: String,
    pub took: Duration,
}

impl Instance {
    pub fn new(pool: PgPool, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::default_for_tests();
        adjust(&mut config);
        let state = AppState::new(&config, pool, "127.0.0.1:3000".parse().expect("address"));
        Self {
            router: router(state.clone()),
            state,
        }
    }

    pub async fn send(&self, mut request: Request<Body>, peer: &str) -> Answer {
        let peer: SocketAddr = format!("{peer}:40000").parse().expect("peer");
        request.extensions_mut().insert(ConnectInfo(peer));
        let started = Instant::now();
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let took = started.elapsed();
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Answer {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            took,
        }
    }

    /// A search by `client`; asserts it was answered within a second and
    /// not with a 5xx.
    pub async fn search(&self, client: &str) -> StatusCode {
        let request = Request::get(SEARCH).body(Body::empty()).expect("request");
        let answer = self.send(request, client).await;
        assert!(
            answer.took < Duration::from_secs(1),
            "a request took {:?}",
            answer.took
        );
        assert!(
            !answer.status.is_server_error(),
            "{}: {}",
            answer.status,
            answer.body
        );
        answer.status
    }

    pub async fn sign_in(&self, client: &str) -> StatusCode {
        let request = Request::post("/api/v1/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(
                r#"{"email":"nobody@example.com","password":"wrong password!"}"#,
            ))
            .expect("request");
        self.send(request, client).await.status
    }

    /// What `/readyz` says about Redis (and that it is a 200).
    pub async fn redis_readiness(&self) -> String {
        let answer = self
            .send(
                Request::get("/readyz")
                    .body(Body::empty())
                    .expect("request"),
                "127.0.0.1",
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let json: serde_json::Value = serde_json::from_str(&answer.body).expect("json");
        assert_eq!(json["database"], "ok");
        json["redis"].as_str().expect("redis state").to_owned()
    }

    /// Waits (at most `limit`) until `/readyz` reports Redis as `wanted`.
    pub async fn wait_for_redis(&self, wanted: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let state = self.redis_readiness().await;
            if state == wanted {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "Redis still `{state}` after {limit:?}, wanted `{wanted}`"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn metrics(&self) -> String {
        self.state.metrics.render()
    }
}

const SEARCH: &str = "/api/v1/rooms?check_in=2099-01-01&check_out=2099-01-02";
const LIMITED: StatusCode = StatusCode::TOO_MANY_REQUESTS;

fn with_redis(redis: &RedisServer, per_minute: u32) -> impl FnOnce(&mut Config) {
    let url = redis.url();
    move |config| {
        config.redis_url = Some(url);
        config.rate_limit_per_minute = per_minute;
        config.auth_rate_limit_per_15_min = 2;
    }
}

/// The search may answer 200 or 422 (the far date); what matters here is
/// that it was let through.
fn let_through(status: StatusCode) -> bool {
    status != LIMITED
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn two_instances_share_one_budget_through_redis(pool: PgPool) {
    let redis = RedisServer::start();
    let a = Instance::new(pool.clone(), with_redis(&redis, 3));
    let b = Instance::new(pool.clone(), with_redis(&redis, 3));
    a.wait_for_redis("ok", Duration::from_secs(5)).await;
    b.wait_for_redis("ok", Duration::from_secs(5)).await;

    let client = "203.0.113.10";
    assert!(let_through(a.search(client).await));
    assert!(let_through(b.search(client).await));
    assert!(let_through(a.search(client).await));
    // Three requests spent across two instances: the fourth is refused on
    // either, which in-process counters (two each) would have allowed.
    assert_eq!(b.search(client).await, LIMITED);
    assert_eq!(a.search(client).await, LIMITED);
    // Another client has its own budget.
    assert!(let_through(b.search("203.0.113.11").await));

    // The sign-in budget (2 per 15 minutes here) is one for all too (a
    // client whose general budget is not spent).
    let signer = "203.0.113.12";
    assert_eq!(a.sign_in(signer).await, StatusCode::UNAUTHORIZED);
    assert_eq!(b.sign_in(signer).await, StatusCode::UNAUTHORIZED);
    assert_eq!(a.sign_in(signer).await, LIMITED);
    assert_has_line(
        &a.metrics(),
        r#"roombook_rate_limit_rejections_total{limit="sign_in"} 1"#,
    );

    let metrics = a.metrics();
    assert!(
        metrics.contains(
            r#"roombook_rate_limit_decisions_total{limit="general",store="redis",outcome="limited"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("roombook_redis_up 1"), "{metrics}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn without_redis_each_instance_counts_on_its_own(pool: PgPool) {
    let a = Instance::new(pool.clone(), |config| config.rate_limit_per_minute = 2);
    let b = Instance::new(pool, |config| config.rate_limit_per_minute = 2);
    assert_eq!(a.redis_readiness().await, "off");
    let client = "203.0.113.20";
    for _ in 0..2 {
        assert!(let_through(a.search(client).await));
        assert!(let_through(b.search(client).await));
    }
    assert_eq!(a.search(client).await, LIMITED);
    assert_eq!(b.search(client).await, LIMITED);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_killed_redis_falls_back_to_local_counters_and_recovers_without_restart(pool: PgPool) {
    let mut redis = RedisServer::start();
    let a = Instance::new(pool.clone(), with_redis(&redis, 3));
    let b = Instance::new(pool.clone(), with_redis(&redis, 3));
    a.wait_for_redis("ok", Duration::from_secs(5)).await;
    b.wait_for_redis("ok", Duration::from_secs(5)).await;

    let client = "203.0.113.30";
    assert!(let_through(a.search(client).await));
    assert!(let_through(a.search(client).await));

    redis.kill();
    // Every request is still answered at once (asserted in `search`). A
    // keeps what the client spent on it while Redis counted: one left.
    assert!(let_through(a.search(client).await));
    assert_eq!(a.search(client).await, LIMITED);
    // B counts on its own now: the deployment-wide budget is gone until
    // Redis is back, each instance's is not.
    for _ in 0..3 {
        assert!(let_through(b.search(client).await));
    }
    assert_eq!(b.search(client).await, LIMITED);
    a.wait_for_redis("degraded", Duration::from_secs(3)).await;
    b.wait_for_redis("degraded", Duration::from_secs(3)).await;
    let metrics = a.metrics();
    assert!(
        metrics.contains(
            r#"roombook_rate_limit_decisions_total{limit="general",store="local",outcome="limited"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("roombook_redis_up 0"), "{metrics}");
    assert!(
        !metrics.contains("roombook_redis_errors_total 0"),
        "{metrics}"
    );

    // Back, empty: both instances use it again by themselves.
    redis.restart();
    a.wait_for_redis("ok", Duration::from_secs(10)).await;
    b.wait_for_redis("ok", Duration::from_secs(10)).await;
    let fresh = "203.0.113.31";
    assert!(let_through(a.search(fresh).await));
    assert!(let_through(b.search(fresh).await));
    assert!(let_through(b.search(fresh).await));
    assert_eq!(a.search(fresh).await, LIMITED);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_frozen_redis_never_holds_a_request_for_a_second(pool: PgPool) {
    let redis = RedisServer::start();
    let a = Instance::new(pool.clone(), with_redis(&redis, 1_000));
    let b = Instance::new(pool.clone(), with_redis(&redis, 1_000));
    a.wait_for_redis("ok", Duration::from_secs(5)).await;
    b.wait_for_redis("ok", Duration::from_secs(5)).await;

    redis.freeze();
    // One after the other, then many at once: each answered within 1 s
    // (asserted in `search`), the first paying at most one command timeout.
    for n in 0..10 {
        a.search(&format!("198.51.100.{n}")).await;
    }
    let burst = (0..30).map(|n| {
        let instance = if n % 2 == 0 { &a } else { &b };
        instance.search("198.51.100.200")
    });
    let started = Instant::now();
    futures::future::join_all(burst).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    a.wait_for_redis("degraded", Duration::from_secs(3)).await;
    b.wait_for_redis("degraded", Duration::from_secs(3)).await;
    assert!(a.metrics().contains(
        r#"roombook_rate_limit_decisions_total{limit="general",store="local",outcome="allowed"}"#
    ));

    redis.thaw();
    a.wait_for_redis("ok", Duration::from_secs(10)).await;
    b.wait_for_redis("ok", Duration::from_secs(10)).await;
    let before = a.metrics();
    a.search("198.51.100.250").await;
    let after = a.metrics();
    assert_ne!(
        decisions(&before, "redis"),
        decisions(&after, "redis"),
        "requests are counted in Redis again"
    );
}

#[track_caller]
fn assert_has_line(metrics: &str, line: &str) {
    assert!(
        metrics.lines().any(|l| l == line),
        "no line `{line}` in\n{metrics}"
    );
}

/// Allowed decisions taken in `store`, from a metrics text.
fn decisions(metrics: &str, store: &str) -> u64 {
    let prefix = format!(
        r#"roombook_rate_limit_decisions_total{{limit="general",store="{store}",outcome="allowed"}} "#
    );
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map_or(0, |value| value.trim().parse().expect("a count"))
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn start_up_does_not_wait_for_a_redis_that_is_not_there(pool: PgPool) {
    let mut redis = RedisServer::start();
    let url = redis.url();
    redis.kill();
    let started = Instant::now();
    let a = Instance::new(pool, |config| {
        config.redis_url = Some(url);
        config.rate_limit_per_minute = 1;
    });
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(a.redis_readiness().await, "degraded");
    // Limits hold, in process.
    assert!(let_through(a.search("203.0.113.40").await));
    assert_eq!(a.search("203.0.113.40").await, LIMITED);
    // And Redis is picked up when it comes.
    redis.restart();
    a.wait_for_redis("ok", Duration::from_secs(10)).await;
}
