use axum::http::Method;
use serde_json::json;
use sqlx::PgPool;

use crate::helpers::{TestApp, TestUser, create_user, in_days, today};

fn garden_double() -> serde_json::Value {
    json!({
        "name": "  Garden Double ",
        "description": "Quiet, with a view of the garden.",
        "capacity": 2,
        "price_cents": 12_900,
        "currency": "EUR",
        "total_inventory": 4
    })
}

/// Creates the Garden Double as `admin` and returns its id.
async fn create_room(app: &TestApp, admin: &TestUser) -> String {
    let response = app
        .json(
            Method::POST,
            "/api/v1/admin/rooms",
            Some(admin),
            Some(garden_double()),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()["id"].as_str().expect("id").to_owned()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn admin_creates_a_room_with_nights_for_the_whole_horizon(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;

    let response = app
        .json(
            Method::POST,
            "/api/v1/admin/rooms",
            Some(&admin),
            Some(garden_double()),
        )
        .await;

    assert_eq!(response.status, 201, "{}", response.body);
    let room = response.json();
    assert_eq!(room["name"], "Garden Double", "the name is trimmed");
    assert_eq!(room["active"], true);
    let id = room["id"].as_str().expect("id").to_owned();
    assert_eq!(response.header("location"), format!("/api/v1/rooms/{id}"));
    let (nights, first, last): (i64, chrono::NaiveDate, chrono::NaiveDate) = sqlx::query_as(
        "select count(*), min(night), max(night) from room_availability
          where room_id = $1::uuid and total = 4 and price_cents = 12900 and booked = 0",
    )
    .bind(&id)
    .fetch_one(&pool)
    .await
    .expect("nights");
    assert_eq!(nights, 365);
    assert_eq!(first, today());
    assert_eq!(last, in_days(364));

    let public = app.get(&format!("/api/v1/rooms/{id}")).await;
    assert_eq!(public.status, 200);
    assert_eq!(public.json()["price_cents"], 12_900);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn only_admins_manage_rooms_and_guests_see_no_admin_routes(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let guest = create_user(&pool, "guest").await;
    let create = |user| {
        app.json(
            Method::POST,
            "/api/v1/admin/rooms",
            user,
            Some(garden_double()),
        )
    };

    let anonymous = create(None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.header("www-authenticate"), "Bearer");
    assert_eq!(create(Some(&guest)).await.status, 404);
    assert_eq!(
        app.json(Method::GET, "/api/v1/admin/rooms", Some(&guest), None)
            .await
            .status,
        404
    );
    let rooms: i64 = sqlx::query_scalar("select count(*) from rooms")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(rooms, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn invalid_rooms_get_the_shared_messages_and_unknown_fields_are_refused(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let cases = [
        (
            "name",
            json!(""),
            shared_schema::rooms::MSG_ROOM_NAME_REQUIRED,
        ),
        ("capacity", json!(0), shared_schema::rooms::MSG_CAPACITY_MIN),
        ("price_cents", json!(0), shared_schema::rooms::MSG_PRICE_MIN),
        ("currency", json!("EU"), shared_schema::rooms::MSG_CURRENCY),
        (
            "total_inventory",
            json!(0),
            shared_schema::rooms::MSG_TOTAL_INVENTORY_MIN,
        ),
    ];
    for (field, value, message) in cases {
        let mut body = garden_double();
        body[field] = value;
        let response = app
            .json(
                Method::POST,
                "/api/v1/admin/rooms",
                Some(&admin),
                Some(body),
            )
            .await;
        assert_eq!(response.status, 422, "{field}");
        assert_eq!(response.header("content-type"), "application/problem+json");
        let problem = response.json();
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field);
        assert_eq!(problem["errors"][0]["message"], message);
    }
    let mut body = garden_double();
    body["active"] = json!(false);
    let response = app
        .json(
            Method::POST,
            "/api/v1/admin/rooms",
            Some(&admin),
            Some(body),
        )
        .await;
    assert_eq!(response.status, 422);
    let problem = response.json();
    assert_eq!(problem["errors"][0]["field"], "active", "{}", response.body);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Unknown field `active`")),
        "{}",
        response.body
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn malformed_json_is_a_400_problem_not_a_500(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let response = app
        .request(
            axum::http::Request::post("/api/v1/admin/rooms")
                .header("authorization", format!("Bearer {}", admin.token))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{\"name\": "))
                .expect("request"),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["code"], "malformed_request");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_new_base_price_and_unit_count_apply_to_nights_still_at_the_old_base(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let id = &create_room(&app, &admin).await;
    // A night priced by hand keeps its own price.
    sqlx::query(
        "update room_availability set price_cents = 20000 where room_id = $1::uuid and night = $2",
    )
    .bind(id)
    .bind(in_days(10))
    .execute(&pool)
    .await
    .expect("custom night");

    let response = app
        .json(
            Method::PATCH,
            &format!("/api/v1/admin/rooms/{id}"),
            Some(&admin),
            Some(json!({ "price_cents": 13_900, "total_inventory": 6 })),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["price_cents"], 13_900);
    let prices: Vec<(chrono::NaiveDate, i64, i32)> = sqlx::query_as(
        "select night, price_cents, total from room_availability
          where room_id = $1::uuid and night in ($2, $3) order by night",
    )
    .bind(id)
    .bind(in_days(9))
    .bind(in_days(10))
    .fetch_all(&pool)
    .await
    .expect("nights");
    assert_eq!(prices, [(in_days(9), 13_900, 6), (in_days(10), 20_000, 6)]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn units_below_what_is_booked_are_refused_naming_the_nights(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let id = &create_room(&app, &admin).await;
    sqlx::query("update room_availability set booked = 3 where room_id = $1::uuid and night = $2")
        .bind(id)
        .bind(in_days(20))
        .execute(&pool)
        .await
        .expect("book a night");

    let response = app
        .json(
            Method::PATCH,
            &format!("/api/v1/admin/rooms/{id}"),
            Some(&admin),
            Some(json!({ "total_inventory": 2 })),
        )
        .await;

    assert_eq!(response.status, 409, "{}", response.body);
    let problem = response.json();
    assert_eq!(problem["code"], "below_booked");
    assert_eq!(problem["nights"], json!([in_days(20)]));
    let unchanged: i32 =
        sqlx::query_scalar("select total_inventory from rooms where id = $1::uuid")
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("room");
    assert_eq!(unchanged, 4);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_deactivated_room_disappears_for_guests_but_not_for_admins(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let id = &create_room(&app, &admin).await;

    let response = app
        .json(
            Method::DELETE,
            &format!("/api/v1/admin/rooms/{id}"),
            Some(&admin),
            None,
        )
        .await;

    assert_eq!(response.status, 204);
    assert_eq!(app.get(&format!("/api/v1/rooms/{id}")).await.status, 404);
    let search = app
        .get(&format!(
            "/api/v1/rooms?check_in={}&check_out={}&guests=1",
            in_days(1),
            in_days(2)
        ))
        .await;
    assert_eq!(search.json()["offers"], json!([]));
    let as_admin = app
        .json(
            Method::GET,
            &format!("/api/v1/rooms/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(as_admin.json()["active"], false);
    // Its nights too: hidden from guests, still there for the admin's
    // inventory page.
    let calendar = format!("/api/v1/rooms/{id}/availability");
    assert_eq!(app.get(&calendar).await.status, 404);
    let nights = app.json(Method::GET, &calendar, Some(&admin), None).await;
    assert_eq!(nights.status, 200, "{}", nights.body);
    assert!(nights.json().as_array().is_some_and(|n| !n.is_empty()));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_room_is_priced_in_the_property_currency(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let mut in_dollars = garden_double();
    in_dollars["currency"] = json!("USD");

    let created = app
        .json(
            Method::POST,
            "/api/v1/admin/rooms",
            Some(&admin),
            Some(in_dollars),
        )
        .await;
    let id = create_room(&app, &admin).await;
    let patched = app
        .json(
            Method::PATCH,
            &format!("/api/v1/admin/rooms/{id}"),
            Some(&admin),
            Some(json!({ "currency": "GBP" })),
        )
        .await;

    for refused in [&created, &patched] {
        assert_eq!(refused.status, 422, "{}", refused.body);
        let problem = refused.json();
        assert_eq!(problem["errors"][0]["field"], "currency");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("EUR")),
            "{}",
            refused.body
        );
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_server_will_not_start_with_active_rooms_in_another_currency(pool: PgPool) {
    sqlx::query(
        "insert into rooms (name, description, capacity, price_cents, currency, total_inventory)
         values ('Dollar Suite', '', 2, 10000, 'USD', 1)",
    )
    .execute(&pool)
    .await
    .expect("room");
    let mut config = server::Config::default_for_tests();
    config.listen = "127.0.0.1:0".parse().expect("address");

    let refused = server::Application::with_database(config, pool.into())
        .await
        .expect_err("prices in two currencies");

    assert!(refused.to_string().contains("USD"), "{refused}");
}
