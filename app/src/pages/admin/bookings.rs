//! Admin: every booking, filtered by room, dates and status, found by
//! guest name or reference, with cancel on a guest's behalf.

use leptos::prelude::*;
use leptos_router::components::A;
use shared_schema::{
    booking::{BookingFilter, MAX_LIST_LIMIT},
    dto::{Booking, BookingStatus},
    rooms::Room,
};

use super::{admin_heading, admin_page, rooms::admin_rooms};
use crate::{
    components::{DataTable, ErrorAlert},
    format::{money, short_date},
    pages::bookings::{CancelButton, CancelStatus, StatusBadge, list_bookings},
};

#[component]
pub(crate) fn AdminBookingsPage() -> impl IntoView {
    let room = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let cancelled = RwSignal::new(0_u32);
    let filter = move || BookingFilter {
        room_id: room.get().parse().ok(),
        user_id: None,
        from: from.get().parse().ok(),
        to: to.get().parse().ok(),
        status: match status.get().as_str() {
            "confirmed" => Some(BookingStatus::Confirmed),
            "cancelled" => Some(BookingStatus::Cancelled),
            _ => None,
        },
        limit: Some(MAX_LIST_LIMIT),
    };
    let bookings = Resource::new(
        move || (filter(), cancelled.get()),
        |(filter, _)| list_bookings(filter, false),
    );
    let rooms = Resource::new(|| (), |()| admin_rooms());

    admin_page("Bookings", rooms, admin_heading, move |rooms| {
        view! {
            <h2>"Bookings"</h2>
            <Filters rooms room from to status search />
            <CancelStatus cancelled />
            <Transition fallback=|| view! { <p class="loading">"Loading bookings…"</p> }>
                {move || {
                    let search = search.get();
                    Suspend::new(async move {
                        match bookings.await {
                            Ok(list) => {
                                let list = list.into_iter().filter(|b| matches_search(b, &search)).collect();
                                view! { <BookingTable bookings=list cancelled /> }.into_any()
                            }
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                        }
                    })
                }}
            </Transition>
        }
        .into_any()
    })
}

/// Whether a booking is one the admin looks for: `search` (any case) in
/// the guest's name or the reference.
///
/// Searched among the loaded bookings (the newest [`MAX_LIST_LIMIT`] that
/// match the other filters): the list filter of the server has no text
/// search and bookings carry no e-mail yet.
fn matches_search(booking: &Booking, search: &str) -> bool {
    let search = search.trim().to_lowercase();
    search.is_empty()
        || booking.guest_name.to_lowercase().contains(&search)
        || booking.reference.to_lowercase().contains(&search)
}

/// Filters apply as they change; the list reloads.
#[component]
fn Filters(
    rooms: Vec<Room>,
    room: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    status: RwSignal<String>,
    search: RwSignal<String>,
) -> impl IntoView {
    let options = rooms
        .into_iter()
        .map(|room| view! { <option value=room.id.to_string()>{room.name}</option> })
        .collect_view();
    let bind = move |signal: RwSignal<String>| move |ev| signal.set(event_target_value(&ev));
    view! {
        <form class="form-grid toolbar" role="search" aria-label="Find bookings" on:submit=|ev| ev.prevent_default()>
            <div class="field">
                <label for="filter-search">"Guest or reference"</label>
                <input id="filter-search" type="search" autocomplete="off" prop:value=search
                    on:input=move |ev| search.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="filter-room">"Room"</label>
                <select id="filter-room" on:change=bind(room)>
                    <option value="">"All rooms"</option>
                    {options}
                </select>
            </div>
            <div class="field">
                <label for="filter-from">"Nights from"</label>
                <input id="filter-from" type="date" prop:value=from on:change=bind(from) />
            </div>
            <div class="field">
                <label for="filter-to">"Nights before"</label>
                <input id="filter-to" type="date" prop:value=to on:change=bind(to) />
            </div>
            <div class="field">
                <label for="filter-status">"Status"</label>
                <select id="filter-status" on:change=bind(status)>
                    <option value="">"Any"</option>
                    <option value="confirmed">"Confirmed"</option>
                    <option value="cancelled">"Cancelled"</option>
                </select>
            </div>
        </form>
    }
}

#[component]
fn BookingTable(bookings: Vec<Booking>, cancelled: RwSignal<u32>) -> impl IntoView {
    if bookings.is_empty() {
        return view! { <p class="muted" data-testid="no-bookings">"No bookings match these filters."</p> }.into_any();
    }
    let rows = bookings
        .into_iter()
        .map(|booking| {
            let cancellable = booking.status == BookingStatus::Confirmed;
            let (reference, row_reference) = (booking.reference.clone(), booking.reference.clone());
            let cancel = cancellable
                .then(|| view! { <CancelButton booking=booking.clone() on_cancel=cancelled name_guest=true /> });
            view! {
                <tr data-reference=row_reference>
                    <th scope="row"><A href=format!("/bookings/{}", booking.id)>{reference}</A></th>
                    <td>{booking.room_name}</td>
                    <td>{booking.guest_name}</td>
                    <td>{short_date(booking.check_in)}</td>
                    <td>{short_date(booking.check_out)}</td>
                    <td class="num">{booking.units}</td>
                    <td class="num">{booking.guests}</td>
                    <td class="num">{money(booking.total_cents, &booking.currency)}</td>
                    <td><StatusBadge status=booking.status /></td>
                    <td class="actions">
                        {cancel}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Bookings" columns=&[
            ("Reference", false), ("Room", false), ("Guest", false), ("Check-in", false),
            ("Check-out", false), ("Rooms", true), ("Guests", true), ("Total", true),
            ("Status", false), ("", false),
        ]>
            {rows}
        </DataTable>
    }
    .into_any()
}
