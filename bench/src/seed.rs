//! The benchmark's own database: created fresh, migrated, seeded with set-based
//! SQL, reset between scenarios, and dropped at the end.
//!
//! Owns only the `bench_<uuid>` database it creates; it never touches any
//! other database on the server it is pointed at.

use std::{str::FromStr, time::Duration};

use anyhow::{Context, bail};
use chrono::{Days, NaiveDate, Utc};
use sqlx::{
    ConnectOptions, Connection, Executor, PgConnection, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use uuid::Uuid;

/// Free units on every night of the contended room, so that a benchmark run
/// cannot sell it out and every request goes through the whole transaction.
pub const HOT_ROOM_UNITS: i32 = 1_000_000;

/// A database created for one run.
#[derive(Debug)]
pub struct BenchDatabase {
    /// The maintenance database URL it was created from (to drop it later).
    admin_url: String,
    pub name: String,
    /// URL of the new database.
    pub url: String,
}

impl BenchDatabase {
    /// Creates `bench_<uuid>` next to the database `admin_url` points at.
    pub async fn create(admin_url: &str) -> anyhow::Result<Self> {
        let name = format!("bench_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(admin_url)
            .await
            .context("cannot reach PostgreSQL (set DATABASE_URL or --database-url)")?;
        admin
            .execute(format!(r#"create database "{name}""#).as_str())
            .await
            .context("cannot create the benchmark database")?;
        admin.close().await?;
        Ok(Self {
            url: url_with_database(admin_url, &name),
            admin_url: admin_url.to_owned(),
            name,
        })
    }

    /// Drops the database, closing any connection still open to it.
    pub async fn drop_database(self) -> anyhow::Result<()> {
        // Dropping a database of this size takes seconds: not worth a
        // slow-statement warning.
        let options = PgConnectOptions::from_str(&self.admin_url)?.disable_statement_logging();
        let mut admin = PgConnection::connect_with(&options).await?;
        let leftovers: Vec<(String, String)> = sqlx::query_as(
            "select coalesce(application_name, ''), coalesce(state, '')
               from pg_stat_activity where datname = $1",
        )
        .bind(&self.name)
        .fetch_all(&mut admin)
        .await?;
        if !leftovers.is_empty() {
            eprintln!(
                "closing connections still open to {}: {leftovers:?}",
                self.name
            );
        }
        admin
            .execute(format!(r#"drop database if exists "{}" with (force)"#, self.name).as_str())
            .await
            .with_context(|| format!("cannot drop the database {}", self.name))?;
        admin.close().await?;
        Ok(())
    }

    /// A small pool for seeding, resets and machine information.
    pub async fn admin_pool(&self) -> anyhow::Result<PgPool> {
        Ok(PgPoolOptions::new()
            .max_connections(2)
            .connect_with(
                PgConnectOptions::from_str(&self.url)?.application_name("roombook-bench-admin"),
            )
            .await?)
    }

    /// A pool of `size` connections for the raw (no HTTP) scenarios,
    /// configured like the server's own pool.
    pub async fn raw_pool(&self, size: u32) -> anyhow::Result<PgPool> {
        Ok(server::db::pool_options(size, 5)
            .connect_with(
                PgConnectOptions::from_str(&self.url)?.application_name("roombook-bench-raw"),
            )
            .await?)
    }
}

/// Replaces the database name in a `postgres://` URL, keeping any query.
fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |scheme| scheme + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |slash| authority_start + slash);
    let mut result = format!("{}/{database}", &base[..authority_end]);
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

/// A guest with a live session.
#[derive(Debug, Clone)]
pub struct BenchUser {
    pub id: Uuid,
    /// The bearer token (only its hash is stored).
    pub token: String,
}

/// What the seed created.
#[derive(Debug)]
pub struct Seeded {
    /// Every room, in name order; the first is the contended one.
    pub rooms: Vec<Uuid>,
    pub users: Vec<BenchUser>,
    /// The first seeded night: today in UTC (the server's default time
    /// zone; another one may put its "today" a day off).
    pub first_night: NaiveDate,
    /// Nights per room, from `first_night`.
    pub nights: u32,
}

impl Seeded {
    /// The room every client books in the contention scenarios.
    pub fn hot_room(&self) -> Uuid {
        self.rooms[0]
    }

    /// The night every contention booking takes: tomorrow (UTC), inside the
    /// window even when the run crosses midnight or the property's time
    /// zone is a day off UTC.
    pub fn hot_night(&self) -> NaiveDate {
        self.first_night + Days::new(1)
    }
}

/// A day-long session for each of `users`; answers their bearer tokens
/// (only their hashes are stored).
pub async fn sessions(pool: &PgPool, users: &[Uuid]) -> anyhow::Result<Vec<String>> {
    let tokens: Vec<String> = users
        .iter()
        .map(|_| server::auth::session::new_token())
        .collect();
    let hashes: Vec<Vec<u8>> = tokens
        .iter()
        .map(|token| server::auth::session::token_hash(token))
        .collect();
    sqlx::query(
        "insert into sessions (token_hash, user_id, expires_at)
         select hash, user_id, now() + interval '1 day'
           from unnest($1::bytea[], $2::uuid[]) as s(hash, user_id)",
    )
    .bind(&hashes)
    .bind(users)
    .execute(pool)
    .await
    .context("cannot seed sessions")?;
    Ok(tokens)
}

/// Seeds `rooms` room types with `nights` nights each from today, plus
/// `users` guests with sessions, all set-based; then gives the hot room
/// [`HOT_ROOM_UNITS`] units per night.
pub async fn seed(pool: &PgPool, rooms: u32, nights: u32, users: u32) -> anyhow::Result<Seeded> {
    let first_night = Utc::now().date_naive();
    let rooms_i32 = i32::try_from(rooms).context("too many rooms")?;
    let nights_i32 = i32::try_from(nights).context("too many nights")?;
    let users_i32 = i32::try_from(users).context("too many users")?;

    // Capacities 1 to 4, 5 to 10 units, prices spread over 50.00 to 249.99.
    let room_ids: Vec<Uuid> = sqlx::query_scalar(
        "insert into rooms (name, description, capacity, price_cents, currency, total_inventory)
         select format('Bench room %s', lpad(i::text, 5, '0')),
                'Seeded by the benchmark.',
                1 + i % 4,
                5000 + (i * 7919) % 20000,
                'EUR',
                5 + i % 6
           from generate_series(1, $1) as i
         returning id",
    )
    .bind(rooms_i32)
    .fetch_all(pool)
    .await
    .context("cannot seed rooms")?;
    let mut rooms_by_name: Vec<(String, Uuid)> =
        sqlx::query_as("select name, id from rooms order by name")
            .fetch_all(pool)
            .await?;
    if rooms_by_name.len() != room_ids.len() {
        bail!(
            "expected {} rooms, found {}",
            room_ids.len(),
            rooms_by_name.len()
        );
    }

    // Weekend nights (Friday, Saturday) cost a fifth more.
    sqlx::query(
        "insert into room_availability (room_id, night, total, price_cents)
         select r.id, night::date, r.total_inventory,
                case when extract(isodow from night) in (5, 6)
                     then r.price_cents * 6 / 5 else r.price_cents end
           from rooms r
          cross join generate_series($1::date, $1::date + ($2 - 1), interval '1 day') as night",
    )
    .bind(first_night)
    .bind(nights_i32)
    .execute(pool)
    .await
    .context("cannot seed availability")?;

    let user_ids: Vec<Uuid> = sqlx::query_scalar(
        "insert into users (email, name, password_hash, role)
         select format('bench-%s@example.com', i), format('Bench guest %s', i),
                'not-a-real-hash', 'guest'
           from generate_series(1, $1) as i
         returning id",
    )
    .bind(users_i32)
    .fetch_all(pool)
    .await
    .context("cannot seed users")?;
    let tokens = sessions(pool, &user_ids).await?;

    let seeded = Seeded {
        rooms: rooms_by_name.drain(..).map(|(_, id)| id).collect(),
        users: user_ids
            .into_iter()
            .zip(tokens)
            .map(|(id, token)| BenchUser { id, token })
            .collect(),
        first_night,
        nights,
    };
    sqlx::query("update room_availability set total = $2 where room_id = $1")
        .bind(seeded.hot_room())
        .bind(HOT_ROOM_UNITS)
        .execute(pool)
        .await?;
    pool.execute("vacuum (analyze) rooms, room_availability, users, sessions")
        .await?;
    Ok(seeded)
}

/// Gives every scenario the same starting point: no bookings, every night
/// free again, and no dead row versions left by the previous scenario
/// (a hot row updated thousands of times leaves a long version chain).
pub async fn reset(pool: &PgPool) -> anyhow::Result<()> {
    pool.execute("truncate bookings").await?;
    pool.execute("update room_availability set booked = 0 where booked <> 0")
        .await?;
    // VACUUM cannot run inside a transaction block: a statement of its own.
    pool.execute("vacuum (analyze) room_availability, bookings")
        .await?;
    Ok(())
}

/// Turns the availability notifications of nights (the NOTIFY triggers of
/// ADR 0012 on `room_availability`) on or off in the benchmark's database,
/// to measure what NOTIFY costs a booking. While they are off, indexes do
/// not learn of bookings; [`reset`] with them on again tells them.
pub async fn set_night_notifications(pool: &PgPool, on: bool) -> anyhow::Result<()> {
    let action = if on { "enable" } else { "disable" };
    pool.execute(
        format!(
            "alter table room_availability
                {action} trigger room_availability_notify_insert,
                {action} trigger room_availability_notify_update,
                {action} trigger room_availability_notify_delete"
        )
        .as_str(),
    )
    .await
    .with_context(|| format!("cannot {action} the notification triggers"))?;
    Ok(())
}

/// Rows in `room_availability` (to report the seed size).
pub async fn night_rows(pool: &PgPool) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from room_availability")
        .fetch_one(pool)
        .await?)
}

/// Connections still free on the PostgreSQL server (`max_connections`
/// minus the reserved ones and those in use), shared by the whole machine.
pub async fn free_connections(pool: &PgPool) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "select current_setting('max_connections')::int8
              - current_setting('superuser_reserved_connections')::int8
              - (select count(*) from pg_stat_activity where backend_type = 'client backend')",
    )
    .fetch_one(pool)
    .await?)
}

/// Waits until the server's start-up upkeep (`extend_horizon`, an
/// `insert ... on conflict do nothing` over every room and night) is done,
/// so that it does not run during a measurement. Gives up quietly after a
/// bound: the upkeep is then either over or never started.
pub async fn wait_for_server_upkeep(pool: &PgPool) -> anyhow::Result<()> {
    let running = || async {
        sqlx::query_scalar::<_, bool>(
            "select exists (
                select 1 from pg_stat_activity
                 where datname = current_database()
                   and pid <> pg_backend_pid()
                   and application_name = 'roombook'
                   and state = 'active'
                   and query like '%insert into room_availability%')",
        )
        .fetch_one(pool)
        .await
    };
    let pause = Duration::from_millis(20);
    let mut seen = false;
    for _ in 0..50 {
        if running().await? {
            seen = true;
            break;
        }
        tokio::time::sleep(pause).await;
    }
    if seen {
        for _ in 0..3000 {
            if !running().await? {
                return Ok(());
            }
            tokio::time::sleep(pause).await;
        }
        bail!("the server's start-up upkeep still runs after 60 s");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced_and_the_rest_kept() {
        assert_eq!(
            url_with_database("postgres://postgres@127.0.0.1:5432/postgres", "bench_1"),
            "postgres://postgres@127.0.0.1:5432/bench_1"
        );
        assert_eq!(
            url_with_database("postgres://u:p@db/app?sslmode=disable", "bench_1"),
            "postgres://u:p@db/bench_1?sslmode=disable"
        );
        assert_eq!(
            url_with_database("postgres://localhost", "bench_1"),
            "postgres://localhost/bench_1"
        );
    }
}
