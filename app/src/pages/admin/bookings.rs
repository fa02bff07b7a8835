//! Admin: every booking, filtered by room, dates and status, found by
//! guest name or reference, with cancel on a guest's behalf.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_location, use_navigate, use_query_map},
};
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
    query::{query_string, with_query},
};

/// The filters, as the address carries them (`?q=..&room=..`): they work
/// as a plain GET form before the WASM arrives, and a filtered list can be
/// shared or reloaded.
#[derive(Debug, Clone, Copy)]
struct FilterFields {
    search: RwSignal<String>,
    room: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    status: RwSignal<String>,
}

impl FilterFields {
    fn from_address() -> Self {
        let query = use_query_map();
        let value = move |key: &str| query.with_untracked(|q| q.get(key)).unwrap_or_default();
        Self {
            search: RwSignal::new(value("q")),
            room: RwSignal::new(value("room")),
            from: RwSignal::new(value("from")),
            to: RwSignal::new(value("to")),
            status: RwSignal::new(value("status")),
        }
    }

    fn query(self) -> String {
        query_string([
            ("q", self.search.get().as_str()),
            ("room", &self.room.get()),
            ("from", &self.from.get()),
            ("to", &self.to.get()),
            ("status", &self.status.get()),
        ])
    }

    /// Mirrors the filters into the address, replacing the history entry.
    fn keep_in_address(self) {
        let navigate = use_navigate();
        let location = use_location();
        Effect::new(move || {
            let query = self.query();
            if query != location.search.get_untracked() {
                navigate(
                    &with_query("/admin/bookings", &query),
                    NavigateOptions {
                        replace: true,
                        scroll: false,
                        ..NavigateOptions::default()
                    },
                );
            }
        });
    }
}

#[component]
pub(crate) fn AdminBookingsPage() -> impl IntoView {
    let fields = FilterFields::from_address();
    fields.keep_in_address();
    let FilterFields {
        search,
        room,
        from,
        to,
        status,
    } = fields;
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
            <Filters rooms fields />
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
        || booking
            .guest_email
            .as_ref()
            .is_some_and(|email| email.to_lowercase().contains(&search))
        || booking.reference.to_lowercase().contains(&search)
}

/// Filters apply as they change; the list reloads.
#[component]
fn Filters(rooms: Vec<Room>, fields: FilterFields) -> impl IntoView {
    let FilterFields {
        search,
        room,
        from,
        to,
        status,
    } = fields;
    // `selected` and `value` attributes for the server's HTML (no WASM yet).
    let chosen_room = room.get_untracked();
    let chosen_status = status.get_untracked();
    let options = rooms
        .into_iter()
        .map(|room| {
            let id = room.id.to_string();
            let selected = id == chosen_room;
            view! { <option value=id selected=selected>{room.name}</option> }
        })
        .collect_view();
    let status_option = move |value: &'static str, label: &'static str| {
        view! { <option value=value selected=chosen_status == value>{label}</option> }
    };
    let bind = move |signal: RwSignal<String>| move |ev| signal.set(event_target_value(&ev));
    view! {
        <form class="form-grid toolbar" role="search" aria-label="Find bookings"
            method="get" action="/admin/bookings" on:submit=|ev| ev.prevent_default()>
            <div class="field">
                <label for="filter-search">"Guest or reference"</label>
                <input id="filter-search" name="q" type="search" autocomplete="off"
                    value=search.get_untracked() prop:value=search
                    on:input=move |ev| search.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="filter-room">"Room"</label>
                <select id="filter-room" name="room" on:change=bind(room)>
                    <option value="">"All rooms"</option>
                    {options}
                </select>
            </div>
            <div class="field">
                <label for="filter-from">"Nights from"</label>
                <input id="filter-from" name="from" type="date"
                    value=from.get_untracked() prop:value=from on:change=bind(from) />
            </div>
            <div class="field">
                <label for="filter-to">"Nights before"</label>
                <input id="filter-to" name="to" type="date"
                    value=to.get_untracked() prop:value=to on:change=bind(to) />
            </div>
            <div class="field">
                <label for="filter-status">"Status"</label>
                <select id="filter-status" name="status" on:change=bind(status)>
                    {status_option("", "Any")}
                    {status_option("confirmed", "Confirmed")}
                    {status_option("cancelled", "Cancelled")}
                </select>
            </div>
            // Filters apply as they change; without the WASM, here.
            <div class="form-actions">
                <button type="submit" class="button secondary">"Find"</button>
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
