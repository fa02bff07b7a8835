//! `POST/GET /api/v1/bookings`, `GET /api/v1/bookings/{id}` and
//! `POST /api/v1/bookings/{id}/cancel`: one test per rule.

use axum::http::Method;
use chrono::NaiveDate;
use serde_json::{Value, json};
use shared_schema::{booking::NewBooking, stay::BookingWindow};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{
    RoomSeed, TestApp, TestResponse, TestUser, create_user, in_days, seed_room, today,
};

pub const BOOKINGS: &str = "/api/v1/bookings";

/// A booking request body for `[in_days(from), in_days(to))`.
pub fn stay(room: Uuid, from: u64, to: u64, guests: i32, units: i32) -> Value {
    json!({
        "room_id": room,
        "check_in": in_days(from),
        "check_out": in_days(to),
        "guests": guests,
        "units": units,
    })
}

pub async fn book(app: &TestApp, user: &TestUser, body: Value) -> TestResponse {
    app.json(Method::POST, BOOKINGS, Some(user), Some(body))
        .await
}

/// Books and expects a 201; returns the booking's JSON.
pub async fn booked_ok(app: &TestApp, user: &TestUser, body: Value) -> Value {
    let response = book(app, user, body).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()
}

pub async fn cancel(app: &TestApp, user: &TestUser, id: &str) -> TestResponse {
    app.json(
        Method::POST,
        &format!("{BOOKINGS}/{id}/cancel"),
        Some(user),
        None,
    )
    .await
}

/// `booked` of every night of the room's inventory, by day offset from today.
pub async fn booked_by_night(pool: &PgPool, room: Uuid) -> Vec<(i64, i32)> {
    let rows: Vec<(NaiveDate, i32)> = sqlx::query_as(
        "select night, booked from room_availability where room_id = $1 order by night",
    )
    .bind(room)
    .fetch_all(pool)
    .await
    .expect("availability");
    rows.into_iter()
        .map(|(night, booked)| ((night - today()).num_days(), booked))
        .collect()
}

/// Nights (as day offsets) whose `booked` is not zero.
async fn nights_in_use(pool: &PgPool, room: Uuid) -> Vec<(i64, i32)> {
    booked_by_night(pool, room)
        .await
        .into_iter()
        .filter(|(_, booked)| *booked != 0)
        .collect()
}

pub async fn booking_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from bookings")
        .fetch_one(pool)
        .await
        .expect("count")
}

async fn set_night(pool: &PgPool, room: Uuid, day: u64, assignment: &str) {
    sqlx::query(&format!(
        "update room_availability set {assignment} where room_id = $1 and night = $2"
    ))
    .bind(room)
    .bind(in_days(day))
    .execute(pool)
    .await
    .expect("update a night");
}

fn dates(days: &[u64]) -> Value {
    days.iter().map(|day| json!(in_days(*day))).collect()
}

#[track_caller]
fn assert_problem(response: &TestResponse, status: u16, code: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(response.header("content-type"), "application/problem+json");
    assert_eq!(response.json()["code"], code, "{}", response.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_guest_books_a_stay_and_pays_the_sum_of_its_nights(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    set_night(&pool, room, 3, "price_cents = 15000").await;

    let response = book(&app, &guest, stay(room, 2, 5, 3, 2)).await;

    assert_eq!(response.status, 201, "{}", response.body);
    let booking = response.json();
    let id = booking["id"].as_str().expect("id");
    assert_eq!(response.header("location"), format!("{BOOKINGS}/{id}"));
    assert_eq!(booking["total_cents"], (10_000 + 15_000 + 10_000) * 2);
    assert_eq!(booking["currency"], "EUR");
    assert_eq!(booking["nights"], 3);
    assert_eq!(booking["guests"], 3);
    assert_eq!(booking["units"], 2);
    assert_eq!(booking["status"], "confirmed");
    assert_eq!(booking["room_id"], json!(room));
    assert_eq!(booking["room_name"], "Garden Double");
    assert_eq!(booking["check_in"], json!(in_days(2)));
    assert_eq!(booking["check_out"], json!(in_days(5)));
    assert!(booking["cancelled_at"].is_null());
    let reference = booking["reference"].as_str().expect("reference");
    assert!(
        reference.len() == 11 && reference.starts_with("RB-"),
        "{reference}"
    );
    // Exactly the stay's nights; check-out night and the night before
    // check-in are untouched.
    assert_eq!(nights_in_use(&pool, room).await, [(2, 2), (3, 2), (4, 2)]);
    let owner: Uuid = sqlx::query_scalar("select user_id from bookings where id = $1::uuid")
        .bind(id)
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(owner, guest.id);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_stay_over_full_nights_is_a_409_listing_exactly_those_nights(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    set_night(&pool, room, 3, "booked = total").await;
    set_night(&pool, room, 5, "booked = total - 1").await;

    // Two units: night 3 has none free and night 5 only one.
    let response = book(&app, &guest, stay(room, 2, 6, 2, 2)).await;

    assert_problem(&response, 409, "sold_out");
    assert_eq!(response.json()["nights"], dates(&[3, 5]));
    assert_eq!(booking_count(&pool).await, 0);
    assert_eq!(nights_in_use(&pool, room).await, [(3, 3), (5, 2)]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_closed_night_is_a_409(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    set_night(&pool, room, 4, "closed = true").await;

    let response = book(&app, &guest, stay(room, 3, 6, 1, 1)).await;

    assert_problem(&response, 409, "sold_out");
    assert_eq!(response.json()["nights"], dates(&[4]));
    assert_eq!(booking_count(&pool).await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn nights_missing_from_the_inventory_are_a_409(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    // Inventory rows for today .. today + 5 only.
    let room = seed_room(
        &pool,
        RoomSeed {
            nights: 5,
            ..RoomSeed::default()
        },
    )
    .await;

    let response = book(&app, &guest, stay(room, 4, 8, 1, 1)).await;

    assert_problem(&response, 409, "sold_out");
    assert_eq!(response.json()["nights"], dates(&[6, 7]));
    assert_eq!(nights_in_use(&pool, room).await, Vec::<(i64, i32)>::new());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_unknown_or_inactive_room_is_a_404(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let inactive = seed_room(&pool, RoomSeed::default()).await;
    sqlx::query("update rooms set active = false where id = $1")
        .bind(inactive)
        .execute(&pool)
        .await
        .expect("deactivate");

    for room in [Uuid::new_v4(), inactive] {
        let response = book(&app, &guest, stay(room, 1, 2, 1, 1)).await;
        assert_problem(&response, 404, "not_found");
    }
    assert_eq!(booking_count(&pool).await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn more_guests_than_the_rooms_sleep_is_a_422_on_guests(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(
        &pool,
        RoomSeed {
            capacity: 2,
            ..RoomSeed::default()
        },
    )
    .await;

    let response = book(&app, &guest, stay(room, 1, 2, 3, 1)).await;
    assert_problem(&response, 422, "validation_failed");
    let errors = response.json()["errors"].clone();
    assert_eq!(errors[0]["field"], "guests", "{errors}");
    assert_eq!(
        errors[0]["message"],
        "This room sleeps at most 2 guests. Book more rooms or fewer guests."
    );
    assert_eq!(booking_count(&pool).await, 0);

    // Two rooms of the same type sleep four.
    booked_ok(&app, &guest, stay(room, 1, 2, 4, 2)).await;
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn invalid_stays_are_422_with_the_messages_the_browser_shows(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let window = BookingWindow::with_default_horizon(today());
    let yesterday = today() - chrono::Days::new(1);
    let base = NewBooking {
        room_id: room,
        check_in: in_days(3),
        check_out: in_days(5),
        guests: 2,
        units: 1,
    };
    let cases = [
        (
            "check-out on check-in day",
            NewBooking {
                check_out: in_days(3),
                ..base.clone()
            },
        ),
        (
            "check-out before check-in",
            NewBooking {
                check_out: in_days(1),
                ..base.clone()
            },
        ),
        (
            "check-in in the past",
            NewBooking {
                check_in: yesterday,
                ..base.clone()
            },
        ),
        (
            "longer than 30 nights",
            NewBooking {
                check_out: in_days(34),
                ..base.clone()
            },
        ),
        (
            "beyond the horizon",
            NewBooking {
                check_in: in_days(400),
                check_out: in_days(401),
                ..base.clone()
            },
        ),
        (
            "no guests and no rooms",
            NewBooking {
                guests: 0,
                units: 0,
                ..base.clone()
            },
        ),
        (
            "too many rooms",
            NewBooking {
                units: 11,
                ..base.clone()
            },
        ),
    ];
    for (case, bad) in cases {
        let expected = shared_schema::validated(bad.clone(), &window).expect_err(case);
        let body = serde_json::to_value(&bad).expect("json");
        let response = book(&app, &guest, body).await;
        assert_problem(&response, 422, "validation_failed");
        assert_eq!(
            response.json()["errors"],
            serde_json::to_value(&expected).expect("json"),
            "{case}"
        );
    }
    assert_eq!(booking_count(&pool).await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn fields_a_guest_may_not_set_are_rejected(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let other = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;

    for (field, value) in [
        ("status", json!("cancelled")),
        ("total_cents", json!(1)),
        ("user_id", json!(other.id)),
        ("reference", json!("RB-00000000")),
    ] {
        let mut body = stay(room, 1, 3, 1, 1);
        body[field] = value;
        let response = book(&app, &guest, body).await;
        assert_problem(&response, 422, "validation_failed");
        assert!(
            response.body.contains(&format!("Unknown field `{field}`")),
            "{field}: {}",
            response.body
        );
    }
    assert_eq!(booking_count(&pool).await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_booking_endpoint_requires_sign_in(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let room = seed_room(&pool, RoomSeed::default()).await;
    let id = Uuid::new_v4();
    let requests = [
        (
            Method::POST,
            BOOKINGS.to_owned(),
            Some(stay(room, 1, 2, 1, 1)),
        ),
        (Method::GET, BOOKINGS.to_owned(), None),
        (Method::GET, format!("{BOOKINGS}/{id}"), None),
        (Method::POST, format!("{BOOKINGS}/{id}/cancel"), None),
    ];
    for (method, uri, body) in requests {
        let response = app.json(method, &uri, None, body).await;
        assert_problem(&response, 401, "unauthenticated");
        assert_eq!(response.header("www-authenticate"), "Bearer");
    }
    assert_eq!(booking_count(&pool).await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn back_to_back_stays_on_the_last_unit_are_both_booked(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(
        &pool,
        RoomSeed {
            units: 1,
            ..RoomSeed::default()
        },
    )
    .await;

    booked_ok(&app, &guest, stay(room, 2, 4, 1, 1)).await;
    // Check-in on the first stay's check-out day shares no night with it.
    booked_ok(&app, &guest, stay(room, 4, 6, 1, 1)).await;
    booked_ok(&app, &guest, stay(room, 1, 2, 1, 1)).await;
    // Straddling both is not possible.
    let response = book(&app, &guest, stay(room, 3, 5, 1, 1)).await;
    assert_problem(&response, 409, "sold_out");
    assert_eq!(response.json()["nights"], dates(&[3, 4]));

    assert_eq!(
        nights_in_use(&pool, room).await,
        [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_guest_cannot_read_or_cancel_another_guests_booking(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let alice = create_user(&pool, "guest").await;
    let mallory = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let booking = booked_ok(&app, &alice, stay(room, 2, 4, 1, 1)).await;
    let id = booking["id"].as_str().expect("id");

    let read = app
        .json(
            Method::GET,
            &format!("{BOOKINGS}/{id}"),
            Some(&mallory),
            None,
        )
        .await;
    assert_problem(&read, 404, "not_found");
    let cancelled = cancel(&app, &mallory, id).await;
    assert_problem(&cancelled, 404, "not_found");
    // The same answer as for a booking that does not exist at all.
    let unknown = app
        .json(
            Method::GET,
            &format!("{BOOKINGS}/{}", Uuid::new_v4()),
            Some(&mallory),
            None,
        )
        .await;
    assert_eq!(unknown.body, read.body);

    let mine = app
        .json(Method::GET, &format!("{BOOKINGS}/{id}"), Some(&alice), None)
        .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.json(), booking);
    assert_eq!(mine.json()["status"], "confirmed");
    assert_eq!(nights_in_use(&pool, room).await, [(2, 1), (3, 1)]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_booking_downloads_as_a_calendar_event_through_the_api_and_the_site(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let other = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let booking = booked_ok(&app, &guest, stay(room, 2, 5, 2, 1)).await;
    let id = id_of(&booking);
    let api = format!("{BOOKINGS}/{id}/calendar.ics");
    let ics_date = |days| in_days(days).format("%Y%m%d").to_string();

    let file = app.json(Method::GET, &api, Some(&guest), None).await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert_eq!(file.header("content-type"), "text/calendar; charset=utf-8");
    let reference = booking["reference"].as_str().expect("reference");
    assert_eq!(
        file.header("content-disposition"),
        format!("attachment; filename=\"roombook-{reference}.ics\"")
    );
    for line in [
        format!("UID:{id}@roombook"),
        format!("DTSTART;VALUE=DATE:{}", ics_date(2)),
        format!("DTEND;VALUE=DATE:{}", ics_date(5)),
        "STATUS:CONFIRMED".to_owned(),
    ] {
        assert!(
            file.body.split("\r\n").any(|l| l == line),
            "{line:?} in {}",
            file.body
        );
    }
    // The booking page's link: the same file, for the session cookie.
    let site = app
        .get_with_session(&format!("/bookings/{id}/calendar.ics"), &guest)
        .await;
    assert_eq!(site.status, 200, "{}", site.body);
    assert_eq!(site.body, file.body);

    // Not yours, or not signed in: the answers of `GET /bookings/{id}`.
    let foreign = app.json(Method::GET, &api, Some(&other), None).await;
    assert_problem(&foreign, 404, "not_found");
    let anonymous = app.json(Method::GET, &api, None, None).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);

    // Cancelled: the event says so, as a newer version of itself.
    assert_eq!(cancel(&app, &guest, &id).await.status, 200);
    let cancelled = app.json(Method::GET, &api, Some(&guest), None).await;
    assert!(
        cancelled
            .body
            .contains("STATUS:CANCELLED\r\nSEQUENCE:1\r\n"),
        "{}",
        cancelled.body
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_malformed_booking_id_is_a_404(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    for uri in [
        format!("{BOOKINGS}/not-a-uuid"),
        format!("{BOOKINGS}/not-a-uuid/calendar.ics"),
        format!("{BOOKINGS}/12345/cancel"),
    ] {
        let method = if uri.ends_with("cancel") {
            Method::POST
        } else {
            Method::GET
        };
        let response = app.json(method, &uri, Some(&guest), None).await;
        assert_problem(&response, 404, "not_found");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_admin_can_read_and_cancel_any_booking(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let admin = create_user(&pool, "admin").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let booking = booked_ok(&app, &guest, stay(room, 2, 4, 2, 2)).await;
    let id = booking["id"].as_str().expect("id");

    let read = app
        .json(Method::GET, &format!("{BOOKINGS}/{id}"), Some(&admin), None)
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    let mut as_admin = read.json();
    // The admin also sees the guest's e-mail; everything else is the same.
    assert!(as_admin["guest_email"].is_string(), "{as_admin}");
    as_admin
        .as_object_mut()
        .expect("object")
        .remove("guest_email");
    assert_eq!(as_admin, booking);

    let cancelled = cancel(&app, &admin, id).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.json()["status"], "cancelled");
    assert!(cancelled.json()["cancelled_at"].is_string());
    assert_eq!(nights_in_use(&pool, room).await, Vec::<(i64, i32)>::new());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn cancelling_twice_gives_the_units_back_once(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let kept = booked_ok(&app, &guest, stay(room, 2, 4, 1, 1)).await;
    let booking = booked_ok(&app, &guest, stay(room, 2, 4, 2, 2)).await;
    let id = booking["id"].as_str().expect("id");
    assert_eq!(nights_in_use(&pool, room).await, [(2, 3), (3, 3)]);

    let first = cancel(&app, &guest, id).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let cancelled = first.json();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["id"], booking["id"]);
    assert_eq!(cancelled["total_cents"], booking["total_cents"]);
    assert_eq!(nights_in_use(&pool, room).await, [(2, 1), (3, 1)]);

    let second = cancel(&app, &guest, id).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(
        second.json(),
        cancelled,
        "the second cancel changes nothing"
    );
    assert_eq!(nights_in_use(&pool, room).await, [(2, 1), (3, 1)]);
    assert_eq!(kept["status"], "confirmed");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_guest_cannot_cancel_a_stay_that_has_started_but_an_admin_can(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let admin = create_user(&pool, "admin").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let tonight = booked_ok(&app, &guest, stay(room, 0, 2, 1, 1)).await;
    let id = tonight["id"].as_str().expect("id");

    let refused = cancel(&app, &guest, id).await;
    assert_problem(&refused, 409, "already_started");
    assert_eq!(nights_in_use(&pool, room).await, [(0, 1), (1, 1)]);

    let by_admin = cancel(&app, &admin, id).await;
    assert_eq!(by_admin.status, 200, "{}", by_admin.body);
    assert_eq!(nights_in_use(&pool, room).await, Vec::<(i64, i32)>::new());

    // Tomorrow's stay is still the guest's to cancel.
    let tomorrow = booked_ok(&app, &guest, stay(room, 1, 2, 1, 1)).await;
    let response = cancel(&app, &guest, tomorrow["id"].as_str().expect("id")).await;
    assert_eq!(response.status, 200, "{}", response.body);
}

fn ids(response: &TestResponse) -> Vec<String> {
    assert_eq!(response.status, 200, "{}", response.body);
    response
        .json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|booking| booking["id"].as_str().expect("id").to_owned())
        .collect()
}

fn id_of(booking: &Value) -> String {
    booking["id"].as_str().expect("id").to_owned()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn guests_list_their_own_bookings_and_admins_list_everyones(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let alice = create_user(&pool, "guest").await;
    let bob = create_user(&pool, "guest").await;
    let admin = create_user(&pool, "admin").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let early = booked_ok(&app, &alice, stay(room, 2, 3, 1, 1)).await;
    let late = booked_ok(&app, &alice, stay(room, 9, 10, 1, 1)).await;
    let bobs = booked_ok(&app, &bob, stay(room, 5, 6, 1, 1)).await;

    let list = |user| app.json(Method::GET, BOOKINGS, Some(user), None);
    assert_eq!(ids(&list(&alice).await), [id_of(&late), id_of(&early)]);
    assert_eq!(ids(&list(&bob).await), [id_of(&bobs)]);
    assert_eq!(
        ids(&list(&admin).await),
        [id_of(&late), id_of(&bobs), id_of(&early)]
    );
    let none = create_user(&pool, "guest").await;
    assert_eq!(ids(&list(&none).await), Vec::<String>::new());
    // Listing items are the same documents as the single reads.
    assert_eq!(list(&bob).await.json()[0], bobs);

    // `user_id` narrows an admin's list to one account; a guest's list is
    // their own whatever they ask for.
    let of = |user: &TestUser| format!("{BOOKINGS}?user_id={}", user.id);
    let admin_view = app.json(Method::GET, &of(&bob), Some(&admin), None).await;
    assert_eq!(ids(&admin_view), [id_of(&bobs)]);
    let snooping = app.json(Method::GET, &of(&bob), Some(&alice), None).await;
    assert_eq!(ids(&snooping), [id_of(&late), id_of(&early)]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn bookings_can_be_filtered_by_room_dates_status_and_count(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let admin = create_user(&pool, "admin").await;
    let garden = seed_room(&pool, RoomSeed::default()).await;
    let sea = seed_room(
        &pool,
        RoomSeed {
            name: "Sea View",
            ..RoomSeed::default()
        },
    )
    .await;
    let first = booked_ok(&app, &guest, stay(garden, 2, 4, 1, 1)).await;
    let second = booked_ok(&app, &guest, stay(garden, 10, 12, 1, 1)).await;
    let third = booked_ok(&app, &guest, stay(sea, 5, 7, 1, 1)).await;
    let response = cancel(&app, &guest, &id_of(&second)).await;
    assert_eq!(response.status, 200, "{}", response.body);

    let list = |query: String| {
        let uri = format!("{BOOKINGS}?{query}");
        let app = &app;
        let guest = &guest;
        async move { app.json(Method::GET, &uri, Some(guest), None).await }
    };
    assert_eq!(
        ids(&list(format!("room_id={garden}")).await),
        [id_of(&second), id_of(&first)]
    );
    // [from, to) overlaps a stay when they share a night: the first stay's
    // check-out day (4) is not one of its nights.
    assert_eq!(
        ids(&list(format!("from={}&to={}", in_days(4), in_days(6))).await),
        [id_of(&third)]
    );
    assert_eq!(
        ids(&list(format!("from={}&to={}", in_days(3), in_days(5))).await),
        [id_of(&first)]
    );
    assert_eq!(
        ids(&list(format!("from={}", in_days(6))).await),
        [id_of(&second), id_of(&third)]
    );
    assert_eq!(
        ids(&list(format!("to={}", in_days(3))).await),
        [id_of(&first)]
    );
    assert_eq!(
        ids(&list("status=cancelled".to_owned()).await),
        [id_of(&second)]
    );
    assert_eq!(
        ids(&list(format!("status=confirmed&room_id={garden}")).await),
        [id_of(&first)]
    );
    assert_eq!(ids(&list("limit=1".to_owned()).await), [id_of(&second)]);
    // An admin's filters work across everyone's bookings too.
    let response = app
        .json(
            Method::GET,
            &format!("{BOOKINGS}?room_id={sea}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(ids(&response), [id_of(&third)]);

    for bad in [
        "limit=0".to_owned(),
        "limit=101".to_owned(),
        "limit=many".to_owned(),
        "status=pending".to_owned(),
        format!("from={}&to={}", in_days(5), in_days(5)),
        "colour=blue".to_owned(),
    ] {
        let response = list(bad.clone()).await;
        assert_eq!(response.status, 422, "{bad}: {}", response.body);
        assert_eq!(response.json()["code"], "validation_failed", "{bad}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_openapi_document_describes_every_booking_operation(pool: PgPool) {
    let app = TestApp::new(pool);
    let spec = app.get("/api-docs/openapi.json").await.json();
    for (path, method, operation_id) in [
        ("/api/v1/bookings", "post", "create_booking"),
        ("/api/v1/bookings", "get", "list_bookings"),
        ("/api/v1/bookings/{id}", "get", "get_booking"),
        (
            "/api/v1/bookings/{id}/calendar.ics",
            "get",
            "get_booking_calendar",
        ),
        ("/api/v1/bookings/{id}/cancel", "post", "cancel_booking"),
    ] {
        let operation = &spec["paths"][path][method];
        assert_eq!(operation["operationId"], operation_id, "{path} {method}");
        assert_eq!(operation["tags"], json!(["bookings"]));
        assert_eq!(
            operation["security"],
            json!([{"bearer": []}, {"cookie": []}]),
            "{operation_id}"
        );
    }
    let create = &spec["paths"]["/api/v1/bookings"]["post"];
    assert!(
        create["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
    );
    assert!(spec["components"]["schemas"]["Booking"].is_object());
    assert!(spec["components"]["schemas"]["NewBooking"].is_object());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_booking_names_its_account_and_only_admins_see_the_email(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let room = seed_room(&pool, RoomSeed::default()).await;
    let guest = create_user(&pool, "guest").await;
    let admin = create_user(&pool, "admin").await;
    let booking = booked_ok(&app, &guest, stay(room, 1, 2, 1, 1)).await;
    let email: String = sqlx::query_scalar("select email::text from users where id = $1")
        .bind(guest.id)
        .fetch_one(&pool)
        .await
        .expect("email");

    assert_eq!(booking["user_id"], guest.id.to_string());
    assert!(booking.get("guest_email").is_none(), "{booking}");
    let path = format!("{BOOKINGS}/{}", booking["id"].as_str().expect("id"));
    let as_admin = app
        .json(Method::GET, &path, Some(&admin), None)
        .await
        .json();
    assert_eq!(as_admin["user_id"], guest.id.to_string());
    assert_eq!(as_admin["guest_email"], email);
    let listed = app
        .json(
            Method::GET,
            &format!("{BOOKINGS}?user_id={}", guest.id),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(listed[0]["guest_email"], email);
    let own = app
        .json(Method::GET, BOOKINGS, Some(&guest), None)
        .await
        .json();
    assert!(own[0].get("guest_email").is_none(), "{own}");
}
