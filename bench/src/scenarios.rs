//! The measured workloads: booking throughput (closed loop, over HTTP and
//! as a direct library call) and search latency (open loop, fixed rate).
//!
//! Every loop ends by itself when its time window is over. Each client
//! first runs a warm-up (connections opened, caches warm) whose requests
//! are not counted.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use chrono::{Days, NaiveDate};
use hyper::{Method, StatusCode, body::Bytes};
use rand::{Rng, SeedableRng, rngs::StdRng};
use server::{
    auth::{Principal, Role},
    property::Property,
};
use shared_schema::booking::NewBooking;
use sqlx::PgPool;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::{
    five_statement,
    http_client::{ANSWER_LIMIT, Connection},
    report::{Outcome, Stats},
    seed::BenchUser,
};

const BOOKINGS_PATH: &str = "/api/v1/bookings";

/// How long an open-loop client may run past its window to catch up on
/// requests it is late for, before it gives up on them.
const BACKLOG_GRACE: Duration = Duration::from_secs(2);

/// How long to warm up and then measure.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub warmup: Duration,
    pub measure: Duration,
}

/// The phases of one run, fixed when it starts.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    measure_from: Instant,
    until: Instant,
}

impl Window {
    fn starting_now(timing: Timing) -> Self {
        let start = Instant::now();
        let measure_from = start + timing.warmup;
        Self {
            start,
            measure_from,
            until: measure_from + timing.measure,
        }
    }

    fn open(&self) -> bool {
        Instant::now() < self.until
    }

    /// Whether a request started at `at` is measured (not warm-up).
    fn counts(&self, at: Instant) -> bool {
        at >= self.measure_from
    }
}

/// Which stays the booking clients ask for.
#[derive(Debug)]
pub enum Stays {
    /// Every client books the same night of the same room: one hot row.
    OneRoom { room: Uuid, night: NaiveDate },
    /// A random room and a random night of the window.
    Spread {
        rooms: Vec<Uuid>,
        /// First and last (inclusive) check-in night.
        first: NaiveDate,
        last: NaiveDate,
    },
}

impl Stays {
    /// A one-night stay, one guest, one unit.
    fn draw(&self, rng: &mut StdRng) -> NewBooking {
        let (room_id, check_in) = match self {
            Self::OneRoom { room, night } => (*room, *night),
            Self::Spread { rooms, first, last } => {
                let span = u64::try_from((*last - *first).num_days()).unwrap_or(0);
                (
                    rooms[rng.gen_range(0..rooms.len())],
                    *first + Days::new(rng.gen_range(0..=span)),
                )
            }
        };
        NewBooking {
            room_id,
            check_in,
            check_out: check_in + Days::new(1),
            guests: 1,
            units: 1,
        }
    }
}

/// The stays searched for: random check-in, `min_nights` to `max_nights`
/// nights, 2 guests.
#[derive(Debug, Clone, Copy)]
pub struct Searches {
    pub first: NaiveDate,
    /// The last night a stay may include.
    pub last_night: NaiveDate,
    pub min_nights: u64,
    pub max_nights: u64,
}

impl Searches {
    /// Check-in nights are `first + 0..=span()`.
    pub fn span(self) -> u64 {
        u64::try_from((self.last_night - self.first).num_days())
            .unwrap_or(0)
            .saturating_sub(self.max_nights - 1)
    }

    fn draw_path(self, rng: &mut StdRng) -> String {
        let nights = rng.gen_range(self.min_nights..=self.max_nights);
        let check_in = self.first + Days::new(rng.gen_range(0..=self.span()));
        let check_out = check_in + Days::new(nights);
        format!("/api/v1/rooms?check_in={check_in}&check_out={check_out}&guests=2")
    }
}

fn outcome_of(status: StatusCode, body: &Bytes) -> Outcome {
    if status.is_success() {
        Outcome::Success
    } else if status == StatusCode::CONFLICT {
        Outcome::Conflict
    } else {
        Outcome::Error(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ))
    }
}

/// Collects the workers' statistics; the first failing worker fails all.
async fn gather(mut workers: JoinSet<anyhow::Result<Stats>>) -> anyhow::Result<Stats> {
    let mut total = Stats::default();
    while let Some(joined) = workers.join_next().await {
        total.merge(joined.context("a benchmark client panicked")??);
    }
    total.finish();
    Ok(total)
}

/// One request of a closed-loop client.
struct Request {
    method: Method,
    path: String,
    bearer: Option<String>,
    body: Option<Bytes>,
}

/// `clients` connections, each sending the request `draw` makes for it
/// (client number, its random numbers) as soon as the previous one is
/// answered, until the window closes.
async fn closed_loop<F>(
    address: SocketAddr,
    clients: usize,
    timing: Timing,
    seed: u64,
    draw: F,
) -> anyhow::Result<Stats>
where
    F: Fn(usize, &mut StdRng) -> anyhow::Result<Request> + Clone + Send + 'static,
{
    let window = Window::starting_now(timing);
    let mut workers = JoinSet::new();
    for client in 0..clients {
        let draw = draw.clone();
        workers.spawn(async move {
            let mut connection = Connection::open(address).await?;
            let mut rng = StdRng::seed_from_u64(seed + client as u64);
            let mut stats = Stats::default();
            while window.open() {
                let request = draw(client, &mut rng)?;
                let started = Instant::now();
                let outcome = match connection
                    .send(
                        request.method,
                        &request.path,
                        request.bearer.as_deref(),
                        request.body,
                    )
                    .await
                {
                    Ok(reply) => outcome_of(reply.status, &reply.body),
                    Err(error) => {
                        let outcome = Outcome::Error(format!("{error:#}"));
                        connection = Connection::open(address).await?;
                        outcome
                    }
                };
                if window.counts(started) {
                    stats.record(outcome, started.elapsed());
                }
            }
            Ok(stats)
        });
    }
    gather(workers).await
}

/// `clients` connections booking as fast as they get answers.
pub async fn booking_http(
    address: SocketAddr,
    users: &[BenchUser],
    workload: &Arc<Stays>,
    clients: usize,
    timing: Timing,
) -> anyhow::Result<Stats> {
    let tokens: Arc<[String]> = users.iter().map(|user| user.token.clone()).collect();
    let workload = Arc::clone(workload);
    closed_loop(address, clients, timing, 0, move |client, rng| {
        Ok(Request {
            method: Method::POST,
            path: BOOKINGS_PATH.to_owned(),
            bearer: Some(tokens[client % tokens.len()].clone()),
            body: Some(Bytes::from(serde_json::to_vec(&workload.draw(rng))?)),
        })
    })
    .await
}

/// `clients` connections searching as fast as they get answers.
pub async fn search_closed_loop(
    address: SocketAddr,
    searches: Searches,
    clients: usize,
    timing: Timing,
) -> anyhow::Result<Stats> {
    closed_loop(address, clients, timing, 2000, move |_, rng| {
        Ok(Request {
            method: Method::GET,
            path: searches.draw_path(rng),
            bearer: None,
            body: None,
        })
    })
    .await
}

/// The same booking use case, called directly on a pool of `clients`
/// connections by `clients` tasks: the ceiling without HTTP, JSON or
/// session lookup.
pub async fn booking_raw(
    pool: &PgPool,
    property: &Property,
    users: &[BenchUser],
    workload: &Arc<Stays>,
    clients: usize,
    timing: Timing,
) -> anyhow::Result<Stats> {
    let window = Window::starting_now(timing);
    let mut workers = JoinSet::new();
    for client in 0..clients {
        let who = Principal::session(users[client % users.len()].id, Role::Guest);
        let pool = pool.clone();
        let property = property.clone();
        let workload = Arc::clone(workload);
        workers.spawn(async move {
            let mut rng = StdRng::seed_from_u64(client as u64);
            let mut stats = Stats::default();
            while window.open() {
                let booking = workload.draw(&mut rng);
                let started = Instant::now();
                let booked = tokio::time::timeout(
                    ANSWER_LIMIT,
                    server::bookings::create(&pool, &property, who, booking, None),
                )
                .await;
                let outcome = match booked {
                    Ok(Ok(_)) => Outcome::Success,
                    Ok(Err(server::error::Error::Conflict(_))) => Outcome::Conflict,
                    Ok(Err(error)) => Outcome::Error(error.to_string()),
                    Err(_) => Outcome::Error(format!("no answer within {ANSWER_LIMIT:?}")),
                };
                if window.counts(started) {
                    stats.record(outcome, started.elapsed());
                }
            }
            Ok(stats)
        });
    }
    gather(workers).await
}

/// The old five-statement booking transaction ([`five_statement`]) on a
/// pool of `clients` connections: the baseline of issue 12.
pub async fn booking_five_statement(
    pool: &PgPool,
    users: &[BenchUser],
    workload: &Arc<Stays>,
    clients: usize,
    timing: Timing,
) -> anyhow::Result<Stats> {
    let window = Window::starting_now(timing);
    let mut workers = JoinSet::new();
    for client in 0..clients {
        let user_id = users[client % users.len()].id;
        let pool = pool.clone();
        let workload = Arc::clone(workload);
        workers.spawn(async move {
            let mut rng = StdRng::seed_from_u64(client as u64);
            let mut stats = Stats::default();
            while window.open() {
                let booking = workload.draw(&mut rng);
                let started = Instant::now();
                let booked = tokio::time::timeout(
                    ANSWER_LIMIT,
                    five_statement::book(&pool, user_id, &booking),
                )
                .await;
                let outcome = match booked {
                    Ok(Ok(five_statement::Booked::Yes)) => Outcome::Success,
                    Ok(Ok(five_statement::Booked::Refused)) => Outcome::Conflict,
                    Ok(Err(error)) => Outcome::Error(format!("{error:#}")),
                    Err(_) => Outcome::Error(format!("no answer within {ANSWER_LIMIT:?}")),
                };
                if window.counts(started) {
                    stats.record(outcome, started.elapsed());
                }
            }
            Ok(stats)
        });
    }
    gather(workers).await
}

/// Searches sent at a fixed total `rate` per second, whatever the answers
/// do (open loop), spread over `clients` connections: client `c` sends the
/// requests scheduled at `start + k / rate` for `k = c, c + clients, ...`.
///
/// Latency runs from the scheduled time when the client is late for it
/// (its previous request was still running: that wait is part of what a
/// user at this rate would see, and leaving it out is "coordinated
/// omission"), and from the actual send otherwise, so the timer's own
/// millisecond granularity is not blamed on the server.
pub async fn search_open_loop(
    address: SocketAddr,
    searches: Searches,
    clients: usize,
    rate: u32,
    timing: Timing,
) -> anyhow::Result<Stats> {
    let window = Window::starting_now(timing);
    let interval = Duration::from_secs(1) / rate.max(1);
    let stride = u32::try_from(clients).context("too many clients")?;
    let mut workers = JoinSet::new();
    for client in 0..stride {
        workers.spawn(async move {
            let mut connection = Connection::open(address).await?;
            let mut rng = StdRng::seed_from_u64(u64::from(client) + 1000);
            let mut stats = Stats::default();
            let mut slot = client;
            loop {
                let scheduled = window.start + interval * slot;
                if scheduled >= window.until {
                    break;
                }
                slot += stride;
                if Instant::now() >= window.until + BACKLOG_GRACE {
                    // Far behind schedule: the server cannot keep this
                    // rate. Count what is left as failed instead of
                    // running on.
                    if window.counts(scheduled) {
                        stats.record(
                            Outcome::Error("not sent: too far behind schedule".to_owned()),
                            scheduled.elapsed(),
                        );
                    }
                    continue;
                }
                let path = searches.draw_path(&mut rng);
                let started = if Instant::now() < scheduled {
                    tokio::time::sleep_until(scheduled.into()).await;
                    Instant::now()
                } else {
                    scheduled
                };
                let outcome = match connection.send(Method::GET, &path, None, None).await {
                    Ok(reply) => outcome_of(reply.status, &reply.body),
                    Err(error) => {
                        let outcome = Outcome::Error(format!("{error:#}"));
                        connection = Connection::open(address).await?;
                        outcome
                    }
                };
                if window.counts(scheduled) {
                    stats.record(outcome, started.elapsed());
                }
            }
            Ok(stats)
        });
    }
    gather(workers).await
}

/// One booking over HTTP before measuring: a wrong request shape or a
/// broken setup fails loudly here instead of as a table full of errors.
pub async fn check_booking(
    address: SocketAddr,
    user: &BenchUser,
    stays: &Stays,
) -> anyhow::Result<()> {
    let mut connection = Connection::open(address).await?;
    let booking = stays.draw(&mut StdRng::seed_from_u64(0));
    let reply = connection
        .send(
            Method::POST,
            BOOKINGS_PATH,
            Some(&user.token),
            Some(Bytes::from(serde_json::to_vec(&booking)?)),
        )
        .await?;
    if reply.status != StatusCode::CREATED {
        bail!(
            "a booking over HTTP answered {}: {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        );
    }
    Ok(())
}

/// One search before measuring; returns how many offers its page holds,
/// so the report can show that searches do real work.
pub async fn check_search(address: SocketAddr, searches: Searches) -> anyhow::Result<usize> {
    let mut connection = Connection::open(address).await?;
    let path = searches.draw_path(&mut StdRng::seed_from_u64(0));
    let page = connection.get_json(&path).await?;
    Ok(page["offers"].as_array().map_or(0, Vec::len))
}
