//! How long a booking committed through one instance takes to show in
//! another instance's search answers (issue 12: p99 at most 50 ms), with
//! both instances in their own processes on this machine.
//!
//! Each sample books one unit of the hot room's hot night through the
//! first instance, then asks the second, over and over, for that night
//! sorted by name (the hot room comes first), until its offer shows one
//! free unit fewer. The commit happens between sending the booking and its
//! 201, so the time from sending is an upper bound of the true visibility
//! time and the time from the 201 a lower bound; both are reported.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use chrono::{Days, NaiveDate};
use hyper::{Method, StatusCode, body::Bytes};
use shared_schema::booking::NewBooking;
use uuid::Uuid;

use crate::{
    http_client::Connection,
    report::{Outcome, Stats},
    seed::BenchUser,
};

/// How long one sample may wait for the second instance.
const GIVE_UP_AFTER: Duration = Duration::from_secs(5);
/// Pause between samples, so that each starts from a quiet index.
const PAUSE: Duration = Duration::from_millis(10);

/// Upper and lower bounds of the visibility time.
#[derive(Debug, Default)]
pub struct Visibility {
    /// From sending the booking to the second instance showing it.
    pub from_send: Stats,
    /// From the booking's 201 to the second instance showing it.
    pub from_reply: Stats,
}

/// `samples` bookings of `room` on `night` through `writer`, each awaited
/// in `reader`'s search answers.
pub async fn measure(
    writer: SocketAddr,
    reader: SocketAddr,
    user: &BenchUser,
    room: Uuid,
    night: NaiveDate,
    samples: u32,
) -> anyhow::Result<Visibility> {
    let mut booking_connection = Connection::open(writer).await?;
    let mut search_connection = Connection::open(reader).await?;
    let search = format!(
        "/api/v1/rooms?check_in={night}&check_out={}&guests=1&sort=name&limit=1",
        night + Days::new(1)
    );
    let booking = Bytes::from(serde_json::to_vec(&NewBooking {
        room_id: room,
        check_in: night,
        check_out: night + Days::new(1),
        guests: 1,
        units: 1,
    })?);
    let mut free = free_units(&mut search_connection, &search, room).await?;
    let mut visibility = Visibility::default();
    for _ in 0..samples {
        let sent = Instant::now();
        let reply = booking_connection
            .send(
                Method::POST,
                "/api/v1/bookings",
                Some(&user.token),
                Some(booking.clone()),
            )
            .await?;
        let replied = Instant::now();
        if reply.status != StatusCode::CREATED {
            bail!(
                "a booking answered {}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
        }
        let expected = free - 1;
        loop {
            free = free_units(&mut search_connection, &search, room).await?;
            if free == expected {
                break;
            }
            if replied.elapsed() > GIVE_UP_AFTER {
                bail!(
                    "the second instance still shows {free} free units {GIVE_UP_AFTER:?} after \
                     a booking that left {expected}"
                );
            }
        }
        visibility
            .from_send
            .record(Outcome::Success, sent.elapsed());
        visibility
            .from_reply
            .record(Outcome::Success, replied.elapsed());
        tokio::time::sleep(PAUSE).await;
    }
    visibility.from_send.finish();
    visibility.from_reply.finish();
    Ok(visibility)
}

/// The free units of `room` in the first offer of `search`.
async fn free_units(connection: &mut Connection, search: &str, room: Uuid) -> anyhow::Result<i64> {
    let page = connection.get_json(search).await?;
    let offer = &page["offers"][0];
    if offer["id"].as_str() != Some(room.to_string().as_str()) {
        bail!("the hot room is not the first offer by name: {offer}");
    }
    offer["min_free"]
        .as_i64()
        .context("an offer without min_free")
}
