//! REST handlers of the rooms module.

use axum::extract::State;
use shared_schema::{dto::RoomOffer, form::SearchForm};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, Problem},
    http::{
        AppState,
        extract::{AppJson, AppQuery},
    },
};

pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search_rooms))
}

/// Search rooms free for every night of a stay.
///
/// Returns the rooms where every night of `[check_in, check_out)` has at
/// least `units` free units and `capacity * units >= guests`, each with the
/// stay's total (the sum of its nightly prices times `units`) and the fewest
/// free units over the stay, cheapest first.
#[utoipa::path(
    get,
    path = "/rooms",
    operation_id = "search_rooms",
    tag = "rooms",
    params(SearchForm),
    responses(
        (status = 200, description = "Rooms free for the whole stay", body = [RoomOffer]),
        (status = 422, description = "Invalid search", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn search_rooms(
    State(state): State<AppState>,
    AppQuery(form): AppQuery<SearchForm>,
) -> Result<AppJson<Vec<RoomOffer>>, ApiError> {
    let search = form.parse(&state.services.booking_window())?;
    Ok(AppJson(super::search(&state.services.pool, &search).await?))
}
