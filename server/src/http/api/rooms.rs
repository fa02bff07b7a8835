//! The room catalogue over REST: search, one room, and the admins' room list.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
};
use shared_schema::{
    form::SearchForm,
    rooms::{Room, RoomInput, RoomPatch},
    search::{SearchOptions, SearchPage},
    validated,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::PREFIX;
use crate::{
    http::{
        AppState,
        auth::{AdminUser, MaybeAuthUser},
        extract::{AppJson, AppQuery, PathId},
        problem::{ApiError, Problem},
    },
    rooms,
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_rooms))
        .routes(routes!(get_room))
        .routes(routes!(list_rooms, create_room))
        .routes(routes!(update_room, deactivate_room))
}

/// Search rooms free for every night of a stay.
///
/// Returns the rooms where every night of `[check_in, check_out)` is open
/// and has at least `units` free units, and `capacity * units >= guests`,
/// each with the stay's total (the sum of its nightly prices times `units`)
/// and the fewest free units over the stay. Price bounds apply to the
/// average nightly price of one unit. Pages are stable: pass `next_cursor`
/// back as `cursor` (with the same search) to read the next one.
#[utoipa::path(
    get,
    path = "/rooms",
    operation_id = "search_rooms",
    tag = "rooms",
    params(SearchForm, SearchOptions),
    responses(
        (status = 200, description = "A page of rooms free for the whole stay", body = SearchPage,
         example = json!({"offers": [{
             "id": "0f8e2c4a-5d1b-4c3e-9a7f-2b6d8e1f3a5c", "name": "Garden Double",
             "description": "Quiet, with a view of the garden.", "capacity": 2, "currency": "EUR",
             "nights": 3, "nightly_from_cents": 12900, "total_cents": 38700, "min_free": 2
         }], "next_cursor": null})),
        (status = 422, description = "Invalid search", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn search_rooms(
    State(state): State<AppState>,
    AppQuery(form): AppQuery<SearchForm>,
    AppQuery(options): AppQuery<SearchOptions>,
) -> Result<AppJson<SearchPage>, ApiError> {
    let services = &state.services;
    // The form's own messages for what does not parse (all fields at once,
    // options included); the use case checks the typed search again.
    let search = match (
        form.parse(&services.property.booking_window()),
        validated(options.clone(), &()),
    ) {
        (Ok(search), Ok(_)) => search,
        (search, options) => {
            let mut errors = search.err().unwrap_or_default();
            errors.extend(options.err().unwrap_or_default());
            return Err(errors.into());
        }
    };
    let mut page = rooms::search(
        &services.pool,
        services.index(),
        &services.property,
        search,
        options,
    )
    .await?;
    services
        .covers
        .attach(&services.pool, &mut page.offers)
        .await;
    Ok(AppJson(page))
}

/// One room type.
#[utoipa::path(
    get,
    path = "/rooms/{id}",
    operation_id = "get_room",
    tag = "rooms",
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 200, description = "The room", body = Room),
        (status = 404, description = "No such room (inactive rooms are visible to admins only)", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_room(
    State(state): State<AppState>,
    MaybeAuthUser(caller): MaybeAuthUser,
    PathId(id): PathId,
) -> Result<AppJson<Room>, ApiError> {
    let include_inactive = caller.is_some_and(|c| c.is_admin());
    Ok(AppJson(
        rooms::get(&state.services.pool, id, include_inactive).await?,
    ))
}

/// Every room type, active or not (admin).
#[utoipa::path(
    get,
    path = "/admin/rooms",
    operation_id = "list_rooms",
    tag = "rooms",
    responses(
        (status = 200, description = "All rooms by name", body = [Room]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
async fn list_rooms(
    State(state): State<AppState>,
    AdminUser(_admin): AdminUser,
) -> Result<AppJson<Vec<Room>>, ApiError> {
    Ok(AppJson(rooms::list_all(&state.services.pool).await?))
}

/// Create a room type (admin), with its nights for the whole booking horizon.
#[utoipa::path(
    post,
    path = "/admin/rooms",
    operation_id = "create_room",
    tag = "rooms",
    request_body(content = RoomInput, example = json!({
        "name": "Garden Double", "description": "Quiet, with a view of the garden.",
        "capacity": 2, "price_cents": 12900, "currency": "EUR", "total_inventory": 6
    })),
    responses(
        (status = 201, description = "Created", body = Room,
         headers(("location" = String, description = "URL of the new room"))),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid room", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
async fn create_room(
    State(state): State<AppState>,
    AdminUser(_admin): AdminUser,
    AppJson(input): AppJson<RoomInput>,
) -> Result<(StatusCode, HeaderMap, AppJson<Room>), ApiError> {
    let room = rooms::create(&state.services.pool, &state.services.property, input).await?;
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("{PREFIX}/rooms/{}", room.id)) {
        headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::CREATED, headers, AppJson(room)))
}

/// Change a room type (admin); absent fields stay as they are.
///
/// A new base price or unit count also applies to future nights that still
/// have the old base value; nights edited one by one keep theirs. A unit
/// count below what a night already has booked is refused with 409.
#[utoipa::path(
    patch,
    path = "/admin/rooms/{id}",
    operation_id = "update_room",
    tag = "rooms",
    params(("id" = Uuid, Path, description = "Room id")),
    request_body(content = RoomPatch, example = json!({ "price_cents": 13900, "total_inventory": 8 })),
    responses(
        (status = 200, description = "The changed room", body = Room),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such room, or not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Units below booked on the listed nights, or currency of a booked room", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid change", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
async fn update_room(
    State(state): State<AppState>,
    AdminUser(_admin): AdminUser,
    PathId(id): PathId,
    AppJson(patch): AppJson<RoomPatch>,
) -> Result<AppJson<Room>, ApiError> {
    let room = rooms::patch(&state.services.pool, &state.services.property, id, patch).await?;
    Ok(AppJson(room))
}

/// Deactivate a room type (admin): hidden from search, no new bookings;
/// existing bookings are kept.
#[utoipa::path(
    delete,
    path = "/admin/rooms/{id}",
    operation_id = "deactivate_room",
    tag = "rooms",
    params(("id" = Uuid, Path, description = "Room id")),
    responses(
        (status = 204, description = "Deactivated"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such room, or not an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
async fn deactivate_room(
    State(state): State<AppState>,
    AdminUser(_admin): AdminUser,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    rooms::deactivate(&state.services.pool, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
