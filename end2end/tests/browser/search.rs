use chrono::{Days, Utc};
use end2end::{Browser, TestApp};
use fantoccini::Locator;
use shared_schema::stay::MSG_CHECKOUT_AFTER_CHECKIN;

#[tokio::test]
async fn search_form_validates_in_the_browser_and_searches_on_the_server() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    app.seed_room("Courtyard Double", 3).await?;
    let browser = Browser::start().await?;
    browser.open_hydrated(&app.url("/")).await?;

    // A check-out before the check-in: the shared-schema message appears
    // under the field while typing, and nothing is sent to the server.
    let today = Utc::now().date_naive();
    let check_in = today + Days::new(10);
    browser.type_date("#check_in", check_in).await?;
    browser
        .type_date("#check_out", check_in - Days::new(2))
        .await?;
    browser
        .wait_for_text("#check_out-error", MSG_CHECKOUT_AFTER_CHECKIN)
        .await?;
    browser.screenshot("search-invalid").await?;
    browser
        .client
        .find(Locator::Css("main button[type=submit]"))
        .await?
        .click()
        .await?;
    browser
        .wait_for_text("#check_out-error", MSG_CHECKOUT_AFTER_CHECKIN)
        .await?;
    let url = browser.client.current_url().await?;
    assert_eq!(url.query(), None, "an invalid form must not be sent: {url}");

    // A valid stay: the form goes to the server, which answers with the
    // page of results (no script asks for them), in view.
    browser
        .type_date("#check_out", check_in + Days::new(3))
        .await?;
    browser.wait_for_text("#check_out-error", "").await?;
    browser
        .client
        .find(Locator::Css("main button[type=submit]"))
        .await?
        .click()
        .await?;
    browser
        .wait_for_text("#results .offer h3", "Courtyard Double")
        .await?;
    browser
        .wait_for_text("#results .offer .total", "€360.00 for 3 nights")
        .await?;
    assert_eq!(
        browser.server_function_requests().await?,
        Vec::<String>::new(),
        "the results come in the server's page"
    );
    let url = browser.client.current_url().await?;
    assert!(
        url.query()
            .is_some_and(|q| q.contains(&format!("check_in={check_in}"))),
        "the search is kept in the URL: {url}"
    );
    assert_eq!(url.fragment(), Some("results"), "{url}");
    browser.wait_for_focus("results-title").await?;
    browser.screenshot("search-results").await?;

    browser.close().await?;
    app.stop().await
}
