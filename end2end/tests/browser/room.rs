//! The room page as a guest meets it: the stay survives signing in and
//! signing up, impossible stays are refused as they are chosen, prices are
//! explained, and phones keep the total and Confirm in reach.

use chrono::{Datelike, Days, Months, NaiveDate, Utc};
use end2end::{Browser, BrowserOptions, PHONE, TestApp};
use shared_schema::stay::MSG_CHECKIN_IN_PAST;

/// The 4th and 6th of next month: one "Next month" from where the calendar
/// opens when no stay is chosen.
fn next_month_stay() -> (NaiveDate, NaiveDate) {
    let today = Utc::now().date_naive();
    let first = (today + Months::new(1)).with_day(1).expect("day 1 exists");
    (first + Days::new(3), first + Days::new(5))
}

fn night_button(date: NaiveDate) -> String {
    format!("button.night[data-date='{date}']")
}

/// Opens the room page on the month of `date` and picks `check_in` then
/// `check_out` on the calendar.
async fn pick_on_calendar(
    browser: &Browser,
    check_in: NaiveDate,
    check_out: NaiveDate,
) -> anyhow::Result<()> {
    browser.wait_for("table.month[role=grid]").await?;
    browser.click(".calendar-nav button:last-child").await?;
    browser
        .wait_for_text_containing("#calendar-title", &check_in.format("%B %Y").to_string())
        .await?;
    browser
        .wait_for(&format!("{}.free", night_button(check_in)))
        .await?;
    browser.click(&night_button(check_in)).await?;
    browser.click(&night_button(check_out)).await?;
    Ok(())
}

#[tokio::test]
async fn a_stay_picked_on_the_calendar_survives_signing_in_and_signing_up() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 2).await?;
    let ada = app.account("Ada Lovelace", false).await?;
    let (check_in, check_out) = next_month_stay();
    let stay_in_url = |url: &str| {
        url.contains(&format!("check_in={check_in}"))
            && url.contains(&format!("check_out={check_out}"))
    };

    for way in ["sign in", "sign up"] {
        let browser = Browser::start().await?;
        browser
            .open_hydrated(&app.url(&format!("/rooms/{room}")))
            .await?;
        pick_on_calendar(&browser, check_in, check_out).await?;
        // The stay reaches the address (the history entry is replaced).
        browser
            .wait_for_url("the stay in the address", stay_in_url)
            .await?;
        let link = if way == "sign in" {
            "a[href^='/login']"
        } else {
            "a[href^='/register']"
        };
        let css = format!("[data-testid=sign-in-to-book] {link}");
        let href = browser
            .wait_for(&css)
            .await?
            .attr("href")
            .await?
            .unwrap_or_default();
        assert!(
            href.contains(&format!("next=%2Frooms%2F{room}%3Fcheck_in%3D{check_in}")),
            "the way back keeps the room and the stay: {href}"
        );
        browser.click(&css).await?;
        browser.wait_for("html[data-hydrated] main form").await?;
        if way == "sign in" {
            browser.fill("#email", &ada.email).await?;
            browser.fill("#password", &ada.password).await?;
        } else {
            browser.fill("#name", "Grace Hopper").await?;
            browser.fill("#email", "grace@example.com").await?;
            browser.fill("#password", "a long enough password").await?;
        }
        browser.click("main button[type=submit]").await?;
        browser
            .wait_for_url("the room page with the stay", |url| {
                url.contains(&format!("/rooms/{room}")) && stay_in_url(url)
            })
            .await?;
        browser
            .wait_for(&format!("{}.range-start", night_button(check_in)))
            .await?;
        assert_eq!(
            browser
                .wait_for("#check_out")
                .await?
                .prop("value")
                .await?
                .unwrap_or_default(),
            check_out.to_string(),
            "after {way}"
        );
        browser
            .wait_for_text(".summary .total-line:not(dt)", "€240.00")
            .await?;
        browser.close().await?;
    }
    app.stop().await
}

#[tokio::test]
async fn impossible_stays_are_refused_as_the_guest_chooses() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Attic Double", 1).await?;
    let (check_in, _) = next_month_stay();
    let closed = check_in + Days::new(1);
    let sold_out = check_in + Days::new(3);
    app.set_night(room, closed, true, false).await?;
    app.set_night(room, sold_out, false, true).await?;
    let browser = Browser::start().await?;
    browser
        .sign_in(&app, &app.account("Ada Lovelace", false).await?)
        .await?;

    // Past dates from the address: said at once, under the field.
    let yesterday = Utc::now().date_naive() - Days::new(1);
    browser
        .open_hydrated(&app.url(&format!(
            "/rooms/{room}?check_in={yesterday}&check_out={}",
            yesterday + Days::new(2)
        )))
        .await?;
    browser
        .wait_for_text("#check_in-error", MSG_CHECKIN_IN_PAST)
        .await?;

    unavailable_nights_cannot_start_a_stay(&browser, &app, room, closed, sold_out).await?;

    // A range across the closed night: why, and Confirm disabled.
    browser.click(&night_button(check_in)).await?;
    browser
        .click(&night_button(check_in + Days::new(2)))
        .await?;
    browser
        .wait_for_text_containing("[data-testid=stay-problem]", "Closed on")
        .await?;
    browser
        .wait_for(".booking-panel button[type=submit][disabled]")
        .await?;
    browser
        .wait_for_text(".summary dd.total-line", "not bookable")
        .await?;

    // A free stay: Confirm enabled and a price for each night.
    browser
        .click(&night_button(check_in + Days::new(4)))
        .await?;
    browser
        .click(&night_button(check_in + Days::new(6)))
        .await?;
    browser
        .wait_for_text(".summary dd.total-line", "€240.00")
        .await?;
    let breakdown = browser.text_content(".breakdown").await?;
    assert!(
        breakdown.matches("€120.00").count() == 2,
        "one line per night: {breakdown}"
    );
    browser
        .wait_for(".booking-panel button[type=submit]:not([disabled])")
        .await?;

    // A party the room cannot sleep (2 per room).
    browser.fill("#guests", "3").await?;
    browser
        .wait_for_text_containing("[data-testid=stay-problem]", "sleeps at most 2 guests")
        .await?;
    browser
        .wait_for(".booking-panel button[type=submit][disabled]")
        .await?;
    browser.fill("#units", "2").await?;
    browser
        .wait_for_text_containing("[data-testid=stay-problem]", "Fewer than 2 rooms free")
        .await?;
    browser
        .assert_accessible("the room page explaining a refused stay")
        .await?;
    browser.close().await?;
    app.stop().await
}

/// Closed and sold-out nights look different, say so, show no price, and
/// cannot be a check-in.
async fn unavailable_nights_cannot_start_a_stay(
    browser: &Browser,
    app: &TestApp,
    room: uuid::Uuid,
    closed: NaiveDate,
    sold_out: NaiveDate,
) -> anyhow::Result<()> {
    browser
        .open_hydrated(&app.url(&format!("/rooms/{room}")))
        .await?;
    browser.click(".calendar-nav button:last-child").await?;
    let closed_cell = browser
        .wait_for(&format!("{}.closed", night_button(closed)))
        .await?;
    let full_cell = browser
        .wait_for(&format!("{}.full", night_button(sold_out)))
        .await?;
    let closed_text = closed_cell.prop("textContent").await?.unwrap_or_default();
    let full_text = full_cell.prop("textContent").await?.unwrap_or_default();
    assert!(
        closed_text.contains("closed") && !closed_text.contains('€'),
        "{closed_text}"
    );
    assert!(
        full_text.contains("sold out") && !full_text.contains('€'),
        "{full_text}"
    );
    browser.wait_for(".calendar-legend .swatch.closed").await?;
    browser.wait_for(".calendar-legend .swatch.full").await?;
    for night in [closed, sold_out] {
        browser.click(&night_button(night)).await?;
        browser
            .wait_for_text_containing(
                "[data-testid=calendar-message]",
                "choose another check-in night",
            )
            .await?;
        assert!(
            browser
                .client
                .find(fantoccini::Locator::Css("button.night.range-start"))
                .await
                .is_err(),
            "{night} must not become the check-in"
        );
    }

    Ok(())
}

#[tokio::test]
async fn on_a_phone_the_total_and_confirm_stay_in_reach_and_results_come_into_view()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Harbour Loft", 2).await?;
    let (check_in, check_out) = next_month_stay();
    let browser = Browser::start_with(BrowserOptions {
        size: PHONE,
        ..BrowserOptions::default()
    })
    .await?;
    browser
        .sign_in(&app, &app.account("Ada Lovelace", false).await?)
        .await?;

    // Search: the results get the focus, and so come into view.
    browser.open_hydrated(&app.url("/")).await?;
    browser.type_date("#check_in", check_in).await?;
    browser.type_date("#check_out", check_out).await?;
    browser.click(".search-form button[type=submit]").await?;
    browser
        .wait_for_text("#results .offer h3", "Harbour Loft")
        .await?;
    browser.wait_for_focus("results-title").await?;
    let in_view = browser
        .client
        .execute(
            "const r = document.getElementById('results-title').getBoundingClientRect();
             return r.top >= 0 && r.bottom <= window.innerHeight;",
            vec![],
        )
        .await?;
    assert_eq!(
        in_view,
        serde_json::Value::Bool(true),
        "the results are in view"
    );

    // The room: a bar at the bottom holds the total and Confirm while the
    // calendar is on screen.
    browser
        .open_hydrated(&app.url(&format!(
            "/rooms/{room}?check_in={check_in}&check_out={check_out}&guests=2"
        )))
        .await?;
    browser.wait_for("table.month[role=grid]").await?;
    browser
        .wait_for_text_containing("[data-testid=booking-bar] .booking-bar-total", "€240.00")
        .await?;
    let bar_in_view = browser
        .client
        .execute(
            "document.querySelector('table.month').scrollIntoView({ block: 'start' });
             const r = document.querySelector('[data-testid=booking-bar]').getBoundingClientRect();
             return r.bottom <= window.innerHeight + 1 && r.top < window.innerHeight;",
            vec![],
        )
        .await?;
    assert_eq!(
        bar_in_view,
        serde_json::Value::Bool(true),
        "the bar sticks to the bottom"
    );
    browser.screenshot("room-phone-bar").await?;
    browser
        .click("[data-testid=booking-bar] button[type=submit]:not([disabled])")
        .await?;
    browser
        .wait_for_text_containing("[data-testid=reference]", "-")
        .await?;
    assert_eq!(app.booked(room, check_in).await?, 1);
    browser.close().await?;
    app.stop().await
}
