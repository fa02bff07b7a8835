use chrono::{Days, NaiveDate, Utc};
use end2end::{Browser, TestApp};
use fantoccini::Locator;
use shared_schema::stay::MSG_CHECKOUT_AFTER_CHECKIN;

/// Types a date into an `<input type="date">` as a person would (Chromium's
/// en-US field order is month, day, year).
async fn type_date(browser: &Browser, css: &str, date: NaiveDate) -> anyhow::Result<()> {
    let input = browser.wait_for(css).await?;
    // Keys go to the focused segment; focusing (not clicking the middle)
    // starts at the month.
    input.send_keys(&date.format("%m%d%Y").to_string()).await?;
    Ok(())
}

/// One statement, so the server's horizon upkeep (which adds missing nights
/// for every active room) never sees the room without its nights.
async fn seed_room(app: &TestApp, name: &str, nights: u64) -> anyhow::Result<()> {
    let today = Utc::now().date_naive();
    sqlx::query(
        "with room as (
             insert into rooms (name, description, capacity, price_cents, currency, total_inventory)
             values ($1, 'Quiet, bright, with a view of the courtyard.', 2, 12000, 'EUR', 3)
             returning id
         )
         insert into room_availability (room_id, night, total, price_cents)
         select room.id, night::date, 3, 12000
           from room, generate_series($2::date, $3::date, interval '1 day') as night",
    )
    .bind(name)
    .bind(today)
    .bind(today + Days::new(nights))
    .execute(&app.pool)
    .await?;
    Ok(())
}

#[tokio::test]
async fn search_form_validates_in_the_browser_and_searches_on_the_server() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    seed_room(&app, "Courtyard Double", 60).await?;
    let browser = Browser::start().await?;
    browser.open_hydrated(&app.url("/")).await?;

    // A check-out before the check-in: the shared-schema message appears
    // under the field while typing, and nothing is sent to the server.
    let today = Utc::now().date_naive();
    let check_in = today + Days::new(10);
    type_date(&browser, "#check_in", check_in).await?;
    type_date(&browser, "#check_out", check_in - Days::new(2)).await?;
    browser
        .wait_for_text("#check_out-error", MSG_CHECKOUT_AFTER_CHECKIN)
        .await?;
    browser.screenshot("search-invalid").await?;
    browser
        .client
        .find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    browser
        .wait_for_text("#check_out-error", MSG_CHECKOUT_AFTER_CHECKIN)
        .await?;
    assert_eq!(
        browser.server_function_requests().await?,
        Vec::<String>::new(),
        "an invalid form must not reach the server"
    );

    // A valid stay: the search runs through the server function and shows
    // the seeded room.
    let check_out_input = browser.wait_for("#check_out").await?;
    check_out_input.clear().await?;
    type_date(&browser, "#check_out", check_in + Days::new(3)).await?;
    browser.wait_for_text("#check_out-error", "").await?;
    browser
        .client
        .find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    browser
        .wait_for_text("#results .offer h3", "Courtyard Double")
        .await?;
    browser
        .wait_for_text("#results .offer .total", "€360.00 for 3 nights")
        .await?;
    let requests = browser.server_function_requests().await?;
    assert!(
        requests.iter().any(|path| path.contains("search_rooms")),
        "the search must go through the server function, saw {requests:?}"
    );
    let url = browser.client.current_url().await?;
    assert!(
        url.query()
            .is_some_and(|q| q.contains(&format!("check_in={check_in}"))),
        "the search is kept in the URL: {url}"
    );
    browser.screenshot("search-results").await?;

    browser.close().await?;
    app.stop().await
}
