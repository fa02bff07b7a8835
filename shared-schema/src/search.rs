//! The room search a guest submits: dates plus party size.
//!
//! Owns [`RoomSearch`]. The rules live in [`crate::stay`] and are shared
//! with [`crate::booking::NewBooking`]; the raw-string form that produces a
//! search is [`crate::form::SearchForm`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::rule;
use crate::stay::{self, BookingWindow};

/// Which rooms are free for a stay. Validated against a [`BookingWindow`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[serde(deny_unknown_fields)]
#[garde(context(BookingWindow))]
pub struct RoomSearch {
    /// First night of the stay; today at the earliest, within the window.
    #[garde(custom(stay::check_in_rule()))]
    pub check_in: NaiveDate,
    /// Day of departure (exclusive): 1 to [`stay::MAX_NIGHTS`] nights after
    /// check-in and no later than the end of the window.
    #[garde(custom(stay::check_out_rule(self.check_in)))]
    pub check_out: NaiveDate,
    /// Number of guests, `1..=`[`stay::MAX_GUESTS`].
    #[garde(custom(rule::value(stay::validate_guests)))]
    pub guests: i32,
    /// Rooms of one type wanted, `1..=`[`stay::MAX_UNITS`]; 1 when omitted.
    #[serde(default = "stay::default_units")]
    #[garde(custom(rule::value(stay::validate_units)))]
    pub units: i32,
}

impl RoomSearch {
    /// Nights in the stay (zero or negative for an invalid one).
    pub fn nights(&self) -> i64 {
        stay::nights(self.check_in, self.check_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stay::*;
    use crate::test_support::{assert_only_error, assert_valid, day, errors_of, window};

    fn search(check_in: i64, check_out: i64) -> RoomSearch {
        RoomSearch {
            check_in: day(check_in),
            check_out: day(check_out),
            guests: 2,
            units: 1,
        }
    }

    #[test]
    fn one_night_from_today_is_valid() {
        assert_valid(&search(0, 1), &window());
    }

    #[test]
    fn thirty_nights_is_valid() {
        let search = search(10, 40);
        assert_eq!(search.nights(), 30);
        assert_valid(&search, &window());
    }

    #[test]
    fn thirty_one_nights_is_rejected_on_check_out() {
        assert_only_error(&search(10, 41), &window(), "check_out", MSG_STAY_TOO_LONG);
    }

    #[test]
    fn check_out_on_check_in_day_is_rejected() {
        assert_only_error(
            &search(10, 10),
            &window(),
            "check_out",
            MSG_CHECKOUT_AFTER_CHECKIN,
        );
    }

    #[test]
    fn check_out_before_check_in_is_rejected() {
        assert_only_error(
            &search(10, 9),
            &window(),
            "check_out",
            MSG_CHECKOUT_AFTER_CHECKIN,
        );
    }

    #[test]
    fn check_in_yesterday_is_rejected_on_check_in() {
        assert_only_error(&search(-1, 2), &window(), "check_in", MSG_CHECKIN_IN_PAST);
    }

    #[test]
    fn last_night_of_the_horizon_is_bookable() {
        assert_valid(&search(364, 365), &window());
    }

    #[test]
    fn check_out_one_day_past_the_horizon_is_rejected() {
        assert_only_error(
            &search(360, 366),
            &window(),
            "check_out",
            MSG_CHECKOUT_BEYOND_HORIZON,
        );
    }

    #[test]
    fn check_in_on_the_horizon_end_is_rejected_on_both_dates() {
        let errors = errors_of(&search(365, 366), &window());
        assert_eq!(
            errors.for_field("check_in"),
            Some(MSG_CHECKIN_BEYOND_HORIZON)
        );
        assert_eq!(
            errors.for_field("check_out"),
            Some(MSG_CHECKOUT_BEYOND_HORIZON)
        );
    }

    #[test]
    fn party_size_edges() {
        let cases = [
            (0, 1, Some(("guests", MSG_GUESTS_MIN))),
            (1, 1, None),
            (20, 1, None),
            (21, 1, Some(("guests", MSG_GUESTS_MAX))),
            (2, 0, Some(("units", MSG_UNITS_MIN))),
            (2, 10, None),
            (2, 11, Some(("units", MSG_UNITS_MAX))),
        ];
        for (guests, units, expected) in cases {
            let search = RoomSearch {
                guests,
                units,
                ..search(1, 2)
            };
            match expected {
                None => assert_valid(&search, &window()),
                Some((field, message)) => assert_only_error(&search, &window(), field, message),
            }
        }
    }

    #[test]
    fn every_broken_field_is_reported_at_once() {
        let search = RoomSearch {
            check_in: day(-3),
            check_out: day(-3),
            guests: 0,
            units: 0,
        };
        let errors = errors_of(&search, &window());
        assert_eq!(errors.for_field("check_in"), Some(MSG_CHECKIN_IN_PAST));
        assert_eq!(
            errors.for_field("check_out"),
            Some(MSG_CHECKOUT_AFTER_CHECKIN)
        );
        assert_eq!(errors.for_field("guests"), Some(MSG_GUESTS_MIN));
        assert_eq!(errors.for_field("units"), Some(MSG_UNITS_MIN));
    }

    #[test]
    fn units_default_to_one_when_omitted_from_json() {
        let search: RoomSearch = serde_json::from_str(
            r#"{"check_in":"2030-01-11","check_out":"2030-01-12","guests":2}"#,
        )
        .expect("valid json");
        assert_eq!(search.units, 1);
        assert_valid(&search, &window());
    }

    #[test]
    fn unknown_json_fields_are_rejected() {
        let result = serde_json::from_str::<RoomSearch>(
            r#"{"check_in":"2030-01-11","check_out":"2030-01-12","guests":2,"pets":1}"#,
        );
        assert!(result.is_err());
    }

    #[test]
    fn json_round_trip_uses_iso_dates() {
        let json = serde_json::to_string(&search(1, 3)).expect("serialises");
        assert_eq!(
            json,
            r#"{"check_in":"2030-01-11","check_out":"2030-01-13","guests":2,"units":1}"#
        );
    }
}
