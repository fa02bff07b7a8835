//! The errors every operation may answer, as shared problem responses.

use super::{
    AllOf, Content, Header, KnownFormat, ObjectBuilder, Operation, PROBLEM_JSON, RefOr, Required,
    Response, Schema, integer, openapi, plain_docs, refine_parameter, shift_content,
};

pub(super) fn refine_operation(operation: &mut Operation, shift: i64) {
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
pub(super) fn conflict_schema() -> RefOr<Schema> {
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

pub(super) fn problem_content() -> Content {
    Content::new(Some(openapi::Ref::from_schema_name("Problem")))
}

pub(super) fn retry_after() -> Header {
    let mut header = Header::new(integer(KnownFormat::Int32, 0, None));
    header.description = Some("Seconds to wait before retrying.".to_owned());
    header
}

pub(super) fn problem_response(description: &str, retry: bool) -> Response {
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

pub(super) fn shared_responses() -> [(&'static str, Response); 7] {
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
