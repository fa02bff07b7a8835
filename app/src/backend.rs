//! The port through which server functions reach the use cases.
//!
//! The server implements [`Backend`] on its services and provides it as
//! Leptos context; the REST handlers call the same use cases, so neither
//! door owns a rule or a query of its own.

use std::sync::Arc;

use leptos::prelude::use_context;
use shared_schema::{dto::RoomOffer, search::RoomSearch, stay::BookingWindow};

use crate::AppError;

/// One method per use case the UI needs.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Which nights can be booked today (the property's date and horizon).
    /// Async so that the property's settings may come from the database.
    async fn booking_window(&self) -> BookingWindow;

    /// Rooms free for every night of the stay, cheapest first.
    async fn search_rooms(&self, search: RoomSearch) -> Result<Vec<RoomOffer>, AppError>;
}

/// The backend the server put into context for this request.
pub fn backend() -> Result<Arc<dyn Backend>, AppError> {
    use_context::<Arc<dyn Backend>>().ok_or_else(|| {
        leptos::logging::error!("no Backend in Leptos context: the server wiring is broken");
        AppError::Internal
    })
}
