//! `GET /api/v1/bookings?q=...` and its pages: a text search over every
//! booking (guest name, e-mail, reference) for admins, only ever the
//! caller's own for guests; keyset pages linked with `Link: rel="next"`;
//! the admin page that uses both without JavaScript.

use axum::http::Method;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    bookings::BOOKINGS,
    helpers::{RoomSeed, TestApp, TestResponse, TestUser, create_person, seed_room, today},
};

/// Inserts `count` one-night bookings of `user`, referenced
/// `{prefix}{n:0>width}` for n in `1..=count`, the n-th checking in n days
/// before `days_ago` days ago (so booking 1 is the newest). Straight into
/// the table: these tests are about finding bookings, not making them.
async fn past_bookings(
    pool: &PgPool,
    user: &TestUser,
    room: Uuid,
    prefix: &str,
    count: i32,
    days_ago: i32,
) {
    sqlx::query(
        "insert into bookings
             (reference, user_id, room_id, check_in, check_out, guests, units, total_cents, currency)
         select $1 || lpad(n::text, 11 - length($1), '0'), $2, $3,
                $4::date - $6 - n, $4::date - $6 - n + 1, 1, 1, 12000, 'EUR'
           from generate_series(1, $5) as n",
    )
    .bind(prefix)
    .bind(user.id)
    .bind(room)
    .bind(today())
    .bind(count)
    .bind(days_ago)
    .execute(pool)
    .await
    .expect("insert bookings");
}

async fn list(app: &TestApp, user: &TestUser, query: &str) -> TestResponse {
    app.json(
        Method::GET,
        &format!("{BOOKINGS}?{query}"),
        Some(user),
        None,
    )
    .await
}

/// The references of a 200 answer, in order.
#[track_caller]
fn references(response: &TestResponse) -> Vec<String> {
    assert_eq!(response.status, 200, "{}", response.body);
    response
        .json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|b| b["reference"].as_str().expect("reference").to_owned())
        .collect()
}

/// `q=` of `text`, encoded.
fn q(text: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("q", text)
        .finish()
}

struct People {
    ada: TestUser,
    grace: TestUser,
    admin: TestUser,
}

/// Ada (3 bookings, `RB-ADA00001..3`) and Grace (2, `RB-GRC00001..2`).
async fn two_guests(pool: &PgPool) -> People {
    let room = seed_room(pool, RoomSeed::default()).await;
    let ada = create_person(
        pool,
        "Ada Lovelace",
        "ada.lovelace@analytical.example",
        "guest",
    )
    .await;
    let grace = create_person(pool, "Grace Hopper", "grace@navy.example", "guest").await;
    let admin = create_person(pool, "Front Desk", "desk@hotel.example", "admin").await;
    past_bookings(pool, &ada, room, "RB-ADA", 3, 0).await;
    past_bookings(pool, &grace, room, "RB-GRC", 2, 10).await;
    People { ada, grace, admin }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_admin_finds_bookings_by_part_of_the_guests_name_or_email_in_any_case(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let People { admin, .. } = two_guests(&pool).await;
    let ada = ["RB-ADA00001", "RB-ADA00002", "RB-ADA00003"];
    let grace = ["RB-GRC00001", "RB-GRC00002"];

    assert_eq!(references(&list(&app, &admin, &q("LOVELACE")).await), ada);
    assert_eq!(references(&list(&app, &admin, &q("  hopp ")).await), grace);
    assert_eq!(
        references(&list(&app, &admin, &q("NAVY.example")).await),
        grace
    );
    assert_eq!(
        references(&list(&app, &admin, &q("lovelace@analytical")).await),
        ada
    );
    // Blank is no search at all.
    assert_eq!(references(&list(&app, &admin, &q("   ")).await).len(), 5);
    assert!(references(&list(&app, &admin, &q("nobody")).await).is_empty());
    // Combined with the other filters.
    assert_eq!(
        references(&list(&app, &admin, &format!("{}&limit=1", q("ada"))).await),
        ["RB-ADA00001"]
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_search_naming_more_than_a_thousand_guests_still_lists_theirs_only(pool: PgPool) {
    // Past a thousand named guests the list is read in order and each
    // booking checked (`bookings::search`), not gathered guest by guest.
    let app = TestApp::new(pool.clone());
    let People { admin, .. } = two_guests(&pool).await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    sqlx::query(
        "with guests as (
             insert into users (email, name, password_hash)
             select 'walker' || n || '@example.com', 'Walker ' || n, 'x'
               from generate_series(1, 1001) as n
             returning id, name
         )
         insert into bookings
             (reference, user_id, room_id, check_in, check_out, guests, units, total_cents, currency)
         select 'RB-WLK' || lpad(substr(name, 8), 5, '0'), id, $1,
                $2::date - 30, $2::date - 29, 1, 1, 12000, 'EUR'
           from guests",
    )
    .bind(room)
    .bind(today())
    .execute(&pool)
    .await
    .expect("many guests");

    let mut found = Vec::new();
    let mut query = format!("limit=100&{}", q("WALKER"));
    loop {
        let page = list(&app, &admin, &query).await;
        found.extend(references(&page));
        match next_cursor(&page) {
            Some(cursor) => {
                query = format!("limit=100&{}&cursor={}", q("WALKER"), urlencode(&cursor));
            }
            None => break,
        }
    }
    assert_eq!(found.len(), 1001, "every walker's booking, no other");
    assert!(
        found
            .iter()
            .all(|reference| reference.starts_with("RB-WLK"))
    );
    // And a reference next to them, as with fewer names.
    assert_eq!(
        references(&list(&app, &admin, &q("rb-ada00002")).await),
        ["RB-ADA00002"]
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_admin_finds_a_booking_by_its_reference_or_the_start_of_it(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let People { admin, .. } = two_guests(&pool).await;

    assert_eq!(
        references(&list(&app, &admin, &q("RB-GRC00002")).await),
        ["RB-GRC00002"]
    );
    assert_eq!(
        references(&list(&app, &admin, &q("rb-grc00002")).await),
        ["RB-GRC00002"],
        "any case"
    );
    assert_eq!(
        references(&list(&app, &admin, &q("rb-ada")).await),
        ["RB-ADA00001", "RB-ADA00002", "RB-ADA00003"],
        "a prefix"
    );
    assert!(
        references(&list(&app, &admin, &q("GRC00002")).await).is_empty(),
        "the middle of a reference is not a match"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn like_wildcards_in_a_search_are_plain_characters(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let room = seed_room(&pool, RoomSeed::default()).await;
    let admin = create_person(&pool, "Front Desk", "desk@hotel.example", "admin").await;
    let odd = create_person(&pool, r"100% Real_Name \o/", "odd@example.com", "guest").await;
    let plain = create_person(&pool, "Plain Person", "plain@example.com", "guest").await;
    past_bookings(&pool, &odd, room, "RB-ODD", 1, 0).await;
    past_bookings(&pool, &plain, room, "RB-PLN", 1, 5).await;

    for (search, expected) in [
        ("%", vec!["RB-ODD00001"]),
        ("_", vec!["RB-ODD00001"]),
        (r"\", vec!["RB-ODD00001"]),
        ("0% r", vec!["RB-ODD00001"]),
        ("in_pe", vec![]),
        ("p%n", vec![]),
        ("%@example.com", vec![]),
        ("RB-%", vec![]),
        ("@example.com", vec!["RB-ODD00001", "RB-PLN00001"]),
    ] {
        assert_eq!(
            references(&list(&app, &admin, &q(search)).await),
            expected,
            "{search:?}"
        );
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_guests_search_only_ever_finds_their_own_bookings(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let People { ada, grace, .. } = two_guests(&pool).await;

    for search in [
        "grace",
        "Hopper",
        "navy.example",
        "RB-GRC00001",
        "rb-grc",
        "%",
        "_",
    ] {
        let found = references(&list(&app, &ada, &q(search)).await);
        assert!(
            found.iter().all(|r| r.starts_with("RB-ADA")),
            "{search:?} found {found:?}"
        );
    }
    assert!(references(&list(&app, &ada, &q("grace")).await).is_empty());
    assert_eq!(
        references(&list(&app, &ada, &q("rb-")).await),
        ["RB-ADA00001", "RB-ADA00002", "RB-ADA00003"]
    );
    // Asking for another account changes nothing either.
    let snooping = format!("user_id={}&{}", grace.id, q("grace"));
    assert!(references(&list(&app, &ada, &snooping).await).is_empty());
    // Guests never see e-mails, even when their search matched one.
    let mine = list(&app, &ada, &q("analytical")).await;
    assert_eq!(references(&mine).len(), 3);
    assert!(mine.json()[0].get("guest_email").is_none(), "{}", mine.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_search_that_cannot_be_run_is_a_422_on_the_field(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_person(&pool, "Front Desk", "desk@hotel.example", "admin").await;

    for (query, field) in [
        (q(&"a".repeat(101)), "q"),
        (q("ada\u{0}"), "q"),
        (q("line\nbreak"), "q"),
        ("cursor=".to_owned(), "cursor"),
        ("cursor=not-ours".to_owned(), "cursor"),
        (format!("cursor={}", "A".repeat(201)), "cursor"),
    ] {
        let response = list(&app, &admin, &query).await;
        assert_eq!(response.status, 422, "{query}: {}", response.body);
        assert_eq!(response.header("content-type"), "application/problem+json");
        let problem = response.json();
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
        let message = problem["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.ends_with('.'), "a sentence: {message}");
    }
    let longest = list(&app, &admin, &q(&"é".repeat(100))).await;
    assert_eq!(longest.status, 200, "{}", longest.body);
}

/// The `cursor` of a `Link: <...>; rel="next"` header, if any.
fn next_cursor(response: &TestResponse) -> Option<String> {
    linked_cursor(response, "next")
}

/// The cursor of the `Link` with relation `rel` (`next` or `prev`).
fn linked_cursor(response: &TestResponse, rel: &str) -> Option<String> {
    let suffix = format!(">; rel=\"{rel}\"");
    let target = response
        .header("link")
        .split(", ")
        .find_map(|link| link.strip_prefix('<')?.strip_suffix(suffix.as_str()))?;
    let (path, query) = target.split_once('?')?;
    assert_eq!(path, BOOKINGS);
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "cursor")
        .map(|(_, value)| value.into_owned())
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_follow_each_other_without_gaps_or_repeats(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let room = seed_room(&pool, RoomSeed::default()).await;
    let admin = create_person(&pool, "Front Desk", "desk@hotel.example", "admin").await;
    let guest = create_person(&pool, "Many Stays", "many@example.com", "guest").await;
    past_bookings(&pool, &guest, room, "RB-MNY", 130, 0).await;
    // Seven bookings on one check-in day, made in one statement (the same
    // `created_at`): the order still has no ties.
    sqlx::query(
        "insert into bookings
             (reference, user_id, room_id, check_in, check_out, guests, units, total_cents, currency)
         select 'RB-SAME000' || n, $1, $2, $3::date - 50, $3::date - 49, 1, 1, 12000, 'EUR'
           from generate_series(1, 7) as n",
    )
    .bind(guest.id)
    .bind(room)
    .bind(today())
    .execute(&pool)
    .await
    .expect("same day");

    let first = list(&app, &admin, "limit=100").await;
    let mut seen = references(&first);
    assert_eq!(seen.len(), 100);
    let cursor = next_cursor(&first).expect("a next page");
    // The next link keeps the query and adds the cursor.
    assert!(
        first.header("link").contains("limit=100"),
        "{}",
        first.header("link")
    );
    let second = list(
        &app,
        &admin,
        &format!("limit=100&cursor={}", urlencode(&cursor)),
    )
    .await;
    seen.extend(references(&second));
    assert_eq!(next_cursor(&second), None, "the last page");
    assert_eq!(linked_cursor(&first, "prev"), None, "the first page");
    // Back from the last page: the first page again, which has no newer one.
    let back = list(
        &app,
        &admin,
        &format!(
            "limit=100&cursor={}",
            urlencode(&linked_cursor(&second, "prev").expect("a previous page"))
        ),
    )
    .await;
    assert_eq!(references(&back), references(&first));
    assert_eq!(linked_cursor(&back, "prev"), None);
    assert_eq!(next_cursor(&back), Some(cursor.clone()));
    assert_eq!(seen.len(), 137);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 137, "no booking twice");
    assert_eq!(seen.last().map(String::as_str), Some("RB-MNY00130"));

    // Small pages through the same-day bookings, with a search, and back.
    let mut found = Vec::new();
    let mut query = format!("limit=3&{}", q("rb-same"));
    let mut page = loop {
        let page = list(&app, &admin, &query).await;
        found.extend(references(&page));
        match next_cursor(&page) {
            Some(cursor) => {
                query = format!("limit=3&{}&cursor={}", q("rb-same"), urlencode(&cursor));
            }
            None => break page,
        }
    };
    let mut back = references(&page);
    while let Some(cursor) = linked_cursor(&page, "prev") {
        let query = format!("limit=3&{}&cursor={}", q("rb-same"), urlencode(&cursor));
        page = list(&app, &admin, &query).await;
        back.splice(0..0, references(&page));
    }
    assert_eq!(
        back, found,
        "the same bookings, in the same order, back to the first"
    );
    found.sort();
    assert_eq!(
        found,
        (1..=7)
            .map(|n| format!("RB-SAME000{n}"))
            .collect::<Vec<_>>()
    );
}

fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_admin_page_finds_a_booking_older_than_the_first_page_without_javascript(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let room = seed_room(&pool, RoomSeed::default()).await;
    let admin = create_person(&pool, "Front Desk", "desk@hotel.example", "admin").await;
    let busy = create_person(&pool, "Busy Guest", "busy@example.com", "guest").await;
    let rare = create_person(&pool, "Rare Guest", "rare.visitor@example.com", "guest").await;
    past_bookings(&pool, &busy, room, "RB-BSY", 120, 0).await;
    past_bookings(&pool, &rare, room, "RB-RAR", 1, 400).await;

    // The server renders what the search found (a GET form's answer).
    let page = app
        .get_with_session("/admin/bookings?q=RARE.VISITOR%40example", &admin)
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"data-reference="RB-RAR00001""#));
    assert!(!page.body.contains(r#"data-reference="RB-BSY"#));
    assert!(
        page.body.contains(r#"value="RARE.VISITOR@example""#),
        "what was typed"
    );

    // Without a search, the first page links to the older ones.
    let newest = app.get_with_session("/admin/bookings", &admin).await;
    assert!(!newest.body.contains("RB-RAR00001"));
    let href = newest
        .body
        .split(r#"data-testid="older-bookings""#)
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|rest| rest.split('"').next())
        .expect("an older bookings link")
        .replace("&amp;", "&");
    assert!(href.starts_with("/admin/bookings?cursor="), "{href}");
    let older = app.get_with_session(&href, &admin).await;
    assert!(older.body.contains(r#"data-reference="RB-RAR00001""#));
    assert!(older.body.contains(r#"data-testid="newest-bookings""#));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_openapi_document_gives_the_search_and_paging_parameters_their_bounds(pool: PgPool) {
    let app = TestApp::new(pool);
    let spec = app.get("/api-docs/openapi.json").await.json();
    let operation = &spec["paths"]["/api/v1/bookings"]["get"];
    let parameter = |name: &str| -> Value {
        operation["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} parameter"))
    };
    let search = parameter("q");
    assert_eq!(search["in"], "query");
    assert_eq!(search["schema"]["maxLength"], 100, "{search}");
    assert!(
        search["description"]
            .as_str()
            .unwrap_or_default()
            .contains("reference")
    );
    assert_eq!(parameter("cursor")["schema"]["maxLength"], 200);
    assert!(operation["responses"]["200"]["headers"]["Link"].is_object());
}
