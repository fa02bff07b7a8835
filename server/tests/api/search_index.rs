//! The availability index against its oracle: after random concurrent
//! bookings, cancellations, inventory edits, new rooms and room edits through the real
//! router, every search the index answers equals the SQL query's answer,
//! page by page (filters, totals, order, tie-breaks, cursors).
//!
//! Two routers share one database: one with an index started (it answers
//! from memory while fresh), one without (it always asks SQL).

use std::{
    fmt::Write as _,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::http::{Method, StatusCode};
use futures::future::join_all;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde_json::json;
use server::{AppState, Config, availability::AvailabilityIndex};
use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use uuid::Uuid;

use crate::{
    bookings::{BOOKINGS, cancel, stay},
    helpers::{RoomSeed, TestApp, TestUser, create_user, in_days, seed_room},
};

const SYNC: Duration = Duration::from_secs(20);

async fn pool(options: PgPoolOptions, connect: PgConnectOptions) -> PgPool {
    options
        .max_connections(10)
        .connect_with(connect)
        .await
        .expect("test pool")
}

/// The same application with an availability index, and the index.
fn indexed_app(pool: &PgPool) -> (TestApp, Arc<AvailabilityIndex>) {
    let mut config = Config::default_for_tests();
    config.rate_limit_per_minute = 1_000_000;
    config.auth_rate_limit_per_15_min = 1_000_000;
    let state = AppState::new(
        &config,
        pool.clone(),
        "127.0.0.1:3000".parse().expect("address"),
    );
    let index = state.services.start_index();
    (TestApp::from_state(state), index)
}

/// Rooms whose names test byte order (case, accents, equal names broken by
/// id) and whose prices tie.
async fn seed_rooms(pool: &PgPool) -> Vec<Uuid> {
    let seeds = [
        ("alpha", 2, 3, 10_000),
        ("Alpha", 2, 2, 10_000),
        ("Ärmel", 4, 1, 12_000),
        ("beta", 1, 3, 8_000),
        ("Zeta", 3, 2, 10_000),
        ("Zeta", 2, 2, 9_000),
    ];
    let mut rooms = Vec::new();
    for (name, capacity, units, price_cents) in seeds {
        let seed = RoomSeed {
            name,
            capacity,
            units,
            price_cents,
            nights: 40,
        };
        rooms.push(seed_room(pool, seed).await);
    }
    rooms
}

/// A random search's query string (without a cursor).
fn random_query(rng: &mut StdRng) -> String {
    let check_in = rng.gen_range(0..14);
    let nights = rng.gen_range(1..7);
    let mut query = format!(
        "check_in={}&check_out={}&guests={}&units={}&limit={}",
        in_days(check_in),
        in_days(check_in + nights),
        rng.gen_range(1..7),
        rng.gen_range(1..4),
        rng.gen_range(1..5),
    );
    let sort = ["price_asc", "price_desc", "name"]
        .choose(rng)
        .expect("sorts");
    let _ = write!(query, "&sort={sort}");
    let prices = [7_000, 9_000, 10_000, 10_500, 12_000, 15_000];
    let min = rng
        .gen_bool(0.3)
        .then(|| *prices.choose(rng).expect("prices"));
    if let Some(min) = min {
        let _ = write!(query, "&min_price={min}");
    }
    if rng.gen_bool(0.3) {
        let max = prices.choose(rng).expect("prices") + 2_000;
        let _ = write!(query, "&max_price={}", max.max(min.unwrap_or(0)));
    }
    query
}

/// Reads every page of a search from both routers; they must agree on each.
/// Returns how many offers the search found.
async fn compare(indexed: &TestApp, sql: &TestApp, query: &str) -> usize {
    let mut cursor: Option<String> = None;
    let mut found = 0;
    loop {
        let uri = match &cursor {
            Some(cursor) => format!("/api/v1/rooms?{query}&cursor={cursor}"),
            None => format!("/api/v1/rooms?{query}"),
        };
        let (from_index, from_sql) = (
            indexed.json(Method::GET, &uri, None, None).await,
            sql.json(Method::GET, &uri, None, None).await,
        );
        assert_eq!(from_sql.status, StatusCode::OK, "{uri}: {}", from_sql.body);
        assert_eq!(
            from_index.json(),
            from_sql.json(),
            "index and SQL disagree on {uri}"
        );
        let page = from_sql.json();
        found += page["offers"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return found,
        }
    }
}

/// One random write through the router, as a guest or the admin.
async fn random_write(
    app: &TestApp,
    admin: &TestUser,
    guest: &TestUser,
    rooms: &[Uuid],
    bookings: &[String],
    seed: u64,
) -> Option<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let room = *rooms.choose(&mut rng).expect("rooms");
    let roll = rng.gen_range(0..100);
    if roll < 45 {
        let check_in = rng.gen_range(0..12);
        let body = stay(
            room,
            check_in,
            check_in + rng.gen_range(1..5),
            1,
            rng.gen_range(1..3),
        );
        let response = app
            .json(Method::POST, BOOKINGS, Some(guest), Some(body))
            .await;
        return (response.status == StatusCode::CREATED)
            .then(|| response.json()["id"].as_str().expect("id").to_owned());
    }
    if roll < 65 {
        if let Some(id) = bookings.choose(&mut rng) {
            cancel(app, admin, id).await;
        }
        return None;
    }
    if roll < 90 {
        let from = rng.gen_range(0..15);
        let mut edit = json!({
            "from": in_days(from),
            "to": in_days(from + rng.gen_range(1..6)),
        });
        match rng.gen_range(0..3) {
            0 => edit["total"] = json!(rng.gen_range(0..6)),
            1 => edit["price_cents"] = json!([8_000, 10_000, 11_000].choose(&mut rng)),
            _ => edit["closed"] = json!(rng.gen_bool(0.3)),
        }
        app.json(
            Method::PUT,
            &format!("/api/v1/admin/rooms/{room}/availability"),
            Some(admin),
            Some(edit),
        )
        .await;
        return None;
    }
    if roll < 93 {
        // A new room: its nights arrive with it.
        let room = json!({
            "name": (["gamma", "Gamma", "Ölberg"].choose(&mut rng)),
            "description": "New",
            "capacity": rng.gen_range(1..4),
            "price_cents": ([9_000, 10_000].choose(&mut rng)),
            "currency": "EUR",
            "total_inventory": rng.gen_range(1..4),
        });
        let response = app
            .json(Method::POST, "/api/v1/admin/rooms", Some(admin), Some(room))
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        return None;
    }
    let patch = match rng.gen_range(0..4) {
        0 => json!({ "name": (["alpha", "Beta", "zeta", "Ärmel"].choose(&mut rng)) }),
        1 => json!({ "capacity": rng.gen_range(1..5) }),
        2 => json!({ "price_cents": ([9_000, 10_000].choose(&mut rng)) }),
        _ => json!({ "active": rng.gen_bool(0.7) }),
    };
    app.json(
        Method::PATCH,
        &format!("/api/v1/admin/rooms/{room}"),
        Some(admin),
        Some(patch),
    )
    .await;
    None
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn after_random_concurrent_writes_the_index_answers_every_search_as_sql_does(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let pool = pool(options, connect).await;
    let rooms = seed_rooms(&pool).await;
    let (indexed, index) = indexed_app(&pool);
    let sql = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let guest = create_user(&pool, "guest").await;
    let mut rng = StdRng::seed_from_u64(0x1DE5);
    let mut bookings: Vec<String> = Vec::new();
    let (mut searches, mut offers) = (0, 0);
    for round in 0..4 {
        // Writes in flight at once, through the router with the index.
        let writes =
            (0..40).map(|_| random_write(&indexed, &admin, &guest, &rooms, &bookings, rng.r#gen()));
        let made = join_all(writes).await;
        bookings.extend(made.into_iter().flatten());
        let started = Instant::now();
        index.sync(SYNC).await.expect("the index catches up");
        eprintln!(
            "round {round}: index caught up in {:?} ({} notifications so far)",
            started.elapsed(),
            index.applied()
        );
        for _ in 0..400 {
            let query = random_query(&mut rng);
            offers += compare(&indexed, &sql, &query).await;
            searches += 1;
        }
        assert!(index.is_fresh(), "the index answered, not SQL");
    }
    eprintln!("{searches} searches agreed ({offers} offers)");
    // The comparison saw real answers, not only empty pages (writes race,
    // so the exact count varies from run to run).
    assert!(
        offers * 4 > searches,
        "{offers} offers in {searches} searches"
    );
    assert!(!bookings.is_empty());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_lost_listener_connection_is_replaced_and_the_index_reloaded(pool: PgPool) {
    let rooms = seed_rooms(&pool).await;
    let (indexed, index) = indexed_app(&pool);
    let sql = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    index.sync(SYNC).await.expect("loaded");
    let killed: Vec<bool> = sqlx::query_scalar(
        "select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and query ilike 'listen%'",
    )
    .fetch_all(&pool)
    .await
    .expect("terminate the listener");
    assert_eq!(killed, [true], "one listening connection");
    // Changes while nobody listens reach the index through the reload.
    for room in &rooms {
        let response = crate::bookings::book(&indexed, &guest, stay(*room, 1, 3, 1, 1)).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    }
    index.sync(SYNC).await.expect("reconnected and reloaded");
    for sort in ["price_asc", "price_desc", "name"] {
        let query = format!(
            "check_in={}&check_out={}&guests=1&units=2&sort={sort}&limit=2",
            in_days(1),
            in_days(3)
        );
        compare(&indexed, &sql, &query).await;
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_change_too_big_for_one_notification_reloads_the_whole_index(pool: PgPool) {
    for number in 0..160 {
        let name = format!("Room {number:03}");
        let seed = RoomSeed {
            name: &name,
            nights: 10,
            ..RoomSeed::default()
        };
        seed_room(&pool, seed).await;
    }
    let (indexed, index) = indexed_app(&pool);
    let sql = TestApp::new(pool.clone());
    index.sync(SYNC).await.expect("loaded");
    // 160 rooms in one statement: past 7,900 bytes, a reload-all marker.
    sqlx::query("update room_availability set price_cents = price_cents + (random() * 100)::int8")
        .execute(&pool)
        .await
        .expect("reprice every night");
    index.sync(SYNC).await.expect("reloaded");
    for sort in ["price_asc", "price_desc", "name"] {
        let query = format!(
            "check_in={}&check_out={}&guests=1&sort={sort}&limit=100",
            in_days(2),
            in_days(5)
        );
        assert_eq!(compare(&indexed, &sql, &query).await, 160);
    }
}

/// Search latency from memory and from SQL over 1,000 rooms (debug build:
/// compare the two, not the absolute figures). Prints, asserts nothing on
/// speed.
#[sqlx::test(migrator = "server::MIGRATOR")]
#[ignore = "a measurement: run with --run-ignored only"]
async fn search_latency_index_versus_sql_over_a_thousand_rooms(pool: PgPool) {
    sqlx::query(
        "insert into rooms (name, capacity, price_cents, currency, total_inventory)
         select 'Room ' || n, 1 + n % 4, 5000 + (n * 37) % 20000, 'EUR', 1 + n % 5
           from generate_series(1, 1000) as n",
    )
    .execute(&pool)
    .await
    .expect("rooms");
    sqlx::query(
        "insert into room_availability (room_id, night, total, booked, price_cents)
         select r.id, night::date, r.total_inventory,
                (abs(hashtext(r.id::text || night::text)) % (r.total_inventory + 1)),
                r.price_cents + (abs(hashtext(night::text)) % 3000)
           from rooms r
          cross join generate_series(current_date, current_date + 365, interval '1 day') as night",
    )
    .execute(&pool)
    .await
    .expect("nights");
    let (indexed, index) = indexed_app(&pool);
    let sql = TestApp::new(pool.clone());
    let started = Instant::now();
    index.sync(Duration::from_mins(2)).await.expect("loaded");
    eprintln!(
        "index loaded (1,000 rooms x 366 nights) in {:?}, {} KiB of nights",
        started.elapsed(),
        index.night_bytes() / 1024
    );
    let mut rng = StdRng::seed_from_u64(7);
    let queries: Vec<String> = (0..1_000).map(|_| random_query(&mut rng)).collect();
    for (name, app) in [("index", &indexed), ("sql", &sql)] {
        for query in queries.iter().take(20) {
            app.json(Method::GET, &format!("/api/v1/rooms?{query}"), None, None)
                .await;
        }
        let mut times = Vec::new();
        for query in &queries {
            let uri = format!("/api/v1/rooms?{query}");
            let started = Instant::now();
            let response = app.json(Method::GET, &uri, None, None).await;
            times.push(started.elapsed());
            assert_eq!(response.status, StatusCode::OK);
        }
        times.sort();
        eprintln!(
            "{name}: p50 {:?}, p90 {:?}, p99 {:?} over {} searches through the router",
            times[times.len() / 2],
            times[times.len() * 9 / 10],
            times[times.len() * 99 / 100],
            times.len()
        );
    }
}

/// How long a committed change takes to reach two instances' indexes (two
/// indexes in one process, one database): from the commit's return to both
/// having applied it. Prints, asserts nothing on speed.
#[sqlx::test(migrator = "server::MIGRATOR")]
#[ignore = "a measurement: run with --run-ignored only"]
async fn visibility_of_a_commit_in_two_indexes(pool: PgPool) {
    let rooms = seed_rooms(&pool).await;
    let (_first_app, first) = indexed_app(&pool);
    let (_second_app, second) = indexed_app(&pool);
    first.sync(SYNC).await.expect("first loaded");
    second.sync(SYNC).await.expect("second loaded");
    let mut times = Vec::new();
    for step in 0..500_u64 {
        let room = rooms[usize::try_from(step).expect("small") % rooms.len()];
        let night = step % 20;
        let before = (first.applied(), second.applied());
        // A booking's change of `booked` (kept within the check).
        sqlx::query(
            "update room_availability set booked = (booked + 1) % (total + 1)
              where room_id = $1 and night >= $2 and night < $3",
        )
        .bind(room)
        .bind(in_days(night))
        .bind(in_days(night + 3))
        .execute(&pool)
        .await
        .expect("commit");
        let committed = Instant::now();
        while first.applied() == before.0 || second.applied() == before.1 {
            tokio::task::yield_now().await;
        }
        times.push(committed.elapsed());
    }
    times.sort();
    eprintln!(
        "commit to both indexes: p50 {:?}, p99 {:?}, max {:?} over {} commits",
        times[times.len() / 2],
        times[times.len() * 99 / 100],
        times[times.len() - 1],
        times.len()
    );
}
