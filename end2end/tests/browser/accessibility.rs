//! axe-core on every page: signed out, as a guest and as an admin, in the
//! light and the dark scheme, at 1280 and 390 px wide. No violation of
//! impact serious or critical with the WCAG 2.1 A/AA rules and the
//! label-in-name rule (WCAG 2.5.3) may remain.

use chrono::{Datelike, Days, Months, Utc};
use end2end::{Browser, BrowserOptions, PHONE, TestApp};

/// Who browses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visitor {
    SignedOut,
    Guest,
    Admin,
}

/// Every page (as `(path, what shows it is ready)`) `visitor` can open.
fn pages(visitor: Visitor, room: uuid::Uuid, booking: &str) -> Vec<(String, &'static str)> {
    let today = Utc::now().date_naive();
    let first = (today + Months::new(1)).with_day(1).expect("day 1 exists");
    let (check_in, check_out) = (first + Days::new(3), first + Days::new(5));
    let stay = format!("check_in={check_in}&check_out={check_out}&guests=2");
    let mut pages = vec![
        ("/".to_owned(), "main form.search-form"),
        (format!("/?{stay}"), "#results .offer"),
        (format!("/rooms/{room}?{stay}"), ".summary dd.total-line"),
        ("/login".to_owned(), "main form"),
        ("/register".to_owned(), "main form"),
        ("/bookings".to_owned(), "main h1"),
        ("/account".to_owned(), "main h1"),
        ("/no-such-page".to_owned(), "main h1"),
    ];
    match visitor {
        Visitor::SignedOut => {}
        Visitor::Guest => pages.push((format!("/bookings/{booking}"), "[data-testid=reference]")),
        Visitor::Admin => pages.extend([
            ("/admin".to_owned(), "table.data"),
            // The table of nights and the calendar, loaded.
            (
                format!("/admin/rooms/{room}"),
                "section:has(table.data) > .inventory-calendar table.month[aria-busy='false'] button.night.free",
            ),
            ("/admin/bookings".to_owned(), "table.data"),
            ("/admin/occupancy".to_owned(), "table.occupancy"),
            (format!("/bookings/{booking}"), "[data-testid=reference]"),
        ]),
    }
    pages
}

async fn every_page_passes_axe(dark: bool) -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 2).await?;
    let (guest, admin) = (
        app.account("Grace Hopper", false).await?,
        app.account("Ada Admin", true).await?,
    );
    let browser = Browser::start_with(BrowserOptions {
        dark,
        ..BrowserOptions::default()
    })
    .await?;
    browser.sign_in(&app, &guest).await?;
    let check_in = Utc::now().date_naive() + Days::new(10);
    let booking = browser
        .book(room, check_in, check_in + Days::new(2))
        .await?;
    let scheme = if dark { "dark" } else { "light" };

    for visitor in [Visitor::SignedOut, Visitor::Guest, Visitor::Admin] {
        browser.client.delete_all_cookies().await?;
        match visitor {
            Visitor::SignedOut => {}
            Visitor::Guest => browser.sign_in(&app, &guest).await?,
            Visitor::Admin => browser.sign_in(&app, &admin).await?,
        }
        for (width, height) in [(1280, 900), PHONE] {
            browser.client.set_window_size(width, height).await?;
            for (path, ready) in pages(visitor, room, &booking) {
                browser.open_hydrated(&app.url(&path)).await?;
                browser.wait_for(ready).await?;
                let matches_dark = browser
                    .client
                    .execute(
                        "return matchMedia('(prefers-color-scheme: dark)').matches;",
                        vec![],
                    )
                    .await?;
                assert_eq!(matches_dark, serde_json::Value::Bool(dark), "colour scheme");
                browser
                    .assert_accessible(&format!("{path} ({visitor:?}, {scheme}, {width} px)"))
                    .await?;
            }
        }
    }
    browser.close().await?;
    app.stop().await
}

#[tokio::test]
async fn every_page_passes_axe_in_the_light_scheme() -> anyhow::Result<()> {
    every_page_passes_axe(false).await
}

#[tokio::test]
async fn every_page_passes_axe_in_the_dark_scheme() -> anyhow::Result<()> {
    every_page_passes_axe(true).await
}

/// The check itself: label-in-name is among its rules (axe keeps it with
/// the experimental ones) and a serious violation fails it.
#[tokio::test]
async fn the_check_catches_a_name_that_does_not_contain_the_visible_text() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let browser = Browser::start().await?;
    browser.open_hydrated(&app.url("/login")).await?;
    browser.assert_accessible("the sign-in page").await?;
    browser
        .client
        .execute(
            "const b = document.createElement('button');
             b.textContent = '14 €120.00';
             b.setAttribute('aria-label', 'Monday 14 December 2026, available, €120.00 a night');
             document.querySelector('main').append(b);",
            vec![],
        )
        .await?;
    let error = browser
        .assert_accessible("the page with a mislabelled button")
        .await
        .expect_err("the mislabelled button fails the check");
    assert!(
        error.to_string().contains("label-content-name-mismatch"),
        "{error}"
    );
    browser.close().await?;
    app.stop().await
}
