//! The admin's journey: create a room, close a night, and guests no longer
//! find the room for it; guests cannot open the admin pages.

use chrono::{Days, Utc};
use end2end::{Browser, TestApp};

#[tokio::test]
async fn admin_creates_a_room_and_closes_a_night_guests_then_miss_it() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let admin = Browser::start().await?;
    admin
        .sign_in(&app, &app.account("Ada Admin", true).await?)
        .await?;

    // Create a room.
    admin.open_hydrated(&app.url("/admin")).await?;
    admin.fill("#name", "Harbour Loft").await?;
    admin.fill("#capacity", "2").await?;
    admin.fill("#price", "150").await?;
    admin.fill("#total_inventory", "1").await?;
    admin.fill("#description", "Top floor, sea view.").await?;
    admin
        .click("#new-room-title + form button[type=submit]")
        .await?;
    admin
        .wait_for_text("table.data th[scope=row] a", "Harbour Loft")
        .await?;
    admin.screenshot("admin-rooms").await?;

    // Close one night on its inventory page.
    let night = Utc::now().date_naive() + Days::new(7);
    admin.click("table.data th[scope=row] a").await?;
    admin.wait_for("#inventory-title").await?;
    admin.type_date("#from", night).await?;
    admin.type_date("#to", night + Days::new(1)).await?;
    admin
        .client
        .execute(
            "const s = document.querySelector('#closed'); s.value = 'close';
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await?;
    admin
        .click("#inventory-title ~ form button[type=submit]")
        .await?;
    admin
        .wait_for_text_containing(".alert.success", "Updated 1 night")
        .await?;
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
