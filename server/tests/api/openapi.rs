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
