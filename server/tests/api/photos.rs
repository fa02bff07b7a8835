//! Room photos: uploads (multipart) by admins only, decoded and stored at
//! a few widths; bad files refused with a sentence; big ones refused
//! without being read; images served with an `ETag` and a year-long cache
//! lifetime; order, alt text and delete; the cover on search results.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use axum::{
    body::Body,
    http::{Method, Request, header},
};
use image::{DynamicImage, ImageEncoder, Rgb, RgbImage, codecs::jpeg::JpegEncoder};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{RoomSeed, TestApp, TestResponse, TestUser, create_user, in_days, seed_room};

const BOUNDARY: &str = "roombook-test-boundary";

/// A JPEG photo of `width` x `height` pixels, with an EXIF segment that
/// names a camera (which the stored images must not keep).
fn photo(width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            u8::try_from(x * 255 / width).unwrap_or(0),
            u8::try_from(y * 255 / height).unwrap_or(0),
            120,
        ])
    });
    let mut jpeg = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut jpeg, 90);
    encoder
        .set_exif_metadata(b"MM\0*\0\0\0\x08SecretCam 3000".to_vec())
        .expect("exif");
    encoder
        .write_image(
            image.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .expect("encodes");
    jpeg
}

/// A `multipart/form-data` body with these text fields and, if given, a file.
fn multipart(alt: Option<&str>, file: Option<&[u8]>) -> Vec<u8> {
    let mut body = Vec::new();
    if let Some(alt) = alt {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n{alt}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(file) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"room.jpg\"\r\n\
                 Content-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn upload_request(uri: &str, user: Option<&TestUser>, body: Body) -> Request<Body> {
    let mut request = Request::builder().method(Method::POST).uri(uri).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    if let Some(user) = user {
        request = request.header(header::AUTHORIZATION, format!("Bearer {}", user.token));
    }
    request.body(body).expect("request")
}

/// The app, an admin and a room, as every test here starts.
async fn setup(pool: &PgPool) -> (TestApp, TestUser, Uuid) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(pool, "admin").await;
    let room = seed_room(pool, RoomSeed::default()).await;
    (app, admin, room)
}

/// An admin's upload that must succeed: the stored photo.
async fn stored(app: &TestApp, room: Uuid, admin: &TestUser, alt: &str, file: &[u8]) -> Value {
    let response = upload(app, room, Some(admin), Some(alt), Some(file)).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()
}

fn photos_uri(room: Uuid) -> String {
    format!("/api/v1/rooms/{room}/photos")
}

async fn upload(
    app: &TestApp,
    room: Uuid,
    user: Option<&TestUser>,
    alt: Option<&str>,
    file: Option<&[u8]>,
) -> TestResponse {
    app.request(upload_request(
        &photos_uri(room),
        user,
        Body::from(multipart(alt, file)),
    ))
    .await
}

/// A refused plain-form post: redirected (303) to the room's admin page,
/// which says `why`.
async fn assert_back_on_the_form(
    app: &TestApp,
    admin: &TestUser,
    room: Uuid,
    refused: &TestResponse,
    why: &str,
) {
    assert_eq!(refused.status, 303, "{}", refused.body);
    let location = refused.header("location");
    assert!(
        location.starts_with(&format!("/admin/rooms/{room}?")) && location.contains("__err="),
        "{location}"
    );
    let page = app
        .get_with_session(location.split('#').next().unwrap_or_default(), admin)
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(why), "the page says why: {why}");
}

async fn list(app: &TestApp, room: Uuid) -> Vec<Value> {
    let response = app.get(&photos_uri(room)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json().as_array().expect("a list").clone()
}

#[track_caller]
fn assert_refused(response: &TestResponse, status: u16, field: Option<&str>) {
    assert_eq!(response.status.as_u16(), status, "{}", response.body);
    assert_eq!(response.header("content-type"), "application/problem+json");
    if let Some(field) = field {
        let errors = &response.json()["errors"];
        assert_eq!(errors[0]["field"], field, "{}", response.body);
        let message = errors[0]["message"].as_str().expect("a message");
        assert!(
            message.ends_with('.') && message.len() > 20,
            "a sentence: {message}"
        );
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_admins_upload_is_stored_at_three_widths_without_metadata_and_served_with_an_etag(
    pool: PgPool,
) {
    let (app, admin, room) = setup(&pool).await;

    let created = stored(
        &app,
        room,
        &admin,
        "  Double bed by a sunny window ",
        &photo(1600, 1200),
    )
    .await;
    assert_eq!(created["alt"], "Double bed by a sunny window");
    assert_eq!(created["position"], 0);
    let sizes: Vec<(i64, i64)> = created["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| {
            (
                v["width"].as_i64().unwrap_or(0),
                v["height"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(sizes, [(320, 240), (640, 480), (1280, 960)]);
    assert_eq!(list(&app, room).await, std::slice::from_ref(&created));

    let url = created["variants"][1]["url"].as_str().expect("url");
    let image = app.get(url).await;
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), "image/jpeg");
    assert_eq!(
        image.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let signed_in = app.get_with_session(url, &admin).await;
    assert_eq!(
        signed_in.header("cache-control"),
        "public, max-age=31536000, immutable",
        "the same image for everyone: cacheable for signed-in guests too"
    );
    let etag = image.header("etag").to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let decoded = image::load_from_memory(&image.bytes).expect("a JPEG");
    assert_eq!((decoded.width(), decoded.height()), (640, 480));
    assert!(
        !image.bytes.windows(9).any(|w| w == b"SecretCam"),
        "the camera's EXIF is gone"
    );

    let again = app
        .request(
            Request::get(url)
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    assert_eq!(again.header("etag"), etag);
    let changed = app
        .request(
            Request::get(url)
                .header(header::IF_NONE_MATCH, "\"something-else\"")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(changed.status, 200);

    let id = created["id"].as_str().expect("id");
    for missing in [
        format!("/photos/{id}/500"),
        format!("/photos/{}/640", Uuid::new_v4()),
        "/photos/not-a-uuid/640".to_owned(),
        format!("/photos/{id}/wide"),
    ] {
        assert_eq!(app.get(&missing).await.status, 404, "{missing}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_small_photo_is_never_upscaled(pool: PgPool) {
    let (app, admin, room) = setup(&pool).await;
    let lamp = stored(&app, room, &admin, "A lamp", &photo(500, 300)).await;
    let widths: Vec<i64> = lamp["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| v["width"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(widths, [320, 500]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn only_admins_upload_change_and_delete_photos(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let admin = create_user(&pool, "admin").await;
    let guest = create_user(&pool, "guest").await;
    let room = seed_room(&pool, RoomSeed::default()).await;
    let file = photo(400, 300);

    let signed_out = upload(&app, room, None, Some("A bed"), Some(&file)).await;
    assert_refused(&signed_out, 401, None);
    let as_guest = upload(&app, room, Some(&guest), Some("A bed"), Some(&file)).await;
    assert_refused(&as_guest, 404, None);
    // An admin's API token without the admin scope.
    let token = app
        .json(
            Method::POST,
            "/api/v1/tokens",
            Some(&admin),
            Some(json!({ "name": "tool", "scopes": ["read", "book"] })),
        )
        .await;
    let token = TestUser {
        id: admin.id,
        token: token.json()["token"].as_str().expect("token").to_owned(),
    };
    let narrow = upload(&app, room, Some(&token), Some("A bed"), Some(&file)).await;
    assert_refused(&narrow, 403, None);
    assert!(list(&app, room).await.is_empty());

    let created = stored(&app, room, &admin, "A bed", &file).await;
    let photo_uri = format!(
        "{}/{}",
        photos_uri(room),
        created["id"].as_str().expect("id")
    );
    for user in [None, Some(&guest)] {
        let patch = app
            .json(
                Method::PATCH,
                &photo_uri,
                user,
                Some(json!({ "alt": "Mine now" })),
            )
            .await;
        assert!(matches!(patch.status.as_u16(), 401 | 404), "{}", patch.body);
        let delete = app.json(Method::DELETE, &photo_uri, user, None).await;
        assert!(
            matches!(delete.status.as_u16(), 401 | 404),
            "{}",
            delete.body
        );
    }
    assert_eq!(list(&app, room).await[0]["alt"], "A bed");
    // Another room's path does not reach this photo.
    let other = seed_room(
        &pool,
        RoomSeed {
            name: "Other",
            ..RoomSeed::default()
        },
    )
    .await;
    let elsewhere = photo_uri.replace(&room.to_string(), &other.to_string());
    let response = app
        .json(Method::DELETE, &elsewhere, Some(&admin), None)
        .await;
    assert_refused(&response, 404, None);
}

/// A refused upload: its name, alt text, file and the field it is about.
type Case<'a> = (&'a str, Option<&'a str>, Option<&'a [u8]>, &'a str);

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn bad_files_and_missing_alt_text_are_422_with_a_sentence(pool: PgPool) {
    let (app, admin, room) = setup(&pool).await;
    let good = photo(800, 600);

    // A small JPEG whose frame header claims 20,000 x 20,000 pixels: a
    // decompression bomb.
    let mut bomb = photo(16, 16);
    let frame = bomb
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame header");
    // Marker (2), length (2), precision (1), height (2), width (2).
    bomb[frame + 5..frame + 9].copy_from_slice(&[0x4E, 0x20, 0x4E, 0x20]);

    let cases: [Case; 8] = [
        (
            "text",
            Some("A bed"),
            Some(b"just some text, not a photo"),
            "file",
        ),
        (
            "a GIF",
            Some("A bed"),
            Some(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
            "file",
        ),
        (
            "a truncated JPEG",
            Some("A bed"),
            Some(&good[..good.len() / 2]),
            "file",
        ),
        ("a bomb", Some("A bed"), Some(&bomb), "file"),
        ("an empty file", Some("A bed"), Some(b""), "file"),
        ("no file", Some("A bed"), None, "file"),
        ("no alt text", None, Some(&good), "alt"),
        ("blank alt text", Some("   "), Some(&good), "alt"),
    ];
    for (name, alt, file, field) in cases {
        let response = upload(&app, room, Some(&admin), alt, file).await;
        assert_eq!(response.status, 422, "{name}: {}", response.body);
        assert_refused(&response, 422, Some(field));
    }
    let too_long = "x".repeat(251);
    let response = upload(&app, room, Some(&admin), Some(&too_long), Some(&good)).await;
    assert_refused(&response, 422, Some("alt"));

    let not_multipart = app
        .json(
            Method::POST,
            &photos_uri(room),
            Some(&admin),
            Some(json!({ "alt": "A bed" })),
        )
        .await;
    assert_refused(&not_multipart, 400, None);
    assert!(list(&app, room).await.is_empty(), "nothing was stored");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_oversized_upload_is_413_without_being_read_whole(pool: PgPool) {
    let (app, admin, room) = setup(&pool).await;

    // Declared too long: refused before a byte is read.
    let declared = Request::builder()
        .method(Method::POST)
        .uri(photos_uri(room))
        .header(header::AUTHORIZATION, format!("Bearer {}", admin.token))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::CONTENT_LENGTH, 50 * 1024 * 1024)
        .body(Body::empty())
        .expect("request");
    assert_refused(&app.request(declared).await, 413, None);

    // Streamed without a length: reading stops soon after the limit.
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&sent);
    let mut head = multipart(Some("A bed"), None);
    head.truncate(head.len() - format!("--{BOUNDARY}--\r\n").len());
    head.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jpg\"\r\n\r\n"
        )
        .as_bytes(),
    );
    let chunk = vec![0xAB_u8; 64 * 1024];
    let chunks = std::iter::once(head)
        .chain(std::iter::repeat_n(chunk, 800)) // 50 MiB
        .map(move |bytes| {
            counter.fetch_add(bytes.len(), Ordering::SeqCst);
            Ok::<_, std::io::Error>(bytes)
        });
    let streamed = upload_request(
        &photos_uri(room),
        Some(&admin),
        Body::from_stream(futures::stream::iter(chunks)),
    );
    let response = app.request(streamed).await;
    assert_refused(&response, 413, None);
    let read = sent.load(Ordering::SeqCst);
    assert!(
        read < 12 * 1024 * 1024,
        "read {read} bytes of a 50 MiB upload"
    );
    assert!(list(&app, room).await.is_empty());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn photos_are_ordered_described_and_deleted_and_the_first_is_the_cover_on_search(
    pool: PgPool,
) {
    let (app, admin, room) = setup(&pool).await;
    let mut ids = Vec::new();
    for alt in ["First", "Second", "Third"] {
        let photo = stored(&app, room, &admin, alt, &photo(330, 220)).await;
        assert_eq!(photo["position"], ids.len());
        ids.push(photo["id"].as_str().expect("id").to_owned());
    }
    let order = |photos: Vec<Value>| -> Vec<String> {
        photos
            .iter()
            .map(|p| p["alt"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let search = format!(
        "/api/v1/rooms?check_in={}&check_out={}&guests=1",
        in_days(3),
        in_days(5)
    );
    let cover = |response: TestResponse| response.json()["offers"][0]["cover"]["alt"].clone();
    assert_eq!(cover(app.get(&search).await), "First");

    let third = format!("{}/{}", photos_uri(room), ids[2]);
    let moved = app
        .json(
            Method::PATCH,
            &third,
            Some(&admin),
            Some(json!({ "position": 0, "alt": "Now first" })),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.json()["position"], 0);
    assert_eq!(
        order(list(&app, room).await),
        ["Now first", "First", "Second"]
    );
    assert_eq!(
        cover(app.get(&search).await),
        "Now first",
        "the cover follows at once"
    );

    let past_the_end = app
        .json(
            Method::PATCH,
            &third,
            Some(&admin),
            Some(json!({ "position": 99 })),
        )
        .await;
    assert_eq!(past_the_end.json()["position"], 2);
    for invalid in [
        json!({ "position": -1 }),
        json!({ "alt": "" }),
        json!({ "size": 1 }),
    ] {
        let response = app
            .json(Method::PATCH, &third, Some(&admin), Some(invalid))
            .await;
        assert_refused(&response, 422, None);
    }

    let first = format!("{}/{}", photos_uri(room), ids[0]);
    let deleted = app.json(Method::DELETE, &first, Some(&admin), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let photos = list(&app, room).await;
    assert_eq!(order(photos.clone()), ["Second", "Now first"]);
    let positions: Vec<i64> = photos
        .iter()
        .map(|p| p["position"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(positions, [0, 1], "positions stay dense");
    assert_eq!(
        app.get(&format!("/photos/{}/330", ids[0])).await.status,
        404
    );
    let again = app.json(Method::DELETE, &first, Some(&admin), None).await;
    assert_refused(&again, 404, None);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_room_holds_at_most_twenty_photos(pool: PgPool) {
    let (app, admin, room) = setup(&pool).await;
    let file = photo(40, 30);
    for _ in 0..20 {
        stored(&app, room, &admin, "A corner", &file).await;
    }
    let response = upload(&app, room, Some(&admin), Some("One more"), Some(&file)).await;
    assert_refused(&response, 409, None);
    assert_eq!(response.json()["code"], "too_many_photos");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_admin_pages_upload_form_redirects_back_with_the_outcome(pool: PgPool) {
    let (app, admin, room) = setup(&pool).await;
    let form = |alt: &str, file: &[u8]| {
        Request::builder()
            .method(Method::POST)
            .uri(format!("/admin/rooms/{room}/photos"))
            .header(header::COOKIE, format!("roombook_session={}", admin.token))
            .header("sec-fetch-site", "same-origin")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(multipart(Some(alt), Some(file))))
            .expect("request")
    };
    let stored = app.request(form("A bed", &photo(400, 300))).await;
    assert_eq!(stored.status, 303, "{}", stored.body);
    assert_eq!(
        stored.header("location"),
        format!("/admin/rooms/{room}#photos")
    );
    assert_eq!(list(&app, room).await.len(), 1);

    let refused = app.request(form("A bed", b"not a photo")).await;
    assert_back_on_the_form(
        &app,
        &admin,
        room,
        &refused,
        "not a JPEG, PNG or WebP image",
    )
    .await;
    assert_eq!(list(&app, room).await.len(), 1);

    // A cross-site page cannot post to it.
    let mut forged = form("A bed", &photo(400, 300));
    forged
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().expect("header"));
    assert_eq!(app.request(forged).await.status, 403);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_oversized_post_of_the_plain_form_goes_back_to_the_form_with_a_message(pool: PgPool) {
    let (app, admin, room) = setup(&pool).await;
    // As a browser posts the form: its length declared, a page accepted.
    let declared = |uri: String, accept: &str| {
        Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::COOKIE, format!("roombook_session={}", admin.token))
            .header("sec-fetch-site", "same-origin")
            .header(header::ACCEPT, accept)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .header(header::CONTENT_LENGTH, 12 * 1024 * 1024)
            .body(Body::empty())
            .expect("request")
    };
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let refused = app
        .request(declared(format!("/admin/rooms/{room}/photos"), browser))
        .await;
    assert_back_on_the_form(
        &app,
        &admin,
        room,
        &refused,
        "That photo is larger than 10 MiB.",
    )
    .await;

    // The REST API, and anyone not asking for a page, keep the 413.
    for (uri, accept) in [
        (photos_uri(room), browser),
        (photos_uri(room), "application/json"),
        (format!("/admin/rooms/{room}/photos"), "application/json"),
        (format!("/admin/rooms/{room}/photos"), "*/*"),
    ] {
        let response = app.request(declared(uri.clone(), accept)).await;
        assert_refused(&response, 413, None);
    }
    assert!(list(&app, room).await.is_empty());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_room_page_and_search_results_show_the_photos(pool: PgPool) {
    let (app, admin, room) = setup(&pool).await;
    let bed = stored(&app, room, &admin, "Bed by the window", &photo(1400, 933)).await;
    let id = bed["id"].as_str().expect("id").to_owned();

    let page = app.get(&format!("/rooms/{room}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("/photos/{id}/1280 1280w")),
        "srcset"
    );
    assert!(page.body.contains("alt=\"Bed by the window\""));
    let search = app
        .get(&format!(
            "/?check_in={}&check_out={}&guests=1",
            in_days(2),
            in_days(4)
        ))
        .await;
    assert!(
        search.body.contains(&format!("/photos/{id}/320 320w")),
        "the card's cover"
    );
    assert!(search.body.contains("loading=\"lazy\""));
}

/// Keeps `DynamicImage` in use for the helpers above (a decoded photo).
#[test]
fn the_test_photo_is_a_jpeg_with_exif() {
    let bytes = photo(16, 8);
    let decoded: DynamicImage = image::load_from_memory(&bytes).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (16, 8));
    assert!(bytes.windows(4).any(|w| w == b"Exif"));
}
