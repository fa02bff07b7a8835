//! Room types as an administrator creates and edits them.
//!
//! Owns [`RoomInput`] (create or replace) and [`RoomPatch`] (change some
//! fields) and their rules. Prices are integer minor units of `currency`
//! (cents for EUR), never floats. Whether a currency is one we accept for
//! payment, and whether a patch would orphan bookings, is the server's call.

use serde::{Deserialize, Serialize};

use crate::rule;
use crate::text::{MSG_CONTROL_CHARACTERS, char_len, has_control_chars, trim_owned};

/// Longest room name, in characters (after trimming).
pub const MAX_ROOM_NAME_CHARS: i32 = 100;
/// Longest room description, in characters.
pub const MAX_DESCRIPTION_CHARS: i32 = 2000;
/// Most guests one unit of a room type can sleep.
pub const MAX_CAPACITY: i32 = 20;
/// Highest nightly price in minor units (100 000.00 in a two-decimal currency).
pub const MAX_PRICE_CENTS: i64 = 10_000_000;
/// Most units of one room type.
pub const MAX_TOTAL_INVENTORY: i32 = 500;

/// Room name empty or only whitespace.
pub const MSG_ROOM_NAME_REQUIRED: &str = "Enter a room name.";
/// Room name longer than [`MAX_ROOM_NAME_CHARS`].
pub const MSG_ROOM_NAME_TOO_LONG: &str = "Use at most 100 characters.";
/// Description longer than [`MAX_DESCRIPTION_CHARS`].
pub const MSG_DESCRIPTION_TOO_LONG: &str = "Use at most 2000 characters.";
/// Capacity below one.
pub const MSG_CAPACITY_MIN: &str = "A room must sleep at least one guest.";
/// Capacity above [`MAX_CAPACITY`].
pub const MSG_CAPACITY_MAX: &str = "A room can sleep at most 20 guests.";
/// Price zero or negative.
pub const MSG_PRICE_MIN: &str = "Enter a price above zero.";
/// Price above [`MAX_PRICE_CENTS`].
pub const MSG_PRICE_MAX: &str = "Enter a price of at most 100000.00.";
/// Currency not three uppercase ASCII letters.
pub const MSG_CURRENCY: &str = "Use a three-letter currency code in capitals, such as EUR.";
/// Inventory below one.
pub const MSG_TOTAL_INVENTORY_MIN: &str = "Offer at least one room.";
/// Inventory above [`MAX_TOTAL_INVENTORY`].
pub const MSG_TOTAL_INVENTORY_MAX: &str = "Offer at most 500 rooms.";

/// Rule for a room name (checked trimmed): 1 to [`MAX_ROOM_NAME_CHARS`]
/// characters, no control characters.
pub fn validate_room_name(name: &str) -> Result<(), &'static str> {
    let name = name.trim();
    if name.is_empty() {
        Err(MSG_ROOM_NAME_REQUIRED)
    } else if char_len(name) > i64::from(MAX_ROOM_NAME_CHARS) {
        Err(MSG_ROOM_NAME_TOO_LONG)
    } else if has_control_chars(name, false) {
        Err(MSG_CONTROL_CHARACTERS)
    } else {
        Ok(())
    }
}

/// Rule for a description: at most [`MAX_DESCRIPTION_CHARS`] characters;
/// empty is fine; line breaks and tabs, but no other control characters.
/// Not trimmed, so an author's line breaks survive.
pub fn validate_description(description: &str) -> Result<(), &'static str> {
    if char_len(description) > i64::from(MAX_DESCRIPTION_CHARS) {
        Err(MSG_DESCRIPTION_TOO_LONG)
    } else if has_control_chars(description, true) {
        Err(MSG_CONTROL_CHARACTERS)
    } else {
        Ok(())
    }
}

/// Rule for capacity (guests per unit): `1..=MAX_CAPACITY`.
pub fn validate_capacity(capacity: i32) -> Result<(), &'static str> {
    if capacity < 1 {
        Err(MSG_CAPACITY_MIN)
    } else if capacity > MAX_CAPACITY {
        Err(MSG_CAPACITY_MAX)
    } else {
        Ok(())
    }
}

/// Rule for a nightly price in minor units: `1..=MAX_PRICE_CENTS`.
pub fn validate_price_cents(price_cents: i64) -> Result<(), &'static str> {
    if price_cents < 1 {
        Err(MSG_PRICE_MIN)
    } else if price_cents > MAX_PRICE_CENTS {
        Err(MSG_PRICE_MAX)
    } else {
        Ok(())
    }
}

/// Rule for a currency: exactly three uppercase ASCII letters, as in ISO
/// 4217. Lowercase is rejected rather than fixed so the stored code is
/// exactly what was shown.
pub fn validate_currency(currency: &str) -> Result<(), &'static str> {
    if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(MSG_CURRENCY)
    }
}

/// Rule for the number of units of a room type: `1..=MAX_TOTAL_INVENTORY`.
pub fn validate_total_inventory(total: i32) -> Result<(), &'static str> {
    if total < 1 {
        Err(MSG_TOTAL_INVENTORY_MIN)
    } else if total > MAX_TOTAL_INVENTORY {
        Err(MSG_TOTAL_INVENTORY_MAX)
    } else {
        Ok(())
    }
}

/// A room type as created (or fully replaced) by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoomInput {
    /// Display name, trimmed, 1 to [`MAX_ROOM_NAME_CHARS`] characters.
    #[serde(deserialize_with = "crate::text::deserialize_trimmed")]
    #[garde(custom(rule::text(validate_room_name)))]
    pub name: String,
    /// Free text shown to guests, at most [`MAX_DESCRIPTION_CHARS`]
    /// characters; may be empty.
    #[garde(custom(rule::text(validate_description)))]
    pub description: String,
    /// Guests one unit sleeps, `1..=`[`MAX_CAPACITY`].
    #[garde(custom(rule::value(validate_capacity)))]
    pub capacity: i32,
    /// Default nightly price per unit in minor units of `currency`,
    /// `1..=`[`MAX_PRICE_CENTS`].
    #[garde(custom(rule::value(validate_price_cents)))]
    pub price_cents: i64,
    /// ISO 4217 code such as `EUR`: three uppercase ASCII letters.
    #[garde(custom(rule::text(validate_currency)))]
    pub currency: String,
    /// Units of this type the property has, `1..=`[`MAX_TOTAL_INVENTORY`].
    #[garde(custom(rule::value(validate_total_inventory)))]
    pub total_inventory: i32,
}

/// A currency as typed (` usd`) the way the rule wants it (`USD`): people
/// type codes in lower case, and there is only one reading of them.
fn normalize_currency(currency: &str) -> String {
    currency.trim().to_ascii_uppercase()
}

impl RoomInput {
    /// Trims the name, as deserialising would, and upper-cases the currency.
    #[must_use]
    pub fn normalized(self) -> Self {
        Self {
            name: trim_owned(self.name),
            currency: normalize_currency(&self.currency),
            ..self
        }
    }
}

/// A partial update of a room type: `None` leaves a field unchanged, a
/// present value obeys the same rule as in [`RoomInput`]. An all-`None`
/// patch is valid and changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct RoomPatch {
    /// New display name, trimmed; see [`RoomInput::name`].
    #[serde(deserialize_with = "crate::text::deserialize_trimmed_option")]
    #[garde(custom(rule::optional_text(validate_room_name)))]
    pub name: Option<String>,
    /// New description; `Some("")` clears it.
    #[garde(custom(rule::optional_text(validate_description)))]
    pub description: Option<String>,
    /// New capacity; see [`RoomInput::capacity`].
    #[garde(custom(rule::optional_value(validate_capacity)))]
    pub capacity: Option<i32>,
    /// New default nightly price; see [`RoomInput::price_cents`].
    #[garde(custom(rule::optional_value(validate_price_cents)))]
    pub price_cents: Option<i64>,
    /// New currency; see [`RoomInput::currency`].
    #[garde(custom(rule::optional_text(validate_currency)))]
    pub currency: Option<String>,
    /// New number of units; see [`RoomInput::total_inventory`].
    #[garde(custom(rule::optional_value(validate_total_inventory)))]
    pub total_inventory: Option<i32>,
    /// Show (`true`) or hide (`false`) the room type from guests.
    #[garde(skip)]
    pub active: Option<bool>,
}

impl RoomPatch {
    /// Trims the name, as deserialising would, and upper-cases the currency.
    #[must_use]
    pub fn normalized(self) -> Self {
        Self {
            name: self.name.map(trim_owned),
            currency: self.currency.as_deref().map(normalize_currency),
            ..self
        }
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_only_error, assert_valid, errors_of};

    fn room() -> RoomInput {
        RoomInput {
            name: "Double room".to_owned(),
            description: "Two beds.\nSea view.".to_owned(),
            capacity: 2,
            price_cents: 12_000,
            currency: "EUR".to_owned(),
            total_inventory: 8,
        }
    }

    #[test]
    fn a_typical_room_is_valid() {
        assert_valid(&room(), &());
    }

    #[test]
    fn room_name_is_trimmed_and_bounded() {
        let cases = [
            (String::new(), Some(MSG_ROOM_NAME_REQUIRED)),
            ("  \t ".to_owned(), Some(MSG_ROOM_NAME_REQUIRED)),
            ("  Suite  ".to_owned(), None),
            ("r".repeat(100), None),
            (format!(" {} ", "r".repeat(100)), None),
            ("r".repeat(101), Some(MSG_ROOM_NAME_TOO_LONG)),
        ];
        for (name, expected) in cases {
            let input = RoomInput { name, ..room() };
            match expected {
                None => assert_valid(&input, &()),
                Some(message) => assert_only_error(&input, &(), "name", message),
            }
        }
    }

    #[test]
    fn description_may_be_empty_and_is_bounded_in_characters() {
        for (description, valid) in [
            (String::new(), true),
            ("d".repeat(2000), true),
            ("é".repeat(2000), true),
            ("d".repeat(2001), false),
        ] {
            let input = RoomInput {
                description,
                ..room()
            };
            if valid {
                assert_valid(&input, &());
            } else {
                assert_only_error(&input, &(), "description", MSG_DESCRIPTION_TOO_LONG);
            }
        }
    }

    #[test]
    fn numeric_bounds() {
        /// A change to a valid room and the (field, message) it should cause.
        type Case = (fn(&mut RoomInput), Option<(&'static str, &'static str)>);
        let cases: [Case; 12] = [
            (|r| r.capacity = 0, Some(("capacity", MSG_CAPACITY_MIN))),
            (|r| r.capacity = 1, None),
            (|r| r.capacity = 20, None),
            (|r| r.capacity = 21, Some(("capacity", MSG_CAPACITY_MAX))),
            (|r| r.price_cents = 0, Some(("price_cents", MSG_PRICE_MIN))),
            (|r| r.price_cents = 1, None),
            (|r| r.price_cents = 10_000_000, None),
            (
                |r| r.price_cents = 10_000_001,
                Some(("price_cents", MSG_PRICE_MAX)),
            ),
            (
                |r| r.total_inventory = 0,
                Some(("total_inventory", MSG_TOTAL_INVENTORY_MIN)),
            ),
            (|r| r.total_inventory = 1, None),
            (|r| r.total_inventory = 500, None),
            (
                |r| r.total_inventory = 501,
                Some(("total_inventory", MSG_TOTAL_INVENTORY_MAX)),
            ),
        ];
        for (change, expected) in cases {
            let mut input = room();
            change(&mut input);
            match expected {
                None => assert_valid(&input, &()),
                Some((field, message)) => assert_only_error(&input, &(), field, message),
            }
        }
    }

    #[test]
    fn negative_price_is_rejected() {
        assert_eq!(validate_price_cents(-5), Err(MSG_PRICE_MIN));
    }

    #[test]
    fn currency_must_be_three_uppercase_ascii_letters() {
        for ok in ["EUR", "USD", "JPY"] {
            assert_eq!(validate_currency(ok), Ok(()), "{ok:?}");
        }
        for bad in ["", "EU", "EURO", "eur", "Eur", "E1R", " EUR", "ÉUR", "€"] {
            assert_eq!(validate_currency(bad), Err(MSG_CURRENCY), "{bad:?}");
        }
        let input = RoomInput {
            currency: "eur".to_owned(),
            ..room()
        };
        assert_only_error(&input, &(), "currency", MSG_CURRENCY);
    }

    #[test]
    fn every_broken_field_is_reported_at_once() {
        let broken = RoomInput {
            name: " ".to_owned(),
            description: "d".repeat(2001),
            capacity: 0,
            price_cents: 0,
            currency: "e".to_owned(),
            total_inventory: 0,
        };
        let errors = errors_of(&broken, &());
        assert_eq!(errors.for_field("name"), Some(MSG_ROOM_NAME_REQUIRED));
        assert_eq!(
            errors.for_field("description"),
            Some(MSG_DESCRIPTION_TOO_LONG)
        );
        assert_eq!(errors.for_field("capacity"), Some(MSG_CAPACITY_MIN));
        assert_eq!(errors.for_field("price_cents"), Some(MSG_PRICE_MIN));
        assert_eq!(errors.for_field("currency"), Some(MSG_CURRENCY));
        assert_eq!(
            errors.for_field("total_inventory"),
            Some(MSG_TOTAL_INVENTORY_MIN)
        );
    }

    #[test]
    fn deserialising_trims_the_name_and_rejects_unknown_fields() {
        let input: RoomInput = serde_json::from_str(
            r#"{"name":"  Suite ","description":"","capacity":2,"price_cents":100,
                "currency":"EUR","total_inventory":1}"#,
        )
        .expect("valid json");
        assert_eq!(input.name, "Suite");

        let unknown = serde_json::from_str::<RoomInput>(
            r#"{"name":"Suite","description":"","capacity":2,"price_cents":100,
                "currency":"EUR","total_inventory":1,"id":"x"}"#,
        );
        assert!(unknown.is_err());
    }

    #[test]
    fn normalized_trims_the_name_and_upper_cases_the_currency_only() {
        let input = RoomInput {
            name: "  Suite ".to_owned(),
            description: " keep my spacing ".to_owned(),
            currency: " usd".to_owned(),
            ..room()
        }
        .normalized();
        assert_eq!(input.name, "Suite");
        assert_eq!(input.description, " keep my spacing ");
        assert_eq!(input.currency, "USD");
        assert_valid(&input, &());
        let patch = RoomPatch {
            currency: Some("eur".to_owned()),
            ..RoomPatch::default()
        }
        .normalized();
        assert_eq!(patch.currency.as_deref(), Some("EUR"));
    }

    #[test]
    fn an_empty_patch_is_valid_and_changes_nothing() {
        let patch: RoomPatch = serde_json::from_str("{}").expect("valid json");
        assert!(patch.is_empty());
        assert_valid(&patch, &());
    }

    #[test]
    fn patch_fields_obey_the_room_rules_when_present() {
        let patch = RoomPatch {
            name: Some("   ".to_owned()),
            description: Some("d".repeat(2001)),
            capacity: Some(21),
            price_cents: Some(0),
            currency: Some("usd".to_owned()),
            total_inventory: Some(501),
            active: Some(false),
        };
        let errors = errors_of(&patch, &());
        assert_eq!(errors.for_field("name"), Some(MSG_ROOM_NAME_REQUIRED));
        assert_eq!(
            errors.for_field("description"),
            Some(MSG_DESCRIPTION_TOO_LONG)
        );
        assert_eq!(errors.for_field("capacity"), Some(MSG_CAPACITY_MAX));
        assert_eq!(errors.for_field("price_cents"), Some(MSG_PRICE_MIN));
        assert_eq!(errors.for_field("currency"), Some(MSG_CURRENCY));
        assert_eq!(
            errors.for_field("total_inventory"),
            Some(MSG_TOTAL_INVENTORY_MAX)
        );
        assert_eq!(errors.0.len(), 6);
    }

    #[test]
    fn a_valid_partial_patch_passes() {
        let patch = RoomPatch {
            price_cents: Some(9_900),
            active: Some(false),
            ..RoomPatch::default()
        };
        assert!(!patch.is_empty());
        assert_valid(&patch, &());
    }

    #[test]
    fn patch_json_trims_the_name_and_treats_null_as_unchanged() {
        let patch: RoomPatch =
            serde_json::from_str(r#"{"name":"  Suite ","description":null,"active":true}"#)
                .expect("valid json");
        assert_eq!(patch.name.as_deref(), Some("Suite"));
        assert_eq!(patch.description, None);
        assert_eq!(patch.active, Some(true));
        assert_eq!(
            RoomPatch {
                name: Some(" Suite ".to_owned()),
                ..RoomPatch::default()
            }
            .normalized()
            .name
            .as_deref(),
            Some("Suite")
        );
    }

    #[test]
    fn patch_rejects_unknown_fields() {
        assert!(serde_json::from_str::<RoomPatch>(r#"{"activ":true}"#).is_err());
    }

    #[test]
    fn messages_quote_the_limits_they_enforce() {
        assert!(MSG_ROOM_NAME_TOO_LONG.contains(&MAX_ROOM_NAME_CHARS.to_string()));
        assert!(MSG_DESCRIPTION_TOO_LONG.contains(&MAX_DESCRIPTION_CHARS.to_string()));
        assert!(MSG_CAPACITY_MAX.contains(&MAX_CAPACITY.to_string()));
        assert!(MSG_TOTAL_INVENTORY_MAX.contains(&MAX_TOTAL_INVENTORY.to_string()));
        assert!(MSG_PRICE_MAX.contains(&(MAX_PRICE_CENTS / 100).to_string()));
    }
}

/// A room type as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct Room {
    /// The room's id.
    pub id: uuid::Uuid,
    /// Display name.
    pub name: String,
    /// Description shown on the room page.
    pub description: String,
    /// Guests per unit.
    pub capacity: i32,
    /// Base nightly price in minor units; single nights may differ.
    pub price_cents: i64,
    /// ISO 4217 code of every price of this room.
    pub currency: String,
    /// Identical units of this type; single nights may differ.
    pub total_inventory: i32,
    /// Inactive rooms are hidden from search and cannot be booked.
    pub active: bool,
}
