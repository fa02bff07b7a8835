//! Parameters typed and bounded as the server reads them.

use super::{
    MAX_KEY_CHARS, Object, ObjectBuilder, Parameter, ParameterBuilder, ParameterIn, Required,
    Schema, Type, booking, date, int32, int64, inventory, json, plain_docs, search,
    shift_value_dates, stay, text, window_rule,
};

/// A parameter typed and bounded as the server reads it.
pub(super) fn refine_parameter(operation: &str, parameter: Parameter, shift: i64) -> Parameter {
    // `Parameter::example` has no getter: read it from its JSON form.
    let mut example = serde_json::to_value(&parameter)
        .ok()
        .and_then(|value| value.get("example").cloned());
    if let Some(example) = &mut example {
        shift_value_dates(example, shift);
    }
    let name = parameter.name.clone();
    let location = parameter.parameter_in.clone();
    let description = parameter.description.clone().map(|d| plain_docs(&d));
    let mut builder = ParameterBuilder::from(parameter)
        .description(description)
        .example(example);
    if let Some((schema, required, description)) = typed_parameter(operation, &name) {
        builder = builder.schema(Some(Schema::Object(schema))).required(
            if required || location == ParameterIn::Path {
                Required::True
            } else {
                Required::False
            },
        );
        if let Some(description) = description {
            builder = builder.description(Some(description));
        }
    }
    builder.build()
}

/// The schema, required flag and description of a parameter the server
/// reads more strictly than its Rust type says (strings parsed as dates or
/// numbers, bounded counts), if it is one.
pub(super) fn typed_parameter(
    operation: &str,
    name: &str,
) -> Option<(Object, bool, Option<String>)> {
    match (operation, name) {
        ("search_rooms", "check_in") => Some((
            date(),
            true,
            Some(format!("Check-in date (first night). {}", window_rule())),
        )),
        ("search_rooms", "check_out") => Some((
            date(),
            true,
            Some("Check-out date (day of departure, exclusive), after `check_in`.".to_owned()),
        )),
        ("search_rooms", "guests") => Some((
            int32(1, stay::MAX_GUESTS),
            true,
            Some(format!("Number of guests, 1 to {}.", stay::MAX_GUESTS)),
        )),
        ("search_rooms", "units") => {
            let mut units = int32(1, stay::MAX_UNITS);
            units.default = Some(json!(stay::default_units()));
            Some((
                units,
                false,
                Some(format!(
                    "Rooms of one type wanted, 1 to {}; one when omitted.",
                    stay::MAX_UNITS
                )),
            ))
        }
        ("search_rooms", "min_price" | "max_price") => Some((
            int64(0, i64::MAX),
            false,
            Some(format!(
                "{} average price per night of one unit, in minor units; `max_price` not below `min_price`.",
                if name == "min_price" {
                    "Lowest"
                } else {
                    "Highest"
                }
            )),
        )),
        ("search_rooms", "limit") => {
            let mut limit = int32(1, search::MAX_PAGE_SIZE);
            limit.default = Some(json!(search::DEFAULT_PAGE_SIZE));
            Some((
                limit,
                false,
                Some(format!(
                    "Offers per page, 1 to {}; {} when omitted.",
                    search::MAX_PAGE_SIZE,
                    search::DEFAULT_PAGE_SIZE
                )),
            ))
        }
        ("search_rooms", "cursor") => {
            let mut cursor = ObjectBuilder::new().schema_type(Type::String).build();
            text(
                &mut cursor,
                Some(1),
                i32::try_from(search::MAX_CURSOR_CHARS).unwrap_or(i32::MAX),
                None,
            );
            Some((cursor, false, None))
        }
        ("list_bookings", _) => list_bookings_parameter(name),
        ("get_room_availability", "to") => Some((
            date(),
            false,
            Some(format!(
                "Day after the last night (default: 31 days after `from`); after `from` and \
                 at most {} nights after it.",
                inventory::MAX_EDIT_NIGHTS
            )),
        )),
        (_, "Idempotency-Key") => {
            let mut key = ObjectBuilder::new().schema_type(Type::String).build();
            text(
                &mut key,
                Some(1),
                i32::try_from(MAX_KEY_CHARS).unwrap_or(i32::MAX),
                Some("^[\\x20-\\x7e]+$"),
            );
            Some((key, false, None))
        }
        _ => None,
    }
}

/// [`typed_parameter`] of `list_bookings`.
fn list_bookings_parameter(name: &str) -> Option<(Object, bool, Option<String>)> {
    match name {
        "limit" => {
            let mut limit = int64(1, booking::MAX_LIST_LIMIT);
            limit.default = Some(json!(booking::DEFAULT_LIST_LIMIT));
            Some((
                limit,
                false,
                Some(format!(
                    "How many bookings at most, 1 to {}; {} when omitted.",
                    booking::MAX_LIST_LIMIT,
                    booking::DEFAULT_LIST_LIMIT
                )),
            ))
        }
        "q" => {
            let mut q = ObjectBuilder::new().schema_type(Type::String).build();
            // No control characters (`char::is_control`: C0, DEL and C1).
            text(
                &mut q,
                None,
                i32::try_from(booking::MAX_SEARCH_CHARS).unwrap_or(i32::MAX),
                Some("^[^\\u0000-\\u001f\\u007f-\\u009f]*$"),
            );
            Some((q, false, None))
        }
        "cursor" => {
            let mut cursor = ObjectBuilder::new().schema_type(Type::String).build();
            text(
                &mut cursor,
                Some(1),
                i32::try_from(booking::MAX_LIST_CURSOR_CHARS).unwrap_or(i32::MAX),
                None,
            );
            Some((cursor, false, None))
        }
        "to" => Some((
            date(),
            false,
            Some("Only stays with a night before this date (exclusive, like check-out); after `from`.".to_owned()),
        )),
        _ => None,
    }
}
