//! The site without JavaScript (as before the WASM arrives on a slow
//! phone): every page's content is in the server's HTML and the guest's
//! forms post to their server functions, which answer with a redirect to a
//! server-rendered page. No password ever appears in an address.

use chrono::{Datelike, Days, Months, Utc};
use end2end::{Browser, TestApp};

#[tokio::test]
async fn a_guest_searches_signs_in_books_and_cancels_without_javascript() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 2).await?;
    let ada = app.account("Ada Lovelace", false).await?;
    let today = Utc::now().date_naive();
    let first = (today + Months::new(1)).with_day(1).expect("day 1 exists");
    let (check_in, check_out) = (first + Days::new(3), first + Days::new(5));
    let browser = Browser::without_javascript().await?;

    // The home page's form is in the HTML; searching is a GET whose
    // results the server renders.
    browser.client.goto(&app.url("/")).await?;
    let scripts_ran = browser
        .client
        .execute(
            "return document.documentElement.hasAttribute('data-hydrated');",
            vec![],
        )
        .await
        .ok();
    assert_ne!(
        scripts_ran,
        Some(serde_json::Value::Bool(true)),
        "JavaScript is off"
    );
    browser.type_date("#check_in", check_in).await?;
    browser.type_date("#check_out", check_out).await?;
    browser.click(".search-form button[type=submit]").await?;
    browser
        .wait_for_text("#results .offer h3", "Garden Suite")
        .await?;
    // The address points at the results, so the browser scrolls to them.
    let url = browser.client.current_url().await?;
    assert_eq!(url.fragment(), Some("results"), "{url}");

    // The room page shows the stay; signing in from it comes back to it.
    browser.click("#results .offer h3 a").await?;
    browser
        .wait_for_text_containing("[data-testid=sign-in-to-book]", "to book")
        .await?;
    browser
        .click("[data-testid=sign-in-to-book] a[href^='/login']")
        .await?;
    browser.fill("#email", &ada.email).await?;
    browser.fill("#password", &ada.password).await?;
    browser.click("main button[type=submit]").await?;
    let url = browser
        .wait_for_url("back on the room page", |url| {
            url.contains(&format!("/rooms/{room}"))
        })
        .await?;
    assert!(
        !url.contains("password"),
        "no password in the address: {url}"
    );
    assert!(url.contains(&format!("check_in={check_in}")), "{url}");
    assert_eq!(
        browser
            .wait_for("#check_in")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default(),
        check_in.to_string()
    );

    // Book: the server answers with the confirmation page.
    browser.click(".booking-panel button[type=submit]").await?;
    let reference = browser
        .wait_for_text_containing("[data-testid=reference]", "-")
        .await?;
    assert_eq!(app.booked(room, check_in).await?, 1);
    assert_eq!(
        redirects(&browser).await?,
        1,
        "a server redirect after the post"
    );

    // My bookings lists it; the cancel button cancels (no dialog without
    // JavaScript) and the list comes back with the stay under "Cancelled".
    browser.client.goto(&app.url("/bookings")).await?;
    let item = format!("li.booking[data-reference='{}']", reference.trim());
    browser
        .click(&format!(
            "section[aria-labelledby=upcoming] {item} button.danger"
        ))
        .await?;
    browser
        .wait_for_text(
            &format!("section[aria-labelledby=cancelled] {item} .badge"),
            "Cancelled",
        )
        .await?;
    assert_eq!(app.booked(room, check_in).await?, 0);
    // The page's scripts never ran (the WASM may be preloaded, not run).
    assert!(
        browser
            .client
            .find(fantoccini::Locator::Css("html[data-hydrated]"))
            .await
            .is_err(),
        "JavaScript is off"
    );
    browser.close().await?;
    app.stop().await
}

/// Redirects that led to the page on show: 1 after a post answered by
/// Post/Redirect/Get (a page the hydrated app reached by client-side
/// routing has none, nor does a page of its own document).
async fn redirects(browser: &Browser) -> anyhow::Result<i64> {
    let count = browser
        .client
        .execute(
            "return performance.getEntriesByType('navigation')[0].redirectCount;",
            vec![],
        )
        .await?;
    Ok(count.as_i64().unwrap_or(-1))
}

#[tokio::test]
async fn a_wrong_password_without_javascript_comes_back_to_the_form_not_the_address()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let ada = app.account("Ada Lovelace", false).await?;
    let browser = Browser::without_javascript().await?;
    browser.client.goto(&app.url("/login")).await?;
    browser.fill("#email", &ada.email).await?;
    browser.fill("#password", "not the password at all").await?;
    browser.click("main button[type=submit]").await?;
    browser
        .wait_for("main .alert.error, main .field-error:not(:empty)")
        .await?;
    let url = browser.client.current_url().await?.to_string();
    assert!(url.contains("/login"), "back on the form: {url}");
    assert_eq!(
        redirects(&browser).await?,
        1,
        "a server redirect after the post"
    );
    assert!(
        !url.contains("not+the+password") && !url.contains("not%20the%20password"),
        "no password in the address: {url}"
    );
    browser.close().await?;
    app.stop().await
}

#[tokio::test]
async fn an_admin_creates_a_room_and_closes_a_night_without_javascript() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = Browser::without_javascript().await?;
    admin
        .sign_in(&app, &app.account("Ada Admin", true).await?)
        .await?;

    // A broken price comes back as a message, nothing created.
    admin.client.goto(&app.url("/admin")).await?;
    admin.fill("#name", "Harbour Loft").await?;
    admin.fill("#price", "lots").await?;
    admin
        .click("#new-room-title ~ form button[type=submit]")
        .await?;
    admin
        .wait_for_text_containing("main .alert.error", "Enter a price like 120 or 120.50.")
        .await?;

    // Created: the server answers with the new room's page.
    admin.fill("#name", "Harbour Loft").await?;
    admin.fill("#price", "150").await?;
    admin.fill("#currency", "eur").await?;
    admin
        .click("#new-room-title ~ form button[type=submit]")
        .await?;
    admin.wait_for_text("main h1", "Harbour Loft").await?;
    assert_eq!(
        redirects(&admin).await?,
        1,
        "a server redirect after the post"
    );
    assert_eq!(
        admin
            .wait_for("#currency")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default(),
        "EUR"
    );

    // Close one night: the page comes back with it closed.
    let night = Utc::now().date_naive() + Days::new(7);
    admin.type_date("#inventory-from", night).await?;
    admin
        .type_date("#inventory-to", night + Days::new(1))
        .await?;
    admin.click("#inventory-closed option[value=close]").await?;
    admin
        .click("#inventory-title ~ form button[type=submit]")
        .await?;
    admin
        .wait_for_text_containing(&format!("tr[data-night='{night}']"), "Closed")
        .await?;
    assert_eq!(
        redirects(&admin).await?,
        1,
        "a server redirect after the post"
    );

    // The bookings' filters are a GET form the server answers.
    admin.client.goto(&app.url("/admin/bookings")).await?;
    admin.fill("#filter-search", "nobody at all").await?;
    admin.click("form[role=search] button[type=submit]").await?;
    admin.wait_for("[data-testid=no-bookings]").await?;
    let url = admin.client.current_url().await?.to_string();
    assert!(url.contains("q=nobody+at+all"), "{url}");
    admin.close().await?;
    app.stop().await
}

#[tokio::test]
async fn a_guest_makes_and_revokes_a_token_changes_the_password_and_signs_out_everywhere_without_javascript()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let ada = app.account("Ada Lovelace", false).await?;
    let browser = Browser::without_javascript().await?;
    browser.sign_in(&app, &ada).await?;
    // A token: the page shows its secret once, then lists it.
    browser.client.goto(&app.url("/account")).await?;
    browser.fill("#name", "laptop").await?;
    browser
        .click("form[action$='create_api_token'] button[type=submit]")
        .await?;
    let secret = browser
        .wait_for_text_containing("#new-token code.token", "rbk_")
        .await?;
    browser
        .wait_for_text_containing("main table", "laptop")
        .await?;
    let url = browser.client.current_url().await?.to_string();
    assert!(!url.contains(&secret), "no secret in the address: {url}");
    browser.client.refresh().await?;
    browser
        .wait_for_text_containing("main table", "laptop")
        .await?;
    assert!(
        !browser.is_present("#new-token").await?,
        "the secret is shown once"
    );

    // Revoke: the account page comes back without it.
    browser
        .click("form[action$='revoke_api_token'] button[type=submit]")
        .await?;
    browser
        .wait_for_text_containing("main", "No API tokens yet.")
        .await?;

    // A wrong current password comes back as a message, the address
    // without the passwords.
    let new_password = "a brand new password";
    browser
        .fill("#current_password", "not the password at all")
        .await?;
    browser.fill("#new_password", new_password).await?;
    browser
        .click("form[action$='change_password'] button[type=submit]")
        .await?;
    browser
        .wait_for("main .alert.error, #current_password-error:not(:empty)")
        .await?;
    let url = browser.client.current_url().await?.to_string();
    assert!(
        !url.contains("brand") && !url.contains("not+the"),
        "no password in the address: {url}"
    );

    // The right one changes it.
    browser.fill("#current_password", &ada.password).await?;
    browser.fill("#new_password", new_password).await?;
    browser
        .click("form[action$='change_password'] button[type=submit]")
        .await?;
    browser
        .wait_for_text_containing("main .alert.success", "Password changed.")
        .await?;

    // Signing out everywhere lands on the home page, signed out.
    browser
        .click("form[action$='logout_everywhere'] button[type=submit]")
        .await?;
    browser.wait_for(".site-header a[href^='/login']").await?;
    assert_eq!(browser.client.current_url().await?.path(), "/");
    browser.client.goto(&app.url("/account")).await?;
    browser
        .wait_for_text_containing("main", "Sign in to see your account.")
        .await?;
    browser.close().await?;
    app.stop().await
}
