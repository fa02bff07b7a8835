//! The account page with the WASM: its forms check what is typed with the
//! shared rules before they post (the page without it is in
//! `no_javascript`).

use end2end::{Browser, TestApp};
use shared_schema::account::{MSG_SCOPES_REQUIRED, MSG_TOKEN_NAME_REQUIRED};

#[tokio::test]
async fn the_token_form_checks_as_the_guest_types_and_shows_the_secret_once() -> anyhow::Result<()>
{
    let app = TestApp::spawn().await?;
    let ada = app.account("Ada Lovelace", false).await?;
    let browser = Browser::start().await?;
    browser.sign_in(&app, &ada).await?;
    browser.open_hydrated(&app.url("/account")).await?;
    let submit = "form[action$='create_api_token'] button[type=submit]";

    // No name and no scope: both messages, and the page stays.
    browser.click("input[name='scopes[0]']").await?;
    browser
        .wait_for_text("#scopes-error", MSG_SCOPES_REQUIRED)
        .await?;
    browser.click(submit).await?;
    browser
        .wait_for_text("#name-error", MSG_TOKEN_NAME_REQUIRED)
        .await?;
    let url = browser.client.current_url().await?;
    assert_eq!(url.path(), "/account", "{url}");
    assert_eq!(url.query(), None, "an invalid form must not be sent: {url}");

    // Named, with a scope: the server's page shows the secret once.
    browser.fill("#name", "laptop").await?;
    browser.click("input[name='scopes[1]']").await?;
    browser.wait_for_text("#scopes-error", "").await?;
    browser.click(submit).await?;
    let secret = browser
        .wait_for_text_containing("#new-token code.token", "rbk_")
        .await?;
    browser
        .wait_for_text_containing("main table", "book")
        .await?;
    browser.wait_for("html[data-hydrated]").await?;
    browser
        .assert_accessible("the account page with a new token")
        .await?;
    browser.client.refresh().await?;
    browser.wait_for("html[data-hydrated]").await?;
    assert!(
        !browser.is_present("#new-token").await?,
        "the secret is shown once"
    );
    let page = browser.client.source().await?;
    assert!(!page.contains(&secret), "the secret is gone from the page");
    browser.close().await?;
    app.stop().await
}
