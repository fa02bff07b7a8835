//! The finishing pass over the OpenAPI document: what utoipa's attributes
//! cannot say, or can say only with literals that would drift from the
//! rules.
//!
//! - Bounds, formats and required flags of every parameter and body field
//!   come from the constants the garde rules use (`shared_schema`), so the
//!   document and the validation cannot disagree.
//! - The errors every operation may answer (429 and 503 everywhere, 401 on
//!   secured operations, 400/413/415/422 with a body) as shared responses,
//!   all `application/problem+json`; 409s name their `ConflictCode`s.
//! - Rustdoc links of the shared types' docs (``[`MAX_PAGE_SIZE`]``)
//!   become the numbers they stand for.
//! - Example dates move into the booking window of the day the document
//!   is built, so a fresh server accepts every example.
//!
//! Owns nothing but the document; reads no request and no database.

use chrono::{DateTime, Days, NaiveDate};
use serde_json::{Value, json};
use shared_schema::{
    ConflictCode, auth, booking, inventory, rooms,
    search::{self, SearchSort},
    stay,
};
use utoipa::{
    PartialSchema,
    openapi::{
        self, Content, Header, KnownFormat, ObjectBuilder, OpenApi, RefOr, Required, Response,
        Schema, SchemaFormat, Type,
        path::{Operation, Parameter, ParameterBuilder, ParameterIn},
        schema::{AllOf, Array, ArrayItems, Object, OneOf},
    },
};

use crate::{bookings::MAX_KEY_CHARS, http::problem::PROBLEM_JSON};

/// Days from "today" to the check-in of the examples: far enough that the
/// property's time zone cannot make it the past, near enough that every
/// example stay stays inside the window for months of uptime.
const EXAMPLE_LEAD_DAYS: u64 = 30;

/// The check-in the examples are written with; every example date moves by
/// the same number of days so that the stays keep their shape.
const EXAMPLE_ANCHOR: NaiveDate = NaiveDate::from_ymd_opt(2030, 1, 10).expect("a valid date");

/// The rule no schema can express, said in words where dates are taken.
fn window_rule() -> String {
    format!(
        "Dates are `YYYY-MM-DD` at the property. A stay's nights must lie in the booking \
         window: check-in today or later, check-out after check-in, at most {} nights, and \
         no later than today + {} days.",
        stay::MAX_NIGHTS,
        stay::DEFAULT_HORIZON_DAYS
    )
}

/// The document as served, its example dates placed relative to `today`.
pub fn finish(mut document: OpenApi, today: NaiveDate) -> OpenApi {
    let shift = example_shift(today);
    let components = document.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert("SearchSort".to_owned(), SearchSort::schema());
    components
        .schemas
        .insert("ConflictCode".to_owned(), ConflictCode::schema());
    for (name, response) in shared_responses() {
        components
            .responses
            .insert(name.to_owned(), response.into());
    }
    for (name, schema) in &mut components.schemas {
        refine_component(name, schema);
        plain_schema_docs(schema);
        walk_schema(schema, &mut |object| shift_value_dates(object, shift));
    }
    for item in document.paths.paths.values_mut() {
        for operation in operations(item) {
            refine_operation(operation, shift);
        }
    }
    document
}

/// Days to add to an example date written around [`EXAMPLE_ANCHOR`].
fn example_shift(today: NaiveDate) -> i64 {
    let check_in = today
        .checked_add_days(Days::new(EXAMPLE_LEAD_DAYS))
        .unwrap_or(today);
    (check_in - EXAMPLE_ANCHOR).num_days()
}

fn operations(item: &mut openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

// ---------------------------------------------------------------- schemas

fn integer(format: KnownFormat, min: i64, max: Option<i64>) -> Object {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(format)))
        .build();
    object.minimum = Some(min.into());
    object.maximum = max.map(Into::into);
    object
}

fn int32(min: i32, max: i32) -> Object {
    integer(KnownFormat::Int32, min.into(), Some(max.into()))
}

fn int64(min: i64, max: i64) -> Object {
    integer(KnownFormat::Int64, min, Some(max))
}

fn date() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .build()
}

fn to_usize(n: i32) -> usize {
    usize::try_from(n).unwrap_or_default()
}

/// Text that the server trims and refuses when empty or when it holds
/// control characters: at least one character that is not a space, none
/// below U+0020 (nor DEL and the C1 controls).
const TRIMMED_TEXT: &str = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$";
/// Free text that keeps line breaks and tabs but no other control character.
const FREE_TEXT: &str = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$";
/// What the server takes for an email address: one `@` with something
/// before it, a dotted domain, no spaces or control characters.
const EMAIL: &str = r"^[^\s@\u0000-\u001f\u007f-\u009f]+@[^\s@.\u0000-\u001f\u007f-\u009f]+(\.[^\s@.\u0000-\u001f\u007f-\u009f]+)+$";

/// Bounds of a text field in characters, with an optional pattern.
fn text(object: &mut Object, min: Option<i32>, max: i32, pattern: Option<&str>) {
    object.min_length = min.map(to_usize);
    object.max_length = Some(to_usize(max));
    object.pattern = pattern.map(str::to_owned);
}

fn bound(object: &mut Object, min: impl Into<utoipa::Number>, max: impl Into<utoipa::Number>) {
    object.minimum = Some(min.into());
    object.maximum = Some(max.into());
}

/// Bounds of the body fields of `component`, from the rules' constants.
fn refine_component(component: &str, schema: &mut RefOr<Schema>) {
    let RefOr::T(Schema::Object(object)) = schema else {
        return;
    };
    for (name, property) in &mut object.properties {
        if let RefOr::T(Schema::Object(field)) = property {
            refine_field(component, name, field);
        }
    }
    match component {
        "Problem" => refine_problem(object),
        "InventoryEdit" => {
            // At least one change, and a change is a value, not `null`.
            let one_of = |name: &str, kind: Type| {
                ObjectBuilder::new()
                    .property(name, ObjectBuilder::new().schema_type(kind))
                    .required(name)
                    .build()
            };
            let any_of = AnyOfItems(vec![
                one_of("total", Type::Integer),
                one_of("price_cents", Type::Integer),
                one_of("closed", Type::Boolean),
            ]);
            // utoipa's `Object` has no `anyOf` of its own; its extensions
            // are written flat into the schema, under any key.
            object
                .extensions
                .get_or_insert_with(Default::default)
                .insert(
                    "anyOf".to_owned(),
                    serde_json::to_value(any_of.0).unwrap_or_default(),
                );
        }
        _ => {}
    }
}

/// The branches of an `anyOf`.
struct AnyOfItems(Vec<Object>);

/// Every description inside `schema` in plain words (see [`plain_docs`]).
fn plain_schema_docs(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else {
        return;
    };
    let plain = |description: &mut Option<String>| {
        if let Some(text) = description.take() {
            *description = Some(plain_docs(&text));
        }
    };
    match schema {
        Schema::Object(object) => {
            plain(&mut object.description);
            object.properties.values_mut().for_each(plain_schema_docs);
        }
        Schema::Array(array) => {
            plain(&mut array.description);
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                plain_schema_docs(items);
            }
        }
        Schema::OneOf(one_of) => {
            plain(&mut one_of.description);
            one_of.items.iter_mut().for_each(plain_schema_docs);
        }
        Schema::AllOf(all_of) => {
            plain(&mut all_of.description);
            all_of.items.iter_mut().for_each(plain_schema_docs);
        }
        _ => {}
    }
}

fn refine_field(component: &str, name: &str, field: &mut Object) {
    match (component, name) {
        ("Register" | "Login", "email") => {
            text(field, Some(3), auth::MAX_EMAIL_CHARS, Some(EMAIL));
        }
        ("Register", "name") => text(field, Some(1), auth::MAX_NAME_CHARS, Some(TRIMMED_TEXT)),
        ("Register", "password") => text(
            field,
            Some(auth::MIN_PASSWORD_CHARS),
            auth::MAX_PASSWORD_CHARS,
            None,
        ),
        ("Login", "password") => text(field, Some(1), auth::MAX_PASSWORD_CHARS, None),
        ("RoomInput" | "RoomPatch", "name") => {
            text(
                field,
                Some(1),
                rooms::MAX_ROOM_NAME_CHARS,
                Some(TRIMMED_TEXT),
            );
        }
        ("RoomInput" | "RoomPatch", "description") => {
            text(field, None, rooms::MAX_DESCRIPTION_CHARS, Some(FREE_TEXT));
        }
        ("RoomInput" | "RoomPatch", "capacity") => bound(field, 1, rooms::MAX_CAPACITY),
        ("RoomInput" | "RoomPatch" | "InventoryEdit", "price_cents") => {
            bound(field, 1, rooms::MAX_PRICE_CENTS);
        }
        ("RoomInput" | "RoomPatch", "currency") => text(field, Some(3), 3, Some("^[A-Z]{3}$")),
        ("RoomInput" | "RoomPatch", "total_inventory") => {
            bound(field, 1, rooms::MAX_TOTAL_INVENTORY);
        }
        ("InventoryEdit", "total") => bound(field, 0, inventory::MAX_EDIT_TOTAL),
        ("InventoryEdit", "from") => {
            field.description = Some(
                "First night to change: today at the property or later (`YYYY-MM-DD`).".to_owned(),
            );
        }
        ("InventoryEdit", "to") => {
            field.description = Some(format!(
                "Day after the last night to change (exclusive): 1 to {} nights after `from`.",
                inventory::MAX_EDIT_NIGHTS
            ));
        }
        ("NewBooking", "guests") => bound(field, 1, stay::MAX_GUESTS),
        ("NewBooking", "units") => {
            bound(field, 1, stay::MAX_UNITS);
            field.default = Some(json!(stay::default_units()));
        }
        ("NewBooking", "check_in") => {
            field.description = Some(format!(
                "First night of the stay (`YYYY-MM-DD`): today at the property or later, \
                 before today + {} days.",
                stay::DEFAULT_HORIZON_DAYS
            ));
        }
        ("NewBooking", "check_out") => {
            field.description = Some(format!(
                "Day of departure (exclusive): 1 to {} nights after check-in and no later \
                 than today + {} days.",
                stay::MAX_NIGHTS,
                stay::DEFAULT_HORIZON_DAYS
            ));
        }
        _ => {}
    }
}

/// The problem document: its `code` lists where the codes come from.
fn refine_problem(object: &mut Object) {
    if let Some(RefOr::T(Schema::Object(code))) = object.properties.get_mut("code") {
        code.description = Some(format!(
            "Machine-readable, stable code: one per status ({}), or for a 409 one of \
             `ConflictCode`, or `invalid_credentials` (401), `idempotency_key_reused` (422), \
             `cross_site_request` (403).",
            STATUS_CODES
                .iter()
                .map(|(status, code)| format!("`{code}` {status}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

/// The code of each status answered without a more specific one.
pub const STATUS_CODES: [(u16, &str); 12] = [
    (400, "malformed_request"),
    (401, "unauthenticated"),
    (403, "forbidden"),
    (404, "not_found"),
    (405, "method_not_allowed"),
    (409, "conflict"),
    (413, "payload_too_large"),
    (415, "unsupported_media_type"),
    (422, "validation_failed"),
    (429, "rate_limited"),
    (500, "internal_error"),
    (503, "unavailable"),
];

/// Calls `visit` on every object schema (with its examples and defaults)
/// inside `schema`.
fn walk_schema(schema: &mut RefOr<Schema>, visit: &mut impl FnMut(&mut Value)) {
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(object) => {
            visit_object_values(object, visit);
            for property in object.properties.values_mut() {
                walk_schema(property, visit);
            }
        }
        Schema::Array(Array {
            items,
            example,
            examples,
            ..
        }) => {
            if let Some(example) = example {
                visit(example);
            }
            examples.iter_mut().for_each(&mut *visit);
            if let ArrayItems::RefOrSchema(items) = items {
                walk_schema(items, visit);
            }
        }
        Schema::OneOf(OneOf { items, .. }) | Schema::AllOf(AllOf { items, .. }) => {
            for item in items {
                walk_schema(item, visit);
            }
        }
        _ => {}
    }
}

fn visit_object_values(object: &mut Object, visit: &mut impl FnMut(&mut Value)) {
    if let Some(example) = &mut object.example {
        visit(example);
    }
    object.examples.iter_mut().for_each(&mut *visit);
    if let Some(default) = &mut object.default {
        visit(default);
    }
}

// ------------------------------------------------------------- operations

fn refine_operation(operation: &mut Operation, shift: i64) {
    let id = operation.operation_id.clone().unwrap_or_default();
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = operation.request_body.is_some();
    let mut has_params = has_body;
    if let Some(parameters) = operation.parameters.take() {
        has_params |= !parameters.is_empty();
        operation.parameters = Some(
            parameters
                .into_iter()
                .map(|parameter| refine_parameter(&id, parameter, shift))
                .collect(),
        );
    }
    if let Some(body) = &mut operation.request_body {
        body.required = Some(Required::True);
        for content in body.content.values_mut() {
            shift_content(content, shift);
        }
    }
    if let Some(description) = operation.description.take() {
        operation.description = Some(plain_docs(&description));
    }

    let responses = &mut operation.responses.responses;
    for response in responses.values_mut() {
        if let RefOr::T(response) = response {
            for content in response.content.values_mut() {
                shift_content(content, shift);
            }
        }
    }
    if let Some(RefOr::T(conflict)) = responses.get_mut("409") {
        for content in conflict.content.values_mut() {
            content.schema = Some(conflict_schema());
        }
    }
    let mut shared = vec![("429", "TooManyRequests"), ("503", "Unavailable")];
    if secured {
        shared.push(("401", "Unauthenticated"));
    }
    if has_params {
        shared.push(("400", "Malformed"));
        shared.push(("422", "ValidationFailed"));
    }
    if has_body {
        shared.push(("413", "PayloadTooLarge"));
        shared.push(("415", "UnsupportedMediaType"));
    }
    for (status, name) in shared {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(openapi::Ref::from_response_name(name)));
    }
}

/// A 409's problem, its `code` one of the conflict codes.
fn conflict_schema() -> RefOr<Schema> {
    let code = ObjectBuilder::new()
        .property("code", openapi::Ref::from_schema_name("ConflictCode"))
        .build();
    let mut all_of = AllOf::new();
    all_of.items = vec![
        openapi::Ref::from_schema_name("Problem").into(),
        Schema::Object(code).into(),
    ];
    Schema::AllOf(all_of).into()
}

fn problem_content() -> Content {
    Content::new(Some(openapi::Ref::from_schema_name("Problem")))
}

fn retry_after() -> Header {
    let mut header = Header::new(integer(KnownFormat::Int32, 0, None));
    header.description = Some("Seconds to wait before retrying.".to_owned());
    header
}

fn problem_response(description: &str, retry: bool) -> Response {
    let mut response = Response::new(description);
    response
        .content
        .insert(PROBLEM_JSON.to_owned(), problem_content());
    if retry {
        response
            .headers
            .insert("Retry-After".to_owned(), retry_after());
    }
    response
}

fn shared_responses() -> [(&'static str, Response); 7] {
    [
        (
            "Malformed",
            problem_response(
                "The request could not be read: a body that is not JSON or not an object, \
                 or a query string of the wrong shape (`malformed_request`).",
                false,
            ),
        ),
        (
            "Unauthenticated",
            problem_response(
                "No valid session: sign in and send `Authorization: Bearer <token>` \
                 (`unauthenticated`).",
                false,
            ),
        ),
        (
            "ValidationFailed",
            problem_response(
                "Invalid input (`validation_failed`): `errors` lists a message per field, \
                 each named by its wire name (`check_in`, `guests`, ...).",
                false,
            ),
        ),
        (
            "PayloadTooLarge",
            problem_response("The body is over 64 KiB (`payload_too_large`).", false),
        ),
        (
            "UnsupportedMediaType",
            problem_response(
                "The body is not sent as `Content-Type: application/json` \
                 (`unsupported_media_type`).",
                false,
            ),
        ),
        (
            "TooManyRequests",
            problem_response(
                "Rate limit reached (`rate_limited`); retry after `Retry-After` seconds.",
                true,
            ),
        ),
        (
            "Unavailable",
            problem_response(
                "Overloaded or a dependency is down (`unavailable`); retry after \
                 `Retry-After` seconds.",
                true,
            ),
        ),
    ]
}

// ------------------------------------------------------------- parameters

/// A parameter typed and bounded as the server reads it.
fn refine_parameter(operation: &str, parameter: Parameter, shift: i64) -> Parameter {
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
fn typed_parameter(operation: &str, name: &str) -> Option<(Object, bool, Option<String>)> {
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
                if name == "min_price" { "Lowest" } else { "Highest" }
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
        ("list_bookings", "limit") => {
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
        ("list_bookings", "to") => Some((
            date(),
            false,
            Some("Only stays with a night before this date (exclusive, like check-out); after `from`.".to_owned()),
        )),
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

// -------------------------------------------------------------- examples

fn shift_content(content: &mut Content, shift: i64) {
    if let Some(example) = &mut content.example {
        shift_value_dates(example, shift);
    }
    if let Some(schema) = &mut content.schema {
        walk_schema(schema, &mut |value| shift_value_dates(value, shift));
    }
}

/// Moves every date (`YYYY-MM-DD`) and timestamp (RFC 3339) of the example
/// years in `value` by `shift` days.
fn shift_value_dates(value: &mut Value, shift: i64) {
    match value {
        Value::String(text) => {
            if let Some(moved) = shifted(text, shift) {
                *text = moved;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| shift_value_dates(v, shift)),
        Value::Object(map) => map.values_mut().for_each(|v| shift_value_dates(v, shift)),
        _ => {}
    }
}

fn shifted(text: &str, shift: i64) -> Option<String> {
    let by = chrono::Duration::try_days(shift)?;
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return is_example_year(date)
            .then(|| date.checked_add_signed(by))
            .flatten()
            .map(|d| d.to_string());
    }
    let at = DateTime::parse_from_rfc3339(text).ok()?;
    if !is_example_year(at.date_naive()) {
        return None;
    }
    at.checked_add_signed(by).map(|moved| {
        moved
            .to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    })
}

/// The examples are written in 2029-2030; other dates (an account's
/// creation, a session's expiry) are left as they are.
fn is_example_year(date: NaiveDate) -> bool {
    use chrono::Datelike;
    (2029..=2030).contains(&date.year())
}

// ------------------------------------------------------------------ docs

/// The shared types' rustdoc as an integrator reads it: links to constants
/// become their values, other links plain code.
pub fn plain_docs(text: &str) -> String {
    let constants: [(&str, String); 17] = [
        ("MAX_NIGHTS", stay::MAX_NIGHTS.to_string()),
        ("MAX_GUESTS", stay::MAX_GUESTS.to_string()),
        ("MAX_UNITS", stay::MAX_UNITS.to_string()),
        ("MAX_EMAIL_CHARS", auth::MAX_EMAIL_CHARS.to_string()),
        ("MAX_NAME_CHARS", auth::MAX_NAME_CHARS.to_string()),
        ("MIN_PASSWORD_CHARS", auth::MIN_PASSWORD_CHARS.to_string()),
        ("MAX_PASSWORD_CHARS", auth::MAX_PASSWORD_CHARS.to_string()),
        (
            "MAX_ROOM_NAME_CHARS",
            rooms::MAX_ROOM_NAME_CHARS.to_string(),
        ),
        (
            "MAX_DESCRIPTION_CHARS",
            rooms::MAX_DESCRIPTION_CHARS.to_string(),
        ),
        ("MAX_CAPACITY", rooms::MAX_CAPACITY.to_string()),
        ("MAX_PRICE_CENTS", rooms::MAX_PRICE_CENTS.to_string()),
        (
            "MAX_TOTAL_INVENTORY",
            rooms::MAX_TOTAL_INVENTORY.to_string(),
        ),
        ("MAX_EDIT_NIGHTS", inventory::MAX_EDIT_NIGHTS.to_string()),
        ("MAX_EDIT_TOTAL", inventory::MAX_EDIT_TOTAL.to_string()),
        ("MAX_PAGE_SIZE", search::MAX_PAGE_SIZE.to_string()),
        ("DEFAULT_PAGE_SIZE", search::DEFAULT_PAGE_SIZE.to_string()),
        ("MAX_CURSOR_CHARS", search::MAX_CURSOR_CHARS.to_string()),
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[`") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("`]") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let target = &after[..end];
        let name = target.rsplit("::").next().unwrap_or(target);
        match constants.iter().find(|(constant, _)| *constant == name) {
            Some((_, value)) => out.push_str(value),
            None if name.starts_with("MSG_") => out.push_str("a message"),
            None => {
                // `RoomInput::name` is the field `name` of the schema `RoomInput`.
                let mut parts = target.rsplit("::");
                let last = parts.next().unwrap_or(target);
                out.push('`');
                match parts.next() {
                    Some(owner) if owner.starts_with(char::is_uppercase) => {
                        out.push_str(owner);
                        out.push('.');
                    }
                    _ => {}
                }
                out.push_str(last);
                out.push('`');
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out.replace("`1..=`", "1 to ")
        .replace("`0..=`", "0 to ")
        .replace("`None` = unchanged", "absent or `null` = unchanged")
        .replace("`None`", "absent or `null`")
        .replace("`Some(\"\")`", "`\"\"`")
        .replace(
            "Validated against a `BookingWindow`.",
            "Its dates must lie in the booking window (see the API description).",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustdoc_links_become_numbers() {
        assert_eq!(
            plain_docs("Offers per page, `1..=`[`MAX_PAGE_SIZE`]; see [`stay::MAX_GUESTS`]."),
            "Offers per page, 1 to 100; see 20."
        );
    }

    #[test]
    fn example_dates_move_into_the_window_and_others_stay() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        let shift = example_shift(today);
        assert_eq!(shifted("2030-01-10", shift).as_deref(), Some("2026-12-30"));
        assert_eq!(shifted("2026-11-26T09:30:00Z", shift), None);
        assert_eq!(shifted("not a date", shift), None);
    }
}
