//! Stay dates and party size: the rules every searched or booked stay obeys.
//!
//! Owns [`BookingWindow`], the garde context for every input with dates, and
//! the reusable rules for a stay `[check_in, check_out)` and its guest and
//! room counts, used by both [`crate::search::RoomSearch`] and
//! [`crate::booking::NewBooking`]. It never reads the clock: "today" is
//! always passed in, so the browser and the server agree on it only if the
//! caller makes them.
//!
//! Each message sits on the field it is about: past or too-distant check-in
//! on `check_in`; ordering, length and too-distant check-out on `check_out`.

use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};

/// Longest stay in nights; a stay exactly this long is allowed.
pub const MAX_NIGHTS: i32 = 30;
/// How many nights ahead can be booked unless configured otherwise.
pub const DEFAULT_HORIZON_DAYS: i32 = 365;
/// Most guests in one search or booking.
pub const MAX_GUESTS: i32 = 20;
/// Most rooms (units of one room type) in one search or booking.
pub const MAX_UNITS: i32 = 10;

/// Check-in is before today.
pub const MSG_CHECKIN_IN_PAST: &str = "Check-in can't be in the past.";
/// Check-in is on or after the first date outside the booking window.
pub const MSG_CHECKIN_BEYOND_HORIZON: &str =
    "Check-in is too far ahead to book yet. Choose an earlier date.";
/// Check-out is on or before check-in.
pub const MSG_CHECKOUT_AFTER_CHECKIN: &str = "Check-out must be after check-in.";
/// The stay is longer than [`MAX_NIGHTS`].
pub const MSG_STAY_TOO_LONG: &str = "Stays can be at most 30 nights.";
/// Check-out is after the last possible check-out of the booking window.
pub const MSG_CHECKOUT_BEYOND_HORIZON: &str =
    "Check-out is too far ahead to book yet. Choose an earlier date.";
/// Fewer than one guest.
pub const MSG_GUESTS_MIN: &str = "Add at least one guest.";
/// More than [`MAX_GUESTS`] guests.
pub const MSG_GUESTS_MAX: &str = "A booking can have at most 20 guests.";
/// Fewer than one room.
pub const MSG_UNITS_MIN: &str = "Book at least one room.";
/// More than [`MAX_UNITS`] rooms.
pub const MSG_UNITS_MAX: &str = "Book at most 10 rooms at a time.";

/// Which nights can be booked, relative to a "today" supplied by the caller.
///
/// Bookable nights are `today ..= today + horizon_days - 1`, so a stay
/// `[check_in, check_out)` is inside the window iff `check_in >= today` and
/// `check_out <= today + horizon_days`. This is the garde context of every
/// input with dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BookingWindow {
    /// The current date at the property, decided by the caller.
    #[serde(deserialize_with = "crate::date::deserialize")]
    pub today: NaiveDate,
    /// Number of bookable nights starting with `today`; zero or less means
    /// nothing can be booked.
    pub horizon_days: i32,
}

impl BookingWindow {
    /// A window of `horizon_days` nights starting `today`.
    pub const fn new(today: NaiveDate, horizon_days: i32) -> Self {
        Self {
            today,
            horizon_days,
        }
    }

    /// A window of [`DEFAULT_HORIZON_DAYS`] nights starting `today`.
    pub const fn with_default_horizon(today: NaiveDate) -> Self {
        Self::new(today, DEFAULT_HORIZON_DAYS)
    }

    /// The first date that is not a bookable night, which is also the
    /// latest allowed check-out: `today + horizon_days`.
    pub fn end(&self) -> NaiveDate {
        add_days(self.today, i64::from(self.horizon_days))
    }

    /// The last bookable night, `today + horizon_days - 1`, or `None` when
    /// the window is empty.
    pub fn last_night(&self) -> Option<NaiveDate> {
        (self.horizon_days > 0).then(|| add_days(self.end(), -1))
    }

    /// Whether the whole stay `[check_in, check_out)` is inside the window.
    /// Says nothing about the stay's length or ordering.
    pub fn contains_stay(&self, check_in: NaiveDate, check_out: NaiveDate) -> bool {
        check_in >= self.today && check_out <= self.end()
    }
}

/// Nights between check-in and check-out; zero or negative when check-out is
/// not after check-in.
pub fn nights(check_in: NaiveDate, check_out: NaiveDate) -> i64 {
    (check_out - check_in).num_days()
}

/// `date` moved by `days`, clamped to chrono's date range instead of
/// panicking on absurd input.
fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    TimeDelta::try_days(days)
        .and_then(|delta| date.checked_add_signed(delta))
        .unwrap_or(if days < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
}

/// Rule for `check_in`: not in the past and a bookable night.
pub fn validate_check_in(check_in: NaiveDate, window: &BookingWindow) -> Result<(), &'static str> {
    if check_in < window.today {
        Err(MSG_CHECKIN_IN_PAST)
    } else if check_in >= window.end() {
        Err(MSG_CHECKIN_BEYOND_HORIZON)
    } else {
        Ok(())
    }
}

/// Rule for `check_out`: after check-in, at most [`MAX_NIGHTS`] nights, and
/// no later than the end of the window. Reports the first problem only.
pub fn validate_check_out(
    check_in: NaiveDate,
    check_out: NaiveDate,
    window: &BookingWindow,
) -> Result<(), &'static str> {
    let nights = nights(check_in, check_out);
    if nights < 1 {
        Err(MSG_CHECKOUT_AFTER_CHECKIN)
    } else if nights > i64::from(MAX_NIGHTS) {
        Err(MSG_STAY_TOO_LONG)
    } else if check_out > window.end() {
        Err(MSG_CHECKOUT_BEYOND_HORIZON)
    } else {
        Ok(())
    }
}

/// Rule for `guests`: `1..=MAX_GUESTS`.
pub fn validate_guests(guests: i32) -> Result<(), &'static str> {
    if guests < 1 {
        Err(MSG_GUESTS_MIN)
    } else if guests > MAX_GUESTS {
        Err(MSG_GUESTS_MAX)
    } else {
        Ok(())
    }
}

/// Rule for `units` (rooms of one type): `1..=MAX_UNITS`.
pub fn validate_units(units: i32) -> Result<(), &'static str> {
    if units < 1 {
        Err(MSG_UNITS_MIN)
    } else if units > MAX_UNITS {
        Err(MSG_UNITS_MAX)
    } else {
        Ok(())
    }
}

/// Rule for a party in `units` rooms that sleep `capacity` guests each: the
/// message for `guests` when they do not fit. Checked where the room is
/// known: by the server when booking, by the room page as the guest types.
pub fn check_capacity(capacity: i32, units: i32, guests: i32) -> Result<(), String> {
    if i64::from(capacity) * i64::from(units) >= i64::from(guests) {
        return Ok(());
    }
    Err(if units == 1 {
        format!("This room sleeps at most {capacity} guests. Book more rooms or fewer guests.")
    } else {
        format!(
            "{units} of these rooms sleep at most {} guests. Book more rooms or fewer guests.",
            i64::from(capacity) * i64::from(units)
        )
    })
}

/// `units` when the input leaves it out: one room.
pub const fn default_units() -> i32 {
    1
}

/// garde adapter for [`validate_check_in`].
pub(crate) fn check_in_rule() -> impl FnOnce(&NaiveDate, &BookingWindow) -> garde::Result {
    |check_in, window| validate_check_in(*check_in, window).map_err(garde::Error::new)
}

/// garde adapter for [`validate_check_out`]; `check_in` comes from `self`.
pub(crate) fn check_out_rule(
    check_in: NaiveDate,
) -> impl FnOnce(&NaiveDate, &BookingWindow) -> garde::Result {
    move |check_out, window| {
        validate_check_out(check_in, *check_out, window).map_err(garde::Error::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{date, day, today, window};

    #[test]
    fn window_end_is_today_plus_horizon() {
        let window = BookingWindow::new(date(2030, 1, 10), 365);
        assert_eq!(window.end(), date(2031, 1, 10));
        assert_eq!(window.last_night(), Some(date(2031, 1, 9)));
    }

    #[test]
    fn empty_window_has_no_last_night_and_no_bookable_check_in() {
        let window = BookingWindow::new(today(), 0);
        assert_eq!(window.last_night(), None);
        assert_eq!(
            validate_check_in(today(), &window),
            Err(MSG_CHECKIN_BEYOND_HORIZON)
        );
    }

    #[test]
    fn absurd_horizons_do_not_panic() {
        assert_eq!(BookingWindow::new(today(), i32::MAX).end(), NaiveDate::MAX);
        assert_eq!(BookingWindow::new(today(), i32::MIN).end(), NaiveDate::MIN);
    }

    #[test]
    fn default_horizon_is_365_days() {
        assert_eq!(window().horizon_days, DEFAULT_HORIZON_DAYS);
        assert_eq!(DEFAULT_HORIZON_DAYS, 365);
    }

    #[test]
    fn contains_stay_checks_both_ends_inclusively() {
        let window = window();
        assert!(window.contains_stay(day(0), day(365)));
        assert!(!window.contains_stay(day(-1), day(1)));
        assert!(!window.contains_stay(day(364), day(366)));
    }

    #[test]
    fn check_in_rules_at_every_edge() {
        let cases = [
            (day(-365), Err(MSG_CHECKIN_IN_PAST)),
            (day(-1), Err(MSG_CHECKIN_IN_PAST)),
            (day(0), Ok(())),
            (day(1), Ok(())),
            (day(364), Ok(())),
            (day(365), Err(MSG_CHECKIN_BEYOND_HORIZON)),
            (day(366), Err(MSG_CHECKIN_BEYOND_HORIZON)),
        ];
        for (check_in, expected) in cases {
            assert_eq!(
                validate_check_in(check_in, &window()),
                expected,
                "check-in {check_in}"
            );
        }
    }

    #[test]
    fn check_out_rules_at_every_edge() {
        let cases = [
            // (check-in, check-out, expected)
            (day(5), day(4), Err(MSG_CHECKOUT_AFTER_CHECKIN)),
            (day(5), day(5), Err(MSG_CHECKOUT_AFTER_CHECKIN)),
            (day(5), day(6), Ok(())),
            (day(5), day(35), Ok(())),
            (day(5), day(36), Err(MSG_STAY_TOO_LONG)),
            (day(335), day(365), Ok(())),
            (day(340), day(365), Ok(())),
            (day(340), day(366), Err(MSG_CHECKOUT_BEYOND_HORIZON)),
            (day(364), day(365), Ok(())),
            (day(364), day(366), Err(MSG_CHECKOUT_BEYOND_HORIZON)),
            // Ordering is reported before length and horizon.
            (day(400), day(300), Err(MSG_CHECKOUT_AFTER_CHECKIN)),
            (day(360), day(400), Err(MSG_STAY_TOO_LONG)),
        ];
        for (check_in, check_out, expected) in cases {
            assert_eq!(
                validate_check_out(check_in, check_out, &window()),
                expected,
                "{check_in} to {check_out}"
            );
        }
    }

    #[test]
    fn nights_counts_whole_days_between_dates() {
        assert_eq!(nights(day(0), day(1)), 1);
        assert_eq!(nights(day(0), day(30)), 30);
        assert_eq!(nights(day(3), day(3)), 0);
        assert_eq!(nights(day(3), day(1)), -2);
    }

    #[test]
    fn guest_count_bounds() {
        let cases = [
            (i32::MIN, Err(MSG_GUESTS_MIN)),
            (-1, Err(MSG_GUESTS_MIN)),
            (0, Err(MSG_GUESTS_MIN)),
            (1, Ok(())),
            (20, Ok(())),
            (21, Err(MSG_GUESTS_MAX)),
            (i32::MAX, Err(MSG_GUESTS_MAX)),
        ];
        for (guests, expected) in cases {
            assert_eq!(validate_guests(guests), expected, "{guests} guests");
        }
    }

    #[test]
    fn unit_count_bounds() {
        let cases = [
            (-1, Err(MSG_UNITS_MIN)),
            (0, Err(MSG_UNITS_MIN)),
            (1, Ok(())),
            (10, Ok(())),
            (11, Err(MSG_UNITS_MAX)),
        ];
        for (units, expected) in cases {
            assert_eq!(validate_units(units), expected, "{units} units");
        }
    }

    #[test]
    fn messages_quote_the_limits_they_enforce() {
        assert!(MSG_STAY_TOO_LONG.contains(&MAX_NIGHTS.to_string()));
        assert!(MSG_GUESTS_MAX.contains(&MAX_GUESTS.to_string()));
        assert!(MSG_UNITS_MAX.contains(&MAX_UNITS.to_string()));
    }

    #[test]
    fn window_round_trips_through_json_with_iso_dates() {
        let json = serde_json::to_string(&window()).expect("serialises");
        assert_eq!(json, r#"{"today":"2030-01-10","horizon_days":365}"#);
        let back: BookingWindow = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, window());
    }
}
