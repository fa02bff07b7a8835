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

mod docs;
mod examples;
mod operations;
mod parameters;
mod schemas;

use docs::plain_docs;
use examples::{shift_content, shift_value_dates};
use operations::{refine_operation, shared_responses};
use parameters::refine_parameter;
use schemas::{
    date, int32, int64, integer, plain_schema_docs, refine_component, text, walk_schema,
};

pub use schemas::STATUS_CODES;

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
