//! The booking a guest asks for: one room type, a stay, and party size.
//!
//! Owns [`NewBooking`]. It shares every date and count rule with
//! [`crate::search::RoomSearch`] through [`crate::stay`]; whether the room
//! exists, holds that many guests and is free are the server's questions.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::dto::{Booking, BookingStatus};
use crate::errors::FieldErrors;
use crate::rule;
use crate::stay::{self, BookingWindow};

/// A request to book `units` rooms of type `room_id` for a stay. Validated
/// against a [`BookingWindow`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[garde(context(BookingWindow))]
pub struct NewBooking {
    /// The room type to book.
    #[garde(skip)]
    pub room_id: Uuid,
    /// First night of the stay; today at the earliest, within the window.
    #[cfg_attr(feature = "ssr", schema(example = "2030-01-10"))]
    #[garde(custom(stay::check_in_rule()))]
    pub check_in: NaiveDate,
    /// Day of departure (exclusive): 1 to [`stay::MAX_NIGHTS`] nights after
    /// check-in and no later than the end of the window.
    #[cfg_attr(feature = "ssr", schema(example = "2030-01-13"))]
    #[garde(custom(stay::check_out_rule(self.check_in)))]
    pub check_out: NaiveDate,
    /// Number of guests, `1..=`[`stay::MAX_GUESTS`].
    #[cfg_attr(feature = "ssr", schema(example = 2, minimum = 1, maximum = 20))]
    #[garde(custom(rule::value(stay::validate_guests)))]
    pub guests: i32,
    /// Rooms of this type, `1..=`[`stay::MAX_UNITS`]; 1 when omitted.
    #[cfg_attr(
        feature = "ssr",
        schema(example = 1, minimum = 1, maximum = 10, default = 1)
    )]
    #[serde(default = "stay::default_units")]
    #[garde(custom(rule::value(stay::validate_units)))]
    pub units: i32,
}

impl NewBooking {
    /// Nights in the stay (zero or negative for an invalid one).
    pub fn nights(&self) -> i64 {
        stay::nights(self.check_in, self.check_out)
    }
}

/// Most bookings one list answers.
pub const MAX_LIST_LIMIT: i64 = 100;
/// How many bookings a list answers when `limit` is not given.
pub const DEFAULT_LIST_LIMIT: i64 = 50;
/// Longest text search (`q`), in characters.
pub const MAX_SEARCH_CHARS: i64 = 100;
/// Longest page cursor accepted (they are opaque and short).
pub const MAX_LIST_CURSOR_CHARS: i64 = 200;

/// `limit` is outside `1..=MAX_LIST_LIMIT`.
pub const MSG_LIMIT_RANGE: &str = "Limit must be between 1 and 100.";
/// `to` is not after `from`.
pub const MSG_RANGE_ORDER: &str = "The end of the date range must be after its start.";
/// `q` is longer than [`MAX_SEARCH_CHARS`].
pub const MSG_SEARCH_TOO_LONG: &str = "Search for at most 100 characters.";
/// A cursor that is not one of ours.
pub const MSG_LIST_CURSOR: &str = "This page link is not valid; start from the newest bookings.";

/// Filters and paging of `GET /bookings`. Guests only ever see their own
/// bookings, whatever they filter by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct BookingFilter {
    /// Only bookings of this room type.
    #[garde(skip)]
    pub room_id: Option<Uuid>,
    /// Only bookings of this account (for admins; a guest's list is always
    /// their own).
    #[garde(skip)]
    pub user_id: Option<Uuid>,
    /// Only stays with a night on or after this date.
    #[cfg_attr(feature = "ssr", param(example = "2030-01-01"))]
    #[garde(skip)]
    pub from: Option<NaiveDate>,
    /// Only stays with a night before this date (exclusive, like check-out).
    #[cfg_attr(feature = "ssr", param(example = "2030-02-01"))]
    #[garde(custom(range_rule(self.from)))]
    pub to: Option<NaiveDate>,
    /// Only confirmed or only cancelled bookings.
    #[cfg_attr(feature = "ssr", param(inline))]
    #[garde(skip)]
    pub status: Option<BookingStatus>,
    /// Text search, any case: part of the guest's name or e-mail address,
    /// or the start of the booking reference (`RB-7K3Q`). Blank means no
    /// search. At most 100 characters, no control characters.
    #[cfg_attr(feature = "ssr", param(example = "ada", max_length = 100))]
    #[garde(custom(rule::optional_text(validate_search)))]
    pub q: Option<String>,
    /// How many bookings at most, 1 to 100; 50 when omitted.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 100, default = 50))]
    #[garde(custom(rule::optional_value(validate_limit)))]
    pub limit: Option<i64>,
    /// Where the page starts: the cursor of the previous page's
    /// `Link: <...>; rel="next"`. Omit it for the newest bookings.
    #[cfg_attr(feature = "ssr", param(max_length = 200))]
    #[garde(custom(rule::optional_text(validate_cursor)))]
    pub cursor: Option<String>,
}

impl BookingFilter {
    /// The row limit to use, or the messages for the fields that are wrong.
    pub fn checked_limit(&self) -> Result<i64, FieldErrors> {
        garde::Validate::validate(self)
            .map(|()| self.limit.unwrap_or(DEFAULT_LIST_LIMIT))
            .map_err(FieldErrors::from)
    }

    /// The text to search for: `q` trimmed, `None` when blank.
    pub fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }
}

/// A text search the list can run: at most [`MAX_SEARCH_CHARS`]
/// characters (counted before trimming, as a schema's `maxLength` is) and
/// no control characters.
pub fn validate_search(q: &str) -> Result<(), &'static str> {
    if crate::text::char_len(q) > MAX_SEARCH_CHARS {
        Err(MSG_SEARCH_TOO_LONG)
    } else if crate::text::has_control_chars(q, false) {
        Err(crate::text::MSG_CONTROL_CHARACTERS)
    } else {
        Ok(())
    }
}

fn validate_limit(limit: i64) -> Result<(), &'static str> {
    if (1..=MAX_LIST_LIMIT).contains(&limit) {
        Ok(())
    } else {
        Err(MSG_LIMIT_RANGE)
    }
}

fn validate_cursor(cursor: &str) -> Result<(), &'static str> {
    if cursor.is_empty() || crate::text::char_len(cursor) > MAX_LIST_CURSOR_CHARS {
        Err(MSG_LIST_CURSOR)
    } else {
        Ok(())
    }
}

fn range_rule(from: Option<NaiveDate>) -> impl FnOnce(&Option<NaiveDate>, &()) -> garde::Result {
    move |to, ()| match (from, *to) {
        (Some(from), Some(to)) if to <= from => Err(garde::Error::new(MSG_RANGE_ORDER)),
        _ => Ok(()),
    }
}

/// One page of a booking list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingPage {
    /// The bookings, latest check-in first.
    pub bookings: Vec<Booking>,
    /// Pass as `cursor` (with the same filters) for the next, older page;
    /// absent on the last page.
    pub next_cursor: Option<String>,
    /// Pass as `cursor` (with the same filters) for the previous, newer
    /// page; absent on the first page.
    #[serde(default)]
    pub prev_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stay::*;
    use crate::test_support::{assert_only_error, assert_valid, day, errors_of, window};

    fn booking(check_in: i64, check_out: i64) -> NewBooking {
        NewBooking {
            room_id: Uuid::nil(),
            check_in: day(check_in),
            check_out: day(check_out),
            guests: 2,
            units: 1,
        }
    }

    #[test]
    fn stay_length_edges() {
        let cases = [
            (5, 5, Some(MSG_CHECKOUT_AFTER_CHECKIN)),
            (5, 6, None),
            (5, 35, None),
            (5, 36, Some(MSG_STAY_TOO_LONG)),
        ];
        for (check_in, check_out, expected) in cases {
            let booking = booking(check_in, check_out);
            match expected {
                None => assert_valid(&booking, &window()),
                Some(message) => assert_only_error(&booking, &window(), "check_out", message),
            }
        }
    }

    #[test]
    fn check_in_today_is_valid_and_yesterday_is_not() {
        assert_valid(&booking(0, 2), &window());
        assert_only_error(&booking(-1, 2), &window(), "check_in", MSG_CHECKIN_IN_PAST);
    }

    #[test]
    fn check_out_on_the_horizon_is_valid_and_a_day_later_is_not() {
        assert_valid(&booking(360, 365), &window());
        assert_only_error(
            &booking(360, 366),
            &window(),
            "check_out",
            MSG_CHECKOUT_BEYOND_HORIZON,
        );
    }

    #[test]
    fn a_shorter_window_moves_the_horizon() {
        let window = BookingWindow::new(day(0), 30);
        assert_valid(&booking(29, 30), &window);
        assert_only_error(
            &booking(29, 31),
            &window,
            "check_out",
            MSG_CHECKOUT_BEYOND_HORIZON,
        );
        assert_eq!(
            errors_of(&booking(30, 31), &window).for_field("check_in"),
            Some(MSG_CHECKIN_BEYOND_HORIZON)
        );
    }

    #[test]
    fn zero_guests_and_zero_units_are_rejected_and_one_is_valid() {
        let zero = NewBooking {
            guests: 0,
            units: 0,
            ..booking(1, 2)
        };
        let errors = errors_of(&zero, &window());
        assert_eq!(errors.for_field("guests"), Some(MSG_GUESTS_MIN));
        assert_eq!(errors.for_field("units"), Some(MSG_UNITS_MIN));

        let one = NewBooking {
            guests: 1,
            units: 1,
            ..booking(1, 2)
        };
        assert_valid(&one, &window());
    }

    #[test]
    fn too_many_guests_or_units_are_rejected() {
        let errors = errors_of(
            &NewBooking {
                guests: 21,
                units: 11,
                ..booking(1, 2)
            },
            &window(),
        );
        assert_eq!(errors.for_field("guests"), Some(MSG_GUESTS_MAX));
        assert_eq!(errors.for_field("units"), Some(MSG_UNITS_MAX));
    }

    #[test]
    fn json_without_units_books_one_room() {
        let booking: NewBooking = serde_json::from_str(
            r#"{"room_id":"67e55044-10b1-426f-9247-bb680e5fe0c8",
                "check_in":"2030-01-11","check_out":"2030-01-12","guests":1}"#,
        )
        .expect("valid json");
        assert_eq!(booking.units, 1);
        assert_eq!(
            booking.room_id.to_string(),
            "67e55044-10b1-426f-9247-bb680e5fe0c8"
        );
    }

    #[test]
    fn unknown_json_fields_are_rejected() {
        let result = serde_json::from_str::<NewBooking>(
            r#"{"room_id":"67e55044-10b1-426f-9247-bb680e5fe0c8",
                "check_in":"2030-01-11","check_out":"2030-01-12","guests":1,
                "price_cents":1}"#,
        );
        assert!(result.is_err());
    }

    #[test]
    fn list_limits_and_ranges_are_checked() {
        assert_eq!(
            BookingFilter::default().checked_limit(),
            Ok(DEFAULT_LIST_LIMIT)
        );
        for bad in [0, 101, -1] {
            let filter = BookingFilter {
                limit: Some(bad),
                ..BookingFilter::default()
            };
            let errors = filter.checked_limit().expect_err("out of range");
            assert_eq!(errors.for_field("limit"), Some(MSG_LIMIT_RANGE));
        }
        let backwards = BookingFilter {
            from: Some(day(5)),
            to: Some(day(5)),
            ..BookingFilter::default()
        };
        assert_eq!(
            backwards
                .checked_limit()
                .expect_err("empty range")
                .for_field("to"),
            Some(MSG_RANGE_ORDER)
        );
    }

    #[test]
    fn a_text_search_is_bounded_and_blank_means_none() {
        let filter = |q: &str| BookingFilter {
            q: Some(q.to_owned()),
            ..BookingFilter::default()
        };
        assert_eq!(filter("  ").search(), None);
        assert_eq!(filter(" Ada ").search(), Some("Ada"));
        assert_eq!(
            filter(&"é".repeat(100)).checked_limit(),
            Ok(DEFAULT_LIST_LIMIT)
        );
        let cases = [
            ("é".repeat(101), MSG_SEARCH_TOO_LONG),
            ("ada\u{0}".to_owned(), crate::text::MSG_CONTROL_CHARACTERS),
            ("two\nlines".to_owned(), crate::text::MSG_CONTROL_CHARACTERS),
        ];
        for (q, message) in cases {
            let errors = filter(&q).checked_limit().expect_err("refused");
            assert_eq!(errors.for_field("q"), Some(message), "{q:?}");
        }
        let cursor = BookingFilter {
            cursor: Some(String::new()),
            ..BookingFilter::default()
        };
        assert_eq!(
            cursor
                .checked_limit()
                .expect_err("empty")
                .for_field("cursor"),
            Some(MSG_LIST_CURSOR)
        );
    }
}
