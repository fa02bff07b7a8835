//! The admin's inventory calendar: a range of nights chosen on it with the
//! mouse (click, shift-click; click, click on a phone) or with the keyboard
//! alone fills the inventory form; once the form closes them, the calendar,
//! the table and the database agree.

use std::time::Duration;

use chrono::{Datelike, Days, NaiveDate, Utc};
use end2end::{Browser, BrowserOptions, PHONE, TestApp};
use fantoccini::{
    actions::{InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction},
    key::Key,
};

fn night(date: NaiveDate) -> String {
    format!(".inventory-calendar button.night[data-date='{date}']")
}

/// Signs in as an admin and opens the room's page once its calendar has
/// loaded.
async fn open_inventory(browser: &Browser, app: &TestApp, room: uuid::Uuid) -> anyhow::Result<()> {
    browser
        .sign_in(app, &app.account("Ada Admin", true).await?)
        .await?;
    browser
        .open_hydrated(&app.url(&format!("/admin/rooms/{room}")))
        .await?;
    browser
        .wait_for(".inventory-calendar table.month[aria-busy='false'] button.night.free")
        .await?;
    Ok(())
}

/// The inventory form's first and end dates.
async fn form_range(browser: &Browser) -> anyhow::Result<(String, String)> {
    let value = |css: &'static str| async move {
        anyhow::Ok(
            browser
                .wait_for(css)
                .await?
                .prop("value")
                .await?
                .unwrap_or_default(),
        )
    };
    Ok((
        value("#inventory-from").await?,
        value("#inventory-to").await?,
    ))
}

/// Waits until the form names the nights `first..=last`.
async fn form_names(browser: &Browser, first: NaiveDate, last: NaiveDate) -> anyhow::Result<()> {
    let expected = (first.to_string(), (last + Days::new(1)).to_string());
    let deadline = tokio::time::Instant::now() + end2end::WAIT;
    loop {
        let range = form_range(browser).await?;
        if range == expected {
            return Ok(());
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the form names {range:?}, expected {expected:?}"
        );
        // Polling interval of the DOM, not a wait for an outcome.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Holds Shift while clicking the element matching `css`.
async fn shift_click(browser: &Browser, css: &str) -> anyhow::Result<()> {
    let element = browser.wait_for(css).await?;
    let pause = || KeyAction::Pause {
        duration: Duration::ZERO,
    };
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down {
            value: Key::Shift.into(),
        })
        .then(pause())
        .then(pause())
        .then(KeyAction::Up {
            value: Key::Shift.into(),
        });
    let mouse = MouseActions::new("mouse".to_owned())
        .then(PointerAction::MoveToElement {
            element,
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Pause {
            duration: Duration::ZERO,
        });
    browser
        .client
        .perform_actions(fantoccini::actions::Actions::from(keys).and(mouse))
        .await?;
    browser.client.release_actions().await?;
    Ok(())
}

/// Presses `key` (with Shift held if `shift`) wherever the focus is, then
/// waits until the focus is on the night `focus`.
async fn press(browser: &Browser, key: Key, shift: bool, focus: NaiveDate) -> anyhow::Result<()> {
    let mut keys = KeyActions::new("keyboard".to_owned());
    if shift {
        keys = keys.then(KeyAction::Down {
            value: Key::Shift.into(),
        });
    }
    keys = keys
        .then(KeyAction::Down { value: key.into() })
        .then(KeyAction::Up { value: key.into() });
    if shift {
        keys = keys.then(KeyAction::Up {
            value: Key::Shift.into(),
        });
    }
    browser.client.perform_actions(keys).await?;
    let deadline = tokio::time::Instant::now() + end2end::WAIT;
    loop {
        let focused = browser
            .client
            .execute(
                "const e = document.activeElement; return e && e.dataset ? (e.dataset.date || '') : '';",
                vec![],
            )
            .await?;
        if focused.as_str() == Some(focus.to_string().as_str()) {
            return Ok(());
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the focus is on {focused}, expected it on {focus}"
        );
        // Polling interval of the DOM, not a wait for an outcome.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The calendar and the table show `nights` closed and the night after
/// them open, and the database agrees.
async fn closed_everywhere(
    browser: &Browser,
    app: &TestApp,
    room: uuid::Uuid,
    nights: &[NaiveDate],
) -> anyhow::Result<()> {
    let closed_in_db = |night: NaiveDate| {
        sqlx::query_scalar::<_, bool>(
            "select closed from room_availability where room_id = $1 and night = $2",
        )
        .bind(room)
        .bind(night)
        .fetch_one(&app.pool)
    };
    for &date in nights {
        browser.wait_for(&format!("{}.closed", night(date))).await?;
        let text = browser.text_content(&night(date)).await?;
        assert!(text.contains("closed"), "{date}: {text}");
        browser
            .wait_for_text_containing(&format!("tr[data-night='{date}']"), "Closed")
            .await?;
        assert!(
            closed_in_db(date).await?,
            "{date} is closed in the database"
        );
    }
    let after = *nights.last().expect("some nights") + Days::new(1);
    browser.wait_for(&format!("{}.free", night(after))).await?;
    assert!(!closed_in_db(after).await?, "{after} stays open");
    Ok(())
}

#[tokio::test]
async fn an_admin_closes_nights_chosen_with_a_click_and_a_shift_click() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Garden Suite", 3).await?;
    let today = Utc::now().date_naive();
    let (first, last) = (today + Days::new(3), today + Days::new(5));
    let browser = Browser::start().await?;
    open_inventory(&browser, &app, room).await?;

    // Each night says what it is: rooms free of those on sale, and its price.
    let text = browser.text_content(&night(first)).await?;
    assert!(text.contains("3/3 free") && text.contains("€120"), "{text}");

    browser.click(&night(first)).await?;
    form_names(&browser, first, first).await?;
    shift_click(&browser, &night(last)).await?;
    form_names(&browser, first, last).await?;
    browser
        .wait_for_text_containing("[data-testid=inventory-choice]", "(3 nights)")
        .await?;
    for date in [first, first + Days::new(1), last] {
        browser
            .wait_for(&format!(
                ".inventory-calendar td[aria-selected=true] > button.night[data-date='{date}']"
            ))
            .await?;
    }

    browser.close_chosen_nights(3).await?;
    closed_everywhere(&browser, &app, room, &[first, first + Days::new(1), last]).await?;
    browser.screenshot("admin-inventory-calendar").await?;
    browser
        .assert_accessible("the inventory calendar with closed nights chosen")
        .await?;

    // On a phone: one month that fits, and two taps choose a range.
    browser.client.set_window_size(PHONE.0, PHONE.1).await?;
    let overflow = browser
        .client
        .execute(
            "const c = document.querySelector('.inventory-calendar');
             const months = [...c.querySelectorAll('table.month')].filter(t => t.offsetParent);
             return [months.length, document.documentElement.scrollWidth > window.innerWidth,
                     c.scrollWidth > c.clientWidth];",
            vec![],
        )
        .await?;
    assert_eq!(
        overflow,
        serde_json::json!([1, false, false]),
        "one month, nothing wider than the phone"
    );
    // Two nights of the month on show (today's, unless it ends too soon).
    let (first, last) = if (today + Days::new(2)).month() == today.month() {
        (today + Days::new(1), today + Days::new(2))
    } else {
        browser
            .click(".inventory-calendar .calendar-nav button:last-child")
            .await?;
        let next = (today + Days::new(2)).with_day(1).expect("day 1 exists");
        (next, next + Days::new(1))
    };
    browser.click(&night(first)).await?;
    browser.click(&night(last)).await?;
    form_names(&browser, first, last).await?;
    browser.screenshot("admin-inventory-calendar-phone").await?;

    browser.close().await?;
    app.stop().await
}

#[tokio::test]
async fn an_admin_closes_nights_chosen_with_the_keyboard_alone() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Harbour Loft", 2).await?;
    let today = Utc::now().date_naive();
    let browser = Browser::start_with(BrowserOptions {
        dark: true,
        ..BrowserOptions::default()
    })
    .await?;
    open_inventory(&browser, &app, room).await?;

    // The grid's one tab stop is today (the form's first date); Tab from
    // the button before it reaches it.
    browser
        .wait_for(&format!("{}[tabindex='0']", night(today)))
        .await?;
    browser
        .client
        .execute(
            "document.querySelector('.inventory-calendar .calendar-nav button:last-child').focus();",
            vec![],
        )
        .await?;
    press(&browser, Key::Tab, false, today).await?;
    press(&browser, Key::Down, false, today + Days::new(7)).await?;
    for day in 8..=10 {
        press(&browser, Key::Right, false, today + Days::new(day)).await?;
    }
    let first = today + Days::new(10);
    press(&browser, Key::Enter, false, first).await?;
    form_names(&browser, first, first).await?;
    press(&browser, Key::Right, true, first + Days::new(1)).await?;
    form_names(&browser, first, first + Days::new(1)).await?;
    let last = first + Days::new(2);
    press(&browser, Key::Right, false, last).await?;
    press(&browser, Key::Enter, true, last).await?;
    form_names(&browser, first, last).await?;
    browser
        .wait_for_text_containing("[data-testid=inventory-choice]", "(3 nights)")
        .await?;

    // On to the form with the keyboard too: the choice of "close", then
    // the submit button.
    browser
        .client
        .execute(
            "document.querySelector('#inventory-closed').focus();",
            vec![],
        )
        .await?;
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down {
            value: Key::Down.into(),
        })
        .then(KeyAction::Up {
            value: Key::Down.into(),
        });
    browser.client.perform_actions(keys).await?;
    let chosen = browser
        .wait_for("#inventory-closed")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert_eq!(chosen, "close");
    browser
        .wait_for("#inventory-title ~ form button[type=submit]")
        .await?
        .send_keys(&Key::Enter.to_string())
        .await?;
    browser
        .wait_for_text_containing(".alert.success", "Updated 3 night")
        .await?;
    closed_everywhere(&browser, &app, room, &[first, first + Days::new(1), last]).await?;
    browser
        .assert_accessible("the inventory calendar in the dark scheme, closed nights chosen")
        .await?;

    browser.close().await?;
    app.stop().await
}
