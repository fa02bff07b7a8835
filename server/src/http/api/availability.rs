//! Per-night inventory over REST: a room's calendar and the admins' edits.

use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;
use shared_schema::inventory::{InventoryEdit, NightAvailability};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    availability,
    http::{
        AppState,
        auth::{AdminUser, MaybeAuthUser},
        extract::{AppJson, AppQuery, PathId},
        problem::{ApiError, Problem},
    },
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_room_availability))
        .routes(routes!(update_room_availability))
}

/// The nights a calendar shows: `[from, to)`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CalendarQuery {
    /// First night (default: today at the property).
    from: Option<NaiveDate>,
    /// Day after the last night (default: 31 days after `from`); at most
    /// 366 nights after `from`.
    to: Option<NaiveDate>,
}

/// Per-night availability and prices of a room.
///
/// Each night says how many units are free and what one unit costs; a
/// closed night has nothing free.
#[utoipa::path(
    get,
    path = "/rooms/{id}/availability",
    operation_id = "get_room_availability",
    tag = "availability",
    params(("id" = Uuid, Path, description = "Room id"), CalendarQuery),
    responses(
        (status = 200, description = "One entry per night, in order", body = [NightAvailability]),
        (status = 404, description = "No such active room (admins also see inactive ones)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid range", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_room_availability(
    State(state): State<AppState>,
    MaybeAuthUser(who): MaybeAuthUser,
    PathId(id): PathId,
    AppQuery(CalendarQuery { from, to }): AppQuery<CalendarQuery>,
) -> Result<AppJson<Vec<NightAvailability>>, ApiError> {
    let services = &state.services;
    let range = availability::CalendarRange { from, to };
    let is_admin = who.is_some_and(|who| who.is_admin());
    let nights =
        availability::calendar(&services.pool, &services.property, id, range, is_admin).await?;
    Ok(AppJson(nights))
}

/// Change units, price or opening of a room's nights (admin).
///
/// Applies to the nights `[from, to)`; fields left out stay as they are.
/// Lowering `total` below what is booked on any night is refused with 409
/// and the list of those nights.
#[utoipa::path(
    put,
    path = "/admin/rooms/{id}/availability",
    operation_id = "update_room_availability",
    tag = "availability",
    params(("id" = Uuid, Path, description = "Room id")),
    request_body(content = InventoryEdit, example = json!({
        "from": "2030-07-01", "to": "2030-07-08", "total": 4, "price_cents": 15900
    })),
    responses(
        (status = 200, description = "The changed nights", body = [NightAvailability]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such room, or not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Total below booked units on the listed nights", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid change", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("cookie" = []))
)]
async fn update_room_availability(
    State(state): State<AppState>,
    AdminUser(_admin): AdminUser,
    PathId(id): PathId,
    AppJson(edit): AppJson<InventoryEdit>,
) -> Result<AppJson<Vec<NightAvailability>>, ApiError> {
    let services = &state.services;
    Ok(AppJson(
        availability::edit(&services.pool, &services.property, id, edit).await?,
    ))
}
