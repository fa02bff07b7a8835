//! Prometheus metrics (`prometheus-client`, text exposition format), served
//! at `/metrics` on their own listener (`--metrics-listen`), never on the
//! public one: behind nginx every request comes from a trusted address, so
//! "only from loopback" would not keep the public out.
//!
//! What is counted: requests by route (the matched path, never the raw one,
//! so the number of series stays bounded), method and status class, with a
//! latency histogram; database pool connections; Redis state and errors;
//! rate-limit decisions and rejections; bookings created, conflicted and
//! cancelled, by door: the REST API (`door="api"`) and the browser's server
//! functions (`door="ui"`), counted where each door calls the use case
//! ([`BookingCounters`]), so replays and failures are told apart the same
//! way for both.

use std::{
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};
use sqlx::PgPool;

use super::AppState;
use crate::{
    bookings::Outcome,
    error::Error,
    shared_state::{SharedState, Verdict},
};
use shared_schema::{ConflictCode, dto::Booking};

/// Latency buckets in seconds, up to the default request timeout.
const LATENCY_BUCKETS: [f64; 12] = [
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0,
];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    limit: &'static str,
    store: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DoorLabels {
    door: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The door a booking request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// The REST API (`/api/v1/bookings`).
    Api,
    /// The browser's server functions (`/api/book`, `/api/cancel_booking`).
    Ui,
}

impl Door {
    fn labels(self) -> DoorLabels {
        DoorLabels {
            door: match self {
                Self::Api => "api",
                Self::Ui => "ui",
            },
        }
    }
}

/// Bookings created, refused because the stay is sold out, and cancelled,
/// per door. Each door reports the use case's own result here (the REST
/// handlers and `Services`' server-function methods), so a replayed
/// `Idempotency-Key` is never a second booking and both doors count alike.
/// Cheap to clone; [`Metrics`] exposes them.
#[derive(Debug, Clone, Default)]
pub struct BookingCounters {
    created: Family<DoorLabels, Counter>,
    conflicted: Family<DoorLabels, Counter>,
    cancelled: Family<DoorLabels, Counter>,
}

impl BookingCounters {
    /// A booking request's result: a new booking, or a sold-out refusal
    /// (replays, other refusals and failures are not counted).
    pub fn booking(&self, door: Door, result: &Result<Outcome, Error>) {
        match result {
            Ok(Outcome::Booked(_)) => {
                self.created.get_or_create(&door.labels()).inc();
            }
            Err(Error::Conflict(conflict)) if conflict.code == ConflictCode::SoldOut => {
                self.conflicted.get_or_create(&door.labels()).inc();
            }
            _ => {}
        }
    }

    /// A cancellation's result: counted when it answered the cancelled
    /// booking.
    pub fn cancellation(&self, door: Door, result: &Result<Booking, Error>) {
        if result.is_ok() {
            self.cancelled.get_or_create(&door.labels()).inc();
        }
    }
}

/// Every metric of one instance.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily<RouteLabels>,
    pool: Family<PoolLabels, Gauge>,
    rate_limit_decisions: Family<DecisionLabels, Counter>,
    rate_limit_rejections: Family<LimitLabels, Counter>,
}

impl Metrics {
    pub fn new(shared: &SharedState, bookings: &BookingCounters) -> Arc<Self> {
        let mut registry = Registry::with_prefix("roombook");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route (matched path), method and status class",
            requests.clone(),
        );
        let latency: HistogramFamily<RouteLabels> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route and method",
            latency.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "PostgreSQL pool connections: in_use, idle, max",
            pool.clone(),
        );
        let rate_limit_decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "rate_limit_decisions",
            "Rate-limit checks by budget, where they were counted (redis or local) and outcome",
            rate_limit_decisions.clone(),
        );
        let rate_limit_rejections = Family::<LimitLabels, Counter>::default();
        registry.register(
            "rate_limit_rejections",
            "Requests answered 429 by a rate limit, by budget",
            rate_limit_rejections.clone(),
        );
        registry.register(
            "bookings_created",
            "Bookings created, by door: api (REST) or ui (server functions); replays not counted",
            bookings.created.clone(),
        );
        registry.register(
            "bookings_conflicted",
            "Booking requests refused because a night is sold out, by door",
            bookings.conflicted.clone(),
        );
        registry.register(
            "bookings_cancelled",
            "Cancellations answered with the cancelled booking, by door",
            bookings.cancelled.clone(),
        );
        if let Some(redis) = shared.redis() {
            registry.register(
                "redis_up",
                "1 while rate limits are shared through Redis, 0 while it is degraded",
                redis.up_gauge(),
            );
            registry.register(
                "redis_errors",
                "Redis commands that failed or timed out (requests and probes)",
                redis.errors(),
            );
        }
        Arc::new(Self {
            registry,
            requests,
            latency,
            pool,
            rate_limit_decisions,
            rate_limit_rejections,
        })
    }

    pub(super) fn rate_limit_decision(&self, limit: &'static str, verdict: Verdict) {
        let (store, outcome) = match verdict {
            Verdict::Allowed { store } => (store, "allowed"),
            Verdict::Limited { store, .. } => {
                self.rate_limit_rejections
                    .get_or_create(&LimitLabels { limit })
                    .inc();
                (store, "limited")
            }
        };
        self.rate_limit_decisions
            .get_or_create(&DecisionLabels {
                limit,
                store: store.as_str(),
                outcome,
            })
            .inc();
    }

    fn observe(&self, method: &Method, route: &str, response: &Response, elapsed: Duration) {
        let status = response.status();
        let method_label = method_label(method);
        self.requests
            .get_or_create(&RequestLabels {
                method: method_label,
                route: route.to_owned(),
                status: status_class(status),
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method_label,
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    fn sample_pool(&self, pool: &PgPool) {
        let size = i64::from(pool.size());
        let idle = i64::try_from(pool.num_idle()).unwrap_or(i64::MAX);
        let max = i64::from(pool.options().get_max_connections());
        for (state, value) in [
            ("in_use", (size - idle).max(0)),
            ("idle", idle),
            ("max", max),
        ] {
            self.pool.get_or_create(&PoolLabels { state }).set(value);
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }
}

/// Methods outside the usual set share one label, so a client inventing
/// methods cannot create series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The route a request matched, filled in by [`note_route`] inside the
/// router and read by [`track`] outside it (so answers of the outer layers,
/// e.g. a timeout's 503, still count for their route).
#[derive(Debug, Clone, Default)]
pub(super) struct RouteSlot(Arc<OnceLock<MatchedPath>>);

/// Outermost middleware: times and counts every answer.
pub(super) async fn track(
    State(metrics): State<Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let slot = RouteSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    let route = slot.0.get().map_or("unmatched", MatchedPath::as_str);
    metrics.observe(&method, route, &response, started.elapsed());
    response
}

/// Route middleware: tells [`track`] which route matched.
pub(super) async fn note_route(request: Request, next: Next) -> Response {
    if let (Some(slot), Some(path)) = (
        request.extensions().get::<RouteSlot>(),
        request.extensions().get::<MatchedPath>(),
    ) {
        let _first = slot.0.set(path.clone());
    }
    next.run(request).await
}

async fn scrape(State(state): State<AppState>) -> Response {
    state.metrics.sample_pool(&state.services.pool);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// The metrics endpoint, for its own listener.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}
