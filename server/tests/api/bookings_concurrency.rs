//! Bookings under contention: many requests in flight at once through the
//! in-memory router, against one real database.
//!
//! These tests build their own pool of 10 connections, the server's default
//! `ROOMBOOK_DB_MAX_CONNECTIONS`, instead of `#[sqlx::test]`'s 5: every
//! request is started at once (`join_all`), so up to 10 booking
//! transactions really do wait on each other's row locks while the rest
//! queue for a connection, as under production load. The pool's 30-second
//! acquire timeout is far above what the queue needs, so the answers are
//! decided by the booking rules alone: no 503 is expected or accepted.

use std::{collections::HashSet, time::Instant};

use axum::http::{Method, StatusCode};
use futures::future::join_all;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde_json::Value;
use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use uuid::Uuid;

use crate::{
    bookings::{BOOKINGS, booked_ok, booking_count, cancel, stay},
    helpers::{RoomSeed, TestApp, TestResponse, TestUser, create_user, in_days, seed_room},
};

const POOL_SIZE: u32 = 10;

async fn pool(options: PgPoolOptions, connect: PgConnectOptions) -> PgPool {
    options
        .max_connections(POOL_SIZE)
        .connect_with(connect)
        .await
        .expect("test pool")
}

async fn users(pool: &PgPool, count: usize) -> Vec<TestUser> {
    let mut users = Vec::with_capacity(count);
    for _ in 0..count {
        users.push(create_user(pool, "guest").await);
    }
    users
}

fn count(responses: &[TestResponse], status: u16) -> usize {
    responses
        .iter()
        .filter(|response| response.status == status)
        .count()
}

/// Nights whose `booked` differs from the units of the confirmed bookings
/// covering them (`[check_in, check_out)`); must always be empty.
async fn inconsistent_nights(pool: &PgPool) -> Vec<(Uuid, chrono::NaiveDate, i32, i64)> {
    sqlx::query_as(
        "select a.room_id, a.night, a.booked, coalesce(sum(b.units), 0)::int8 as confirmed
           from room_availability a
           left join bookings b
             on b.room_id = a.room_id
            and b.status = 'confirmed'
            and b.check_in <= a.night
            and b.check_out > a.night
          group by a.room_id, a.night, a.booked
         having a.booked <> coalesce(sum(b.units), 0)
          order by a.room_id, a.night",
    )
    .fetch_all(pool)
    .await
    .expect("consistency query")
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn two_hundred_concurrent_attempts_for_the_last_ten_units_book_exactly_ten(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let pool = pool(options, connect).await;
    let app = TestApp::new(pool.clone());
    let room = seed_room(
        &pool,
        RoomSeed {
            units: 15,
            ..RoomSeed::default()
        },
    )
    .await;
    let guests = users(&pool, 20).await;
    // Five of fifteen units are gone on every night of the stay: ten left.
    booked_ok(&app, &guests[0], stay(room, 3, 6, 10, 5)).await;

    let started = Instant::now();
    let responses = join_all((0..200).map(|attempt| {
        let guest = &guests[attempt % guests.len()];
        crate::bookings::book(&app, guest, stay(room, 3, 6, 1, 1))
    }))
    .await;
    let elapsed = started.elapsed();
    eprintln!("200 concurrent booking attempts took {elapsed:?}");

    assert_eq!(
        (count(&responses, 201), count(&responses, 409)),
        (10, 190),
        "statuses: {:?}",
        responses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for response in responses
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
    {
        assert_eq!(response.json()["code"], "sold_out", "{}", response.body);
    }
    let references: HashSet<String> = responses
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .map(|r| {
            r.json()["reference"]
                .as_str()
                .expect("reference")
                .to_owned()
        })
        .collect();
    assert_eq!(references.len(), 10);
    let nights: Vec<(i32, i32)> = sqlx::query_as(
        "select total, booked from room_availability
          where room_id = $1 and night >= $2 and night < $3 order by night",
    )
    .bind(room)
    .bind(in_days(3))
    .bind(in_days(6))
    .fetch_all(&pool)
    .await
    .expect("nights");
    assert_eq!(nights, [(15, 15), (15, 15), (15, 15)], "booked = total");
    assert_eq!(booking_count(&pool).await, 1 + 10);
    assert!(inconsistent_nights(&pool).await.is_empty());
    pool.close().await;
}

/// One request of the random mix: book for a guest, or cancel a booking as
/// its owner (`Some`) or as the admin (`None`).
enum Op {
    Book(usize, Value),
    Cancel(Option<usize>, String),
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn after_random_concurrent_bookings_and_cancellations_booked_matches_confirmed_units(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let pool = pool(options, connect).await;
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let guests = users(&pool, 5).await;
    let mut rooms = Vec::new();
    for name in ["Garden Double", "Sea View", "Attic Single"] {
        rooms.push(
            seed_room(
                &pool,
                RoomSeed {
                    name,
                    units: 3,
                    capacity: 4,
                    ..RoomSeed::default()
                },
            )
            .await,
        );
    }
    let mut rng = StdRng::seed_from_u64(0x5EED);
    let random_stay = |rng: &mut StdRng| {
        let room = *rooms.choose(rng).expect("rooms");
        let check_in = rng.gen_range(1..8);
        let nights = rng.gen_range(1..4);
        stay(room, check_in, check_in + nights, 1, rng.gen_range(1..3))
    };

    // Some bookings to cancel while new ones arrive.
    let mut existing: Vec<(usize, String)> = Vec::new();
    while existing.len() < 12 {
        let owner = rng.gen_range(0..guests.len());
        let response = crate::bookings::book(&app, &guests[owner], random_stay(&mut rng)).await;
        if response.status == StatusCode::CREATED {
            existing.push((
                owner,
                response.json()["id"].as_str().expect("id").to_owned(),
            ));
        }
    }

    let ops: Vec<Op> = (0..100)
        .map(|_| {
            if rng.gen_bool(0.65) {
                Op::Book(rng.gen_range(0..guests.len()), random_stay(&mut rng))
            } else {
                let (owner, id) = existing.choose(&mut rng).expect("bookings").clone();
                // Owners and the admin cancel, often the same booking at once.
                Op::Cancel(rng.gen_bool(0.5).then_some(owner), id)
            }
        })
        .collect();

    let started = Instant::now();
    let responses = join_all(ops.iter().map(|op| async {
        match op {
            Op::Book(guest, body) => {
                crate::bookings::book(&app, &guests[*guest], body.clone()).await
            }
            Op::Cancel(owner, id) => {
                let user = owner.map_or(&admin, |owner| &guests[owner]);
                cancel(&app, user, id).await
            }
        }
    }))
    .await;
    eprintln!(
        "100 concurrent bookings and cancellations took {:?}",
        started.elapsed()
    );

    for (op, response) in ops.iter().zip(&responses) {
        let expected: &[u16] = match op {
            Op::Book(..) => &[201, 409],
            Op::Cancel(..) => &[200],
        };
        assert!(
            expected.contains(&response.status.as_u16()),
            "{}: {}",
            response.status,
            response.body
        );
    }
    assert!(count(&responses, 409) > 0, "the mix never hit a full night");
    assert!(count(&responses, 201) > 0, "the mix never booked");
    let inconsistent = inconsistent_nights(&pool).await;
    assert!(inconsistent.is_empty(), "{inconsistent:?}");
    let cancelled: i64 =
        sqlx::query_scalar("select count(*) from bookings where status = 'cancelled'")
            .fetch_one(&pool)
            .await
            .expect("count");
    assert!(cancelled > 0);
    pool.close().await;
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn twenty_racing_cancellations_release_the_units_exactly_once(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let pool = pool(options, connect).await;
    let app = TestApp::new(pool.clone());
    let alice = create_user(&pool, "guest").await;
    let bob = create_user(&pool, "guest").await;
    let admin = create_user(&pool, "admin").await;
    let room = seed_room(
        &pool,
        RoomSeed {
            units: 5,
            ..RoomSeed::default()
        },
    )
    .await;
    booked_ok(&app, &bob, stay(room, 2, 5, 1, 1)).await;
    let booking = booked_ok(&app, &alice, stay(room, 2, 5, 2, 2)).await;
    let id = booking["id"].as_str().expect("id");

    let started = Instant::now();
    let responses = join_all((0..20).map(|i| {
        let user = if i % 2 == 0 { &alice } else { &admin };
        cancel(&app, user, id)
    }))
    .await;
    eprintln!("20 racing cancellations took {:?}", started.elapsed());

    assert_eq!(count(&responses, 200), 20);
    // Every answer is the same booking; the admin's also shows the e-mail.
    let answers: HashSet<String> = responses
        .iter()
        .map(|r| {
            let mut booking = r.json();
            booking
                .as_object_mut()
                .expect("object")
                .remove("guest_email");
            booking.to_string()
        })
        .collect();
    assert_eq!(
        answers.len(),
        1,
        "all see the one cancellation: {answers:?}"
    );
    let booked: Vec<i32> = sqlx::query_scalar(
        "select booked from room_availability
          where room_id = $1 and night >= $2 and night < $3 order by night",
    )
    .bind(room)
    .bind(in_days(2))
    .bind(in_days(5))
    .fetch_all(&pool)
    .await
    .expect("nights");
    assert_eq!(booked, [1, 1, 1], "only bob's unit is still booked");
    assert!(inconsistent_nights(&pool).await.is_empty());
    pool.close().await;
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn concurrent_duplicates_with_one_idempotency_key_book_once(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let pool = pool(options, connect).await;
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let body = stay(room, 2, 4, 1, 1);

    let responses = join_all((0..20).map(|_| {
        app.json_with_headers(
            Method::POST,
            BOOKINGS,
            Some(&guest),
            Some(body.clone()),
            &[("Idempotency-Key", "double-click")],
        )
    }))
    .await;

    let created: HashSet<String> = responses
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .map(|r| r.json()["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(created.len(), 1, "every 201 is the same booking");
    for response in &responses {
        match response.status.as_u16() {
            201 => {}
            409 => assert_eq!(response.json()["code"], "idempotency_in_progress"),
            other => panic!("unexpected {other}: {}", response.body),
        }
    }
    assert_eq!(booking_count(&pool).await, 1);
    assert!(inconsistent_nights(&pool).await.is_empty());
    pool.close().await;
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_booking_waits_for_a_concurrent_inventory_change_and_honours_it(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    // An admin's edit holds night 3's row, not yet committed.
    let mut edit = pool.begin().await.expect("transaction");
    sqlx::query("update room_availability set closed = true where room_id = $1 and night = $2")
        .bind(room)
        .bind(in_days(3))
        .execute(&mut *edit)
        .await
        .expect("close a night");

    let (response, ()) = tokio::join!(
        crate::bookings::book(&app, &guest, stay(room, 2, 5, 1, 1)),
        async {
            // Long enough for the booking to reach the night's row lock.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            edit.commit().await.expect("commit the edit");
        }
    );

    // The booking read the night only after the edit committed (`for
    // update` waits), so it saw it closed; a plain read would have seen it
    // open and booked a closed night.
    assert_eq!(response.status, 409, "{}", response.body);
    assert_eq!(response.json()["nights"], serde_json::json!([in_days(3)]));
    assert_eq!(booking_count(&pool).await, 0);
}
