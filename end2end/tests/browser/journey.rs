//! The guest's journey around a booking: a form posted again books once
//! (JavaScript on and off), a stay overlapping the guest's own is warned
//! about, a booking downloads as a calendar entry for its owner only, and
//! a new install's home page says how to create the first admin.

use chrono::{Datelike, Days, Months, NaiveDate, Utc};
use end2end::{Browser, BrowserOptions, TestApp};

/// Two nights early next month.
fn next_month_stay() -> (NaiveDate, NaiveDate) {
    let today = Utc::now().date_naive();
    let first = (today + Months::new(1)).with_day(1).expect("day 1 exists");
    (first + Days::new(3), first + Days::new(5))
}

/// Bookings of a room, whatever their status.
async fn bookings_of(app: &TestApp, room: uuid::Uuid) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("select count(*) from bookings where room_id = $1")
            .bind(room)
            .fetch_one(&app.pool)
            .await?,
    )
}

/// The booking id in a `/bookings/<id>?new=1` address.
fn booking_id(url: &str) -> String {
    let after = url.split("/bookings/").nth(1).unwrap_or_default();
    after
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Confirms the booking form and waits for the booking's page; answers
/// its id.
async fn confirm(browser: &Browser) -> anyhow::Result<String> {
    browser.click(".booking-panel button[type=submit]").await?;
    browser
        .wait_for_text_containing("[data-testid=reference]", "-")
        .await?;
    let url = browser
        .wait_for_url("a booking's page", |url| url.contains("/bookings/"))
        .await?;
    Ok(booking_id(&url))
}

/// Signs in, opens the room page with a stay, books, goes Back and
/// confirms again: both land on the same booking.
async fn back_and_confirm_again_books_once(javascript: bool) -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 2).await?;
    let (check_in, check_out) = next_month_stay();
    let browser = Browser::start_with(BrowserOptions {
        javascript,
        ..BrowserOptions::default()
    })
    .await?;
    browser
        .sign_in(&app, &app.account("Ada Lovelace", false).await?)
        .await?;
    let page = app.url(&format!(
        "/rooms/{room}?check_in={check_in}&check_out={check_out}&guests=2"
    ));
    if javascript {
        browser.open_hydrated(&page).await?;
    } else {
        browser.client.goto(&page).await?;
    }
    // The page's address carries the form's key, so Back returns to it.
    let url = browser.client.current_url().await?.to_string();
    assert!(url.contains("form_key="), "{url}");

    let first = confirm(&browser).await?;
    let reference = browser.text_content("[data-testid=reference]").await?;
    browser.client.back().await?;
    browser
        .wait_for_url("the room page again", |url| url.contains("/rooms/"))
        .await?;
    // The room page now warns about the booking just made.
    browser
        .wait_for_text_containing("[data-testid=overlap-warning]", reference.trim())
        .await?;
    let second = confirm(&browser).await?;

    assert_eq!(first, second, "Back and Confirm land on the same booking");
    assert_eq!(bookings_of(&app, room).await?, 1);
    assert_eq!(app.booked(room, check_in).await?, 1);
    browser.close().await?;
    app.stop().await
}

#[tokio::test]
async fn back_then_confirm_again_lands_on_the_same_booking() -> anyhow::Result<()> {
    back_and_confirm_again_books_once(true).await
}

#[tokio::test]
async fn back_then_confirm_again_without_javascript_lands_on_the_same_booking() -> anyhow::Result<()>
{
    back_and_confirm_again_books_once(false).await
}

#[tokio::test]
async fn a_form_posted_twice_at_once_books_once_and_both_land_on_it() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 3).await?;
    let (check_in, check_out) = next_month_stay();
    let browser = Browser::start().await?;
    browser
        .sign_in(&app, &app.account("Ada Lovelace", false).await?)
        .await?;
    browser
        .open_hydrated(&app.url(&format!("/rooms/{room}")))
        .await?;
    // Two plain posts of the same form at once, as a double click without
    // JavaScript sends them; the browser follows each redirect.
    let landed = browser
        .client
        .execute_async(
            "const [room, checkIn, checkOut, done] = arguments;
             const body = () => new URLSearchParams({ room_id: room, 'form[check_in]': checkIn,
                 'form[check_out]': checkOut, 'form[guests]': '2', 'form[units]': '1',
                 form_key: 'double-click-test' });
             const post = () => fetch('/api/book', { method: 'POST', body: body(),
                 headers: { Accept: 'text/html' } }).then(r => r.url, e => `failed: ${e}`);
             Promise.all([post(), post()]).then(done);",
            vec![
                room.to_string().into(),
                check_in.to_string().into(),
                check_out.to_string().into(),
            ],
        )
        .await?;
    let landed: Vec<String> = serde_json::from_value(landed)?;
    assert_eq!(landed.len(), 2);
    assert!(landed[0].contains("/bookings/"), "{landed:?}");
    assert_eq!(
        booking_id(&landed[0]),
        booking_id(&landed[1]),
        "both posts land on one booking"
    );
    assert_eq!(bookings_of(&app, room).await?, 1);
    assert_eq!(app.booked(room, check_in).await?, 1);

    // The same form with another stay is a booking of its own.
    let other = browser
        .client
        .execute_async(
            "const [room, checkIn, checkOut, done] = arguments;
             const body = new URLSearchParams({ room_id: room, 'form[check_in]': checkIn,
                 'form[check_out]': checkOut, 'form[guests]': '2', 'form[units]': '1',
                 form_key: 'double-click-test' });
             fetch('/api/book', { method: 'POST', body }).then(r => done(r.status), () => done(0));",
            vec![
                room.to_string().into(),
                check_out.to_string().into(),
                (check_out + Days::new(1)).to_string().into(),
            ],
        )
        .await?;
    assert_eq!(other, 200);
    assert_eq!(bookings_of(&app, room).await?, 2);
    browser.close().await?;
    app.stop().await
}

#[tokio::test]
async fn a_stay_overlapping_the_guests_own_booking_is_warned_about() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let garden = app.seed_room("Garden Suite", 2).await?;
    let attic = app.seed_room("Attic Single", 2).await?;
    let (check_in, check_out) = next_month_stay();
    let browser = Browser::start().await?;
    browser
        .sign_in(&app, &app.account("Ada Lovelace", false).await?)
        .await?;
    browser.book(garden, check_in, check_out).await?;

    // Another room, one night in common: warned, and still bookable.
    browser
        .open_hydrated(&app.url(&format!(
            "/rooms/{attic}?check_in={}&check_out={}",
            check_out - Days::new(1),
            check_out + Days::new(2)
        )))
        .await?;
    let warning = browser
        .wait_for_text_containing("[data-testid=overlap-warning]", "Garden Suite")
        .await?;
    assert!(warning.contains("You already have a booking"), "{warning}");
    browser.screenshot("overlap-warning").await?;
    assert!(
        browser
            .wait_for(".booking-panel button[type=submit]")
            .await?
            .is_enabled()
            .await?,
        "the warning does not stop the booking"
    );

    // Dates that share no night: the warning goes.
    browser
        .type_date("#check_in", check_out + Days::new(3))
        .await?;
    browser
        .type_date("#check_out", check_out + Days::new(5))
        .await?;
    browser
        .wait_for_text_containing(".summary dd.total-line", "€")
        .await?;
    browser
        .wait_for_url("the new stay", |url| {
            url.contains(&format!("check_out={}", check_out + Days::new(5)))
        })
        .await?;
    let deadline = tokio::time::Instant::now() + end2end::WAIT;
    while browser
        .client
        .find(fantoccini::Locator::Css("[data-testid=overlap-warning]"))
        .await
        .is_ok()
    {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the warning stays for a stay that overlaps nothing"
        );
        // Polling interval of the DOM, not a wait for an outcome.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    browser.close().await?;
    app.stop().await
}

/// Fetches `path` in the browser (its cookies): status, content type, body.
async fn fetch_text(browser: &Browser, path: &str) -> anyhow::Result<(u16, String, String)> {
    let answer = browser
        .client
        .execute_async(
            "const [path, done] = arguments;
             fetch(path).then(r => r.text().then(t => done([r.status, r.headers.get('content-type') || '', t])),
                 e => done([0, '', `${e}`]));",
            vec![path.into()],
        )
        .await?;
    Ok(serde_json::from_value(answer)?)
}

#[tokio::test]
async fn a_booking_downloads_as_a_calendar_entry_for_its_owner_and_admins_only()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 2).await?;
    let (check_in, check_out) = next_month_stay();
    let guest = Browser::start().await?;
    guest
        .sign_in(&app, &app.account("Ada Lovelace", false).await?)
        .await?;
    let id = guest.book(room, check_in, check_out).await?;
    guest
        .open_hydrated(&app.url(&format!("/bookings/{id}")))
        .await?;
    let link = guest.wait_for("a[data-testid=ics]").await?;
    let href = link.attr("href").await?.unwrap_or_default();
    assert_eq!(href, format!("/bookings/{id}/calendar.ics"));

    let (status, content_type, body) = fetch_text(&guest, &href).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "text/calendar; charset=utf-8");
    for line in [
        "BEGIN:VCALENDAR\r\n".to_owned(),
        format!("DTSTART;VALUE=DATE:{}\r\n", check_in.format("%Y%m%d")),
        format!("DTEND;VALUE=DATE:{}\r\n", check_out.format("%Y%m%d")),
        "SUMMARY:Stay: Garden Suite\r\n".to_owned(),
        "STATUS:CONFIRMED\r\n".to_owned(),
    ] {
        assert!(body.contains(&line), "{line:?} missing from {body}");
    }

    // Another guest gets the 404 of a booking that does not exist; an
    // admin gets the file; nobody signed in gets a 401.
    let other = Browser::start().await?;
    other
        .sign_in(&app, &app.account("Eve Other", false).await?)
        .await?;
    let (status, _, _) = fetch_text(&other, &href).await?;
    assert_eq!(status, 404);
    other
        .sign_in(&app, &app.account("Ada Admin", true).await?)
        .await?;
    let (status, _, body) = fetch_text(&other, &href).await?;
    assert_eq!(status, 200, "{body}");
    other.client.delete_all_cookies().await?;
    let (status, content_type, _) = fetch_text(&other, &href).await?;
    assert_eq!(status, 401);
    assert_eq!(content_type, "application/problem+json");

    guest.close().await?;
    other.close().await?;
    app.stop().await
}

#[tokio::test]
async fn a_new_install_says_how_to_create_the_first_admin() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = Browser::start().await?;
    browser.open_hydrated(&app.url("/")).await?;
    let command = browser
        .wait_for_text_containing("[data-testid=first-run] pre", "create-admin")
        .await?;
    assert!(
        command.contains("scripts/run.sh create-admin --email"),
        "the command that works from the checkout: {command}"
    );
    browser.screenshot("first-run").await?;
    browser
        .assert_accessible("the home page of a new install")
        .await?;

    // Once there is a room, the home page is the search again.
    app.seed_room("Garden Suite", 1).await?;
    browser.open_hydrated(&app.url("/")).await?;
    browser.wait_for(".search-form").await?;
    assert!(
        browser
            .client
            .find(fantoccini::Locator::Css("[data-testid=first-run]"))
            .await
            .is_err(),
        "no first-run text once rooms exist"
    );
    browser.close().await?;
    app.stop().await
}

#[tokio::test]
async fn filters_apply_as_they_change_and_an_empty_result_says_why() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    app.seed_room("Garden Suite", 2).await?;
    let (check_in, check_out) = next_month_stay();
    let browser = Browser::start().await?;
    browser
        .open_hydrated(&app.url(&format!(
            "/?check_in={check_in}&check_out={check_out}&guests=2"
        )))
        .await?;
    browser
        .wait_for_text("#results .offer h3", "Garden Suite")
        .await?;

    // A price range below the room's price, applied once typed and left:
    // the empty result says the filter hid the room, and clears it.
    browser.click(".filters summary").await?;
    browser.click("#sort option[value=name]").await?;
    browser
        .wait_for_url("the order in the address", |url| url.contains("sort=name"))
        .await?;
    browser
        .wait_for_text("#results .offer h3", "Garden Suite")
        .await?;
    // The server's page with the order, hydrated again.
    browser.wait_for("html[data-hydrated]").await?;
    browser.fill("#max_price", "50").await?;
    browser.click(".hero h1").await?;
    let reason = browser
        .wait_for_text_containing("[data-testid=empty-reason]", "price filter hid")
        .await?;
    assert!(reason.contains("hid 1 room free"), "{reason}");
    let url = browser.client.current_url().await?.to_string();
    assert!(
        url.contains("max_price=50"),
        "the filter is in the address: {url}"
    );
    browser.screenshot("search-empty-price").await?;
    browser.click("[data-testid=empty-reason] a").await?;
    browser
        .wait_for_text("#results .offer h3", "Garden Suite")
        .await?;

    // A party no single room sleeps: the way out is more rooms.
    browser
        .open_hydrated(&app.url(&format!(
            "/?check_in={check_in}&check_out={check_out}&guests=3"
        )))
        .await?;
    browser
        .wait_for_text("#results-title", "No room sleeps 3 guests")
        .await?;
    browser
        .wait_for_text("[data-testid=empty-reason] a", "Try 2 rooms")
        .await?;
    browser.click("[data-testid=empty-reason] a").await?;
    browser
        .wait_for_text("#results .offer h3", "Garden Suite")
        .await?;
    let url = browser.client.current_url().await?.to_string();
    assert!(url.contains("units=2"), "{url}");
    browser.close().await?;
    app.stop().await
}

#[tokio::test]
async fn the_calendar_shows_two_months_on_wide_screens_and_one_on_phones() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 2).await?;
    let today = Utc::now().date_naive();
    let month = (today + Months::new(2)).with_day(1).expect("day 1 exists");
    let next = month + Months::new(1);
    // A stay across the month boundary, in the months after next.
    let last_day = next.pred_opt().expect("a day before");
    let (check_in, check_out) = (last_day - Days::new(1), next + Days::new(1));
    let browser = Browser::start().await?;
    browser
        .open_hydrated(&app.url(&format!(
            "/rooms/{room}?check_in={check_in}&check_out={check_out}"
        )))
        .await?;

    // It opens at the stay's month, with the next one beside it.
    browser
        .wait_for_text("#month-title-0", &month.format("%B %Y").to_string())
        .await?;
    browser
        .wait_for_text("#month-title-1", &next.format("%B %Y").to_string())
        .await?;
    assert!(browser.is_shown(".month-block.second-month").await?);
    // The chosen stay is highlighted across both, every night priced.
    browser
        .wait_for(&format!("button.night.range-start[data-date='{check_in}']"))
        .await?;
    browser
        .wait_for(&format!("button.night.range-end[data-date='{check_out}']"))
        .await?;
    browser
        .wait_for_text(
            &format!("button.night[data-date='{next}'] .night-price"),
            "€120",
        )
        .await?;
    let selected = browser
        .client
        .find_all(fantoccini::Locator::Css("button.night.selected"))
        .await?;
    assert_eq!(selected.len(), 3, "three nights of the stay");
    let breakdown = browser
        .client
        .find_all(fantoccini::Locator::Css(".breakdown li"))
        .await?;
    assert_eq!(breakdown.len(), 3, "a price for each night in the summary");
    let legend = browser.text_content(".calendar-legend").await?;
    assert!(
        legend.contains("Sold out") && legend.contains("Closed"),
        "{legend}"
    );
    browser.screenshot("room-two-months").await?;

    // Arrow keys cross into the second month without moving the view.
    browser
        .wait_for(&format!("button.night[data-date='{last_day}']"))
        .await?
        .send_keys(&fantoccini::key::Key::Right.to_string())
        .await?;
    browser
        .wait_for(&format!("button.night[data-date='{next}']:focus"))
        .await?;
    browser
        .wait_for_text("#month-title-0", &month.format("%B %Y").to_string())
        .await?;

    // A phone shows one month.
    browser.client.set_window_size(390, 844).await?;
    browser.wait_for("#month-title-0").await?;
    assert!(!browser.is_shown(".month-block.second-month").await?);
    browser.close().await?;
    app.stop().await
}

#[tokio::test]
async fn a_failed_post_without_javascript_brings_back_what_was_typed_but_the_password()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let ada = app.account("Ada Lovelace", false).await?;
    let browser = Browser::without_javascript().await?;
    let value = |css: &'static str| {
        let browser = &browser;
        async move {
            anyhow::Ok(
                browser
                    .wait_for(css)
                    .await?
                    .prop("value")
                    .await?
                    .unwrap_or_default(),
            )
        }
    };

    // Sign-up with a short password: name and e-mail come back, the
    // password does not, and its message sits under it.
    browser.client.goto(&app.url("/register")).await?;
    browser.fill("#name", "Grace Hopper").await?;
    browser.fill("#email", "grace@example.com").await?;
    browser.fill("#password", "too short").await?;
    browser.click("main button[type=submit]").await?;
    browser
        .wait_for_text(
            "#password-error",
            shared_schema::auth::MSG_PASSWORD_TOO_SHORT,
        )
        .await?;
    assert_eq!(value("#name").await?, "Grace Hopper");
    assert_eq!(value("#email").await?, "grace@example.com");
    assert_eq!(value("#password").await?, "");
    let url = browser.client.current_url().await?.to_string();
    assert!(
        !url.contains("grace"),
        "what was typed is not in the address: {url}"
    );

    // A wrong password: the e-mail comes back.
    browser.client.goto(&app.url("/login")).await?;
    browser.fill("#email", &ada.email).await?;
    browser.fill("#password", "not the password at all").await?;
    browser.click("main button[type=submit]").await?;
    browser.wait_for("main .alert.error").await?;
    assert_eq!(value("#email").await?, ada.email);
    assert_eq!(value("#password").await?, "");
    // Read once: the page shown again starts empty.
    browser.client.goto(&app.url("/login")).await?;
    assert_eq!(value("#email").await?, "");
    browser.close().await?;
    app.stop().await
}
