//! A guest's journey: sign up, search, book from the calendar, see the
//! booking, cancel it; and two guests racing for the last unit.

use chrono::{Datelike, Days, Months, NaiveDate, Utc};
use end2end::{Browser, TestApp};
use fantoccini::key::Key;
use shared_schema::stay::MSG_CHECKOUT_AFTER_CHECKIN;

/// A stay of two nights early next month, so that both the check-in night
/// and the check-out day sit in the month the calendar opens on.
fn next_month_stay() -> (NaiveDate, NaiveDate) {
    let today = Utc::now().date_naive();
    let first = (today + Months::new(1)).with_day(1).expect("day 1 exists");
    (first + Days::new(3), first + Days::new(5))
}

fn night_button(date: NaiveDate) -> String {
    format!("button.night[data-date='{date}']")
}

#[tokio::test]
async fn guest_signs_up_books_from_the_calendar_and_cancels() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 2).await?;
    let browser = Browser::start().await?;
    let (check_in, check_out) = next_month_stay();

    // Sign up: the header greets the new guest.
    browser.open_hydrated(&app.url("/register")).await?;
    browser.fill("#name", "Grace Hopper").await?;
    browser.fill("#email", "grace@example.com").await?;
    browser.fill("#password", "a long enough password").await?;
    browser.screenshot("register").await?;
    browser.click("main button[type=submit]").await?;
    browser
        .wait_for_text(".site-header .user-name", "Grace Hopper")
        .await?;

    // Search, then open the room from its card.
    browser
        .open_hydrated(&app.url(&format!(
            "/?check_in={check_in}&check_out={check_out}&guests=2"
        )))
        .await?;
    browser
        .wait_for_text("#results .offer h3", "Garden Suite")
        .await?;
    browser.click("#results .offer h3 a").await?;
    browser.wait_for("table.month[role=grid]").await?;
    browser
        .wait_for_text_containing("#calendar-title", &check_in.format("%B %Y").to_string())
        .await?;

    // Choose the stay on the calendar: it fills the form.
    // A night's name is its content: the visible day and price, and the
    // hidden words around them.
    let check_in_label = browser.text_content(&night_button(check_in)).await?;
    assert!(
        check_in_label.contains(&format!("{} {}", check_in.day(), check_in.format("%B %Y")))
            && check_in_label.contains("2 left")
            && check_in_label.contains("€120 a night"),
        "a night's accessible name gives date, state and price: {check_in_label}"
    );
    browser.click(&night_button(check_in)).await?;
    browser.click(&night_button(check_out)).await?;
    let form_value = |css: &'static str| {
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
    assert_eq!(form_value("#check_in").await?, check_in.to_string());
    assert_eq!(form_value("#check_out").await?, check_out.to_string());
    browser
        .wait_for_text(".summary dd.total-line", "€240.00")
        .await?;
    browser.screenshot("room").await?;
    arrow_keys_move_between_nights(&browser, check_out).await?;

    // Book: the confirmation shows the reference.
    browser.click(".booking-panel button[type=submit]").await?;
    let reference = browser
        .wait_for_text_containing("[data-testid=reference]", "-")
        .await?;
    browser.screenshot("confirmation").await?;
    assert_eq!(app.booked(room, check_in).await?, 1);

    cancel_from_my_bookings(&browser, reference.trim()).await?;

    // The units came back, in the database and on the calendar.
    assert_eq!(app.booked(room, check_in).await?, 0);
    browser
        .open_hydrated(&app.url(&format!("/rooms/{room}?check_in={check_in}")))
        .await?;
    browser
        .wait_for_text_containing(&night_button(check_in), "€120")
        .await?;
    let label = browser.text_content(&night_button(check_in)).await?;
    assert!(label.contains("2 left"), "units are free again: {label}");

    browser.close().await?;
    app.stop().await
}

#[tokio::test]
async fn booking_form_shows_the_shared_message_without_asking_the_server() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Attic Single", 1).await?;
    let ada = app.account("Ada Lovelace", false).await?;
    let browser = Browser::start().await?;
    browser.sign_in(&app, &ada).await?;
    browser
        .open_hydrated(&app.url(&format!("/rooms/{room}")))
        .await?;

    let (check_in, _) = next_month_stay();
    browser.type_date("#check_in", check_in).await?;
    browser
        .type_date("#check_out", check_in - Days::new(1))
        .await?;
    browser
        .wait_for_text("#check_out-error", MSG_CHECKOUT_AFTER_CHECKIN)
        .await?;
    browser.click(".booking-panel button[type=submit]").await?;
    browser
        .wait_for_text("#check_out-error", MSG_CHECKOUT_AFTER_CHECKIN)
        .await?;
    let requests = browser.server_function_requests().await?;
    assert!(
        !requests.iter().any(|path| path.ends_with("/book")),
        "an invalid booking must not reach the server: {requests:?}"
    );
    // The same page on a phone: one column, the calendar still 7 across.
    browser.client.set_window_size(390, 844).await?;
    browser.wait_for("table.month[role=grid]").await?;
    browser.screenshot("room-phone").await?;
    browser.close().await?;
    app.stop().await
}

#[tokio::test]
async fn two_guests_race_for_the_last_unit_and_one_wins() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Last Room", 1).await?;
    let (check_in, check_out) = next_month_stay();
    let page = app.url(&format!(
        "/rooms/{room}?check_in={check_in}&check_out={check_out}&guests=1"
    ));
    let (first, second) = (Browser::start().await?, Browser::start().await?);
    for (browser, name) in [(&first, "First Guest"), (&second, "Second Guest")] {
        browser
            .sign_in(&app, &app.account(name, false).await?)
            .await?;
        browser.open_hydrated(&page).await?;
        browser
            .wait_for(".booking-panel button[type=submit]")
            .await?;
    }

    // Both confirm at once.
    let (a, b) = tokio::join!(
        first.click(".booking-panel button[type=submit]"),
        second.click(".booking-panel button[type=submit]")
    );
    a?;
    b?;
    let (first_won, second_won) = (got_the_room(&first).await?, got_the_room(&second).await?);
    assert!(first_won ^ second_won, "exactly one guest gets the room");
    let loser = if first_won { &second } else { &first };
    let message = loser
        .wait_for_text_containing(".booking-panel .sold-out", "Search other rooms")
        .await?;
    assert!(
        message.contains(&check_in.format("%-d %B %Y").to_string()),
        "the sold-out message names the night: {message}"
    );
    loser
        .client
        .execute(
            "document.querySelector('.sold-out').scrollIntoView({ block: 'center' })",
            vec![],
        )
        .await?;
    loser.screenshot("sold-out").await?;
    assert_eq!(app.booked(room, check_in).await?, 1);

    first.close().await?;
    second.close().await?;
    app.stop().await
}

/// My bookings lists the booking `reference`; cancelling it through the
/// dialog moves the focus to the outcome and the stay to "Cancelled".
async fn cancel_from_my_bookings(browser: &Browser, reference: &str) -> anyhow::Result<()> {
    // My bookings lists it; cancel through the dialog.
    browser.click("a[href='/bookings']").await?;
    let item = format!("li.booking[data-reference='{reference}']");
    browser.wait_for(&item).await?;
    browser.screenshot("my-bookings").await?;
    browser.click(&format!("{item} button.danger")).await?;
    browser.wait_for(&format!("{item} dialog[open]")).await?;
    browser.screenshot("cancel-dialog").await?;
    browser.assert_dialog_shows_all_text().await?;
    browser
        .click(&format!(
            "{item} dialog[open] .dialog-actions button.danger"
        ))
        .await?;
    // Focus lands on the outcome, and the stay moves to "Cancelled".
    browser.wait_for_focus("cancel-status").await?;
    browser
        .wait_for_text_containing(
            "#cancel-status",
            &format!("Booking {reference} cancelled. Its rooms are back on sale."),
        )
        .await?;
    let cancelled =
        format!("section[aria-labelledby=cancelled] li.booking[data-reference='{reference}']");
    browser
        .wait_for_text(&format!("{cancelled} .badge"), "Cancelled")
        .await?;
    assert!(
        browser
            .client
            .find(fantoccini::Locator::Css(&format!(
                "section[aria-labelledby=upcoming] li.booking[data-reference='{reference}']"
            )))
            .await
            .is_err(),
        "a cancelled stay is no longer upcoming"
    );
    Ok(())
}

/// Waits for the outcome of a booking attempt: the confirmation (true) or
/// the sold-out message (false).
async fn got_the_room(browser: &Browser) -> anyhow::Result<bool> {
    let outcome = browser
        .wait_for("[data-testid=reference], .booking-panel .sold-out")
        .await?;
    Ok(outcome.attr("data-testid").await?.is_some())
}

/// The grid is keyboard-operable: from the night `from`, arrows move the
/// focus by a day and by a week, across a month boundary too.
async fn arrow_keys_move_between_nights(browser: &Browser, from: NaiveDate) -> anyhow::Result<()> {
    let focused = |date: NaiveDate| format!("{}:focus", night_button(date));
    browser
        .wait_for(&night_button(from))
        .await?
        .send_keys(&Key::Right.to_string())
        .await?;
    browser
        .wait_for(&focused(from + Days::new(1)))
        .await?
        .send_keys(&Key::Up.to_string())
        .await?;
    browser.wait_for(&focused(from - Days::new(6))).await?;
    Ok(())
}

#[tokio::test]
async fn a_booking_page_cancels_its_booking_and_says_so() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 2).await?;
    let (check_in, check_out) = next_month_stay();
    let browser = Browser::start().await?;
    browser
        .sign_in(&app, &app.account("Ada Lovelace", false).await?)
        .await?;
    let id = browser.book(room, check_in, check_out).await?;
    assert_eq!(app.booked(room, check_in).await?, 1);

    browser
        .open_hydrated(&app.url(&format!("/bookings/{id}")))
        .await?;
    browser.click(".confirmation button.danger").await?;
    browser.wait_for(".confirmation dialog[open]").await?;
    browser
        .click(".confirmation dialog[open] .dialog-actions button.danger")
        .await?;
    browser.wait_for_focus("cancel-status").await?;
    browser
        .wait_for_text_containing("#cancel-status", "cancelled. Its rooms are back on sale.")
        .await?;
    browser
        .wait_for_text(".confirmation .badge", "Cancelled")
        .await?;
    assert!(
        browser
            .client
            .find(fantoccini::Locator::Css(".confirmation button.danger"))
            .await
            .is_err(),
        "a cancelled booking offers no cancel"
    );
    assert_eq!(app.booked(room, check_in).await?, 0);
    browser.close().await?;
    app.stop().await
}

#[tokio::test]
async fn a_guest_with_more_bookings_than_a_page_pages_back_to_the_oldest_with_and_without_javascript()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 2).await?;
    let guest = app.account("Frequent Guest", false).await?;
    // 120 one-night stays in the past, the n-th n days ago: RB-FRQ00120 is
    // the oldest, beyond the first page of 100.
    sqlx::query(
        "insert into bookings
             (reference, user_id, room_id, check_in, check_out, guests, units, total_cents, currency)
         select 'RB-FRQ' || lpad(n::text, 5, '0'), u.id, $1,
                current_date - n, current_date - n + 1, 1, 1, 12000, 'EUR'
           from users u cross join generate_series(1, 120) n
          where u.email = $2",
    )
    .bind(room)
    .bind(&guest.email)
    .execute(&app.pool)
    .await?;
    let oldest = "li[data-reference='RB-FRQ00120']";
    let newest = "li[data-reference='RB-FRQ00001']";

    let browser = Browser::start().await?;
    browser.sign_in(&app, &guest).await?;
    browser.open_hydrated(&app.url("/bookings")).await?;
    browser.wait_for(newest).await?;
    assert!(!browser.is_present(oldest).await?, "beyond the first page");
    browser.click("[data-testid=older-bookings]").await?;
    browser.wait_for(oldest).await?;
    assert!(!browser.is_present(newest).await?);
    browser.click("[data-testid=newer-bookings]").await?;
    browser.wait_for(newest).await?;
    assert!(!browser.is_present(oldest).await?);
    assert!(
        !browser.is_present("[data-testid=newer-bookings]").await?,
        "the newest page"
    );
    browser.close().await?;

    // Without JavaScript the same links are plain links the server answers.
    let plain = Browser::without_javascript().await?;
    plain.sign_in(&app, &guest).await?;
    plain.client.goto(&app.url("/bookings")).await?;
    plain.wait_for(newest).await?;
    plain.click("[data-testid=older-bookings]").await?;
    plain.wait_for(oldest).await?;
    assert!(!plain.is_present(newest).await?);
    plain.click("[data-testid=newer-bookings]").await?;
    plain.wait_for(newest).await?;
    assert!(!plain.is_present(oldest).await?);
    plain.close().await?;
    app.stop().await
}
