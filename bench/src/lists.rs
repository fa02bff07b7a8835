//! The booking list at scale (`--scenarios lists`): `--list-bookings`
//! bookings (a million by default) of `--list-guests` guests (50,000),
//! spread over two years before today and one after, then
//! `GET /api/v1/bookings` as the admin page and a guest's "My bookings"
//! ask it: pages of the list, and text searches that name one guest, many
//! guests or the start of a reference. Each request is sent
//! `--list-samples` times, one after another on one connection.

use std::{net::SocketAddr, time::Instant};

use anyhow::Context;
use hyper::{Method, StatusCode, header};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    http_client::Connection,
    report::{Outcome, Stats, millis},
    seed::{self, Seeded},
};

/// One kind of list request and what it gave.
#[derive(Debug)]
pub struct ListRow {
    pub name: &'static str,
    /// How many bookings the page listed.
    pub listed: usize,
    pub stats: Stats,
}

/// The data and the measurements.
#[derive(Debug)]
pub struct Lists {
    pub bookings: u32,
    pub guests: u32,
    pub rows: Vec<ListRow>,
}

/// Seeds the bookings and measures the list requests.
pub async fn booking_lists(
    pool: &PgPool,
    address: SocketAddr,
    seeded: &Seeded,
    bookings: u32,
    guests: u32,
    samples: u32,
) -> anyhow::Result<Lists> {
    let (admin, guest) = fill(pool, seeded, bookings, guests).await?;
    let mut connection = Connection::open(address).await?;
    let first = connection
        .send(
            Method::GET,
            "/api/v1/bookings?limit=100",
            Some(&admin),
            None,
        )
        .await?;
    let next = first
        .headers
        .get(header::LINK)
        .and_then(|link| link.to_str().ok())
        .and_then(|link| link.strip_prefix('<')?.split_once(">; rel=\"next\""))
        .map(|(target, _)| target.to_owned())
        .context("the first page links no next page")?;
    let requests = [
        (
            "newest 100 (admin)",
            "/api/v1/bookings?limit=100".to_owned(),
            &admin,
        ),
        ("the page after it (cursor)", next, &admin),
        (
            "one guest's e-mail, in part",
            "/api/v1/bookings?limit=100&q=list-guest-4242%40".to_owned(),
            &admin,
        ),
        (
            "the start of a reference",
            "/api/v1/bookings?limit=100&q=rb-000a1".to_owned(),
            &admin,
        ),
        (
            "a name part of many guests",
            "/api/v1/bookings?limit=100&q=list+guest+1".to_owned(),
            &admin,
        ),
        (
            "a guest's own bookings",
            "/api/v1/bookings?limit=50".to_owned(),
            &guest,
        ),
    ];
    let mut rows = Vec::new();
    for (name, path, token) in requests {
        crate::progress(&format!("lists: {name}, {samples} requests"));
        let mut stats = Stats::default();
        let mut listed = 0;
        for _ in 0..samples {
            let started = Instant::now();
            let reply = connection
                .send(Method::GET, &path, Some(token), None)
                .await?;
            // An answer that is not a page (a 503 after the statement
            // timeout, say) is counted and shown, not hidden.
            let outcome = if reply.status == StatusCode::OK {
                let page: Vec<serde_json::Value> = serde_json::from_slice(&reply.body)?;
                listed = page.len();
                Outcome::Success
            } else {
                Outcome::Error(format!("{path} answered {}", reply.status))
            };
            stats.record(outcome, started.elapsed());
        }
        stats.finish();
        if let Some(error) = &stats.first_error {
            eprintln!("lists: {name}: {} errors, the first: {error}", stats.errors);
        }
        rows.push(ListRow {
            name,
            listed,
            stats,
        });
    }
    Ok(Lists {
        bookings,
        guests,
        rows,
    })
}

/// Inserts the guests and their bookings straight into the tables, and an
/// admin and one of the guests with sessions; answers their tokens.
async fn fill(
    pool: &PgPool,
    seeded: &Seeded,
    bookings: u32,
    guests: u32,
) -> anyhow::Result<(String, String)> {
    crate::progress(&format!(
        "lists: seeding {bookings} bookings of {guests} guests"
    ));
    let guest_ids: Vec<Uuid> = sqlx::query_scalar(
        "insert into users (email, name, password_hash)
         select format('list-guest-%s@example.com', n), format('List guest %s', n), 'not-a-real-hash'
           from generate_series(1, $1) as n
         returning id",
    )
    .bind(i64::from(guests))
    .fetch_all(pool)
    .await?;
    // Booking n: guest n * 31, room n, checking in between 730 days ago
    // and 365 days ahead; made n seconds ago. References in capitals.
    sqlx::query(
        "insert into bookings
             (reference, user_id, room_id, check_in, check_out, guests, units, total_cents,
              currency, created_at)
         select 'RB-' || upper(lpad(to_hex(n), 8, '0')),
                ($2::uuid[])[(1 + (n * 31) % array_length($2, 1))::int],
                ($3::uuid[])[(1 + n % array_length($3, 1))::int],
                current_date - 730 + ((n * 7919) % 1095)::int,
                current_date - 728 + ((n * 7919) % 1095)::int,
                1, 1, 20000, 'EUR', now() - make_interval(secs => n)
           from generate_series(1::bigint, $1) as n
         on conflict (reference) do nothing",
    )
    .bind(i64::from(bookings))
    .bind(&guest_ids)
    .bind(&seeded.rooms)
    .execute(pool)
    .await
    .context("cannot seed the bookings")?;
    let admin: Uuid = sqlx::query_scalar(
        "insert into users (email, name, password_hash, role)
         values ('list-admin@example.com', 'List admin', 'not-a-real-hash', 'admin')
         returning id",
    )
    .fetch_one(pool)
    .await?;
    // The guest whose e-mail the search looks for.
    let guest: Uuid =
        sqlx::query_scalar("select id from users where email = 'list-guest-4242@example.com'")
            .fetch_optional(pool)
            .await?
            .context("--list-guests must be at least 4242")?;
    let tokens = seed::sessions(pool, &[admin, guest]).await?;
    sqlx::query("vacuum (analyze) bookings, users")
        .execute(pool)
        .await?;
    let [admin_token, guest_token] = <[String; 2]>::try_from(tokens)
        .map_err(|_| anyhow::anyhow!("two sessions were asked for"))?;
    Ok((admin_token, guest_token))
}

impl Lists {
    /// The table (Markdown).
    pub fn print(&self) {
        println!(
            "\nbooking lists: {} bookings of {} guests, `GET /api/v1/bookings`, \
             one connection, requests one after another\n",
            self.bookings, self.guests
        );
        println!("| request | listed | requests | errors | p50 ms | p99 ms | max ms |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for row in &self.rows {
            println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                row.name,
                row.listed,
                row.stats.requests(),
                row.stats.errors,
                millis(row.stats.percentile_us(500)),
                millis(row.stats.percentile_us(990)),
                millis(row.stats.max_us()),
            );
        }
    }
}
