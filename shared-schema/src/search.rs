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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

/// Most offers one page can hold.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Offers per page when the client does not say.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// Longest cursor accepted (they are opaque and short).
pub const MAX_CURSOR_CHARS: usize = 200;

/// A negative price bound.
pub const MSG_PRICE_NEGATIVE: &str = "Enter a price of zero or more.";
/// `max_price` below `min_price`.
pub const MSG_PRICE_RANGE: &str = "The highest price must not be below the lowest.";
/// Page size outside `1..=MAX_PAGE_SIZE`.
pub const MSG_PAGE_SIZE: &str = "Ask for 1 to 100 results per page.";
/// A cursor that is too long to be ours.
pub const MSG_CURSOR: &str = "This page link is not valid; start the search again.";

/// How offers are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    /// Cheapest stay first (the default).
    #[default]
    PriceAsc,
    /// Dearest stay first.
    PriceDesc,
    /// By room name.
    Name,
}

/// Filters, order and paging of a search; every field may be omitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct SearchOptions {
    /// Lowest average price per night of one unit, in minor units.
    #[garde(custom(min_price_rule()))]
    pub min_price: Option<i64>,
    /// Highest average price per night of one unit, in minor units.
    #[garde(custom(max_price_rule(self.min_price)))]
    pub max_price: Option<i64>,
    /// Order of the offers; `price_asc` when omitted.
    #[garde(skip)]
    pub sort: SearchSort,
    /// Offers per page, `1..=`[`MAX_PAGE_SIZE`]; [`DEFAULT_PAGE_SIZE`] when omitted.
    #[garde(custom(limit_rule()))]
    pub limit: Option<i32>,
    /// The `next_cursor` of the previous page, to read the next one.
    #[garde(custom(cursor_rule()))]
    pub cursor: Option<String>,
}

impl SearchOptions {
    /// The page size to use.
    pub fn page_size(&self) -> i32 {
        self.limit.unwrap_or(DEFAULT_PAGE_SIZE)
    }
}

fn min_price_rule() -> impl FnOnce(&Option<i64>, &()) -> garde::Result {
    |min, ()| match min {
        Some(min) if *min < 0 => Err(garde::Error::new(MSG_PRICE_NEGATIVE)),
        _ => Ok(()),
    }
}

fn max_price_rule(min: Option<i64>) -> impl FnOnce(&Option<i64>, &()) -> garde::Result {
    move |max, ()| match (min, *max) {
        (_, Some(max)) if max < 0 => Err(garde::Error::new(MSG_PRICE_NEGATIVE)),
        (Some(min), Some(max)) if max < min => Err(garde::Error::new(MSG_PRICE_RANGE)),
        _ => Ok(()),
    }
}

fn limit_rule() -> impl FnOnce(&Option<i32>, &()) -> garde::Result {
    |limit, ()| match limit {
        Some(limit) if !(1..=MAX_PAGE_SIZE).contains(limit) => {
            Err(garde::Error::new(MSG_PAGE_SIZE))
        }
        _ => Ok(()),
    }
}

fn cursor_rule() -> impl FnOnce(&Option<String>, &()) -> garde::Result {
    |cursor, ()| match cursor {
        Some(cursor) if cursor.is_empty() || cursor.len() > MAX_CURSOR_CHARS => {
            Err(garde::Error::new(MSG_CURSOR))
        }
        _ => Ok(()),
    }
}

/// One page of offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchPage {
    /// Offers of this page, in the requested order.
    pub offers: Vec<crate::dto::RoomOffer>,
    /// Pass as `cursor` to read the next page; absent on the last page.
    pub next_cursor: Option<String>,
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

    fn options(json: &str) -> SearchOptions {
        serde_json::from_str(json).expect("options")
    }

    #[test]
    fn omitted_options_mean_cheapest_first_and_the_default_page() {
        let defaults = options("{}");
        assert_eq!(defaults.sort, SearchSort::PriceAsc);
        assert_eq!(defaults.page_size(), DEFAULT_PAGE_SIZE);
        assert!(garde::Validate::validate(&defaults).is_ok());
    }

    #[test]
    fn option_rules_reject_what_cannot_be_served() {
        let cases = [
            (r#"{"min_price": -1}"#, "min_price", MSG_PRICE_NEGATIVE),
            (
                r#"{"min_price": 500, "max_price": 400}"#,
                "max_price",
                MSG_PRICE_RANGE,
            ),
            (r#"{"limit": 0}"#, "limit", MSG_PAGE_SIZE),
            (r#"{"limit": 101}"#, "limit", MSG_PAGE_SIZE),
            (r#"{"cursor": ""}"#, "cursor", MSG_CURSOR),
        ];
        for (json, field, message) in cases {
            let report = garde::Validate::validate(&options(json)).expect_err(json);
            let errors = crate::FieldErrors::from_report(&report);
            assert_eq!(errors.for_field(field), Some(message), "{json}");
        }
        assert!(
            garde::Validate::validate(&options(
                r#"{"min_price": 400, "max_price": 400, "limit": 100, "sort": "name"}"#
            ))
            .is_ok()
        );
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
