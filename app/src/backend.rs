//! The port through which server functions reach the use cases.
//!
//! The server implements [`Backend`] on its services and provides it as
//! Leptos context; the REST handlers call the same use cases, so neither
//! door owns a rule or a query of its own. Inputs arrive unvalidated: the
//! implementation validates them with the shared-schema rules, exactly as
//! the REST API does.

use std::{future::Future, sync::Arc};

use leptos::prelude::use_context;
use shared_schema::{
    account::{ApiToken, ChangePassword, CreatedApiToken, NewApiToken},
    auth::{Login, Register},
    booking::{BookingFilter, BookingPage, NewBooking},
    dto::{Booking, User},
    inventory::{InventoryEdit, NightAvailability, RoomOccupancy},
    photos::{Photo, PhotoPatch},
    rooms::{Room, RoomInput, RoomPatch},
    search::{RoomSearch, SearchOptions, SearchPage},
    stay::BookingWindow,
};
use uuid::Uuid;

use crate::{AppError, error::with_status};

/// Who is asking: the headers of the request being served. The server
/// resolves the session from them (cookie or bearer token), so the UI never
/// handles a token itself.
#[derive(Clone, Default)]
pub struct Caller(pub http::HeaderMap);

/// Header names only: the values carry the session token.
impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Caller")
            .field(&self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A new session: the account and the `Set-Cookie` value that carries it.
#[derive(Clone)]
pub struct SignedIn {
    pub user: User,
    pub set_cookie: String,
}

/// Without the cookie: it carries the session token.
impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// One method per use case the UI needs.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Which nights can be booked today (the property's date and horizon).
    /// Async so that the property's settings may come from the database.
    async fn booking_window(&self) -> BookingWindow;

    /// One page of the rooms free for every night of the stay.
    async fn search_rooms(
        &self,
        search: RoomSearch,
        options: SearchOptions,
    ) -> Result<SearchPage, AppError>;

    /// Whether the property has any room yet, active or not (a new
    /// install has none, and shows how to create the first admin).
    async fn has_rooms(&self) -> Result<bool, AppError>;

    /// An active room (any room for an admin).
    async fn room(&self, caller: &Caller, id: Uuid) -> Result<Room, AppError>;

    /// Per-night availability of an active room (any room for an admin)
    /// for `[from, to)`.
    async fn calendar(
        &self,
        caller: &Caller,
        id: Uuid,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<NightAvailability>, AppError>;

    /// The signed-in user, if any.
    async fn current_user(&self, caller: &Caller) -> Result<Option<User>, AppError>;

    /// Creates a guest account and signs it in.
    async fn register(&self, input: Register) -> Result<SignedIn, AppError>;

    /// Signs in with email and password.
    async fn login(&self, input: Login) -> Result<SignedIn, AppError>;

    /// The `Set-Cookie` value that carries what a plain form post leaves
    /// for the page it redirects to (URL-encoded fields: what was typed
    /// after a failure, never a password; a new API token's secret after
    /// success), or that removes it (`None`).
    fn flash_cookie(&self, flash: Option<&str>) -> String;

    /// What a plain post left in the caller's flash cookie.
    fn flash(&self, caller: &Caller) -> Option<String>;

    /// Ends the caller's session; answers the `Set-Cookie` that clears it.
    async fn logout(&self, caller: &Caller) -> Result<String, AppError>;

    /// Changes the caller's password (the current one required) and signs
    /// out every other session and API token.
    async fn change_password(&self, caller: &Caller, input: ChangePassword)
    -> Result<(), AppError>;

    /// Signs the caller out everywhere (sessions and API tokens); returns
    /// the `Set-Cookie` value that clears this browser's cookie.
    async fn logout_everywhere(&self, caller: &Caller) -> Result<String, AppError>;

    /// The caller's personal API tokens, newest first (never their secrets).
    async fn api_tokens(&self, caller: &Caller) -> Result<Vec<ApiToken>, AppError>;

    /// Creates a personal API token; its secret is in this answer only.
    async fn create_api_token(
        &self,
        caller: &Caller,
        input: NewApiToken,
    ) -> Result<CreatedApiToken, AppError>;

    /// Revokes one of the caller's API tokens.
    async fn revoke_api_token(&self, caller: &Caller, id: Uuid) -> Result<(), AppError>;

    /// Books a stay for the caller. `form_key` is the booking form's own
    /// key (made when the page showed the form): a form posted again (a
    /// double click, Back then Confirm) answers the booking its first post
    /// made instead of booking again, as the REST API's `Idempotency-Key`.
    async fn book(
        &self,
        caller: &Caller,
        booking: NewBooking,
        form_key: Option<String>,
    ) -> Result<Booking, AppError>;

    /// A page of the caller's bookings (everyone's for an admin),
    /// filtered; only the caller's own, admin or not, when `mine`.
    async fn bookings(
        &self,
        caller: &Caller,
        filter: BookingFilter,
        mine: bool,
    ) -> Result<BookingPage, AppError>;

    /// One booking of the caller's (any for an admin).
    async fn booking(&self, caller: &Caller, id: Uuid) -> Result<Booking, AppError>;

    /// Cancels a booking of the caller's (any for an admin).
    async fn cancel_booking(&self, caller: &Caller, id: Uuid) -> Result<Booking, AppError>;

    /// Admin: nothing, or 404 for anyone who is not an admin.
    async fn require_admin(&self, caller: &Caller) -> Result<(), AppError>;

    /// Admin: every room, active or not.
    async fn all_rooms(&self, caller: &Caller) -> Result<Vec<Room>, AppError>;

    /// Admin: creates a room with its nights.
    async fn create_room(&self, caller: &Caller, input: RoomInput) -> Result<Room, AppError>;

    /// Admin: changes a room (`active: Some(false)` deactivates it).
    async fn update_room(
        &self,
        caller: &Caller,
        id: Uuid,
        patch: RoomPatch,
    ) -> Result<Room, AppError>;

    /// Admin: changes units, price or open/closed for a range of nights.
    async fn edit_inventory(
        &self,
        caller: &Caller,
        id: Uuid,
        edit: InventoryEdit,
    ) -> Result<Vec<NightAvailability>, AppError>;

    /// Admin: booked/total per room for `nights` nights from today.
    async fn occupancy(&self, caller: &Caller, nights: u16)
    -> Result<Vec<RoomOccupancy>, AppError>;

    /// The photos of an active room (any room for an admin), in order.
    async fn room_photos(&self, caller: &Caller, room_id: Uuid) -> Result<Vec<Photo>, AppError>;

    /// Admin: changes a photo's alt text or place in the order.
    async fn update_photo(
        &self,
        caller: &Caller,
        room_id: Uuid,
        photo_id: Uuid,
        patch: PhotoPatch,
    ) -> Result<Photo, AppError>;

    /// Admin: deletes a photo.
    async fn delete_photo(
        &self,
        caller: &Caller,
        room_id: Uuid,
        photo_id: Uuid,
    ) -> Result<(), AppError>;
}

/// The backend the server put into context for this request.
pub fn backend() -> Result<Arc<dyn Backend>, AppError> {
    use_context::<Arc<dyn Backend>>().ok_or_else(|| {
        leptos::logging::error!("no Backend in Leptos context: the server wiring is broken");
        AppError::Internal
    })
}

/// The request being served, as a [`Caller`].
pub fn caller() -> Caller {
    use_context::<http::request::Parts>()
        .map(|parts| Caller(parts.headers))
        .unwrap_or_default()
}

/// Runs a server function's body with the backend and the caller, and gives
/// a failure the HTTP status of its error.
pub async fn serve<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(Arc<dyn Backend>, Caller) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    // Both are read before the first await, while the request's context is
    // current.
    let caller = caller();
    let result = match backend() {
        Ok(backend) => body(backend, caller).await,
        Err(error) => Err(error),
    };
    with_status(result)
}

/// Adds a header to the server function's response.
pub fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_session_token() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            http::HeaderValue::from_static("roombook_session=secret-token"),
        );
        let caller = format!("{:?}", Caller(headers));
        assert!(
            caller.contains("cookie") && !caller.contains("secret-token"),
            "{caller}"
        );
    }
}
