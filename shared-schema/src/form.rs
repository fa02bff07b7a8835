//! Raw form input: what a browser form or a Leptos server function receives
//! before it is typed.
//!
//! Owns [`SearchForm`] and the parse helpers later forms (booking, room
//! edit) reuse. A form is parsed field by field first, recording a message
//! for every field that is empty or not of the right shape, and then the
//! typed value is validated with garde; the two sets of messages are merged
//! so every broken field gets exactly its first problem in one pass, and a
//! field that failed to parse is not reported again by validation.
//!
//! Form structs are lenient on purpose (no `deny_unknown_fields`, missing
//! fields read as empty): browsers send whatever the markup has, and every
//! problem ends up as a message under a field instead of a 400.

use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::errors::FieldErrors;
use crate::inventory::InventoryEdit;
use crate::rooms::{RoomInput, RoomPatch};
use crate::search::{RoomSearch, SearchOptions, SearchSort};
use crate::stay::{self, BookingWindow};

/// Check-in date left empty.
pub const MSG_CHOOSE_CHECKIN: &str = "Choose a check-in date.";
/// Check-out date left empty.
pub const MSG_CHOOSE_CHECKOUT: &str = "Choose a check-out date.";
/// A date that is not `YYYY-MM-DD` (what `<input type="date">` sends).
pub const MSG_DATE_FORMAT: &str = "Enter a date as YYYY-MM-DD.";
/// A number field that is not an integer (or is out of `i32`/`i64` range).
pub const MSG_WHOLE_NUMBER: &str = "Enter a whole number.";
/// Guest count left empty.
pub const MSG_GUESTS_REQUIRED: &str = "Enter the number of guests.";
/// A required number left empty.
pub const MSG_NUMBER_REQUIRED: &str = "Enter a number.";
/// A price that is not a decimal amount with at most two decimals.
pub const MSG_PRICE_FORMAT: &str = "Enter a price like 120 or 120.50.";
/// An inventory edit's start date left empty.
pub const MSG_CHOOSE_FROM: &str = "Choose the first night.";
/// An inventory edit's end date left empty.
pub const MSG_CHOOSE_TO: &str = "Choose the day after the last night.";

/// Parses a required `YYYY-MM-DD` date from `raw` (trimmed).
///
/// Records `if_empty` for an empty value and [`MSG_DATE_FORMAT`] for an
/// unparsable one under `field`, and returns `None` in both cases.
pub fn parse_date(
    field: &str,
    raw: &str,
    if_empty: &str,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.push(field, if_empty);
        return None;
    }
    let parsed = crate::date::parse(raw);
    if parsed.is_none() {
        errors.push(field, MSG_DATE_FORMAT);
    }
    parsed
}

/// Parses a required integer (`i32`, `i64`, ...) from `raw` (trimmed).
///
/// Records `if_empty` for an empty value and [`MSG_WHOLE_NUMBER`] for
/// anything else that does not parse under `field`, and returns `None` in
/// both cases. Range rules are left to validation.
pub fn parse_int<T: FromStr>(
    field: &str,
    raw: &str,
    if_empty: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.push(field, if_empty);
        return None;
    }
    parse_whole_number(field, raw, errors)
}

/// Parses an integer from `raw` (trimmed), using `default` when it is
/// empty. Records [`MSG_WHOLE_NUMBER`] under `field` and returns `None`
/// when it does not parse.
pub fn parse_int_or<T: FromStr>(
    field: &str,
    raw: &str,
    default: T,
    errors: &mut FieldErrors,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(default);
    }
    parse_whole_number(field, raw, errors)
}

/// Parses an optional integer (an empty field means "not given", e.g.
/// "leave unchanged" in an edit form). Returns `None` both for empty and
/// for unparsable input; the latter also records [`MSG_WHOLE_NUMBER`] under
/// `field`, which is how a caller tells them apart.
pub fn parse_optional_int<T: FromStr>(
    field: &str,
    raw: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    parse_whole_number(field, raw, errors)
}

fn parse_whole_number<T: FromStr>(field: &str, raw: &str, errors: &mut FieldErrors) -> Option<T> {
    let parsed = raw.parse().ok();
    if parsed.is_none() {
        errors.push(field, MSG_WHOLE_NUMBER);
    }
    parsed
}

/// Validates a value built from parsed form fields and merges the result
/// with the parse messages: validation messages are kept only for fields
/// that parsed, since a field that did not was validated as a stand-in.
///
/// Returns the value only when there are no messages at all.
pub fn validate_parsed<T: garde::Validate>(
    value: T,
    ctx: &T::Context,
    parse_errors: FieldErrors,
) -> Result<T, FieldErrors> {
    let mut errors = parse_errors;
    if let Err(report) = value.validate_with(ctx) {
        errors.merge_unreported(FieldErrors::from_report(&report));
    }
    errors.into_result(value)
}

/// The room search form as typed: every field is the raw string the browser
/// sent. Serialises with the same field names as [`RoomSearch`], so a query
/// string like `?check_in=2030-01-10&check_out=2030-01-12&guests=2` fills it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct SearchForm {
    /// Check-in date as typed, expected `YYYY-MM-DD`.
    pub check_in: String,
    /// Check-out date as typed, expected `YYYY-MM-DD`.
    pub check_out: String,
    /// Number of guests as typed.
    pub guests: String,
    /// Number of rooms as typed; empty means one.
    pub units: String,
}

impl SearchForm {
    /// Parses every field, then validates the search against `window`,
    /// returning all messages from both steps at once.
    pub fn parse(&self, window: &BookingWindow) -> Result<RoomSearch, FieldErrors> {
        let mut errors = FieldErrors::new();
        let check_in = parse_date("check_in", &self.check_in, MSG_CHOOSE_CHECKIN, &mut errors);
        let check_out = parse_date(
            "check_out",
            &self.check_out,
            MSG_CHOOSE_CHECKOUT,
            &mut errors,
        );
        let guests = parse_int("guests", &self.guests, MSG_GUESTS_REQUIRED, &mut errors);
        let units = parse_int_or("units", &self.units, stay::default_units(), &mut errors);

        // Stand-ins for dates that did not parse are one night from the
        // date that did, so they cannot make the parsed date fail a rule
        // that compares the two (their own messages are dropped anyway).
        let (check_in, check_out) = match (check_in, check_out) {
            (Some(check_in), Some(check_out)) => (check_in, check_out),
            (Some(check_in), None) => (check_in, check_in.succ_opt().unwrap_or(check_in)),
            (None, Some(check_out)) => (check_out.pred_opt().unwrap_or(check_out), check_out),
            (None, None) => (window.today, window.today),
        };
        let search = RoomSearch {
            check_in,
            check_out,
            guests: guests.unwrap_or(1),
            units: units.unwrap_or(1),
        };
        validate_parsed(search, window, errors)
    }
}

impl From<&RoomSearch> for SearchForm {
    /// Fills the form from a typed search, e.g. to show the current search.
    fn from(search: &RoomSearch) -> Self {
        Self {
            check_in: search.check_in.to_string(),
            check_out: search.check_out.to_string(),
            guests: search.guests.to_string(),
            units: search.units.to_string(),
        }
    }
}

/// The filters and order of the search page as typed: prices per night in
/// major units, either may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FilterForm {
    /// `price_asc` (or empty), `price_desc` or `name`.
    pub sort: String,
    /// Lowest average price per night, as typed.
    pub min_price: String,
    /// Highest average price per night, as typed.
    pub max_price: String,
}

impl FilterForm {
    /// Parses and validates the filters into [`SearchOptions`] (first page).
    pub fn parse(&self) -> Result<SearchOptions, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut price = |field: &str, raw: &str| {
            (!raw.trim().is_empty())
                .then(|| parse_price(field, raw, &mut errors))
                .flatten()
        };
        let min_price = price("min_price", &self.min_price);
        let max_price = price("max_price", &self.max_price);
        let sort = match self.sort.trim() {
            "price_desc" => SearchSort::PriceDesc,
            "name" => SearchSort::Name,
            _ => SearchSort::PriceAsc,
        };
        let options = SearchOptions {
            min_price,
            max_price,
            sort,
            ..SearchOptions::default()
        };
        validate_parsed(options, &(), errors)
    }
}

/// Parses a price typed in major units (`120`, `120.5`, `120.50`) into
/// minor units. Records [`MSG_PRICE_FORMAT`] for anything else.
pub fn parse_price(field: &str, raw: &str, errors: &mut FieldErrors) -> Option<i64> {
    let raw = raw.trim();
    let (major, minor) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let cents = (!major.is_empty() && digits(major) && minor.len() <= 2 && digits(minor))
        .then(|| {
            let minor: i64 = format!("{minor:0<2}").parse().ok()?;
            major
                .parse::<i64>()
                .ok()?
                .checked_mul(100)?
                .checked_add(minor)
        })
        .flatten();
    if cents.is_none() {
        errors.push(field, MSG_PRICE_FORMAT);
    }
    cents
}

/// The room form of the admin pages as typed; the price in major units.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoomForm {
    /// Display name.
    pub name: String,
    /// Description shown to guests.
    pub description: String,
    /// Guests per unit, as typed.
    pub capacity: String,
    /// Base nightly price in major units, as typed (`120.50`).
    pub price: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Units of this type, as typed.
    pub total_inventory: String,
}

impl RoomForm {
    /// Parses and validates the form into a [`RoomInput`]. Price messages
    /// are reported on `price`, the field the user typed.
    pub fn parse(&self) -> Result<RoomInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let capacity = parse_int("capacity", &self.capacity, MSG_NUMBER_REQUIRED, &mut errors);
        let price_cents = parse_price("price", &self.price, &mut errors);
        let total_inventory = parse_int(
            "total_inventory",
            &self.total_inventory,
            MSG_NUMBER_REQUIRED,
            &mut errors,
        );
        let input = RoomInput {
            name: self.name.clone(),
            description: self.description.clone(),
            capacity: capacity.unwrap_or(1),
            price_cents: price_cents.unwrap_or(1),
            currency: self.currency.clone(),
            total_inventory: total_inventory.unwrap_or(1),
        }
        .normalized();
        validate_parsed(input, &(), errors).map_err(|errors| errors.renamed("price_cents", "price"))
    }
}

impl From<RoomInput> for RoomPatch {
    /// A patch that sets every field of the room (and leaves `active`).
    fn from(input: RoomInput) -> Self {
        Self {
            name: Some(input.name),
            description: Some(input.description),
            capacity: Some(input.capacity),
            price_cents: Some(input.price_cents),
            currency: Some(input.currency),
            total_inventory: Some(input.total_inventory),
            active: None,
        }
    }
}

/// What an inventory edit does to the nights' open/closed state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClosedChange {
    /// Leave it as it is.
    #[default]
    Unchanged,
    /// Close the nights to new bookings.
    Close,
    /// Reopen closed nights.
    Open,
}

/// The inventory form of the admin calendar as typed. Empty `total` and
/// `price` leave them unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InventoryForm {
    /// First night, `YYYY-MM-DD`.
    pub from: String,
    /// Day after the last night, `YYYY-MM-DD`.
    pub to: String,
    /// Units on sale per night, as typed; empty = unchanged.
    pub total: String,
    /// Nightly price in major units, as typed; empty = unchanged.
    pub price: String,
    /// Close, reopen or leave the nights.
    pub closed: ClosedChange,
}

impl InventoryForm {
    /// Parses and validates the form into an [`InventoryEdit`].
    pub fn parse(&self, window: &BookingWindow) -> Result<InventoryEdit, FieldErrors> {
        let mut errors = FieldErrors::new();
        let from = parse_date("from", &self.from, MSG_CHOOSE_FROM, &mut errors);
        let to = parse_date("to", &self.to, MSG_CHOOSE_TO, &mut errors);
        let total = parse_optional_int("total", &self.total, &mut errors);
        let price_cents = if self.price.trim().is_empty() {
            None
        } else {
            parse_price("price", &self.price, &mut errors)
        };
        let from = from.unwrap_or(window.today);
        let edit = InventoryEdit {
            from,
            to: to.unwrap_or_else(|| from.succ_opt().unwrap_or(from)),
            total,
            price_cents,
            closed: match self.closed {
                ClosedChange::Unchanged => None,
                ClosedChange::Close => Some(true),
                ClosedChange::Open => Some(false),
            },
        };
        validate_parsed(edit, window, errors)
            .map_err(|errors| errors.renamed("price_cents", "price"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldError;
    use crate::stay::{
        MSG_CHECKIN_IN_PAST, MSG_CHECKOUT_AFTER_CHECKIN, MSG_CHECKOUT_BEYOND_HORIZON,
        MSG_GUESTS_MAX, MSG_GUESTS_MIN, MSG_STAY_TOO_LONG, MSG_UNITS_MIN,
    };
    use crate::test_support::{day, window};

    fn form(check_in: &str, check_out: &str, guests: &str, units: &str) -> SearchForm {
        SearchForm {
            check_in: check_in.to_owned(),
            check_out: check_out.to_owned(),
            guests: guests.to_owned(),
            units: units.to_owned(),
        }
    }

    #[track_caller]
    fn rejected(form: &SearchForm) -> FieldErrors {
        form.parse(&window())
            .expect_err("the form should be rejected")
    }

    #[test]
    fn a_complete_form_parses_into_a_search() {
        let search = form(" 2030-01-10 ", "2030-01-12", " 2 ", "3")
            .parse(&window())
            .expect("valid form");
        assert_eq!(
            search,
            RoomSearch {
                check_in: day(0),
                check_out: day(2),
                guests: 2,
                units: 3,
            }
        );
    }

    #[test]
    fn empty_units_default_to_one_room() {
        let search = form("2030-01-10", "2030-01-12", "2", "  ")
            .parse(&window())
            .expect("valid form");
        assert_eq!(search.units, 1);
    }

    #[test]
    fn empty_form_asks_for_each_required_field() {
        let expected: FieldErrors = [
            FieldError::new("check_in", MSG_CHOOSE_CHECKIN),
            FieldError::new("check_out", MSG_CHOOSE_CHECKOUT),
            FieldError::new("guests", MSG_GUESTS_REQUIRED),
        ]
        .into_iter()
        .collect();
        assert_eq!(rejected(&SearchForm::default()), expected);
    }

    #[test]
    fn unparsable_dates_ask_for_the_iso_format() {
        for raw in [
            "10/01/2030",
            "2030-13-01",
            "2030-02-30",
            "tomorrow",
            "2030-01",
            "2030-1-05",
        ] {
            let errors = rejected(&form(raw, raw, "2", "1"));
            assert_eq!(
                errors.for_field("check_in"),
                Some(MSG_DATE_FORMAT),
                "{raw:?}"
            );
            assert_eq!(
                errors.for_field("check_out"),
                Some(MSG_DATE_FORMAT),
                "{raw:?}"
            );
            assert_eq!(errors.0.len(), 2, "{raw:?}: {errors:?}");
        }
    }

    #[test]
    fn non_integer_counts_ask_for_a_whole_number() {
        for raw in ["two", "2.5", "1e3", "99999999999", "-"] {
            let errors = rejected(&form("2030-01-10", "2030-01-12", raw, raw));
            assert_eq!(
                errors.for_field("guests"),
                Some(MSG_WHOLE_NUMBER),
                "{raw:?}"
            );
            assert_eq!(errors.for_field("units"), Some(MSG_WHOLE_NUMBER), "{raw:?}");
            assert_eq!(errors.0.len(), 2, "{raw:?}: {errors:?}");
        }
    }

    #[test]
    fn parse_and_validation_messages_are_merged_in_one_pass() {
        // check_in does not parse, check_out is too far ahead, guests is
        // zero and units is not a number: four fields, four messages.
        let errors = rejected(&form("soon", "2031-01-11", "0", "x"));
        let expected: FieldErrors = [
            FieldError::new("check_in", MSG_DATE_FORMAT),
            FieldError::new("units", MSG_WHOLE_NUMBER),
            FieldError::new("check_out", MSG_CHECKOUT_BEYOND_HORIZON),
            FieldError::new("guests", MSG_GUESTS_MIN),
        ]
        .into_iter()
        .collect();
        assert_eq!(errors, expected);
    }

    #[test]
    fn a_field_that_failed_to_parse_is_not_also_reported_by_validation() {
        // The stand-in for check_out must not produce a second message on
        // check_out, nor a false one on a valid check_in.
        let errors = rejected(&form("2030-01-11", "", "2", "1"));
        let expected: FieldErrors = [FieldError::new("check_out", MSG_CHOOSE_CHECKOUT)]
            .into_iter()
            .collect();
        assert_eq!(errors, expected);

        // Likewise the other way round: check_out today would be valid after
        // a stand-in check-in of yesterday, which is in the past but is not
        // reported because check_in already has its message.
        let errors = errors_for("", "2030-01-10");
        assert_eq!(errors.for_field("check_in"), Some(MSG_CHOOSE_CHECKIN));
        assert_eq!(errors.0.len(), 1, "{errors:?}");
    }

    fn errors_for(check_in: &str, check_out: &str) -> FieldErrors {
        rejected(&form(check_in, check_out, "2", "1"))
    }

    #[test]
    fn parsed_values_still_get_validation_messages() {
        let cases = [
            ("2030-01-09", "2030-01-12", "check_in", MSG_CHECKIN_IN_PAST),
            (
                "2030-01-12",
                "2030-01-12",
                "check_out",
                MSG_CHECKOUT_AFTER_CHECKIN,
            ),
            ("2030-01-10", "2030-02-10", "check_out", MSG_STAY_TOO_LONG),
        ];
        for (check_in, check_out, field, message) in cases {
            let errors = errors_for(check_in, check_out);
            assert_eq!(
                errors.for_field(field),
                Some(message),
                "{check_in}..{check_out}"
            );
            assert_eq!(errors.0.len(), 1, "{errors:?}");
        }
        let errors = rejected(&form("2030-01-10", "2030-01-12", "21", "0"));
        assert_eq!(errors.for_field("guests"), Some(MSG_GUESTS_MAX));
        assert_eq!(errors.for_field("units"), Some(MSG_UNITS_MIN));
    }

    #[test]
    fn form_field_names_match_the_validated_type() {
        // Parse messages and garde messages must land on the same names, or
        // the merge rule would report a field twice.
        let search = RoomSearch {
            check_in: day(-1),
            check_out: day(-1),
            guests: 0,
            units: 0,
        };
        let garde_fields: Vec<String> = crate::validated(search, &window())
            .expect_err("invalid")
            .into_iter()
            .map(|error| error.field)
            .collect();
        assert_eq!(garde_fields, ["check_in", "check_out", "guests", "units"]);
    }

    #[test]
    fn a_search_round_trips_through_the_form() {
        let search = RoomSearch {
            check_in: day(3),
            check_out: day(5),
            guests: 4,
            units: 2,
        };
        let prefilled = SearchForm::from(&search);
        assert_eq!(prefilled, form("2030-01-13", "2030-01-15", "4", "2"));
        assert_eq!(prefilled.parse(&window()), Ok(search));
    }

    #[test]
    fn form_deserialises_leniently_from_partial_input() {
        let form: SearchForm =
            serde_json::from_str(r#"{"check_in":"2030-01-10","utm_source":"x"}"#).expect("lenient");
        assert_eq!(form.check_in, "2030-01-10");
        assert_eq!(form.guests, "");
    }

    #[test]
    fn parse_helpers_are_reusable_for_other_types() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            parse_int::<i64>("price_cents", "12000", "Enter a price.", &mut errors),
            Some(12_000)
        );
        assert_eq!(
            parse_int::<i64>("price_cents", "", "Enter a price.", &mut errors),
            None
        );
        assert_eq!(parse_int_or::<i32>("units", "", 7, &mut errors), Some(7));
        assert_eq!(parse_optional_int::<i32>("total", "", &mut errors), None);
        assert_eq!(
            parse_optional_int::<i32>("total", "-3", &mut errors),
            Some(-3)
        );
        assert_eq!(
            parse_optional_int::<i32>("total", "lots", &mut errors),
            None
        );
        assert_eq!(
            parse_date("from", "2030-01-10", "Choose a date.", &mut errors),
            Some(day(0))
        );

        let expected: FieldErrors = [
            FieldError::new("price_cents", "Enter a price."),
            FieldError::new("total", MSG_WHOLE_NUMBER),
        ]
        .into_iter()
        .collect();
        assert_eq!(errors, expected);
    }

    #[test]
    fn a_room_form_accepts_a_lower_case_currency_and_upper_cases_it() {
        let form = RoomForm {
            name: "Suite".to_owned(),
            description: String::new(),
            capacity: "2".to_owned(),
            price: "120".to_owned(),
            currency: " usd ".to_owned(),
            total_inventory: "3".to_owned(),
        };
        assert_eq!(
            form.parse().map(|input| input.currency),
            Ok("USD".to_owned())
        );
    }
}
