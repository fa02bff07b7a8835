//! Admin: every booking, filtered by room, dates and status, found by
//! guest name, e-mail or reference among all of them (the server
//! searches), a page at a time, with cancel on a guest's behalf.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_location, use_navigate, use_query_map},
};
use shared_schema::{
    booking::{BookingFilter, BookingPage, MAX_LIST_LIMIT, MAX_SEARCH_CHARS},
    dto::{Booking, BookingStatus},
    rooms::Room,
};

use super::{admin_heading, admin_page, rooms::admin_rooms};
use crate::{
    AppError,
    components::{DataTable, ErrorAlert, booking_pages},
    format::{money, short_date},
    pages::bookings::{CancelStatus, StatusBadge, cancel_button},
    query::{query_string, with_query},
};

/// How long typing must pause before the list searches again.
const SEARCH_PAUSE: Duration = Duration::from_millis(300);

/// Admin: a page of everyone's bookings that match `filter`, with the
/// cursor of the next (older) page.
#[server(endpoint = "admin_bookings")]
pub async fn admin_bookings(filter: BookingFilter) -> Result<BookingPage, AppError> {
    crate::backend::serve(|backend, caller| async move {
        // Admin routes do not reveal themselves, not even as 422s.
        backend.require_admin(&caller).await?;
        backend.bookings(&caller, filter, false).await
    })
    .await
}

/// The filters and the page, as the address carries them
/// (`?q=..&room=..&cursor=..`): they work as a plain GET form and links
/// before the WASM arrives, and a filtered list can be shared or reloaded.
#[derive(Debug, Clone, Copy)]
struct FilterFields {
    search: RwSignal<String>,
    room: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    status: RwSignal<String>,
    /// Where the page starts (empty: the newest bookings).
    cursor: RwSignal<String>,
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
            cursor: RwSignal::new(value("cursor")),
        }
    }

    /// The address's query for these filters, starting at `cursor`.
    fn query_at(self, cursor: &str) -> String {
        query_string([
            ("q", self.search.get().as_str()),
            ("room", &self.room.get()),
            ("from", &self.from.get()),
            ("to", &self.to.get()),
            ("status", &self.status.get()),
            ("cursor", cursor),
        ])
    }

    fn query(self) -> String {
        self.query_at(&self.cursor.get())
    }

    fn filter(self) -> BookingFilter {
        let text = |signal: RwSignal<String>| {
            let value = signal.get();
            (!value.trim().is_empty()).then_some(value)
        };
        BookingFilter {
            room_id: self.room.get().parse().ok(),
            user_id: None,
            from: self.from.get().parse().ok(),
            to: self.to.get().parse().ok(),
            status: match self.status.get().as_str() {
                "confirmed" => Some(BookingStatus::Confirmed),
                "cancelled" => Some(BookingStatus::Cancelled),
                _ => None,
            },
            q: text(self.search),
            limit: Some(MAX_LIST_LIMIT),
            cursor: text(self.cursor),
        }
    }

    /// Sets a filter; the list starts again from the newest bookings.
    fn change(self, signal: RwSignal<String>, value: String) {
        self.cursor.set(String::new());
        signal.set(value);
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
    let bookings = Resource::new(move || fields.filter(), admin_bookings);
    let rooms = Resource::new(|| (), |()| admin_rooms());

    admin_page("Bookings", rooms, admin_heading, move |rooms| {
        view! {
            <h2>"Bookings"</h2>
            <Filters rooms fields />
            <CancelStatus />
            <Transition fallback=|| view! { <p class="loading">"Loading bookings…"</p> }>
                {move || Suspend::new(async move {
                    match bookings.await {
                        Ok(BookingPage { bookings, next_cursor, prev_cursor }) => view! {
                            <BookingTable bookings />
                            <Pages fields next=next_cursor prev=prev_cursor />
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </Transition>
        }
        .into_any()
    })
}

/// Links to the newest, newer and older bookings: plain links without the
/// WASM, a change of the page's cursor with it.
#[component]
fn Pages(fields: FilterFields, next: Option<String>, prev: Option<String>) -> impl IntoView {
    let first = fields.cursor.get_untracked().is_empty();
    booking_pages(first, prev, next, move |cursor, label, testid| {
        let cursor = cursor.unwrap_or_default();
        let href = with_query("/admin/bookings", &fields.query_at(&cursor));
        view! {
            <a class="button secondary" href=href data-testid=testid
                on:click=move |event| {
                    event.prevent_default();
                    fields.cursor.set(cursor.clone());
                    window().scroll_to_with_x_and_y(0.0, 0.0);
                }>
                {label}
            </a>
        }
    })
}

/// Filters apply as they change (the text search once typing pauses);
/// the list reloads from the newest bookings.
#[component]
fn Filters(rooms: Vec<Room>, fields: FilterFields) -> impl IntoView {
    let FilterFields {
        search,
        room,
        from,
        to,
        status,
        ..
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
    let bind =
        move |signal: RwSignal<String>| move |ev| fields.change(signal, event_target_value(&ev));
    // One search per pause in typing, not one per key.
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let typed = move |ev| {
        let value = event_target_value(&ev);
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(move || fields.change(search, value), SEARCH_PAUSE);
        pending.set_value(handle.ok());
    };
    view! {
        <form class="form-grid toolbar" role="search" aria-label="Find bookings"
            method="get" action="/admin/bookings" on:submit=|ev| ev.prevent_default()>
            <div class="field">
                <label for="filter-search">"Guest, e-mail or reference"</label>
                <input id="filter-search" name="q" type="search" autocomplete="off"
                    maxlength=MAX_SEARCH_CHARS
                    value=search.get_untracked() on:input=typed />
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
fn BookingTable(bookings: Vec<Booking>) -> impl IntoView {
    if bookings.is_empty() {
        return view! { <p class="muted" data-testid="no-bookings">"No bookings match these filters."</p> }.into_any();
    }
    let rows = bookings
        .into_iter()
        .map(|booking| {
            let cancellable = booking.status == BookingStatus::Confirmed;
            let (reference, row_reference) = (booking.reference.clone(), booking.reference.clone());
            let cancel = cancellable.then(|| cancel_button(&booking, true));
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
