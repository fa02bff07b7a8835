//! Bounds, formats and patterns of the body fields, from the rules'
//! constants, and the walk over a schema's examples.

use super::{
    AllOf, Array, ArrayItems, KnownFormat, Object, ObjectBuilder, OneOf, RefOr, Schema,
    SchemaFormat, Type, Value, auth, inventory, json, plain_docs, rooms, stay,
};

pub(super) fn integer(format: KnownFormat, min: i64, max: Option<i64>) -> Object {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(format)))
        .build();
    object.minimum = Some(min.into());
    object.maximum = max.map(Into::into);
    object
}

pub(super) fn int32(min: i32, max: i32) -> Object {
    integer(KnownFormat::Int32, min.into(), Some(max.into()))
}

pub(super) fn int64(min: i64, max: i64) -> Object {
    integer(KnownFormat::Int64, min, Some(max))
}

pub(super) fn date() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .build()
}

pub(super) fn to_usize(n: i32) -> usize {
    usize::try_from(n).unwrap_or_default()
}

/// Text that the server trims and refuses when empty or when it holds
/// control characters: at least one character that is not a space, none
/// below U+0020 (nor DEL and the C1 controls).
pub(super) const TRIMMED_TEXT: &str = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$";
/// Free text that keeps line breaks and tabs but no other control character.
pub(super) const FREE_TEXT: &str = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$";
/// What the server takes for an email address: one `@` with something
/// before it, a dotted domain, no spaces or control characters.
pub(super) const EMAIL: &str = r"^[^\s@\u0000-\u001f\u007f-\u009f]+@[^\s@.\u0000-\u001f\u007f-\u009f]+(\.[^\s@.\u0000-\u001f\u007f-\u009f]+)+$";

/// Bounds of a text field in characters, with an optional pattern.
pub(super) fn text(object: &mut Object, min: Option<i32>, max: i32, pattern: Option<&str>) {
    object.min_length = min.map(to_usize);
    object.max_length = Some(to_usize(max));
    object.pattern = pattern.map(str::to_owned);
}

pub(super) fn bound(
    object: &mut Object,
    min: impl Into<utoipa::Number>,
    max: impl Into<utoipa::Number>,
) {
    object.minimum = Some(min.into());
    object.maximum = Some(max.into());
}

/// Bounds of the body fields of `component`, from the rules' constants.
pub(super) fn refine_component(component: &str, schema: &mut RefOr<Schema>) {
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
        "NewApiToken" => {
            // A scope named twice is refused ("Name each scope once.").
            if let Some(RefOr::T(Schema::Array(scopes))) = object.properties.get_mut("scopes") {
                scopes.unique_items = true;
            }
        }
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
pub(super) struct AnyOfItems(Vec<Object>);

/// Every description inside `schema` in plain words (see [`plain_docs`]).
pub(super) fn plain_schema_docs(schema: &mut RefOr<Schema>) {
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

pub(super) fn refine_field(component: &str, name: &str, field: &mut Object) {
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
        ("NewApiToken", "name") => text(
            field,
            Some(1),
            shared_schema::account::MAX_TOKEN_NAME_CHARS,
            Some(TRIMMED_TEXT),
        ),
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
        ("PhotoUpload" | "PhotoPatch", "alt") => text(
            field,
            Some(1),
            shared_schema::photos::MAX_ALT_CHARS,
            Some(TRIMMED_TEXT),
        ),
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
pub(super) fn refine_problem(object: &mut Object) {
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
pub(super) fn walk_schema(schema: &mut RefOr<Schema>, visit: &mut impl FnMut(&mut Value)) {
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

pub(super) fn visit_object_values(object: &mut Object, visit: &mut impl FnMut(&mut Value)) {
    if let Some(example) = &mut object.example {
        visit(example);
    }
    object.examples.iter_mut().for_each(&mut *visit);
    if let Some(default) = &mut object.default {
        visit(default);
    }
}
