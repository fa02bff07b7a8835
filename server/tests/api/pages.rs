use sqlx::PgPool;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn home_page_is_server_rendered_with_the_search_form(pool: PgPool) {
    let app = TestApp::new(pool);
    let response = app.get("/").await;
    assert_eq!(response.status, 200);
    assert!(response.header("content-type").starts_with("text/html"));
    for needle in [r#"id="check_in""#, r#"id="check_out""#, r#"id="guests""#] {
        assert!(response.body.contains(needle), "home page lacks {needle}");
    }
    // Which bundle it loads, by its hashed name, is
    // `guest_pages_load_the_guest_bundle_and_admin_pages_the_admin_bundle`.
    assert!(response.body.contains("/pkg/roombook."));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn unknown_pages_are_a_real_404(pool: PgPool) {
    let app = TestApp::new(pool);
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status, 404);
    assert!(response.body.contains("Page not found"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_search_url_renders_its_results_without_javascript(pool: PgPool) {
    use crate::helpers::{RoomSeed, in_days, seed_room};
    seed_room(
        &pool,
        RoomSeed {
            name: "Harbour Suite",
            ..RoomSeed::default()
        },
    )
    .await;
    let app = TestApp::new(pool);
    let response = app
        .get(&format!(
            "/?check_in={}&check_out={}&guests=2&units=1",
            in_days(3),
            in_days(5)
        ))
        .await;
    assert_eq!(response.status, 200);
    assert!(response.body.contains("Harbour Suite"), "{}", response.body);
    assert!(response.body.contains("for 2 nights"));
}

/// More rooms than a page holds: a link (no script needed) asks for the
/// same search with a larger page and lands on the first new offer.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn show_more_rooms_is_a_link_to_a_larger_page(pool: PgPool) {
    use crate::helpers::{RoomSeed, in_days, seed_room};
    let names: Vec<String> = (0..21).map(|n| format!("Room {n:02}")).collect();
    for name in &names {
        seed_room(
            &pool,
            RoomSeed {
                name,
                ..RoomSeed::default()
            },
        )
        .await;
    }
    let app = TestApp::new(pool);
    let search = format!(
        "/?check_in={}&check_out={}&guests=2&units=1",
        in_days(3),
        in_days(5)
    );
    let offers = |body: &str| body.matches(r#"class="card offer""#).count();

    let first = app.get(&search).await;
    assert_eq!(first.status, 200);
    assert_eq!(offers(&first.body), 20, "{}", first.body);
    let more = format!("{}&amp;limit=40#offer-20", search.replace('&', "&amp;"));
    assert!(first.body.contains(&more), "no link {more}: {}", first.body);

    let larger = app.get(&format!("{search}&limit=40")).await;
    assert_eq!(larger.status, 200);
    assert_eq!(offers(&larger.body), 21, "{}", larger.body);
    assert!(larger.body.contains(r#"id="offer-20""#));
    assert!(!larger.body.contains("Show more rooms"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn server_functions_refuse_posts_from_other_sites(pool: PgPool) {
    use axum::{body::Body, http::Request};
    let app = TestApp::new(pool);
    let post = |origin_headers: &[(&'static str, &'static str)]| {
        let mut request = Request::post("/api/search_rooms")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("host", "127.0.0.1:3000");
        for (name, value) in origin_headers {
            request = request.header(*name, *value);
        }
        request
            .body(Body::from("form[check_in]="))
            .expect("request")
    };
    let forged = app.request(post(&[("sec-fetch-site", "cross-site")])).await;
    assert_eq!(forged.status, 403);
    assert_eq!(forged.json()["code"], "cross_site_request");
    let foreign_origin = app
        .request(post(&[("origin", "https://evil.example")]))
        .await;
    assert_eq!(foreign_origin.status, 403);
    // The page's own requests pass (and then fail validation, as they should).
    let own = app
        .request(post(&[
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://127.0.0.1:3000"),
        ]))
        .await;
    assert_eq!(own.status, 422, "{}", own.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn admin_pages_are_a_404_for_guests_and_render_for_admins(pool: PgPool) {
    use crate::helpers::create_user;
    let guest = create_user(&pool, "guest").await;
    let admin = create_user(&pool, "admin").await;
    let app = TestApp::new(pool);
    for path in ["/admin", "/admin/bookings", "/admin/occupancy"] {
        let anonymous = app.get(path).await;
        assert_eq!(anonymous.status, 404, "{path} signed out");
        let as_guest = app.get_with_session(path, &guest).await;
        assert_eq!(as_guest.status, 404, "{path} as a guest");
        assert!(as_guest.body.contains("Page not found"));
        let as_admin = app.get_with_session(path, &admin).await;
        assert_eq!(as_admin.status, 200, "{path} as an admin");
        assert!(as_admin.body.contains(r#"class="admin-nav""#), "{path}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_room_page_renders_its_calendar_on_the_server(pool: PgPool) {
    use crate::helpers::{RoomSeed, seed_room};
    let room = seed_room(
        &pool,
        RoomSeed {
            name: "Cellar Twin",
            ..RoomSeed::default()
        },
    )
    .await;
    let app = TestApp::new(pool);
    let page = app.get(&format!("/rooms/{room}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Cellar Twin"));
    assert!(page.body.contains(r#"role="grid""#), "{}", page.body);
    let missing = app.get(&format!("/rooms/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(missing.status, 404);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_booking_page_is_a_404_for_anyone_but_its_guest(pool: PgPool) {
    use crate::helpers::{RoomSeed, create_user, in_days, seed_room};
    let room = seed_room(&pool, RoomSeed::default()).await;
    let owner = create_user(&pool, "guest").await;
    let stranger = create_user(&pool, "guest").await;
    let app = TestApp::new(pool);
    let booked = app
        .json(
            axum::http::Method::POST,
            "/api/v1/bookings",
            Some(&owner),
            Some(serde_json::json!({
                "room_id": room, "check_in": in_days(2), "check_out": in_days(4), "guests": 1
            })),
        )
        .await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    let path = format!("/bookings/{}", booked.json()["id"].as_str().expect("id"));
    let reference = booked.json()["reference"]
        .as_str()
        .expect("reference")
        .to_owned();
    let own = app.get_with_session(&path, &owner).await;
    assert_eq!(own.status, 200);
    assert!(own.body.contains(&reference));
    let other = app.get_with_session(&path, &stranger).await;
    assert_eq!(other.status, 404);
    assert!(!other.body.contains(&reference));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn site_files_go_out_gzipped_to_browsers_that_accept_it(pool: PgPool) {
    use std::io::Write;

    use axum::{body::Body, http::Request};
    let site = std::env::temp_dir().join(format!("site-{}", uuid::Uuid::new_v4()));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).expect("site folder");
    std::fs::write(pkg.join("roombook.css"), "body { margin: 0 }").expect("css");
    let mut gzipped = std::fs::File::create(pkg.join("roombook.css.gz")).expect("gz");
    gzipped.write_all(b"pretend-gzip").expect("gz bytes");
    let app = TestApp::with_config(pool, |config| config.site_root.clone_from(&site));

    let get = |encoding: Option<&'static str>| {
        let mut request = Request::get("/pkg/roombook.css");
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        request.body(Body::empty()).expect("request")
    };
    let compressed = app.request(get(Some("gzip, deflate, br"))).await;
    assert_eq!(compressed.status, 200);
    assert_eq!(compressed.header("content-encoding"), "gzip");
    assert_eq!(compressed.body, "pretend-gzip");
    assert!(compressed.header("content-type").starts_with("text/css"));
    let plain = app.request(get(None)).await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.body, "body { margin: 0 }");
    std::fs::remove_dir_all(&site).ok();
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_cancelled_booking_is_named_but_other_words_in_the_address_are_not_repeated(
    pool: PgPool,
) {
    let app = TestApp::new(pool);
    let page = app.get("/bookings?cancelled=RB-7K3QX9TZ").await;
    assert!(
        page.body
            .contains("Booking RB-7K3QX9TZ cancelled. Its rooms are back on sale."),
        "{}",
        page.body
    );
    let page = app
        .get("/bookings?cancelled=now.+Call+555-0100+for+a+refund")
        .await;
    assert!(!page.body.contains("Call 555-0100"), "{}", page.body);
    assert!(!page.body.contains("back on sale"), "{}", page.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_are_gzipped_for_browsers_that_accept_it_and_api_answers_are_not(pool: PgPool) {
    use std::io::Read;

    use axum::{body::Body, http::Request};
    let app = TestApp::new(pool);
    let get = |path: &str, encoding: Option<&'static str>| {
        let mut request = Request::get(path);
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        request.body(Body::empty()).expect("request")
    };

    let plain = app.request(get("/", None)).await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), "");
    let page = app.request(get("/", Some("gzip, deflate, br"))).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-encoding"), "gzip");
    assert!(
        page.header("vary")
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
    let mut html = String::new();
    flate2::read::GzDecoder::new(page.bytes.as_slice())
        .read_to_string(&mut html)
        .expect("a gzip stream");
    assert!(html.contains(r#"id="check_in""#), "{html}");
    assert!(
        page.bytes.len() < plain.bytes.len() / 2,
        "gzip shrinks the page"
    );

    let api = app
        .request(get("/api-docs/openapi.json", Some("gzip")))
        .await;
    assert_eq!(api.status, 200);
    assert_eq!(api.header("content-encoding"), "");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn server_function_arguments_that_do_not_parse_are_a_400_not_a_500(pool: PgPool) {
    use axum::{body::Body, http::Request};
    let app = TestApp::new(pool);
    let request = Request::post("/api/cancel_booking")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from("id=not-a-uuid"))
        .expect("request");

    let response = app.request(request).await;

    assert_eq!(response.status, 400, "{}", response.body);
}

/// A site folder as `build_site` writes it: hashed names in `assets.txt`.
fn hashed_site() -> std::path::PathBuf {
    let site = std::env::temp_dir().join(format!("site-{}", uuid::Uuid::new_v4()));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).expect("site folder");
    std::fs::write(
        site.join("assets.txt"),
        "guest=roombook.0123456789abcdef\nadmin=roombook-admin.fedcba9876543210\nstylesheet=roombook.00112233aabbccdd.css\n",
    )
    .expect("assets.txt");
    for (name, body) in [
        ("roombook.0123456789abcdef.wasm", "plain"),
        ("roombook.0123456789abcdef.wasm.gz", "pretend-gzip"),
        ("roombook.0123456789abcdef.wasm.br", "pretend-brotli"),
        ("stale.txt", "not hashed"),
    ] {
        std::fs::write(pkg.join(name), body).expect("pkg file");
    }
    site
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn each_page_loads_its_bundle(pool: PgPool) {
    use crate::helpers::{RoomSeed, create_user, seed_room};
    let site = hashed_site();
    let admin = create_user(&pool, "admin").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let app = TestApp::with_config(pool, |config| config.site_root.clone_from(&site));

    let home = app.get("/").await;
    assert_eq!(home.status, 200);
    for needle in [
        "/pkg/roombook.0123456789abcdef.js",
        "/pkg/roombook.0123456789abcdef.wasm",
        "/pkg/roombook.00112233aabbccdd.css",
    ] {
        assert!(home.body.contains(needle), "home page lacks {needle}");
    }
    assert!(
        !home.body.contains("roombook-admin"),
        "a guest page loads the admin bundle"
    );

    let rooms = app.get_with_session("/admin", &admin).await;
    assert_eq!(rooms.status, 200);
    for needle in [
        "/pkg/roombook-admin.fedcba9876543210.js",
        "/pkg/roombook-admin.fedcba9876543210.wasm",
        "/pkg/roombook.00112233aabbccdd.css",
    ] {
        assert!(rooms.body.contains(needle), "admin page lacks {needle}");
    }
    assert!(
        !rooms.body.contains("roombook.0123456789abcdef"),
        "an admin page loads the guest bundle"
    );
    // `/administrator` is not an admin page: the guest bundle's 404.
    let other = app.get("/administrator").await;
    assert_eq!(other.status, 404);
    assert!(other.body.contains("/pkg/roombook.0123456789abcdef.js"));

    // Every guest page is made of islands (ADR 0018): the guest bundle
    // hydrates them, and each island carries its props.
    let booking =
        crate::bookings::booked_ok(&app, &admin, crate::bookings::stay(room, 3, 5, 1, 1)).await;
    let booking = booking["id"].as_str().expect("id");
    for (path, islands) in [
        ("/".to_owned(), &["search"][..]),
        (format!("/rooms/{room}"), &["room"]),
        ("/login".to_owned(), &["auth"]),
        ("/register".to_owned(), &["auth"]),
        ("/bookings".to_owned(), &["cancel"]),
        (format!("/bookings/{booking}"), &["cancel"]),
        ("/account".to_owned(), &["password", "new-token"]),
    ] {
        let page = app.get_with_session(&path, &admin).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.body.contains("/pkg/roombook.0123456789abcdef.wasm"),
            "{path}: {}",
            page.body
        );
        for island in islands {
            assert!(
                page.body
                    .contains(&format!(r#"data-island="{island}" data-props="#)),
                "{path} lacks the island {island}: {}",
                page.body
            );
        }
    }
    // The room's nights come once, in its island's props: no resource
    // carries them again for a whole-page hydration that never happens.
    let page = app.get(&format!("/rooms/{room}")).await;
    assert!(page.body.contains("&quot;nights&quot;"), "{}", page.body);
    assert!(!page.body.contains(r#"\"nights\""#), "{}", page.body);
    std::fs::remove_dir_all(&site).ok();
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn hashed_site_files_go_out_brotli_first_and_cached_for_good(pool: PgPool) {
    use axum::{body::Body, http::Request};
    let site = hashed_site();
    let app = TestApp::with_config(pool, |config| config.site_root.clone_from(&site));
    let get = |path: &str, encoding: &'static str| {
        Request::get(path)
            .header("accept-encoding", encoding)
            .body(Body::empty())
            .expect("request")
    };
    let wasm = "/pkg/roombook.0123456789abcdef.wasm";

    let brotli = app.request(get(wasm, "gzip, deflate, br")).await;
    assert_eq!(brotli.status, 200);
    assert_eq!(brotli.header("content-encoding"), "br");
    assert_eq!(brotli.body, "pretend-brotli");
    assert_eq!(brotli.header("content-type"), "application/wasm");
    assert_eq!(
        brotli.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let gzip = app.request(get(wasm, "gzip")).await;
    assert_eq!(gzip.header("content-encoding"), "gzip");
    assert_eq!(gzip.body, "pretend-gzip");
    let plain = app.request(get(wasm, "identity")).await;
    assert_eq!(plain.body, "plain");
    assert_eq!(
        plain.header("cache-control"),
        "public, max-age=31536000, immutable"
    );

    // A name without a hash may change under the same URL.
    let stale = app.request(get("/pkg/stale.txt", "gzip")).await;
    assert_eq!(stale.status, 200);
    assert_eq!(stale.header("cache-control"), "no-cache");
    let missing = app
        .request(get("/pkg/roombook.ffffffffffffffff.wasm", "gzip"))
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("cache-control"), "");
    std::fs::remove_dir_all(&site).ok();
}

/// A cancel form posted by a browser that sends no `Referer` lands on the
/// booking's own page, which says it was cancelled.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_cancel_posted_without_a_referer_lands_on_the_bookings_page(pool: PgPool) {
    use axum::{body::Body, http::Request};

    use crate::helpers::{RoomSeed, create_user, seed_room};
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let app = TestApp::new(pool);
    let booking =
        crate::bookings::booked_ok(&app, &guest, crate::bookings::stay(room, 3, 5, 1, 1)).await;
    let (id, reference) = (
        booking["id"].as_str().expect("id"),
        booking["reference"].as_str().expect("reference"),
    );
    let request = Request::post("/api/cancel_booking")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .header("sec-fetch-site", "same-origin")
        .header("cookie", format!("roombook_session={}", guest.token))
        .body(Body::from(format!("id={id}")))
        .expect("request");

    let response = app.request(request).await;

    assert_eq!(response.status, 302, "{}", response.body);
    assert_eq!(
        response.header("location"),
        format!("/bookings/{id}?cancelled={reference}")
    );
}
