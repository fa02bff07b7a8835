//! Property tests of the shared parsers and rules: whatever a browser form,
//! a server function or a REST client sends, they never panic, and what
//! they accept keeps every rule (dates in the window, counts in range, text
//! without control characters).

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use shared_schema::{
    BookingWindow, auth,
    booking::NewBooking,
    form::{FilterForm, InventoryForm, RoomForm, SearchForm, parse_date, parse_int},
    inventory::InventoryEdit,
    rooms, stay,
    text::has_control_chars,
    validated,
};

/// Any date chrono can hold, from -262144 to +262143.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    let (min, max) = (
        NaiveDate::MIN.num_days_from_ce(),
        NaiveDate::MAX.num_days_from_ce(),
    );
    (min..=max).prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).expect("in range"))
}

/// Dates mostly near the window, sometimes anywhere.
fn date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        3 => (-400i64..800).prop_map(|d| today() + chrono::Duration::days(d)),
        1 => any_date(),
    ]
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date")
}

/// Any window, including ones at the ends of the calendar and with absurd
/// horizons.
fn window() -> impl Strategy<Value = BookingWindow> {
    (
        prop_oneof![3 => Just(today()), 1 => any_date()],
        prop_oneof![3 => Just(stay::DEFAULT_HORIZON_DAYS), 1 => any::<i32>()],
    )
        .prop_map(|(today, horizon)| BookingWindow::new(today, horizon))
}

/// What a form field may hold: dates and numbers as typed, their extremes,
/// control characters, anything.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        date().prop_map(|d| d.format("%Y-%m-%d").to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<i32>().prop_map(|n| n.to_string()),
        Just("9223372036854775808".to_owned()),
        Just("1e400".to_owned()),
        Just("+262143-12-31".to_owned()),
        Just("-262144-01-01".to_owned()),
        Just("2030-02-30".to_owned()),
        "[0-9 .,+-]{0,24}",
        any::<String>(),
        "\\PC{0,5}[\\x00-\\x1f\\x7f]\\PC{0,5}",
    ]
}

/// Text with a control character somewhere, surrounded by ordinary text.
fn with_control() -> impl Strategy<Value = String> {
    (
        "[a-z ]{0,10}",
        "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]",
        "[a-z ]{0,10}",
    )
        .prop_map(|(before, control, after)| format!("x{before}{control}{after}x"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn a_search_form_parses_into_a_search_inside_the_window_or_names_its_fields(
        check_in in field(), check_out in field(), guests in field(), units in field(),
        window in window(),
    ) {
        let form = SearchForm { check_in, check_out, guests, units };
        match form.parse(&window) {
            Ok(search) => {
                prop_assert!(search.check_in >= window.today);
                prop_assert!(search.check_out > search.check_in);
                prop_assert!(stay::nights(search.check_in, search.check_out) <= i64::from(stay::MAX_NIGHTS));
                prop_assert!(window.contains_stay(search.check_in, search.check_out));
                prop_assert!((1..=stay::MAX_GUESTS).contains(&search.guests));
                prop_assert!((1..=stay::MAX_UNITS).contains(&search.units));
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for error in &errors {
                    prop_assert!(
                        ["check_in", "check_out", "guests", "units"].contains(&error.field.as_str()),
                        "{:?}", error
                    );
                }
            }
        }
    }

    #[test]
    fn the_other_forms_never_panic(
        a in field(), b in field(), c in field(), d in field(), e in field(), f in field(),
        window in window(),
    ) {
        let _ = FilterForm { sort: a.clone(), min_price: b.clone(), max_price: c.clone() }.parse();
        let room = RoomForm {
            name: a.clone(), description: b.clone(), capacity: c.clone(),
            price: d.clone(), currency: e.clone(), total_inventory: f.clone(),
        };
        if let Ok(room) = room.parse() {
            prop_assert!(!has_control_chars(&room.name, false));
            prop_assert!((1..=rooms::MAX_PRICE_CENTS).contains(&room.price_cents));
        }
        let edit = InventoryForm { from: a, to: b, total: c, price: d, ..Default::default() };
        if let Ok(edit) = edit.parse(&window) {
            prop_assert!(edit.from >= window.today);
            prop_assert!(edit.to > edit.from);
        }
    }

    #[test]
    fn date_and_number_parsers_refuse_what_is_not_one(raw in field()) {
        let mut errors = shared_schema::FieldErrors::new();
        let date = parse_date("d", &raw, "empty", &mut errors);
        prop_assert_eq!(date.is_some(), errors.is_empty());
        if let Some(date) = date {
            prop_assert_eq!(date, NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").expect("parsed"));
        }
        let mut errors = shared_schema::FieldErrors::new();
        let number: Option<i32> = parse_int("n", &raw, "empty", &mut errors);
        prop_assert_eq!(number.is_some(), errors.is_empty());
        if let Some(number) = number {
            prop_assert_eq!(raw.trim().parse::<i32>(), Ok(number));
        }
    }

    #[test]
    fn bookings_and_edits_with_any_dates_and_numbers_never_panic(
        check_in in date(), check_out in date(), guests in any::<i32>(), units in any::<i32>(),
        total in proptest::option::of(any::<i32>()), price in proptest::option::of(any::<i64>()),
        window in window(),
    ) {
        let booking = NewBooking { room_id: uuid::Uuid::nil(), check_in, check_out, guests, units };
        if let Ok(booking) = validated(booking, &window) {
            prop_assert!(window.contains_stay(booking.check_in, booking.check_out));
            prop_assert!(booking.nights() >= 1 && booking.nights() <= i64::from(stay::MAX_NIGHTS));
            prop_assert!((1..=stay::MAX_GUESTS).contains(&booking.guests));
            prop_assert!((1..=stay::MAX_UNITS).contains(&booking.units));
        }
        let edit = InventoryEdit { from: check_in, to: check_out, total, price_cents: price, closed: None };
        if let Ok(edit) = validated(edit, &window) {
            prop_assert!(edit.from >= window.today && edit.to > edit.from);
            prop_assert!(edit.total.is_none_or(|t| (0..=rooms::MAX_TOTAL_INVENTORY).contains(&t)));
        }
        let _ = stay::check_capacity(guests, units, guests);
        let _ = window.end();
        let _ = window.last_night();
    }

    #[test]
    fn text_rules_refuse_control_characters(text in with_control()) {
        prop_assert!(auth::validate_name(&text).is_err());
        prop_assert!(rooms::validate_room_name(&text).is_err());
        let email = format!("{text}@example.com");
        prop_assert!(auth::validate_email(&email).is_err());
        prop_assert!(rooms::validate_description(&text).is_err());
    }

    #[test]
    fn text_rules_never_panic_and_count_characters_not_bytes(text in any::<String>(), n in 0usize..300) {
        let _ = auth::validate_email(&text);
        let _ = auth::validate_login_password(&text);
        let _ = rooms::validate_currency(&text);
        let long_name = "é".repeat(n);
        let chars = |limit: i32| usize::try_from(limit).expect("a positive limit");
        prop_assert_eq!(
            auth::validate_name(&long_name).is_ok(),
            (1..=chars(auth::MAX_NAME_CHARS)).contains(&n)
        );
        prop_assert_eq!(
            auth::validate_new_password(&long_name).is_ok(),
            (chars(auth::MIN_PASSWORD_CHARS)..=chars(auth::MAX_PASSWORD_CHARS)).contains(&n)
        );
    }

    #[test]
    fn the_day_of_a_parsed_date_exists(year in -300_000i32..300_000, month in 0u32..14, day in 0u32..33) {
        let raw = format!("{year:04}-{month:02}-{day:02}");
        let mut errors = shared_schema::FieldErrors::new();
        if let Some(date) = parse_date("d", &raw, "empty", &mut errors) {
            prop_assert_eq!((date.year(), date.month(), date.day()), (year, month, day));
        }
    }
}
