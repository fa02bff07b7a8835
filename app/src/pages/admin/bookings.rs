//! Admin: every booking, filtered by room, dates and status, with cancel
//! on a guest's behalf.

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
    pages::bookings::{CancelButton, StatusBadge, list_bookings},
};

#[component]
pub(crate) fn AdminBookingsPage() -> impl IntoView {
    let room = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
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
            <Filters rooms room from to status />
            <Transition fallback=|| view! { <p class="loading">"Loading bookings…"</p> }>
                {move || Suspend::new(async move {
                    match bookings.await {
                        Ok(list) => view! { <BookingTable bookings=list cancelled /> }.into_any(),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any()
    })
}

/// Filters apply as they change; the list reloads.
#[component]
fn Filters(
    rooms: Vec<Room>,
    room: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    status: RwSignal<String>,
) -> impl IntoView {
    let options = rooms
        .into_iter()
        .map(|room| view! { <option value=room.id.to_string()>{room.name}</option> })
        .collect_view();
    let bind = move |signal: RwSignal<String>| move |ev| signal.set(event_target_value(&ev));
    view! {
        <form class="form-grid toolbar" aria-label="Filter bookings" on:submit=|ev| ev.prevent_default()>
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
        return view! { <p class="muted">"No bookings match these filters."</p> }.into_any();
    }
    let rows = bookings
        .into_iter()
        .map(|booking| {
            let cancellable = booking.status == BookingStatus::Confirmed;
            let (reference, row_reference) = (booking.reference.clone(), booking.reference.clone());
            let cancel = cancellable
                .then(|| view! { <CancelButton booking=booking.clone() on_cancel=cancelled /> });
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
        <DataTable columns=&[
            ("Reference", false), ("Room", false), ("Guest", false), ("Check-in", false),
            ("Check-out", false), ("Rooms", true), ("Guests", true), ("Total", true),
            ("Status", false), ("", false),
        ]>
            {rows}
        </DataTable>
    }
    .into_any()
}
