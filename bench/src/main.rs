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

mod http_client;
mod in_process;
mod machine;
mod report;
mod scenarios;
mod seed;

use std::{
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use chrono::Days;
use clap::Parser;

use crate::{
    in_process::InProcessServer,
    machine::Machine,
    report::{Row, percent},
    scenarios::{Searches, Stays, Timing},
    seed::{BenchDatabase, Seeded},
};

/// Targets from the booking-core issue.
const TARGET_CONTENTION_RATIO_PER_MILLE: u64 = 800;
const TARGET_SEARCH_P99_US: u64 = 10_000;

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

    /// Concurrent clients (HTTP connections, raw tasks); also the size of
    /// the server's pool and of the raw pool.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=40))]
    clients: u32,

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
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(8..=1096))]
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

async fn benchmark(args: &Args, database: &BenchDatabase) -> anyhow::Result<()> {
    let run_started = Instant::now();
    let clients = usize::try_from(args.clients)?;
    let timing = Timing {
        warmup: Duration::from_secs(args.warmup_secs),
        measure: Duration::from_secs(args.duration_secs),
    };
    let admin = database.admin_pool().await?;
    let needed = 2 * i64::from(args.clients) + 4;
    let free = seed::free_connections(&admin).await?;
    if free < needed {
        bail!(
            "PostgreSQL has {free} free connections and this run needs {needed} \
             (server pool + raw pool + admin); try fewer --clients"
        );
    }
    server::MIGRATOR.run(&admin).await?;

    let load_before = machine::load_average();
    let seed_started = Instant::now();
    let seeded = seed::seed(&admin, args.rooms, args.nights, args.users).await?;
    let seed_time = seed_started.elapsed();
    let night_rows = seed::night_rows(&admin).await?;
    eprintln!(
        "seeded {} rooms, {night_rows} night rows and {} users in {:.1?}",
        seeded.rooms.len(),
        seeded.users.len(),
        seed_time
    );

    let config = in_process::config(
        &database.url,
        args.clients,
        i32::try_from(args.nights)?,
        &args.log_filter,
    );
    server::telemetry::init(&config);
    let server = InProcessServer::start(config).await?;
    seed::wait_for_server_upkeep(&admin).await?;

    let (one_room, spread, searches) = workloads(&seeded);
    scenarios::check_booking(server.address, &seeded.users[0], &one_room)
        .await
        .context("sanity check before measuring")?;
    let offers = scenarios::check_search(server.address, searches).await?;
    if offers == 0 {
        bail!("a search found no rooms: the seed or the search is broken");
    }

    let mut rows = Vec::new();
    let rooms = seeded.rooms.len();
    let scenario_names = [
        "booking, 1 room 1 night, HTTP".to_owned(),
        "booking, 1 room 1 night, raw".to_owned(),
        format!("booking, {rooms} rooms, HTTP"),
        format!("booking, {rooms} rooms, raw"),
        format!("search, {}/s open loop, HTTP", args.search_rate),
    ];
    let [one_http, one_raw, spread_http, spread_raw, search_name] = scenario_names;
    let measured = |name: String, stats| Row {
        name,
        stats,
        window: timing.measure,
    };

    let raw_pool = database.raw_pool(args.clients).await?;
    for (stays, http_name, raw_name) in [
        (&one_room, one_http, one_raw),
        (&spread, spread_http, spread_raw),
    ] {
        progress(&http_name);
        seed::reset(&admin).await?;
        let stats =
            scenarios::booking_http(server.address, &seeded.users, stays, clients, timing).await?;
        rows.push(measured(http_name, stats));

        progress(&raw_name);
        seed::reset(&admin).await?;
        let stats =
            scenarios::booking_raw(&raw_pool, &seeded.users, stays, clients, timing).await?;
        rows.push(measured(raw_name, stats));
    }
    raw_pool.close().await;

    progress(&search_name);
    seed::reset(&admin).await?;
    let stats =
        scenarios::search_open_loop(server.address, searches, clients, args.search_rate, timing)
            .await?;
    rows.push(measured(search_name, stats));

    server.stop().await?;
    let machine = Machine::describe(&admin).await?;
    admin.close().await;

    print_report(&Report {
        args,
        machine: &machine,
        seeded: &seeded,
        night_rows,
        seed_time,
        offers,
        rows: &rows,
        load_before: &load_before,
        load_after: &machine::load_average(),
        run_time: run_started.elapsed(),
    });
    Ok(())
}

fn progress(scenario: &str) {
    eprintln!("running: {scenario}");
}

/// The contended stays, the spread stays and the searches.
///
/// Every stay keeps a night away from both ends of the seeded nights, so
/// the server's "today" (the property's time zone, which may be a day off
/// UTC) and a run crossing midnight cannot push a stay out of its window.
fn workloads(seeded: &Seeded) -> (Arc<Stays>, Arc<Stays>, Searches) {
    let first = seeded.first_night + Days::new(1);
    let last_night = seeded.first_night + Days::new(u64::from(seeded.nights) - 2);
    let one_room = Stays::OneRoom {
        room: seeded.hot_room(),
        night: seeded.hot_night(),
    };
    let spread = Stays::Spread {
        rooms: seeded.rooms.clone(),
        first,
        last: last_night,
    };
    let searches = Searches { first, last_night };
    (Arc::new(one_room), Arc::new(spread), searches)
}

/// Everything the printed report shows.
struct Report<'a> {
    args: &'a Args,
    machine: &'a Machine,
    seeded: &'a Seeded,
    night_rows: i64,
    seed_time: Duration,
    offers: usize,
    rows: &'a [Row],
    load_before: &'a str,
    load_after: &'a str,
    run_time: Duration,
}

fn print_report(report: &Report<'_>) {
    let Report { args, machine, .. } = report;
    let rows = report.rows;
    println!();
    println!(
        "Roombook benchmark, {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!(
        "machine   {} CPUs ({}); load average {} before, {} after",
        machine.cpus, machine.cpu_model, report.load_before, report.load_after
    );
    println!(
        "postgres  {}; fsync={}, synchronous_commit={}, shared_buffers={}",
        machine.postgres, machine.fsync, machine.synchronous_commit, machine.shared_buffers
    );
    println!(
        "data      {} rooms x {} nights = {} night rows, {} guests with sessions (seeded in {:.1?})",
        report.seeded.rooms.len(),
        report.seeded.nights,
        report.night_rows,
        report.seeded.users.len(),
        report.seed_time
    );
    println!(
        "load      {} clients: HTTP/1.1 keep-alive connections on loopback, or tasks on a raw pool; \
         server pool {} and raw pool {} connections; {} s warm-up + {} s measured per scenario",
        args.clients, args.clients, args.clients, args.warmup_secs, args.duration_secs
    );
    println!(
        "server    in-process, log filter {:?}, rate limits raised out of the way",
        args.log_filter
    );
    println!();
    print!("{}", report::table(rows));
    println!();

    let ratio = |http: &Row, raw: &Row| -> u64 {
        http.per_second().saturating_mul(1000) / raw.per_second().max(1)
    };
    if let [one_http, one_raw, spread_http, spread_raw, search] = rows {
        let contention = ratio(one_http, one_raw);
        println!(
            "HTTP / raw, one room (contention): {} (target >= 80%: {})",
            percent(contention, 1000),
            verdict(contention >= TARGET_CONTENTION_RATIO_PER_MILLE)
        );
        println!(
            "HTTP / raw, spread over {} rooms:   {}",
            report.seeded.rooms.len(),
            percent(ratio(spread_http, spread_raw), 1000)
        );
        for row in [one_http, one_raw, spread_http, spread_raw] {
            println!(
                "  {}: 201 {}, 409 {}",
                row.name,
                percent(row.stats.success, row.stats.requests()),
                percent(row.stats.conflict, row.stats.requests())
            );
        }
        let expected = u64::from(args.search_rate) * args.duration_secs;
        let p99 = search.stats.percentile_us(990);
        println!(
            "search at {}/s (1-7 nights, 2 guests, {} offers on the first page): p50 {} ms, \
             p99 {} ms (target <= 10 ms: {}); {} of {} scheduled requests answered",
            args.search_rate,
            report.offers,
            report::millis(search.stats.percentile_us(500)),
            report::millis(p99),
            verdict(p99.is_some_and(|p99| p99 <= TARGET_SEARCH_P99_US)),
            search.stats.success,
            expected
        );
    }
    for row in rows {
        if let Some(error) = &row.stats.first_error {
            println!("first error in {:?}: {error}", row.name);
        }
    }
    println!();
    println!(
        "note: fsync on this machine is fast (about 90 us): commit-bound figures (bookings) are \
         higher than on real disks or cloud volumes. The client, the server and PostgreSQL share \
         the same {} CPUs.",
        machine.cpus
    );
    println!("total run time {:.1?}", report.run_time);
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}
