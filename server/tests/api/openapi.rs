//! The OpenAPI document is part of the public contract: a change to it must
//! be deliberate. Regenerate with `UPDATE_SNAPSHOTS=1` and review the diff.

use std::path::Path;

use sqlx::PgPool;

use crate::helpers::TestApp;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

fn current_document() -> String {
    // A fixed day, so the examples' dates do not change the snapshot daily.
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date");
    let document = server::http::api::document_as_of(today);
    serde_json::to_string_pretty(&document).expect("the document serialises") + "\n"
}

#[test]
fn the_openapi_document_matches_the_reviewed_snapshot() {
    let current = current_document();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &current).expect("write the snapshot");
        return;
    }
    let reviewed = std::fs::read_to_string(Path::new(SNAPSHOT))
        .expect("tests/snapshots/openapi.json exists (create it with UPDATE_SNAPSHOTS=1)");
    assert!(
        current == reviewed,
        "the OpenAPI document changed; review it and update the snapshot with \
         `UPDATE_SNAPSHOTS=1 cargo nextest run -p server openapi`"
    );
}

#[test]
fn every_operation_has_an_id_a_tag_and_documented_errors() {
    let document: serde_json::Value = serde_json::from_str(&current_document()).expect("json");
    let paths = document["paths"].as_object().expect("paths");
    assert!(
        paths.len() >= 10,
        "expected the whole API, found {}",
        paths.len()
    );
    for (path, operations) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        for (method, operation) in operations.as_object().expect("operations") {
            let name = format!("{method} {path}");
            assert!(
                operation["operationId"].is_string(),
                "{name} has no operationId"
            );
            assert!(operation["tags"][0].is_string(), "{name} has no tag");
            let responses = operation["responses"].as_object().expect("responses");
            assert!(
                responses.keys().any(|status| status.starts_with('4')),
                "{name} documents no error answer"
            );
        }
    }
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .expect("schemes");
    assert!(schemes.contains_key("bearer") && schemes.contains_key("cookie"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn swagger_ui_and_the_spec_are_served_offline(pool: PgPool) {
    let app = TestApp::new(pool);
    let spec = app.get("/api-docs/openapi.json").await;
    assert_eq!(spec.status, 200);
    assert_eq!(spec.json()["info"]["title"], "Roombook API");
    let ui = app.get("/api-docs/").await;
    assert_eq!(ui.status, 200, "{}", ui.body);
    assert!(ui.body.contains("swagger-ui"), "{}", ui.body);
}

fn document_json() -> serde_json::Value {
    serde_json::from_str(&current_document()).expect("json")
}

/// Resolves a `$ref` to a component (`#/components/<kind>/<name>`).
fn resolve<'a>(
    document: &'a serde_json::Value,
    value: &'a serde_json::Value,
) -> &'a serde_json::Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let path = reference.trim_start_matches("#/");
            path.split('/').fold(document, |node, key| &node[key])
        }
        None => value,
    }
}

#[test]
fn every_error_answer_is_a_problem_document_and_the_usual_ones_are_everywhere() {
    let document = document_json();
    for (path, operations) in document["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            let name = format!("{method} {path}");
            let responses = operation["responses"].as_object().expect("responses");
            let mut expected = vec!["429", "503"];
            if operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
            {
                expected.push("401");
            }
            if operation.get("requestBody").is_some() {
                expected.extend(["400", "413", "415", "422"]);
            }
            for status in expected {
                assert!(
                    responses.contains_key(status),
                    "{name} does not document {status}"
                );
            }
            for status in ["429", "503"] {
                let response = resolve(&document, &responses[status]);
                assert!(
                    response["headers"]["Retry-After"].is_object(),
                    "{name}: {status} without Retry-After"
                );
            }
            for (status, response) in responses {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                let content = resolve(&document, response)["content"]
                    .as_object()
                    .unwrap_or_else(|| panic!("{name}: {status} has no content"));
                let types: Vec<&String> = content.keys().collect();
                assert_eq!(types, ["application/problem+json"], "{name}: {status}");
                let schema = &content["application/problem+json"]["schema"];
                let text = schema.to_string();
                assert!(
                    text.contains("#/components/schemas/Problem"),
                    "{name}: {status}: {text}"
                );
            }
        }
    }
    let description = document["info"]["description"].as_str().expect("info");
    assert!(
        description.contains("405") && description.contains("Allow"),
        "{description}"
    );
}

#[test]
fn the_document_shows_numbers_not_rustdoc_links() {
    let text = current_document();
    for leftover in ["[`", "`]", "`None`", "`Some("] {
        assert!(!text.contains(leftover), "the document contains {leftover}");
    }
}

/// The bounds come from the rules' constants; this names the ones an
/// integrator meets first, so a change to the pass is seen.
#[test]
fn fields_and_parameters_carry_the_rules_bounds() {
    use shared_schema::{auth, rooms, search, stay};
    let document = document_json();
    let schemas = &document["components"]["schemas"];
    let property = |schema: &str, field: &str| schemas[schema]["properties"][field].clone();
    assert_eq!(
        property("Register", "password")["minLength"],
        auth::MIN_PASSWORD_CHARS
    );
    assert_eq!(
        property("Register", "password")["maxLength"],
        auth::MAX_PASSWORD_CHARS
    );
    assert_eq!(
        property("Register", "email")["maxLength"],
        auth::MAX_EMAIL_CHARS
    );
    assert_eq!(
        property("NewBooking", "guests")["maximum"],
        stay::MAX_GUESTS
    );
    assert_eq!(property("NewBooking", "units")["maximum"], stay::MAX_UNITS);
    assert_eq!(property("NewBooking", "check_in")["format"], "date");
    assert_eq!(property("NewBooking", "room_id")["format"], "uuid");
    assert_eq!(
        property("RoomInput", "total_inventory")["maximum"],
        rooms::MAX_TOTAL_INVENTORY
    );
    assert_eq!(
        property("RoomInput", "price_cents")["maximum"],
        rooms::MAX_PRICE_CENTS
    );
    assert_eq!(property("RoomInput", "price_cents")["format"], "int64");
    assert_eq!(
        property("RoomPatch", "capacity")["maximum"],
        rooms::MAX_CAPACITY
    );
    assert_eq!(
        property("RoomInput", "description")["maxLength"],
        rooms::MAX_DESCRIPTION_CHARS
    );
    assert!(schemas["SearchSort"]["enum"].is_array() || schemas["SearchSort"]["oneOf"].is_array());
    assert!(schemas["ConflictCode"].to_string().contains("sold_out"));

    let search = document["paths"]["/api/v1/rooms"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    let param = |name: &str| {
        search
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no parameter {name}"))
            .clone()
    };
    for name in ["check_in", "check_out"] {
        assert_eq!(param(name)["required"], true, "{name}");
        assert_eq!(param(name)["schema"]["format"], "date", "{name}");
    }
    assert_eq!(param("guests")["required"], true);
    assert_eq!(param("guests")["schema"]["maximum"], stay::MAX_GUESTS);
    assert_eq!(param("units")["schema"]["default"], 1);
    assert_eq!(param("limit")["schema"]["maximum"], search::MAX_PAGE_SIZE);
    assert_eq!(
        param("sort")["schema"]["$ref"],
        "#/components/schemas/SearchSort"
    );
}

#[test]
fn every_parameter_and_body_field_is_typed_and_integers_say_how_wide() {
    let document = document_json();
    let schemas = &document["components"]["schemas"];
    let typed = |where_: &str, schema: &serde_json::Value| {
        let schema = resolve(&document, schema);
        assert!(
            schema.get("type").is_some()
                || schema.get("oneOf").is_some()
                || schema.get("allOf").is_some()
                || schema.get("enum").is_some(),
            "{where_} is untyped: {schema}"
        );
        if schema["type"] == "integer" || schema["type"][0] == "integer" {
            assert!(
                schema["format"].is_string(),
                "{where_}: integer without format"
            );
            assert!(
                schema["minimum"].is_number(),
                "{where_}: integer without minimum"
            );
        }
    };
    for (path, operations) in document["paths"].as_object().expect("paths") {
        for (method, operation) in operations.as_object().expect("operations") {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                typed(
                    &format!("{method} {path} {}", parameter["name"]),
                    &parameter["schema"],
                );
            }
        }
    }
    for name in [
        "Register",
        "Login",
        "NewBooking",
        "RoomInput",
        "RoomPatch",
        "InventoryEdit",
    ] {
        for (field, schema) in schemas[name]["properties"].as_object().expect("properties") {
            typed(&format!("{name}.{field}"), schema);
        }
    }
}
