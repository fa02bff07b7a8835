//! The admin pages: rooms, a room's inventory, all bookings, occupancy.
//!
//! Every server function here asks the backend, which answers 404 to
//! anyone but an admin; the pages then render the ordinary "not found"
//! page, so admin routes do not reveal themselves.

mod bookings;
mod inventory_calendar;
mod occupancy;
mod photos;
mod room;
mod rooms;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;
use shared_schema::{form::RoomForm, rooms::Room};

pub(crate) use bookings::AdminBookingsPage;
pub(crate) use occupancy::OccupancyPage;
pub(crate) use room::AdminRoomPage;
pub(crate) use rooms::AdminRoomsPage;

use crate::{AppError, components::ErrorAlert};

/// The frame of every admin page: once `data` has loaded, its heading, the
/// tabs and `body`; the ordinary 404 page for anyone but an admin. A
/// transition, so the page stays while its data reloads after a change.
pub(crate) fn admin_page<T>(
    title: &'static str,
    data: Resource<Result<T, AppError>>,
    heading: fn(&T) -> String,
    body: impl Fn(T) -> AnyView + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    view! {
        <Title text=format!("Admin · {title}") />
        <div class="page">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    let body = body.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok(data) => view! {
                                <h1>{heading(&data)}</h1>
                                <AdminNav />
                                {crate::form_post::any_posted_error()
                                    .map(|error| view! { <crate::form_post::PostedError error /> })}
                                {body(data)}
                            }.into_any(),
                            Err(error) => admin_error(error),
                        }
                    })
                }}
            </Transition>
        </div>
    }
}

/// The heading of the admin pages that are not about one thing.
pub(crate) fn admin_heading<T>(_: &T) -> String {
    "Admin".to_owned()
}

/// Renders `AppError`s of admin pages: "not found" for whoever is not an
/// admin (signed out included), the alert otherwise.
pub(crate) fn admin_error(error: AppError) -> AnyView {
    match error {
        AppError::NotFound | AppError::Unauthenticated => {
            view! { <crate::pages::NotFound /> }.into_any()
        }
        error => view! { <ErrorAlert error /> }.into_any(),
    }
}

/// The tabs above every admin page. Plain links: the router still handles
/// them in the browser, and `aria-current` follows our own rule.
#[component]
pub(crate) fn AdminNav() -> impl IntoView {
    let location = use_location();
    let current = move |href: &'static str| {
        let path = location.pathname.get();
        let here = if href == "/admin" {
            path == "/admin" || path.starts_with("/admin/rooms")
        } else {
            path.starts_with(href)
        };
        here.then_some("page")
    };
    view! {
        <nav class="admin-nav" aria-label="Admin">
            <a href="/admin" aria-current=move || current("/admin")>"Rooms"</a>
            <a href="/admin/bookings" aria-current=move || current("/admin/bookings")>"Bookings"</a>
            <a href="/admin/occupancy" aria-current=move || current("/admin/occupancy")>"Occupancy"</a>
        </nav>
    }
}

/// A room as the room form shows it (price in major units).
pub(crate) fn room_form(room: &Room) -> RoomForm {
    RoomForm {
        name: room.name.clone(),
        description: room.description.clone(),
        capacity: room.capacity.to_string(),
        price: format!("{}.{:02}", room.price_cents / 100, room.price_cents % 100),
        currency: room.currency.clone(),
        total_inventory: room.total_inventory.to_string(),
    }
}
