//! The admin's journey: create a room, close a night, and guests no longer
//! find the room for it; guests cannot open the admin pages.

use chrono::{Days, Utc};
use end2end::{Browser, BrowserOptions, PHONE, TestApp};

#[tokio::test]
async fn admin_creates_a_room_and_closes_a_night_guests_then_miss_it() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = Browser::admin(&app).await?;

    // Create a room.
    admin.open_hydrated(&app.url("/admin")).await?;
    admin.fill("#name", "Harbour Loft").await?;
    admin.fill("#capacity", "2").await?;
    admin.fill("#price", "150").await?;
    // Typed in lower case: upper-cased, not refused.
    admin.fill("#currency", "eur").await?;
    admin.fill("#total_inventory", "1").await?;
    admin.fill("#description", "Top floor, sea view.").await?;
    admin
        .click("#new-room-title ~ form button[type=submit]")
        .await?;
    new_room_is_confirmed(&admin).await?;
    admin.screenshot("admin-rooms").await?;

    // Close one night on its inventory page.
    let night = Utc::now().date_naive() + Days::new(7);
    admin.click("table.data th[scope=row] a").await?;
    admin.wait_for("#inventory-title").await?;
    every_label_names_its_own_field(&admin).await?;
    admin.type_date("#inventory-from", night).await?;
    admin
        .type_date("#inventory-to", night + Days::new(1))
        .await?;
    admin.close_chosen_nights(1).await?;
    admin
        .wait_for_text_containing(&format!("tr[data-night='{night}']"), "Closed")
        .await?;
    admin.screenshot("admin-inventory").await?;

    admin.open_hydrated(&app.url("/admin/occupancy")).await?;
    admin
        .wait_for_text_containing(&format!("td[data-night='{night}']"), "closed")
        .await?;
    admin.screenshot("admin-occupancy").await?;
    admin.open_hydrated(&app.url("/admin/bookings")).await?;
    admin.wait_for("#filter-status").await?;
    admin.screenshot("admin-bookings").await?;

    // A guest: a stay over the closed night finds nothing, a stay next to
    // it finds the room.
    let guest = Browser::start().await?;
    let search = |from: chrono::NaiveDate| {
        app.url(&format!(
            "/?check_in={from}&check_out={}&guests=2",
            from + Days::new(2)
        ))
    };
    guest.open_hydrated(&search(night - Days::new(1))).await?;
    guest.wait_for(".empty-state").await?;
    guest.open_hydrated(&search(night + Days::new(1))).await?;
    guest
        .wait_for_text("#results .offer h3", "Harbour Loft")
        .await?;

    admin.close().await?;
    guest.close().await?;
    app.stop().await
}

/// A new room gets a confirmation that names it, the list shows it with
/// its price in the currency typed in lower case, and the form is empty.
async fn new_room_is_confirmed(admin: &Browser) -> anyhow::Result<()> {
    admin
        .wait_for_text_containing(
            "#room-created",
            "Room \u{201c}Harbour Loft\u{201d} created.",
        )
        .await?;
    admin
        .wait_for_text("table.data th[scope=row] a", "Harbour Loft")
        .await?;
    admin
        .wait_for_text_containing("table.data tbody tr", "€150.00")
        .await?;
    assert_eq!(
        admin
            .wait_for("#name")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default(),
        ""
    );
    Ok(())
}

/// Every id once on the room page, so every label names its own field.
async fn every_label_names_its_own_field(admin: &Browser) -> anyhow::Result<()> {
    let duplicates = admin
        .client
        .execute(
            "const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
             return ids.filter((id, i) => ids.indexOf(id) !== i);",
            vec![],
        )
        .await?;
    assert_eq!(duplicates, serde_json::json!([]), "ids used twice");
    let price_label = admin
        .client
        .execute(
            "return document.querySelector('label[for=inventory-price]').control.closest('form')
                 === document.querySelector('#inventory-title ~ form');",
            vec![],
        )
        .await?;
    assert_eq!(
        price_label,
        serde_json::Value::Bool(true),
        "the inventory's price label"
    );
    Ok(())
}

#[tokio::test]
async fn a_guest_gets_not_found_for_admin_pages() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let guest = Browser::start().await?;
    guest
        .sign_in(&app, &app.account("Gus Guest", false).await?)
        .await?;
    for path in ["/admin", "/admin/bookings", "/admin/occupancy"] {
        guest.open_hydrated(&app.url(path)).await?;
        guest.wait_for_text("main h1", "Page not found").await?;
    }
    guest.close().await?;
    app.stop().await
}

#[tokio::test]
async fn an_admin_finds_a_booking_by_guest_or_reference_and_cancels_it_on_a_phone()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 3).await?;
    let check_in = Utc::now().date_naive() + Days::new(20);
    let mut references = Vec::new();
    for name in ["Grace Hopper", "Alan Turing"] {
        let guest = Browser::start().await?;
        guest
            .sign_in(&app, &app.account(name, false).await?)
            .await?;
        let id = guest.book(room, check_in, check_in + Days::new(2)).await?;
        guest
            .open_hydrated(&app.url(&format!("/bookings/{id}")))
            .await?;
        references.push(guest.text_content("[data-testid=reference]").await?);
        guest.close().await?;
    }

    let admin = Browser::start_with(BrowserOptions {
        size: PHONE,
        ..BrowserOptions::default()
    })
    .await?;
    admin
        .sign_in(&app, &app.account("Ada Admin", true).await?)
        .await?;
    admin.open_hydrated(&app.url("/admin/bookings")).await?;
    let row = |reference: &str| format!("tr[data-reference='{}']", reference.trim());
    admin.wait_for(&row(&references[0])).await?;
    admin.wait_for(&row(&references[1])).await?;

    // By name (any case), by e-mail, then by reference.
    // The server searches once typing pauses: wait for its answer.
    admin.fill("#filter-search", "grace").await?;
    wait_for_only(&admin, "Grace Hopper", "Alan Turing").await?;
    admin.fill("#filter-search", "alan.turing@EXAMPLE").await?;
    wait_for_only(&admin, "Alan Turing", "Grace Hopper").await?;
    admin.fill("#filter-search", references[1].trim()).await?;
    wait_for_only(&admin, "Alan Turing", "Grace Hopper").await?;

    // The dialog names the guest and shows all of its text at 390 px.
    let alan = row(&references[1]);
    admin.click(&format!("{alan} button.danger")).await?;
    let dialog = format!("{alan} dialog[open]");
    admin
        .wait_for_text_containing(&dialog, "Alan Turing")
        .await?;
    admin.assert_dialog_shows_all_text().await?;
    admin.screenshot("admin-cancel-dialog-phone").await?;
    admin
        .assert_accessible("the admin's cancel dialog at 390 px")
        .await?;
    admin
        .click(&format!("{dialog} .dialog-actions button.danger"))
        .await?;
    admin.wait_for_focus("cancel-status").await?;
    admin
        .wait_for_text_containing(&format!("{alan} .badge"), "Cancelled")
        .await?;
    admin.close().await?;
    app.stop().await
}

/// Waits until the bookings table lists `shown` and not `hidden`.
async fn wait_for_only(admin: &Browser, shown: &str, hidden: &str) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + end2end::WAIT;
    loop {
        let text = admin.text_content("table.data tbody").await?;
        if text.contains(shown) && !text.contains(hidden) {
            return Ok(());
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the table shows {text:?}, expected {shown:?} without {hidden:?}"
        );
        // Polling interval of the DOM, not a wait for an outcome.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Guest pages hydrate with the guest bundle, which has no admin pages:
/// the header's link and any client-side way into `/admin` load the page
/// from the server, which hydrates it with the admin bundle (ADR 0013).
#[tokio::test]
async fn the_way_into_the_admin_pages_loads_the_admin_bundle() -> anyhow::Result<()> {
    use fantoccini::Locator;
    const GUEST_BUNDLE: &str = r#"link[rel=modulepreload][href^="/pkg/roombook."]"#;
    const ADMIN_BUNDLE: &str = r#"link[rel=modulepreload][href^="/pkg/roombook-admin."]"#;
    let app = TestApp::spawn().await?;
    let admin = Browser::admin(&app).await?;

    admin.open_hydrated(&app.url("/")).await?;
    admin.wait_for(GUEST_BUNDLE).await?;
    assert!(
        admin
            .client
            .find_all(Locator::Css(ADMIN_BUNDLE))
            .await?
            .is_empty(),
        "a guest page loads the admin bundle"
    );
    admin.click(r#".site-header a[href="/admin"]"#).await?;
    admin.wait_for(ADMIN_BUNDLE).await?;
    admin.wait_for("html[data-hydrated]").await?;
    admin.wait_for("#new-room-title").await?;

    // A link the router handles (no rel="external"), as a redirect after
    // signing in would be: the guest bundle's catch-all loads the page.
    admin.open_hydrated(&app.url("/bookings")).await?;
    admin
        .client
        .execute(
            "const a = document.createElement('a');
             a.href = '/admin/bookings'; a.id = 'to-admin'; a.textContent = 'to admin';
             document.body.append(a);",
            vec![],
        )
        .await?;
    admin.click("#to-admin").await?;
    admin
        .wait_for_url("the admin bookings page", |url| {
            url.ends_with("/admin/bookings")
        })
        .await?;
    admin.wait_for(ADMIN_BUNDLE).await?;
    admin.wait_for("html[data-hydrated]").await?;
    assert!(
        admin
            .client
            .find_all(Locator::Css(GUEST_BUNDLE))
            .await?
            .is_empty(),
        "an admin page loads the guest bundle"
    );

    admin.close().await?;
    app.stop().await
}
