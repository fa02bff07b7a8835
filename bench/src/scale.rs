//! The scenarios that need the server in its own process (`--server-bin`)
//! or more than one server: search throughput against the raw SQL query
//! through pgbench, booking throughput by client count and with and
//! without NOTIFY, the visibility of a commit in a second instance, and
//! the cost growth of search over 100 to 10,000 rooms (issue 12).

use std::{
    fmt::Write as _,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use sqlx::PgPool;

use crate::{
    Bench, booking_workloads,
    external::{ExternalServer, Settings},
    memory, pgbench, progress,
    report::{Row, Stats, millis, percent, verdict},
    scenarios::{self, Searches, Stays, Timing},
    search_workload, seed,
    seed::{BenchDatabase, Seeded},
    visibility::{self, Visibility},
};

/// Issue 12: search over HTTP from the index at least 5 times the raw SQL
/// query's pgbench figure.
const TARGET_THROUGHPUT_VS_PGBENCH: u64 = 5;
/// Issue 12: commit to another instance's search answers, p99.
const TARGET_VISIBILITY_P99_US: u64 = 50_000;
/// Clients of the closed-loop search and of pgbench.
pub const THROUGHPUT_CLIENTS: u32 = 64;
/// Client counts of the booking table.
const BOOKING_CLIENTS: [usize; 4] = [1, 4, 16, 64];
/// Stay lengths of the cost-growth table.
const GRID_NIGHTS: [u64; 3] = [1, 7, 30];

/// Search closed loop over HTTP against pgbench, same searches.
#[derive(Debug)]
pub struct Throughput {
    pub http: Row,
    pub pgbench: pgbench::Run,
}

/// One client count of the booking table.
#[derive(Debug)]
pub struct ClientsRow {
    pub clients: usize,
    /// HTTP and raw (`book_stay` called directly), one hot night.
    pub hot: (Row, Row),
    /// HTTP and raw, spread over every room.
    pub spread: (Row, Row),
}

/// One booking case over HTTP with the night notifications on and off.
#[derive(Debug)]
pub struct NotifyRow {
    pub case: String,
    pub on: Row,
    pub off: Row,
}

/// One cell pair of the cost-growth table.
#[derive(Debug)]
pub struct GridRow {
    pub rooms: u32,
    pub nights: u64,
    pub index: Row,
    pub sql: Row,
    /// Resident memory of the server with the index, after its searches.
    pub index_rss_kib: u64,
}

impl Bench<'_> {
    pub fn binary(&self) -> anyhow::Result<&Path> {
        self.args
            .server_bin
            .as_deref()
            .context("this scenario needs --server-bin (servers in their own processes)")
    }

    /// 64 HTTP connections searching closed loop (index), against pgbench
    /// with 64 connections running the SQL path's query, alternating
    /// A B B A with half the measured time each.
    pub async fn search_throughput(&self) -> anyhow::Result<Throughput> {
        let needed = i64::from(THROUGHPUT_CLIENTS) + 4;
        let free = seed::free_connections(&self.admin).await?;
        if free < needed {
            bail!("pgbench needs {needed} free PostgreSQL connections and {free} are free");
        }
        let searches = search_workload(self.seeded);
        let script = pgbench::script(searches);
        let half = Timing {
            measure: self.timing.measure / 2,
            ..self.timing
        };
        let clients = usize::try_from(THROUGHPUT_CLIENTS)?;
        progress("search throughput: 64 HTTP connections closed loop and pgbench -c 64");
        let mut http = Stats::default();
        let mut raw = pgbench::Run::default();
        for way in [0, 1, 1, 0] {
            if way == 0 {
                http.merge(
                    scenarios::search_closed_loop(self.address, searches, clients, half).await?,
                );
            } else {
                raw.merge(
                    pgbench::run(
                        &self.database.url,
                        &script,
                        THROUGHPUT_CLIENTS,
                        half.measure,
                    )
                    .await?,
                );
            }
        }
        http.finish();
        Ok(Throughput {
            http: Row {
                name: "search, 64 connections closed loop, HTTP (index)".to_owned(),
                stats: http,
                window: half.measure * 2,
            },
            pgbench: raw,
        })
    }

    /// Booking throughput over HTTP and raw for 1, 4, 16 and 64 clients,
    /// one hot night and spread; half the measured time each.
    pub async fn booking_by_clients(&self) -> anyhow::Result<Vec<ClientsRow>> {
        let (one_room, spread) = booking_workloads(self.seeded);
        let (one_room, spread) = (Arc::new(one_room), Arc::new(spread));
        let raw_pool = self.database.raw_pool(self.args.pool()).await?;
        let half = Timing {
            measure: self.timing.measure / 2,
            ..self.timing
        };
        let mut rows = Vec::new();
        for clients in BOOKING_CLIENTS {
            progress(&format!("booking by clients: {clients}, HTTP and raw"));
            let hot = self
                .http_then_raw(&raw_pool, &one_room, clients, half, "1 night")
                .await?;
            let spread = self
                .http_then_raw(&raw_pool, &spread, clients, half, "spread")
                .await?;
            rows.push(ClientsRow {
                clients,
                hot,
                spread,
            });
        }
        raw_pool.close().await;
        Ok(rows)
    }

    async fn http_then_raw(
        &self,
        raw_pool: &PgPool,
        stays: &Arc<Stays>,
        clients: usize,
        timing: Timing,
        case: &str,
    ) -> anyhow::Result<(Row, Row)> {
        let users = &self.seeded.users;
        seed::reset(&self.admin).await?;
        let http = scenarios::booking_http(self.address, users, stays, clients, timing).await?;
        seed::reset(&self.admin).await?;
        let raw =
            scenarios::booking_raw(raw_pool, &self.property, users, stays, clients, timing).await?;
        let row = |way: &str, stats| Row {
            name: format!("booking, {case}, {clients} clients, {way}"),
            stats,
            window: timing.measure,
        };
        Ok((row("HTTP", http), row("raw", raw)))
    }

    /// Booking over HTTP with the night notifications on and off
    /// (`ALTER TABLE ... DISABLE TRIGGER` on the benchmark's database),
    /// one hot night and spread, alternating A B B A.
    pub async fn booking_notify(&self) -> anyhow::Result<Vec<NotifyRow>> {
        let (one_room, spread) = booking_workloads(self.seeded);
        let cases = [
            ("1 room 1 night".to_owned(), Arc::new(one_room)),
            (
                format!("{} rooms", self.seeded.rooms.len()),
                Arc::new(spread),
            ),
        ];
        let half = Timing {
            measure: self.timing.measure / 2,
            ..self.timing
        };
        let mut rows = Vec::new();
        for (case, stays) in cases {
            progress(&format!("booking, {case}: HTTP with NOTIFY on and off"));
            let (mut on, mut off) = (Stats::default(), Stats::default());
            for notify in [true, false, false, true] {
                // Reset with the notifications on, so indexes catch up.
                seed::reset(&self.admin).await?;
                seed::set_night_notifications(&self.admin, notify).await?;
                let measured = scenarios::booking_http(
                    self.address,
                    &self.seeded.users,
                    &stays,
                    self.clients,
                    half,
                )
                .await;
                seed::set_night_notifications(&self.admin, true).await?;
                if notify { &mut on } else { &mut off }.merge(measured?);
            }
            on.finish();
            off.finish();
            let row = |way: &str, stats| Row {
                name: format!("booking, {case}, HTTP, NOTIFY {way}"),
                stats,
                window: self.timing.measure,
            };
            rows.push(NotifyRow {
                on: row("on", on),
                off: row("off", off),
                case,
            });
        }
        seed::reset(&self.admin).await?;
        Ok(rows)
    }

    /// Books through this run's server and waits for each booking in a
    /// second server's search answers.
    pub async fn visibility(&self) -> anyhow::Result<Visibility> {
        let binary = self.binary()?;
        seed::reset(&self.admin).await?;
        progress("visibility: a second instance with its own index");
        let second = ExternalServer::spawn(
            binary,
            Settings {
                database_url: &self.database.url,
                pool_size: 4,
                horizon_days: i32::try_from(self.seeded.nights)?,
                log_filter: &self.args.log_filter,
                search_index: true,
            },
        )
        .await?;
        let measured = visibility::measure(
            self.address,
            second.address,
            &self.seeded.users[0],
            self.seeded.hot_room(),
            self.seeded.hot_night(),
            self.args.visibility_samples,
        )
        .await;
        second.stop().await?;
        seed::reset(&self.admin).await?;
        measured
    }
}

/// Search latency from the index and from SQL, one client closed loop,
/// for each room count and stay length; each room count gets a database
/// of its own, dropped afterwards.
pub async fn cost_growth(
    args: &crate::Args,
    binary: &Path,
    room_counts: &[u32],
) -> anyhow::Result<Vec<GridRow>> {
    let mut rows = Vec::new();
    for &rooms in room_counts {
        let database = BenchDatabase::create(&args.database_url).await?;
        let measured = grid_for(args, binary, &database, rooms).await;
        let dropped = database.drop_database().await;
        rows.extend(measured?);
        dropped?;
    }
    Ok(rows)
}

async fn grid_for(
    args: &crate::Args,
    binary: &Path,
    database: &BenchDatabase,
    rooms: u32,
) -> anyhow::Result<Vec<GridRow>> {
    let admin = database.admin_pool().await?;
    server::MIGRATOR.run(&admin).await?;
    let started = Instant::now();
    let seeded = seed::seed(&admin, rooms, args.nights, 1).await?;
    progress(&format!(
        "cost growth: {rooms} rooms seeded in {:.1?}; index and SQL servers",
        started.elapsed()
    ));
    let settings = |search_index| Settings {
        database_url: &database.url,
        pool_size: 2,
        horizon_days: i32::try_from(args.nights).unwrap_or(i32::MAX),
        log_filter: &args.log_filter,
        search_index,
    };
    let index_server = ExternalServer::spawn(binary, settings(true)).await?;
    let sql_server = ExternalServer::spawn(binary, settings(false)).await;
    let measured = match sql_server {
        Ok(sql_server) => {
            let measured = grid_cells(args, &admin, &seeded, &index_server, &sql_server).await;
            sql_server.stop().await?;
            measured
        }
        Err(error) => Err(error),
    };
    index_server.stop().await?;
    admin.close().await;
    measured
}

async fn grid_cells(
    args: &crate::Args,
    admin: &PgPool,
    seeded: &Seeded,
    index_server: &ExternalServer,
    sql_server: &ExternalServer,
) -> anyhow::Result<Vec<GridRow>> {
    seed::wait_for_server_upkeep(admin).await?;
    let timing = Timing {
        warmup: Duration::from_millis(500),
        measure: Duration::from_secs(args.grid_secs),
    };
    let mut rows = Vec::new();
    for nights in GRID_NIGHTS {
        let searches = Searches {
            min_nights: nights,
            max_nights: nights,
            ..search_workload(seeded)
        };
        if searches.span() == 0 {
            bail!(
                "{nights}-night stays do not fit {} seeded nights",
                seeded.nights
            );
        }
        let row = |way: &str, stats| Row {
            name: format!(
                "search, {} rooms, {nights} nights, {way}",
                seeded.rooms.len()
            ),
            stats,
            window: timing.measure,
        };
        let index =
            scenarios::search_closed_loop(index_server.address, searches, 1, timing).await?;
        let sql = scenarios::search_closed_loop(sql_server.address, searches, 1, timing).await?;
        rows.push(GridRow {
            rooms: u32::try_from(seeded.rooms.len())?,
            nights,
            index: row("index", index),
            sql: row("SQL", sql),
            index_rss_kib: memory::rss_kib(&index_server.pid.to_string())?,
        });
    }
    Ok(rows)
}

/// Everything this module measured, as Markdown-ready tables.
#[derive(Debug, Default)]
pub struct Results {
    pub throughput: Option<Throughput>,
    pub clients: Vec<ClientsRow>,
    pub notify: Vec<NotifyRow>,
    pub visibility: Option<Visibility>,
    pub growth: Vec<GridRow>,
}

impl Results {
    pub fn print(&self) {
        print!("{}", self.render());
    }

    fn render(&self) -> String {
        let mut out = String::new();
        self.render_throughput(&mut out);
        self.render_clients(&mut out);
        self.render_notify(&mut out);
        self.render_visibility(&mut out);
        self.render_growth(&mut out);
        out
    }

    fn render_throughput(&self, out: &mut String) {
        if let Some(throughput) = &self.throughput {
            let http = throughput.http.per_second();
            let sql = throughput.pgbench.per_second();
            let stats = &throughput.http.stats;
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "search throughput, 64 connections closed loop, same searches (1-7 nights, 2 guests):"
            );
            let _ = writeln!(out, "| path | searches/s | p50 ms | p99 ms |");
            let _ = writeln!(out, "|---|---:|---:|---:|");
            let _ = writeln!(
                out,
                "| HTTP `GET /api/v1/rooms`, index | {http} | {} | {} |",
                millis(stats.percentile_us(500)),
                millis(stats.percentile_us(990))
            );
            let _ = writeln!(
                out,
                "| the SQL query, pgbench -c 64 -j 2 -M prepared | {sql} | | |"
            );
            let ratio_tenths = http * 10 / sql.max(1);
            let _ = writeln!(
                out,
                "HTTP (index) / pgbench (SQL): {}.{}x (target >= {TARGET_THROUGHPUT_VS_PGBENCH}x: {}); \
                 HTTP errors {}{}",
                ratio_tenths / 10,
                ratio_tenths % 10,
                verdict(http >= TARGET_THROUGHPUT_VS_PGBENCH * sql),
                stats.errors,
                stats
                    .first_error
                    .as_ref()
                    .map_or(String::new(), |error| format!(" (first: {error})")),
            );
        }
    }

    fn render_clients(&self, out: &mut String) {
        if !self.clients.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "booking throughput by clients (req/s, p99 ms; raw = `book_stay` called directly):"
            );
            let _ = writeln!(
                out,
                "| clients | 1 night, HTTP | 1 night, raw | spread, HTTP | spread, raw |"
            );
            let _ = writeln!(out, "|---:|---:|---:|---:|---:|");
            for row in &self.clients {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    row.clients,
                    cell(&row.hot.0),
                    cell(&row.hot.1),
                    cell(&row.spread.0),
                    cell(&row.spread.1)
                );
            }
            errors(
                out,
                self.clients
                    .iter()
                    .flat_map(|row| [&row.hot.0, &row.hot.1, &row.spread.0, &row.spread.1]),
            );
        }
    }

    fn render_notify(&self, out: &mut String) {
        if !self.notify.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "booking over HTTP with the night notifications (NOTIFY triggers) on and off:"
            );
            let _ = writeln!(out, "| case | NOTIFY on | NOTIFY off | on / off |");
            let _ = writeln!(out, "|---|---:|---:|---:|");
            for row in &self.notify {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    row.case,
                    cell(&row.on),
                    cell(&row.off),
                    percent(row.on.per_second(), row.off.per_second())
                );
            }
            errors(out, self.notify.iter().flat_map(|row| [&row.on, &row.off]));
        }
    }

    fn render_visibility(&self, out: &mut String) {
        if let Some(visibility) = &self.visibility {
            let upper = &visibility.from_send;
            let lower = &visibility.from_reply;
            let p99 = upper.percentile_us(990);
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "commit in one instance to another instance's search answers, {} bookings:",
                upper.requests()
            );
            let _ = writeln!(out, "| measured from | p50 ms | p99 ms | max ms |");
            let _ = writeln!(out, "|---|---:|---:|---:|");
            for (name, stats) in [
                ("sending the booking (upper bound)", upper),
                ("its 201 (lower bound)", lower),
            ] {
                let _ = writeln!(
                    out,
                    "| {name} | {} | {} | {} |",
                    millis(stats.percentile_us(500)),
                    millis(stats.percentile_us(990)),
                    millis(stats.max_us())
                );
            }
            let _ = writeln!(
                out,
                "visibility p99 (upper bound) {} ms (target <= 50 ms: {})",
                millis(p99),
                verdict(p99.is_some_and(|p99| p99 <= TARGET_VISIBILITY_P99_US))
            );
        }
    }

    fn render_growth(&self, out: &mut String) {
        if !self.growth.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "search cost growth, one client closed loop, HTTP (p50 / p99 ms, searches/s):"
            );
            let _ = writeln!(
                out,
                "| rooms | nights | index p50 | index p99 | index /s | SQL p50 | SQL p99 | SQL /s | index server RSS |"
            );
            let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for row in &self.growth {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} MiB |",
                    row.rooms,
                    row.nights,
                    millis(row.index.stats.percentile_us(500)),
                    millis(row.index.stats.percentile_us(990)),
                    row.index.per_second(),
                    millis(row.sql.stats.percentile_us(500)),
                    millis(row.sql.stats.percentile_us(990)),
                    row.sql.per_second(),
                    memory::mib(row.index_rss_kib),
                );
            }
            errors(
                out,
                self.growth.iter().flat_map(|row| [&row.index, &row.sql]),
            );
        }
    }
}

/// `1,234/s, p99 5.67` for a table cell.
fn cell(row: &Row) -> String {
    format!(
        "{}/s, p99 {}",
        row.per_second(),
        millis(row.stats.percentile_us(990))
    )
}

fn errors<'a>(out: &mut String, rows: impl Iterator<Item = &'a Row>) {
    for row in rows {
        if let Some(error) = &row.stats.first_error {
            let _ = writeln!(
                out,
                "{} errors in {:?}, first: {error}",
                row.stats.errors, row.name
            );
        }
    }
}
