//! The admins' booking search reaches every booking, not only the newest
//! page: by e-mail or reference, with JavaScript (as the filters change)
//! and without (a GET form and links the server answers), and pages go
//! older and newer. And a photo too
//! large for the plain upload form brings the admin back to the form with
//! the reason, not to a bare error page.

use end2end::{Browser, TestApp};
use fantoccini::Locator;

/// The rare guest's one booking, older than the busy guest's 120.
const RARE_REFERENCE: &str = "RB-RAR00001";

/// A busy guest with 120 recent bookings and a rare one with a single
/// stay a year ago: more than one page (100) of bookings is newer than it.
async fn seed_bookings(app: &TestApp) -> anyhow::Result<()> {
    let room = app.seed_room("Garden Suite", 2).await?;
    app.account("Busy Guest", false).await?;
    app.account("Rare Visitor", false).await?;
    sqlx::query(
        "insert into bookings
             (reference, user_id, room_id, check_in, check_out, guests, units, total_cents, currency)
         select case when u.name = 'Rare Visitor' then 'RB-RAR' else 'RB-BSY' end
                    || lpad(n::text, 5, '0'),
                u.id, $1,
                current_date - case when u.name = 'Rare Visitor' then 365 else n end,
                current_date - case when u.name = 'Rare Visitor' then 364 else n - 1 end,
                1, 1, 12000, 'EUR'
           from users u
           cross join lateral generate_series(1, case when u.name = 'Rare Visitor' then 1 else 120 end) n
          where u.name in ('Busy Guest', 'Rare Visitor')",
    )
    .bind(room)
    .execute(&app.pool)
    .await?;
    Ok(())
}

fn row(reference: &str) -> String {
    format!("tr[data-reference='{reference}']")
}

/// How many bookings the table lists.
async fn rows(browser: &Browser) -> anyhow::Result<usize> {
    Ok(browser
        .client
        .find_all(Locator::Css("tr[data-reference]"))
        .await?
        .len())
}

#[tokio::test]
async fn an_admin_finds_a_booking_older_than_the_newest_hundred_by_email_or_reference()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    seed_bookings(&app).await?;
    let admin = Browser::admin(&app).await?;
    admin.open_hydrated(&app.url("/admin/bookings")).await?;
    admin.wait_for(&row("RB-BSY00001")).await?;
    assert_eq!(rows(&admin).await?, 100, "one page");
    assert!(!admin.is_present(&row(RARE_REFERENCE)).await?);

    // By e-mail, in another case: the server searches every booking.
    admin.fill("#filter-search", "RARE.visitor@Example").await?;
    admin.wait_for(&row(RARE_REFERENCE)).await?;
    assert_eq!(rows(&admin).await?, 1);
    let url = admin
        .wait_for_url("the search in the address", |url| {
            url.contains("q=RARE.visitor%40Example")
        })
        .await?;
    assert!(url.contains("/admin/bookings?"), "{url}");

    // By the start of the reference, in lower case.
    admin.fill("#filter-search", "rb-bsy00120").await?;
    admin.wait_for(&row("RB-BSY00120")).await?;
    admin.fill("#filter-search", "rb-rar").await?;
    admin.wait_for(&row(RARE_REFERENCE)).await?;
    assert_eq!(rows(&admin).await?, 1);

    // Without a search, the older page holds it too.
    admin.fill("#filter-search", " ").await?;
    admin.wait_for("[data-testid=older-bookings]").await?;
    admin.click("[data-testid=older-bookings]").await?;
    admin.wait_for(&row(RARE_REFERENCE)).await?;
    assert_eq!(rows(&admin).await?, 21);
    admin.wait_for("[data-testid=newest-bookings]").await?;
    admin
        .wait_for_url("the page's cursor in the address", |url| {
            url.contains("cursor=")
        })
        .await?;
    // And back to the newer page.
    admin.click("[data-testid=newer-bookings]").await?;
    admin.wait_for(&row("RB-BSY00001")).await?;
    assert_eq!(rows(&admin).await?, 100);
    assert!(!admin.is_present(&row(RARE_REFERENCE)).await?);
    assert!(
        !admin.is_present("[data-testid=newer-bookings]").await?,
        "the newest page"
    );
    admin.close().await?;
    app.stop().await
}

#[tokio::test]
async fn without_javascript_an_admin_finds_an_old_booking_by_email_or_reference_and_pages_to_it()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    seed_bookings(&app).await?;
    let admin = Browser::without_javascript().await?;
    admin
        .sign_in(&app, &app.account("Ada Admin", true).await?)
        .await?;
    admin.client.goto(&app.url("/admin/bookings")).await?;
    admin.wait_for(&row("RB-BSY00001")).await?;
    assert!(!admin.is_present(&row(RARE_REFERENCE)).await?);

    // The search is a GET form; the server's page lists what it found.
    for (search, in_address) in [
        ("rare.VISITOR@example.com", "q=rare.VISITOR%40example.com"),
        (RARE_REFERENCE, "q=RB-RAR00001"),
    ] {
        admin.fill("#filter-search", search).await?;
        admin.click("form[role=search] button[type=submit]").await?;
        admin
            .wait_for_url(in_address, |url| url.contains(in_address))
            .await?;
        admin.wait_for(&row(RARE_REFERENCE)).await?;
        assert_eq!(rows(&admin).await?, 1, "{search}");
    }

    // "Older bookings" is a plain link to the next page.
    admin.fill("#filter-search", "").await?;
    admin.click("form[role=search] button[type=submit]").await?;
    admin.wait_for(&row("RB-BSY00001")).await?;
    admin.click("[data-testid=older-bookings]").await?;
    admin.wait_for(&row(RARE_REFERENCE)).await?;
    assert!(!admin.is_present(&row("RB-BSY00001")).await?);
    // "Newer bookings" is a plain link back.
    admin.click("[data-testid=newer-bookings]").await?;
    admin.wait_for(&row("RB-BSY00001")).await?;
    assert!(!admin.is_present(&row(RARE_REFERENCE)).await?);
    assert!(
        admin
            .client
            .find(Locator::Css("html[data-hydrated]"))
            .await
            .is_err(),
        "JavaScript is off"
    );
    admin.close().await?;
    app.stop().await
}

#[tokio::test]
async fn a_photo_over_the_limit_posted_without_javascript_comes_back_to_the_form_with_the_reason()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Photo Suite", 2).await?;
    // 12 MiB: over the 10 MiB limit and its framing allowance. Refused
    // from its declared length, so its bytes need not be an image.
    let file = std::env::temp_dir().join(format!("roombook-big-{}.jpg", uuid::Uuid::new_v4()));
    std::fs::write(&file, vec![0xAB_u8; 12 * 1024 * 1024])?;
    let admin = Browser::without_javascript().await?;
    admin
        .sign_in(&app, &app.account("Ada Admin", true).await?)
        .await?;
    admin
        .client
        .goto(&app.url(&format!("/admin/rooms/{room}")))
        .await?;
    admin.fill("#photo-alt", "A very large photo").await?;
    admin
        .wait_for("#photo-file")
        .await?
        .send_keys(&file.to_string_lossy())
        .await?;
    admin
        .click("#photos form[enctype='multipart/form-data'] button[type=submit]")
        .await?;
    admin
        .wait_for_text_containing("main .alert.error", "That photo is larger than 10 MiB.")
        .await?;
    let url = admin.client.current_url().await?.to_string();
    assert!(
        url.contains(&format!("/admin/rooms/{room}")),
        "back on the room's page: {url}"
    );
    admin.wait_for("#photo-file").await?;
    assert!(!admin.is_present(".admin-photo").await?, "nothing stored");
    std::fs::remove_file(&file).ok();
    admin.close().await?;
    app.stop().await
}
