use app::AppError;
use shared_schema::{form::SearchForm, stay::BookingWindow};
use sqlx::PgPool;

use crate::helpers::{RoomSeed, TestApp, in_days, seed_room, today};

const SEARCH: &str = "/api/search_rooms";

fn form(check_in: &str, check_out: &str, guests: &str) -> SearchForm {
    SearchForm {
        check_in: check_in.to_owned(),
        check_out: check_out.to_owned(),
        guests: guests.to_owned(),
        units: "1".to_owned(),
    }
}

async fn search(app: &TestApp, form: &SearchForm) -> crate::helpers::TestResponse {
    app.post_form(
        SEARCH,
        &[
            ("form[check_in]", &form.check_in),
            ("form[check_out]", &form.check_out),
            ("form[guests]", &form.guests),
            ("form[units]", &form.units),
        ],
    )
    .await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn server_rejects_bad_searches_with_the_messages_the_browser_shows(pool: PgPool) {
    let app = TestApp::new(pool);
    let window = BookingWindow::new(today(), shared_schema::stay::DEFAULT_HORIZON_DAYS);
    let (d1, d3, d40) = (
        in_days(1).to_string(),
        in_days(3).to_string(),
        in_days(40).to_string(),
    );
    let yesterday = (today() - chrono::Days::new(1)).to_string();
    let cases = [
        ("check-out before check-in", form(&d3, &d1, "2")),
        ("check-out on check-in day", form(&d3, &d3, "2")),
        ("check-in in the past", form(&yesterday, &d3, "2")),
        ("stay longer than 30 nights", form(&d1, &d40, "2")),
        ("no guests", form(&d1, &d3, "0")),
        ("not a number", form(&d1, &d3, "two")),
        ("not a date", form("tomorrow", &d3, "2")),
        ("nothing filled in", form("", "", "")),
    ];
    for (case, bad) in cases {
        // The browser's own verdict, from the same shared function.
        let expected = bad.parse(&window).expect_err(case);
        let response = search(&app, &bad).await;
        assert_eq!(response.status, 422, "{case}: {}", response.body);
        let error: AppError = serde_json::from_str(&response.body).expect("an AppError");
        assert_eq!(error, AppError::Invalid(expected), "{case}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn search_offers_rooms_free_every_night_with_the_stay_total(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let open = seed_room(
        &pool,
        RoomSeed {
            name: "Open Room",
            price_cents: 9_000,
            ..RoomSeed::default()
        },
    )
    .await;
    let closed = seed_room(
        &pool,
        RoomSeed {
            name: "Closed Night",
            ..RoomSeed::default()
        },
    )
    .await;
    let full = seed_room(
        &pool,
        RoomSeed {
            name: "Full Night",
            ..RoomSeed::default()
        },
    )
    .await;
    seed_room(
        &pool,
        RoomSeed {
            name: "Too Small",
            capacity: 1,
            ..RoomSeed::default()
        },
    )
    .await;
    seed_room(
        &pool,
        RoomSeed {
            name: "Ends Too Soon",
            nights: 4,
            ..RoomSeed::default()
        },
    )
    .await;
    sqlx::query("update room_availability set closed = true where room_id = $1 and night = $2")
        .bind(closed)
        .bind(in_days(6))
        .execute(&pool)
        .await
        .expect("close a night");
    sqlx::query("update room_availability set booked = total where room_id = $1 and night = $2")
        .bind(full)
        .bind(in_days(7))
        .execute(&pool)
        .await
        .expect("fill a night");
    // One night of the open room is dearer: the total is the sum of nights.
    sqlx::query("update room_availability set price_cents = 15000, booked = 1 where room_id = $1 and night = $2")
        .bind(open)
        .bind(in_days(6))
        .execute(&pool)
        .await
        .expect("reprice a night");

    let response = search(
        &app,
        &form(&in_days(5).to_string(), &in_days(8).to_string(), "2"),
    )
    .await;

    assert_eq!(response.status, 200, "{}", response.body);
    let offers = response.json()["page"]["offers"].clone();
    let names: Vec<&str> = offers
        .as_array()
        .expect("a list")
        .iter()
        .map(|o| o["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["Open Room"]);
    let offer = &offers[0];
    assert_eq!(offer["nights"], 3);
    assert_eq!(offer["total_cents"], 9_000 + 15_000 + 9_000);
    assert_eq!(offer["nightly_from_cents"], 9_000);
    assert_eq!(offer["min_free"], 2);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn back_to_back_stays_share_no_night(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let room = seed_room(
        &pool,
        RoomSeed {
            units: 1,
            ..RoomSeed::default()
        },
    )
    .await;
    // The night before check-in is sold out; the stay starting on the
    // following day is still free (stays are half-open).
    sqlx::query("update room_availability set booked = total where room_id = $1 and night = $2")
        .bind(room)
        .bind(in_days(4))
        .execute(&pool)
        .await
        .expect("fill a night");
    let response = search(
        &app,
        &form(&in_days(5).to_string(), &in_days(6).to_string(), "1"),
    )
    .await;
    assert_eq!(
        response.json()["page"]["offers"].as_array().map(Vec::len),
        Some(1)
    );
    let response = search(
        &app,
        &form(&in_days(4).to_string(), &in_days(5).to_string(), "1"),
    )
    .await;
    let results = response.json();
    assert_eq!(results["page"]["offers"].as_array().map(Vec::len), Some(0));
    // Nothing free: the answer suggests the nearby stays that are.
    assert!(
        results["nearby"].as_array().is_some_and(|nearby| nearby
            .iter()
            .any(|stay| stay["check_in"] == in_days(5).to_string())),
        "{results}"
    );
}

async fn seed_priced(pool: &PgPool) {
    for (name, price) in [
        ("Attic", 8_000),
        ("Balcony", 12_000),
        ("Cellar", 8_500),
        ("Deluxe", 30_000),
    ] {
        seed_room(
            pool,
            RoomSeed {
                name,
                price_cents: price,
                ..RoomSeed::default()
            },
        )
        .await;
    }
}

fn api_search(extra: &str) -> String {
    format!(
        "/api/v1/rooms?check_in={}&check_out={}&guests=2{extra}",
        in_days(2),
        in_days(4)
    )
}

fn names(page: &serde_json::Value) -> Vec<String> {
    page["offers"]
        .as_array()
        .expect("offers")
        .iter()
        .map(|o| o["name"].as_str().expect("name").to_owned())
        .collect()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_api_sorts_and_filters_by_nightly_price(pool: PgPool) {
    seed_priced(&pool).await;
    let app = TestApp::new(pool);

    let cheapest_first = app.get(&api_search("")).await;
    assert_eq!(cheapest_first.status, 200, "{}", cheapest_first.body);
    assert_eq!(
        names(&cheapest_first.json()),
        ["Attic", "Cellar", "Balcony", "Deluxe"]
    );
    let dearest_first = app.get(&api_search("&sort=price_desc")).await.json();
    assert_eq!(
        names(&dearest_first),
        ["Deluxe", "Balcony", "Cellar", "Attic"]
    );
    let by_name = app.get(&api_search("&sort=name")).await.json();
    assert_eq!(names(&by_name), ["Attic", "Balcony", "Cellar", "Deluxe"]);
    let mid_range = app
        .get(&api_search("&min_price=9000&max_price=12000"))
        .await
        .json();
    assert_eq!(names(&mid_range), ["Balcony"]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_follow_each_other_without_gaps_or_repeats(pool: PgPool) {
    seed_priced(&pool).await;
    let app = TestApp::new(pool.clone());
    for sort in ["price_asc", "price_desc", "name"] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let page = app
                .get(&api_search(&format!("&sort={sort}&limit=1{cursor}")))
                .await;
            assert_eq!(page.status, 200, "{}", page.body);
            let page = page.json();
            seen.extend(names(&page));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
            assert!(seen.len() <= 4, "paging does not end: {seen:?}");
        }
        let all = names(&app.get(&api_search(&format!("&sort={sort}"))).await.json());
        assert_eq!(seen, all, "{sort}");
    }
    // A booking elsewhere between pages does not shift the next page.
    let first = app.get(&api_search("&limit=2")).await.json();
    seed_room(
        &pool,
        RoomSeed {
            name: "Aardvark",
            price_cents: 1_000,
            ..RoomSeed::default()
        },
    )
    .await;
    let next = first["next_cursor"].as_str().expect("more pages");
    let second = app
        .get(&api_search(&format!("&limit=2&cursor={next}")))
        .await
        .json();
    assert_eq!(names(&second), ["Balcony", "Deluxe"]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn bad_options_are_422s_on_their_fields(pool: PgPool) {
    let app = TestApp::new(pool);
    let cases = [
        ("&limit=0", "limit", shared_schema::search::MSG_PAGE_SIZE),
        (
            "&min_price=500&max_price=100",
            "max_price",
            shared_schema::search::MSG_PRICE_RANGE,
        ),
        (
            "&cursor=garbage",
            "cursor",
            shared_schema::search::MSG_CURSOR,
        ),
    ];
    for (extra, field, message) in cases {
        let response = app.get(&api_search(extra)).await;
        assert_eq!(response.status, 422, "{extra}: {}", response.body);
        let problem = response.json();
        let errors = problem["errors"].as_array().expect("errors");
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == field && e["message"] == message),
            "{extra}: {problem}"
        );
    }
    let unknown_sort = app.get(&api_search("&sort=random")).await;
    assert_eq!(unknown_sort.status, 422);
    let both = app
        .get("/api/v1/rooms?check_in=yesterday&limit=0")
        .await
        .json();
    let fields: Vec<&str> = both["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"check_in") && fields.contains(&"limit"),
        "{both}"
    );
}
