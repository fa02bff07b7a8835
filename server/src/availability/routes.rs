//! REST handlers of the availability module.

use axum::extract::{Path, State};
use chrono::NaiveDate;
use serde::Deserialize;
use shared_schema::{
    FieldErrors,
    inventory::{InventoryEdit, NightAvailability},
    validated,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::extract::{AdminUser, MaybeAuthUser},
    error::{ApiError, Problem},
    http::{
        AppState,
        extract::{AppJson, AppQuery},
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
struct CalendarRange {
    /// First night (default today).
    from: Option<NaiveDate>,
    /// Day after the last night (default 31 days after `from`); at most 366 nights.
    to: Option<NaiveDate>,
}

impl CalendarRange {
    fn resolve(&self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), FieldErrors> {
        let (default_from, _) = super::default_range(today);
        let from = self.from.unwrap_or(default_from);
        let to = self.to.unwrap_or_else(|| super::default_range(from).1);
        let mut errors = FieldErrors::default();
        if to <= from {
            errors.push("to", "The end date must be after the start date.");
        } else if (to - from).num_days()
            > i64::try_from(super::MAX_CALENDAR_NIGHTS).unwrap_or(i64::MAX)
        {
            errors.push("to", "Show at most 366 nights at a time.");
        }
        errors.into_result((from, to))
    }
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
    params(("id" = Uuid, Path, description = "Room id"), CalendarRange),
    responses(
        (status = 200, description = "One entry per night, in order", body = [NightAvailability]),
        (status = 404, description = "No such active room (admins also see inactive ones)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid range", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn get_room_availability(
    State(state): State<AppState>,
    MaybeAuthUser(who): MaybeAuthUser,
    Path(id): Path<Uuid>,
    AppQuery(range): AppQuery<CalendarRange>,
) -> Result<AppJson<Vec<NightAvailability>>, ApiError> {
    let (from, to) = range.resolve(state.services.booking_window().today)?;
    let is_admin = who.is_some_and(|who| who.is_admin());
    Ok(AppJson(
        super::calendar(&state.services.pool, id, from, to, is_admin).await?,
    ))
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
    Path(id): Path<Uuid>,
    AppJson(edit): AppJson<InventoryEdit>,
) -> Result<AppJson<Vec<NightAvailability>>, ApiError> {
    let edit = validated(edit, &state.services.booking_window())?;
    Ok(AppJson(super::edit(&state.services.pool, id, &edit).await?))
}
