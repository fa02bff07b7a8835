//! Roombook benchmark: booking throughput over HTTP against the same booking
//! transaction called directly (the raw ceiling), under contention (one
//! room, one night) and spread over every room, and search latency at a
//! fixed request rate.
//!
//! `cargo run --release -p bench -- --help`. Each run creates a fresh
//! database `bench_<uuid>` on `DATABASE_URL`, seeds it, starts the real
//! server in this process on 127.0.0.1, measures, prints a table and drops
//! the database. Every loop is bounded by `--duration-secs`; traffic goes to
//! loopback only.

mod external;
mod five_statement;
mod http_client;
mod in_process;
mod lists;
mod machine;
mod memory;
mod pgbench;
mod report;
mod scale;
mod scenarios;
mod seed;
mod visibility;

use std::{
    net::SocketAddr,
    path::PathBuf,
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use chrono::{Days, NaiveDate};
use clap::Parser;
use sqlx::PgPool;

use crate::{
    external::{ExternalServer, Settings},
    in_process::InProcessServer,
    machine::Machine,
    report::{Pair, Row, SearchRow, Stats},
    scenarios::{Searches, Stays, Timing},
    seed::{BenchDatabase, Seeded},
};

/// The server's allocator, since the server runs in this process (see
/// `server/src/main.rs` and ADR 0010).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "bench",
    about = "Roombook benchmark: booking throughput (HTTP vs. raw SQL) and search latency"
)]
struct Args {
    /// PostgreSQL server to use: a fresh database `bench_<uuid>` is created
    /// next to the one this URL names, and dropped at the end.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,

    /// Concurrent clients (HTTP connections, raw tasks).
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=64))]
    clients: u32,

    /// Connections of the server's pool and of the raw pool; default 32
    /// (64 clients share them: PostgreSQL's 100 connections are shared by
    /// the whole machine, and pgbench needs 64 of them).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=40))]
    pool: Option<u32>,

    /// Seconds each scenario is measured.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=120))]
    duration_secs: u64,

    /// Seconds each scenario runs before measuring starts.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(0..=30))]
    warmup_secs: u64,

    /// Searches per second in the latency scenario (open loop).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    search_rate: u32,

    /// Room types to seed.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    rooms: u32,

    /// Nights per room from today; also the server's booking horizon.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(16..=1096))]
    nights: u32,

    /// Guests with a session; clients take turns using them.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    users: u32,

    /// The server's log filter (`info` logs a line per request).
    #[arg(long, default_value = "warn")]
    log_filter: String,

    /// Keep the benchmark database instead of dropping it (to inspect it).
    #[arg(long)]
    keep_database: bool,

    /// Which scenarios to run (comma-separated); `all` for every one
    /// (needs --server-bin).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Scenario::Memory, Scenario::Bookings, Scenario::Search])]
    scenarios: Vec<Scenario>,

    /// Room counts of the cost-growth table (a database of their own each).
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1000, 10_000],
          value_parser = clap::value_parser!(u32).range(1..=20_000))]
    grid_rooms: Vec<u32>,

    /// Seconds each cell of the cost-growth table is measured (after 0.5 s
    /// of warm-up), per path.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=60))]
    grid_secs: u64,

    /// Bookings in the visibility scenario.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    visibility_samples: u32,

    /// Run this server binary (e.g. `target/release/server`) in its own
    /// process instead of the server inside the benchmark's process: the
    /// figures a user would see, and resident memory of the server alone.
    #[arg(long)]
    server_bin: Option<PathBuf>,

    /// Bookings in the booking-list scenario.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    list_bookings: u32,

    /// Guests owning them (at least 4,242: one of them is searched for).
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u32).range(4_242..=1_000_000))]
    list_guests: u32,

    /// Requests of each kind in the booking-list scenario.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    list_samples: u32,

    /// Sign-ups in the memory scenario's burst.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    signups: u32,
}

impl Args {
    fn pool(&self) -> u32 {
        self.pool.unwrap_or(32)
    }

    /// Whether `scenario` runs (`all` means every one).
    fn runs(&self, scenario: Scenario) -> bool {
        self.scenarios.contains(&Scenario::All) || self.scenarios.contains(&scenario)
    }
}

/// A group of measurements that can be run on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scenario {
    /// Resident memory: at start-up, after a sign-up burst (+10 s), and
    /// after the other scenarios.
    Memory,
    /// Booking throughput, HTTP against raw and the old five-statement
    /// transaction, one room and spread.
    Bookings,
    /// Search latency at a fixed rate.
    Search,
    /// Search throughput, 64 HTTP connections closed loop, against the SQL
    /// path's query through pgbench (needs --server-bin).
    Throughput,
    /// Booking throughput for 1, 4, 16 and 64 clients.
    Clients,
    /// Booking with the NOTIFY triggers on and off.
    Notify,
    /// Commit in one instance to another instance's search answers (needs
    /// --server-bin).
    Visibility,
    /// Search latency over 100, 1,000 and 10,000 rooms (`--grid-rooms`) and
    /// 1, 7 and 30 nights, index and SQL (needs --server-bin).
    Growth,
    /// The booking list over a million bookings: pages and text searches
    /// (`--list-bookings`, `--list-guests`).
    Lists,
    /// Every scenario above.
    All,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Creates the database, benchmarks, and drops the database whatever
/// happened (Ctrl-C included).
async fn run(args: &Args) -> anyhow::Result<()> {
    let database = BenchDatabase::create(&args.database_url).await?;
    eprintln!("created database {}", database.name);
    let outcome = tokio::select! {
        outcome = benchmark(args, &database) => outcome,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    if args.keep_database {
        eprintln!("kept database {}", database.name);
        return outcome;
    }
    let dropped = database.drop_database().await;
    outcome.and(dropped)
}

#[expect(
    clippy::too_many_lines,
    reason = "one run's phases in the order they run, each a call; read top to bottom"
)]
async fn benchmark(args: &Args, database: &BenchDatabase) -> anyhow::Result<()> {
    let run_started = Instant::now();
    if args.server_bin.is_none() && (args.runs(Scenario::Visibility) || args.runs(Scenario::Growth))
    {
        bail!("the visibility and growth scenarios start servers of their own: give --server-bin");
    }
    let admin = database.admin_pool().await?;
    check_free_connections(args, &admin).await?;
    server::MIGRATOR.run(&admin).await?;

    let load_before = machine::load_average();
    let seed_started = Instant::now();
    let seeded = seed::seed(&admin, args.rooms, args.nights, args.users).await?;
    let seed_time = seed_started.elapsed();
    let night_rows = seed::night_rows(&admin).await?;
    eprintln!(
        "seeded {} rooms, {night_rows} night rows and {} users in {seed_time:.1?}",
        seeded.rooms.len(),
        seeded.users.len(),
    );

    let server = Server::start(args, database).await?;
    seed::wait_for_server_upkeep(&admin).await?;
    let memory = args.runs(Scenario::Memory);
    let sampler = memory::RssSampler::start(server.pid());
    let mut rss = Vec::new();
    if memory {
        rss.push((
            "at start-up (seeded, index loaded)".into(),
            server.rss_kib()?,
        ));
    }

    let bench = Bench {
        args,
        database,
        admin,
        address: server.address(),
        property: server_property(args, database)?,
        seeded: &seeded,
        clients: usize::try_from(args.clients)?,
        timing: Timing {
            warmup: Duration::from_secs(args.warmup_secs),
            measure: Duration::from_secs(args.duration_secs),
        },
    };
    let peak = |phase: &str, rss: &mut Vec<(String, u64)>| {
        if memory {
            rss.push((format!("peak during {phase}"), sampler.take_peak()));
        }
    };
    if memory {
        sampler.take_peak();
        rss.push(signup_burst(args, &server).await?);
        peak("the sign-up burst and the 10 s after it", &mut rss);
    }
    let mut scaled = scale::Results::default();
    if args.runs(Scenario::Throughput) {
        scaled.throughput = Some(bench.search_throughput().await?);
        peak("the closed-loop search (64 connections)", &mut rss);
    }
    let search = if args.runs(Scenario::Search) {
        let search = bench.search().await?;
        peak(&format!("search at {}/s", args.search_rate), &mut rss);
        Some(search)
    } else {
        None
    };
    let pairs = if args.runs(Scenario::Bookings) {
        let pairs = bench.bookings().await?;
        peak(&format!("booking, {} clients", args.clients), &mut rss);
        pairs
    } else {
        Vec::new()
    };
    if args.runs(Scenario::Clients) {
        scaled.clients = bench.booking_by_clients().await?;
        peak("booking by clients (1 to 64)", &mut rss);
    }
    if args.runs(Scenario::Notify) {
        scaled.notify = bench.booking_notify().await?;
        peak("booking with NOTIFY on and off", &mut rss);
    }
    if args.runs(Scenario::Visibility) {
        scaled.visibility = Some(bench.visibility().await?);
        peak("the visibility bookings", &mut rss);
    }
    if memory {
        rss.push((
            "after the booking and search load".into(),
            server.rss_kib()?,
        ));
    }
    drop(sampler);
    let lists = if args.runs(Scenario::Lists) {
        let lists = lists::booking_lists(
            &bench.admin,
            server.address(),
            &seeded,
            args.list_bookings,
            args.list_guests,
            args.list_samples,
        )
        .await?;
        Some(lists)
    } else {
        None
    };
    let server_kind = server.describe();
    server.stop().await?;
    let machine = Machine::describe(&bench.admin).await?;
    bench.admin.close().await;
    if args.runs(Scenario::Growth) {
        let binary = bench.binary()?;
        scaled.growth = scale::cost_growth(args, binary, &args.grid_rooms).await?;
    }

    let header = [
        (
            "machine",
            format!(
                "{} CPUs ({}); load average {load_before} before, {} after",
                machine.cpus,
                machine.cpu_model,
                machine::load_average()
            ),
        ),
        (
            "postgres",
            format!(
                "{}; fsync={}, synchronous_commit={}, shared_buffers={}",
                machine.postgres, machine.fsync, machine.synchronous_commit, machine.shared_buffers
            ),
        ),
        (
            "data",
            format!(
                "{} rooms x {} nights = {night_rows} night rows, {} guests with sessions \
                 (seeded in {seed_time:.1?})",
                seeded.rooms.len(),
                seeded.nights,
                seeded.users.len()
            ),
        ),
        ("load", load_description(args)),
        ("server", server_description(args, &server_kind)),
    ];
    report::print(&header, &pairs, search.as_ref(), machine.cpus);
    scaled.print();
    if let Some(lists) = &lists {
        lists.print();
    }
    memory::print(&rss, &server_kind);
    println!("total run time {:.1?}", run_started.elapsed());
    Ok(())
}

fn server_description(args: &Args, kind: &str) -> String {
    format!(
        "{kind}, log filter {:?}, rate limits raised out of the way",
        args.log_filter
    )
}

/// PostgreSQL's connections are shared by the whole machine: fail early
/// rather than in the middle of a run.
async fn check_free_connections(args: &Args, admin: &PgPool) -> anyhow::Result<()> {
    let needed = 2 * i64::from(args.pool()) + 4;
    let free = seed::free_connections(admin).await?;
    if free < needed {
        bail!(
            "PostgreSQL has {free} free connections and this run needs {needed} \
             (server pool + raw pool + admin); try a smaller --pool"
        );
    }
    Ok(())
}

/// The memory scenario's burst: sign-ups from 16 clients, then a pause,
/// then the resident memory.
async fn signup_burst(args: &Args, server: &Server) -> anyhow::Result<(String, u64)> {
    progress(&format!(
        "memory: {} sign-ups from 16 clients",
        args.signups
    ));
    let burst = memory::signup_burst(server.address(), args.signups, 16).await?;
    tokio::time::sleep(memory::SETTLE).await;
    let phase = format!(
        "{} s after {} sign-ups from 16 clients ({burst})",
        memory::SETTLE.as_secs(),
        args.signups
    );
    Ok((phase, server.rss_kib()?))
}

fn load_description(args: &Args) -> String {
    format!(
        "{0} clients: HTTP/1.1 keep-alive connections on loopback, or tasks on a raw pool; \
         server pool {3} and raw pool {3} connections; {1} s measured per scenario \
         (bookings: HTTP, raw, five-statement raw alternate A B C C B A), {2} s warm-up \
         before each run",
        args.clients,
        args.duration_secs,
        args.warmup_secs,
        args.pool()
    )
}

/// The server's calendar, for the raw use case calls.
fn server_property(
    args: &Args,
    database: &BenchDatabase,
) -> anyhow::Result<server::property::Property> {
    let horizon = i32::try_from(args.nights)?;
    let config = in_process::config(&database.url, args.pool(), horizon, &args.log_filter);
    Ok(server::property::Property::from_config(&config))
}

/// The server under test: in this process, or a binary in its own.
#[derive(Debug)]
enum Server {
    InProcess(InProcessServer),
    External(ExternalServer),
}

impl Server {
    /// In its own process with `--server-bin`, else in this one.
    async fn start(args: &Args, database: &BenchDatabase) -> anyhow::Result<Self> {
        let horizon = i32::try_from(args.nights)?;
        if let Some(binary) = &args.server_bin {
            let server = ExternalServer::spawn(
                binary,
                Settings {
                    database_url: &database.url,
                    pool_size: args.pool(),
                    horizon_days: horizon,
                    log_filter: &args.log_filter,
                    search_index: true,
                },
            )
            .await?;
            return Ok(Self::External(server));
        }
        let config = in_process::config(&database.url, args.pool(), horizon, &args.log_filter);
        server::telemetry::init(&config);
        Ok(Self::InProcess(InProcessServer::start(config).await?))
    }

    fn address(&self) -> SocketAddr {
        match self {
            Self::InProcess(server) => server.address,
            Self::External(server) => server.address,
        }
    }

    /// The process the server runs in, as `/proc` names it.
    fn pid(&self) -> String {
        match self {
            Self::InProcess(_) => "self".to_owned(),
            Self::External(server) => server.pid.to_string(),
        }
    }

    /// Resident memory of the process the server runs in.
    fn rss_kib(&self) -> anyhow::Result<u64> {
        memory::rss_kib(&self.pid())
    }

    fn describe(&self) -> String {
        match self {
            Self::InProcess(_) => "in-process".to_owned(),
            Self::External(server) => format!("own process (pid {})", server.pid),
        }
    }

    async fn stop(self) -> anyhow::Result<()> {
        match self {
            Self::InProcess(server) => server.stop().await,
            Self::External(server) => server.stop().await,
        }
    }
}

/// What every scenario needs: the seeded database and the running server.
struct Bench<'a> {
    args: &'a Args,
    database: &'a BenchDatabase,
    /// For resets between runs.
    admin: PgPool,
    address: SocketAddr,
    property: server::property::Property,
    seeded: &'a Seeded,
    clients: usize,
    timing: Timing,
}

impl Bench<'_> {
    fn row(&self, name: String, stats: Stats) -> Row {
        Row {
            name,
            stats,
            window: self.timing.measure,
        }
    }

    /// Booking throughput, HTTP against raw and five-statement raw: one
    /// room, then every room.
    async fn bookings(&self) -> anyhow::Result<Vec<Pair>> {
        let (one_room, spread) = booking_workloads(self.seeded);
        scenarios::check_booking(self.address, &self.seeded.users[0], &one_room)
            .await
            .context("sanity check before measuring")?;
        let raw_pool = self.database.raw_pool(self.args.pool()).await?;
        let cases = [
            ("1 room 1 night".to_owned(), Arc::new(one_room), true),
            (
                format!("{} rooms", self.seeded.rooms.len()),
                Arc::new(spread),
                false,
            ),
        ];
        let mut pairs = Vec::new();
        for (case, stays, contention) in cases {
            progress(&format!(
                "booking, {case}: HTTP, raw and five-statement raw, alternating"
            ));
            let (http, raw, five) = self.http_and_raw(&raw_pool, &stays).await?;
            pairs.push(Pair {
                http: self.row(format!("booking, {case}, HTTP"), http),
                raw: self.row(format!("booking, {case}, raw"), raw),
                five: self.row(format!("booking, {case}, five-statement raw"), five),
                contention,
                case,
            });
        }
        raw_pool.close().await;
        Ok(pairs)
    }

    /// Booking over HTTP, raw and five-statement raw, alternating
    /// A B C C B A with half the measured time each, so that a change in
    /// the machine's background load during a case weighs on all alike
    /// (this machine is shared; its load moves by the minute). Every run
    /// starts from a [`seed::reset`] database.
    async fn http_and_raw(
        &self,
        raw_pool: &PgPool,
        stays: &Arc<Stays>,
    ) -> anyhow::Result<(Stats, Stats, Stats)> {
        let half = Timing {
            measure: self.timing.measure / 2,
            ..self.timing
        };
        let users = &self.seeded.users;
        let (mut http, mut raw, mut five) = (Stats::default(), Stats::default(), Stats::default());
        for way in [0, 1, 2, 2, 1, 0] {
            seed::reset(&self.admin).await?;
            match way {
                0 => http.merge(
                    scenarios::booking_http(self.address, users, stays, self.clients, half).await?,
                ),
                1 => raw.merge(
                    scenarios::booking_raw(
                        raw_pool,
                        &self.property,
                        users,
                        stays,
                        self.clients,
                        half,
                    )
                    .await?,
                ),
                _ => five.merge(
                    scenarios::booking_five_statement(raw_pool, users, stays, self.clients, half)
                        .await?,
                ),
            }
        }
        http.finish();
        raw.finish();
        five.finish();
        Ok((http, raw, five))
    }

    /// Search latency at the fixed rate, open loop.
    async fn search(&self) -> anyhow::Result<SearchRow> {
        let searches = search_workload(self.seeded);
        let offers = scenarios::check_search(self.address, searches).await?;
        if offers == 0 {
            bail!("a search found no rooms: the seed or the search is broken");
        }
        let rate = self.args.search_rate;
        let name = format!("search, {rate}/s open loop, HTTP");
        progress(&name);
        seed::reset(&self.admin).await?;
        let stats =
            scenarios::search_open_loop(self.address, searches, self.clients, rate, self.timing)
                .await?;
        Ok(SearchRow {
            row: self.row(name, stats),
            rate,
            scheduled: u64::from(rate) * self.args.duration_secs,
            offers,
        })
    }
}

fn progress(scenario: &str) {
    eprintln!(
        "running: {scenario} (load average {})",
        machine::load_average()
    );
}

/// The first and last night a stay may use: a night away from both ends
/// of the seeded nights, so that the server's "today" (the property's time
/// zone, which may be a day off UTC) and a run crossing midnight cannot
/// push a stay out of its window.
fn usable_nights(seeded: &Seeded) -> (NaiveDate, NaiveDate) {
    (
        seeded.first_night + Days::new(1),
        seeded.first_night + Days::new(u64::from(seeded.nights) - 2),
    )
}

/// The contended stays and the spread stays.
fn booking_workloads(seeded: &Seeded) -> (Stays, Stays) {
    let (first, last) = usable_nights(seeded);
    let one_room = Stays::OneRoom {
        room: seeded.hot_room(),
        night: seeded.hot_night(),
    };
    let spread = Stays::Spread {
        rooms: seeded.rooms.clone(),
        first,
        last,
    };
    (one_room, spread)
}

fn search_workload(seeded: &Seeded) -> Searches {
    let (first, last_night) = usable_nights(seeded);
    Searches {
        first,
        last_night,
        min_nights: 1,
        max_nights: 7,
    }
}
