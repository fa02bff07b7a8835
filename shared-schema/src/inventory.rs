//! Bulk edits of nightly inventory: how many units of a room type are on
//! sale, at what price, or closed, for a range of nights.
//!
//! Owns [`InventoryEdit`] and its rules. It does not know the room type's
//! own `total_inventory`, so "not more than the property has" is checked by
//! the server.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::rooms;
use crate::rule;
use crate::stay::{self, BookingWindow};

/// Most nights one edit may cover.
pub const MAX_EDIT_NIGHTS: i32 = 366;
/// Highest per-night unit count an edit may set.
pub const MAX_EDIT_TOTAL: i32 = rooms::MAX_TOTAL_INVENTORY;

/// `from` is before today.
pub const MSG_FROM_IN_PAST: &str = "The start date can't be in the past.";
/// `to` is on or before `from`.
pub const MSG_TO_AFTER_FROM: &str = "The end date must be after the start date.";
/// The range is longer than [`MAX_EDIT_NIGHTS`].
pub const MSG_RANGE_TOO_LONG: &str = "Change at most 366 nights at a time.";
/// `total` is negative.
pub const MSG_TOTAL_NEGATIVE: &str = "The number of rooms can't be negative.";
/// `total` is above [`MAX_EDIT_TOTAL`].
pub const MSG_TOTAL_MAX: &str = "Offer at most 500 rooms.";
/// None of `total`, `price_cents` and `closed` is given. Reported on
/// `total`, the first of the three in the form.
pub const MSG_NOTHING_TO_CHANGE: &str =
    "Set a number of rooms, a price, or open or close the dates.";

/// Rule for `from`: today or later. There is no upper bound: an
/// administrator may prepare nights before they become bookable.
pub fn validate_from(from: NaiveDate, window: &BookingWindow) -> Result<(), &'static str> {
    if from < window.today {
        Err(MSG_FROM_IN_PAST)
    } else {
        Ok(())
    }
}

/// Rule for `to` (exclusive): after `from`, at most [`MAX_EDIT_NIGHTS`]
/// nights later.
pub fn validate_to(from: NaiveDate, to: NaiveDate) -> Result<(), &'static str> {
    let nights = stay::nights(from, to);
    if nights < 1 {
        Err(MSG_TO_AFTER_FROM)
    } else if nights > i64::from(MAX_EDIT_NIGHTS) {
        Err(MSG_RANGE_TOO_LONG)
    } else {
        Ok(())
    }
}

/// Rule for a per-night unit count: `0..=MAX_EDIT_TOTAL` (0 stops sales
/// without closing).
pub fn validate_total(total: i32) -> Result<(), &'static str> {
    if total < 0 {
        Err(MSG_TOTAL_NEGATIVE)
    } else if total > MAX_EDIT_TOTAL {
        Err(MSG_TOTAL_MAX)
    } else {
        Ok(())
    }
}

/// Set units on sale, price, and/or open/closed for the nights
/// `from ..= to - 1`. Validated against a [`BookingWindow`].
///
/// At least one of `total`, `price_cents` and `closed` must be given; when
/// none is, [`MSG_NOTHING_TO_CHANGE`] is reported on `total`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[garde(context(BookingWindow))]
pub struct InventoryEdit {
    /// First night to change; today at the earliest.
    #[garde(custom(from_rule()))]
    pub from: NaiveDate,
    /// Day after the last night to change (exclusive), 1 to
    /// [`MAX_EDIT_NIGHTS`] nights after `from`.
    #[garde(custom(to_rule(self.from)))]
    pub to: NaiveDate,
    /// Units on sale per night, `0..=`[`MAX_EDIT_TOTAL`]; `None` = unchanged.
    #[garde(custom(total_rule(self.changes_something())))]
    pub total: Option<i32>,
    /// Nightly price in minor units, same bounds as
    /// [`rooms::RoomInput::price_cents`]; `None` = unchanged.
    #[garde(custom(rule::optional_value(rooms::validate_price_cents)))]
    pub price_cents: Option<i64>,
    /// Close (`true`) or reopen (`false`) the nights; `None` = unchanged.
    #[garde(skip)]
    pub closed: Option<bool>,
}

impl InventoryEdit {
    /// Whether at least one of `total`, `price_cents` and `closed` is given.
    pub fn changes_something(&self) -> bool {
        self.total.is_some() || self.price_cents.is_some() || self.closed.is_some()
    }

    /// Nights covered (zero or negative for an invalid range).
    pub fn nights(&self) -> i64 {
        stay::nights(self.from, self.to)
    }
}

fn from_rule() -> impl FnOnce(&NaiveDate, &BookingWindow) -> garde::Result {
    |from, window| validate_from(*from, window).map_err(garde::Error::new)
}

fn to_rule(from: NaiveDate) -> impl FnOnce(&NaiveDate, &BookingWindow) -> garde::Result {
    move |to, _| validate_to(from, *to).map_err(garde::Error::new)
}

fn total_rule(
    changes_something: bool,
) -> impl FnOnce(&Option<i32>, &BookingWindow) -> garde::Result {
    move |total, _| {
        match total {
            Some(total) => validate_total(*total),
            None if changes_something => Ok(()),
            None => Err(MSG_NOTHING_TO_CHANGE),
        }
        .map_err(garde::Error::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_only_error, assert_valid, day, errors_of, window};

    fn edit(from: i64, to: i64) -> InventoryEdit {
        InventoryEdit {
            from: day(from),
            to: day(to),
            total: Some(5),
            price_cents: None,
            closed: None,
        }
    }

    #[test]
    fn range_edges() {
        let cases = [
            (0, 1, None),
            (0, 366, None),
            (0, 367, Some(("to", MSG_RANGE_TOO_LONG))),
            (3, 3, Some(("to", MSG_TO_AFTER_FROM))),
            (3, 2, Some(("to", MSG_TO_AFTER_FROM))),
            (-1, 5, Some(("from", MSG_FROM_IN_PAST))),
            // Beyond the booking horizon is allowed: nights can be prepared.
            (400, 410, None),
        ];
        for (from, to, expected) in cases {
            let edit = edit(from, to);
            match expected {
                None => assert_valid(&edit, &window()),
                Some((field, message)) => assert_only_error(&edit, &window(), field, message),
            }
        }
    }

    #[test]
    fn edit_starting_today_is_valid() {
        assert_valid(&edit(0, 1), &window());
        assert_eq!(edit(0, 366).nights(), 366);
    }

    #[test]
    fn total_edges() {
        let cases = [
            (-1, Some(MSG_TOTAL_NEGATIVE)),
            (0, None),
            (500, None),
            (501, Some(MSG_TOTAL_MAX)),
        ];
        for (total, expected) in cases {
            let edit = InventoryEdit {
                total: Some(total),
                ..edit(1, 2)
            };
            match expected {
                None => assert_valid(&edit, &window()),
                Some(message) => assert_only_error(&edit, &window(), "total", message),
            }
        }
    }

    #[test]
    fn price_uses_the_room_price_rule() {
        let edit = |price_cents| InventoryEdit {
            total: None,
            price_cents: Some(price_cents),
            ..edit(1, 2)
        };
        assert_valid(&edit(1), &window());
        assert_valid(&edit(rooms::MAX_PRICE_CENTS), &window());
        assert_only_error(&edit(0), &window(), "price_cents", rooms::MSG_PRICE_MIN);
        assert_only_error(
            &edit(rooms::MAX_PRICE_CENTS + 1),
            &window(),
            "price_cents",
            rooms::MSG_PRICE_MAX,
        );
    }

    #[test]
    fn an_edit_that_changes_nothing_is_rejected_on_total() {
        let nothing = InventoryEdit {
            total: None,
            ..edit(1, 2)
        };
        assert!(!nothing.changes_something());
        assert_only_error(&nothing, &window(), "total", MSG_NOTHING_TO_CHANGE);
    }

    #[test]
    fn any_single_change_is_enough() {
        let only_closed = InventoryEdit {
            total: None,
            closed: Some(true),
            ..edit(1, 2)
        };
        let only_reopened = InventoryEdit {
            closed: Some(false),
            ..only_closed.clone()
        };
        let only_price = InventoryEdit {
            total: None,
            price_cents: Some(100),
            ..edit(1, 2)
        };
        for edit in [only_closed, only_reopened, only_price, edit(1, 2)] {
            assert_valid(&edit, &window());
        }
    }

    #[test]
    fn every_broken_field_is_reported_at_once() {
        let broken = InventoryEdit {
            from: day(-2),
            to: day(-2),
            total: None,
            price_cents: None,
            closed: None,
        };
        let errors = errors_of(&broken, &window());
        assert_eq!(errors.for_field("from"), Some(MSG_FROM_IN_PAST));
        assert_eq!(errors.for_field("to"), Some(MSG_TO_AFTER_FROM));
        assert_eq!(errors.for_field("total"), Some(MSG_NOTHING_TO_CHANGE));
    }

    #[test]
    fn json_omits_unchanged_fields_and_rejects_unknown_ones() {
        let edit: InventoryEdit =
            serde_json::from_str(r#"{"from":"2030-01-10","to":"2030-01-12","closed":true}"#)
                .expect("valid json");
        assert_eq!(edit.total, None);
        assert_eq!(edit.price_cents, None);
        assert_eq!(edit.closed, Some(true));
        assert_valid(&edit, &window());

        let unknown = serde_json::from_str::<InventoryEdit>(
            r#"{"from":"2030-01-10","to":"2030-01-12","closed":true,"room":1}"#,
        );
        assert!(unknown.is_err());
    }

    #[test]
    fn messages_quote_the_limits_they_enforce() {
        assert!(MSG_RANGE_TOO_LONG.contains(&MAX_EDIT_NIGHTS.to_string()));
        assert!(MSG_TOTAL_MAX.contains(&MAX_EDIT_TOTAL.to_string()));
    }
}

/// One night of a room's calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct NightAvailability {
    /// The night (a stay with this check-in date sleeps here).
    #[serde(deserialize_with = "crate::date::deserialize")]
    pub night: NaiveDate,
    /// Units on sale that night.
    pub total: i32,
    /// Units already booked.
    pub booked: i32,
    /// Units still free (`total - booked`, 0 when closed).
    pub free: i32,
    /// Price of one unit that night, in minor units.
    pub price_cents: i64,
    /// Closed nights cannot be booked, whatever is free.
    pub closed: bool,
}

/// One room's nights side by side, for the admin occupancy overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomOccupancy {
    /// The room's id.
    pub room_id: uuid::Uuid,
    /// Its display name.
    pub room_name: String,
    /// Whether guests can find and book it.
    pub active: bool,
    /// Consecutive nights from the first one asked for.
    pub nights: Vec<NightAvailability>,
}
