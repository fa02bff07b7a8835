use axum::http::Method;
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{RoomSeed, TestApp, create_user, in_days, seed_room};

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_calendar_shows_free_units_and_prices_per_night(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let room = seed_room(
        &pool,
        RoomSeed {
            units: 3,
            price_cents: 9_000,
            ..RoomSeed::default()
        },
    )
    .await;
    sqlx::query("update room_availability set booked = 2 where room_id = $1 and night = $2")
        .bind(room)
        .bind(in_days(2))
        .execute(&pool)
        .await
        .expect("book");
    sqlx::query("update room_availability set closed = true where room_id = $1 and night = $2")
        .bind(room)
        .bind(in_days(3))
        .execute(&pool)
        .await
        .expect("close");

    let response = app
        .get(&format!(
            "/api/v1/rooms/{room}/availability?from={}&to={}",
            in_days(1),
            in_days(4)
        ))
        .await;

    assert_eq!(response.status, 200, "{}", response.body);
    let nights = response.json();
    let summary: Vec<(String, i64, bool)> = nights
        .as_array()
        .expect("list")
        .iter()
        .map(|n| {
            (
                n["night"].as_str().expect("night").to_owned(),
                n["free"].as_i64().expect("free"),
                n["closed"].as_bool().expect("closed"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (in_days(1).to_string(), 3, false),
            (in_days(2).to_string(), 1, false),
            (in_days(3).to_string(), 0, true),
        ]
    );
    assert_eq!(nights[0]["price_cents"], 9_000);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn calendar_ranges_are_validated(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let room = seed_room(&pool, RoomSeed::default()).await;
    let backwards = app
        .get(&format!(
            "/api/v1/rooms/{room}/availability?from={}&to={}",
            in_days(4),
            in_days(1)
        ))
        .await;
    assert_eq!(backwards.status, 422);
    assert_eq!(backwards.json()["errors"][0]["field"], "to");
    let garbage = app
        .get(&format!("/api/v1/rooms/{room}/availability?from=soon"))
        .await;
    assert_eq!(garbage.status, 422);
    let missing = app
        .get(&format!(
            "/api/v1/rooms/{}/availability",
            uuid::Uuid::new_v4()
        ))
        .await;
    assert_eq!(missing.status, 404);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn admin_changes_units_and_prices_and_closes_nights(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let room = seed_room(
        &pool,
        RoomSeed {
            units: 3,
            ..RoomSeed::default()
        },
    )
    .await;
    let uri = format!("/api/v1/admin/rooms/{room}/availability");

    let response = app
        .json(
            Method::PUT,
            &uri,
            Some(&admin),
            Some(json!({ "from": in_days(5), "to": in_days(7), "total": 5, "price_cents": 15_000, "closed": true })),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.body);
    let nights = response.json();
    assert_eq!(nights.as_array().map(Vec::len), Some(2));
    assert_eq!(nights[0]["total"], 5);
    assert_eq!(nights[1]["price_cents"], 15_000);
    assert_eq!(nights[1]["closed"], true);
    assert_eq!(nights[1]["free"], 0);
    // Reopening touches only `closed`.
    let reopened = app
        .json(
            Method::PUT,
            &uri,
            Some(&admin),
            Some(json!({ "from": in_days(6), "to": in_days(7), "closed": false })),
        )
        .await
        .json();
    assert_eq!(reopened[0]["closed"], false);
    assert_eq!(reopened[0]["total"], 5);
    assert_eq!(reopened[0]["free"], 5);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_total_below_booked_units_is_refused_and_changes_nothing(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let room = seed_room(
        &pool,
        RoomSeed {
            units: 3,
            ..RoomSeed::default()
        },
    )
    .await;
    sqlx::query("update room_availability set booked = 2 where room_id = $1 and night in ($2, $3)")
        .bind(room)
        .bind(in_days(5))
        .bind(in_days(7))
        .execute(&pool)
        .await
        .expect("book");

    let response = app
        .json(
            Method::PUT,
            &format!("/api/v1/admin/rooms/{room}/availability"),
            Some(&admin),
            Some(json!({ "from": in_days(4), "to": in_days(9), "total": 1, "price_cents": 1 })),
        )
        .await;

    assert_eq!(response.status, 409, "{}", response.body);
    let problem = response.json();
    assert_eq!(problem["code"], "below_booked");
    assert_eq!(problem["nights"], json!([in_days(5), in_days(7)]));
    let changed: i64 = sqlx::query_scalar(
        "select count(*) from room_availability where room_id = $1 and (total <> 3 or price_cents = 1)",
    )
    .bind(room)
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(changed, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn edits_beyond_the_horizon_create_the_nights(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let room = seed_room(
        &pool,
        RoomSeed {
            nights: 10,
            ..RoomSeed::default()
        },
    )
    .await;
    let response = app
        .json(
            Method::PUT,
            &format!("/api/v1/admin/rooms/{room}/availability"),
            Some(&admin),
            Some(json!({ "from": in_days(9), "to": in_days(13), "price_cents": 11_000 })),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json().as_array().map(Vec::len), Some(4));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn guests_cannot_edit_inventory_and_bad_edits_get_shared_messages(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let admin = create_user(&pool, "admin").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let uri = format!("/api/v1/admin/rooms/{room}/availability");
    let edit = json!({ "from": in_days(1), "to": in_days(2), "closed": true });
    assert_eq!(
        app.json(Method::PUT, &uri, Some(&guest), Some(edit))
            .await
            .status,
        404
    );

    let nothing = app
        .json(
            Method::PUT,
            &uri,
            Some(&admin),
            Some(json!({ "from": in_days(1), "to": in_days(2) })),
        )
        .await;
    assert_eq!(nothing.status, 422);
    assert_eq!(
        nothing.json()["errors"][0]["message"],
        shared_schema::inventory::MSG_NOTHING_TO_CHANGE
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_horizon_grows_by_the_missing_nights_only(pool: PgPool) {
    let room = seed_room(
        &pool,
        RoomSeed {
            nights: 10,
            ..RoomSeed::default()
        },
    )
    .await;
    sqlx::query("update room_availability set price_cents = 777 where room_id = $1")
        .bind(room)
        .execute(&pool)
        .await
        .expect("reprice");
    let mut config = server::Config::default_for_tests();
    config.horizon_days = 20;
    let property = server::property::Property::from_config(&config);

    let added = server::availability::extend_horizon(&pool, &property)
        .await
        .expect("extend");
    let again = server::availability::extend_horizon(&pool, &property)
        .await
        .expect("extend");

    // Seeded nights 0..=10 exist; the window needs 0..20.
    assert_eq!((added, again), (9, 0));
    let kept: i64 = sqlx::query_scalar(
        "select count(*) from room_availability where room_id = $1 and price_cents = 777",
    )
    .bind(room)
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(kept, 11, "existing nights are never overwritten");
}
