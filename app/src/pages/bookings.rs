//! A guest's bookings: the list (upcoming and past, with cancel) and one
//! booking's page, which is also the confirmation after booking.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};
use shared_schema::{
    booking::BookingFilter,
    dto::{Booking, BookingStatus},
};
use uuid::Uuid;

use crate::{
    AppError,
    components::ErrorAlert,
    format::{long_date, money, plural, short_date},
    pages::search::get_booking_window,
    session::auth_href,
};

/// The caller's own bookings or, for an admin with `mine` false,
/// everyone's; filtered.
#[server(endpoint = "bookings")]
pub async fn list_bookings(filter: BookingFilter, mine: bool) -> Result<Vec<Booking>, AppError> {
    crate::backend::serve(
        |backend, caller| async move { backend.bookings(&caller, filter, mine).await },
    )
    .await
}

/// One booking of the caller's (any for an admin).
#[server(endpoint = "booking")]
pub async fn get_booking(id: Uuid) -> Result<Booking, AppError> {
    crate::backend::serve(|backend, caller| async move { backend.booking(&caller, id).await }).await
}

/// Cancels a booking and gives its nights back.
#[server(endpoint = "cancel_booking")]
pub async fn cancel_booking(id: Uuid) -> Result<Booking, AppError> {
    crate::backend::serve(
        |backend, caller| async move { backend.cancel_booking(&caller, id).await },
    )
    .await
}

/// A page that needs a signed-in user says so instead of failing.
#[component]
pub(crate) fn SignInPrompt(what: &'static str) -> impl IntoView {
    view! {
        <div class="empty-state">
            <p>{format!("Sign in to see {what}.")}</p>
            <A href=auth_href("/login") attr:class="button primary">"Sign in"</A>
        </div>
    }
}

#[component]
pub(crate) fn MyBookingsPage() -> impl IntoView {
    let cancelled = RwSignal::new(0_u32);
    let bookings = Resource::new(
        move || cancelled.get(),
        |_| {
            let filter = BookingFilter {
                limit: Some(shared_schema::booking::MAX_LIST_LIMIT),
                ..BookingFilter::default()
            };
            list_bookings(filter, true)
        },
    );
    let window = Resource::new(|| (), |()| get_booking_window());

    view! {
        <Title text="My bookings" />
        <div class="page">
            <h1>"My bookings"</h1>
            <p role="status" class=move || { if cancelled.get() > 0 { "alert success" } else { "" } }>
                {move || { (cancelled.get() > 0).then_some("Booking cancelled. Its rooms are back on sale.") }}
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading your bookings…"</p> }>
                {move || Suspend::new(async move {
                    match (bookings.await, window.await) {
                        (Err(AppError::Unauthenticated), _) => view! { <SignInPrompt what="your bookings" /> }.into_any(),
                        (Err(error), _) | (_, Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                        (Ok(list), Ok(window)) => {
                            // Latest first from the server; upcoming stays read
                            // better soonest first.
                            let (mut upcoming, past): (Vec<_>, Vec<_>) =
                                list.into_iter().partition(|b| b.check_out > window.today);
                            upcoming.reverse();
                            view! {
                                <section aria-labelledby="upcoming">
                                    <h2 id="upcoming">"Upcoming"</h2>
                                    <BookingList bookings=upcoming today=window.today on_cancel=cancelled
                                        empty="No upcoming stays. Time to plan one?" />
                                </section>
                                <section aria-labelledby="past">
                                    <h2 id="past">"Past"</h2>
                                    <BookingList bookings=past today=window.today on_cancel=cancelled
                                        empty="No past stays yet." />
                                </section>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn BookingList(
    bookings: Vec<Booking>,
    today: chrono::NaiveDate,
    on_cancel: RwSignal<u32>,
    empty: &'static str,
) -> impl IntoView {
    if bookings.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <ul class="booking-list stack" role="list">
            {bookings
                .into_iter()
                .map(|booking| {
                    let cancellable = booking.status == BookingStatus::Confirmed && booking.check_in > today;
                    let reference = booking.reference.clone();
                    let cancel = cancellable.then(|| view! { <CancelButton booking=booking.clone() on_cancel /> });
                    view! {
                        <li class="card booking" data-reference=reference>
                            <BookingSummary booking />
                            {cancel}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn BookingSummary(booking: Booking) -> impl IntoView {
    view! {
        <h3>
            <A href=format!("/bookings/{}", booking.id)>{booking.room_name.clone()}</A>
            " "
            <StatusBadge status=booking.status />
        </h3>
        <p>
            {format!(
                "{} – {} · {} · {} · {}",
                short_date(booking.check_in),
                short_date(booking.check_out),
                plural(booking.nights.into(), "night", "nights"),
                plural(booking.units.into(), "room", "rooms"),
                plural(booking.guests.into(), "guest", "guests"),
            )}
        </p>
        <p>
            <span class="muted">"Reference "</span>
            <span class="reference small">{booking.reference.clone()}</span>
            " · "
            <strong>{money(booking.total_cents, &booking.currency)}</strong>
        </p>
    }
}

#[component]
pub(crate) fn StatusBadge(status: BookingStatus) -> impl IntoView {
    let (class, text) = match status {
        BookingStatus::Confirmed => ("badge confirmed", "Confirmed"),
        BookingStatus::Cancelled => ("badge cancelled", "Cancelled"),
    };
    view! { <span class=class>{text}</span> }
}

/// Cancel with a confirmation dialog; `on_cancel` is bumped when done so
/// the list reloads with the units given back.
#[component]
pub(crate) fn CancelButton(booking: Booking, on_cancel: RwSignal<u32>) -> impl IntoView {
    let Booking {
        id,
        room_name,
        check_in,
        check_out,
        ..
    } = booking;
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let action = Action::new(move |(): &()| cancel_booking(id));
    Effect::new(move || {
        if let Some(Ok(_)) = action.value().get() {
            if let Some(dialog) = dialog.get_untracked() {
                dialog.close();
            }
            on_cancel.update(|n| *n += 1);
        }
    });
    let open = move |_| {
        if let Some(dialog) = dialog.get() {
            let _ = dialog.show_modal();
        }
    };
    let title_id = format!("cancel-title-{id}");
    let labelled_by = title_id.clone();
    view! {
        <button type="button" class="button danger small" on:click=open>
            "Cancel booking"
        </button>
        <dialog class="dialog" node_ref=dialog aria-labelledby=labelled_by>
            <h2 id=title_id>"Cancel this booking?"</h2>
            <p>
                {format!(
                    "{}, {} – {}. The rooms go back on sale and this cannot be undone.",
                    room_name,
                    long_date(check_in),
                    long_date(check_out),
                )}
            </p>
            {move || match action.value().get() {
                Some(Err(error)) => Some(view! { <ErrorAlert error /> }),
                _ => None,
            }}
            <div class="dialog-actions">
                <button type="button" class="button secondary" autofocus
                    on:click=move |_| { if let Some(dialog) = dialog.get() { dialog.close(); } }>
                    "Keep booking"
                </button>
                <button type="button" class="button danger"
                    disabled=move || action.pending().get()
                    aria-busy=move || action.pending().get().to_string()
                    on:click=move |_| { action.dispatch(()); }>
                    "Yes, cancel it"
                </button>
            </div>
        </dialog>
    }
}

/// One booking; right after booking (`?new=1`) it is the confirmation.
#[component]
pub(crate) fn BookingPage() -> impl IntoView {
    let query = use_query_map();
    let just_booked = move || query.with(|q| q.get("new").is_some());
    let booking = crate::pages::by_path_id(get_booking);
    view! {
        <Title text="Booking" />
        <div class="page narrow">
            <Suspense fallback=|| view! { <p class="loading">"Loading the booking…"</p> }>
                {move || Suspend::new(async move {
                    match booking.await {
                        Ok(booking) => view! { <BookingDetails booking just_booked=just_booked() /> }.into_any(),
                        Err(AppError::NotFound) => view! { <crate::pages::NotFound /> }.into_any(),
                        Err(AppError::Unauthenticated) => view! { <SignInPrompt what="this booking" /> }.into_any(),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn BookingDetails(booking: Booking, just_booked: bool) -> impl IntoView {
    let heading = if just_booked && booking.status == BookingStatus::Confirmed {
        "Your booking is confirmed"
    } else {
        "Your booking"
    };
    // Arriving from the booking form, focus (and so the screen reader)
    // moves to the confirmation.
    let title = NodeRef::<leptos::html::H1>::new();
    Effect::new(move || {
        if let Some(title) = title.get().filter(|_| just_booked) {
            let _ = title.focus();
        }
    });
    view! {
        <section class="confirmation stack" aria-labelledby="booking-title">
            <h1 id="booking-title" tabindex="-1" node_ref=title>{heading}</h1>
            <p>"Booking reference"</p>
            <p class="reference" data-testid="reference">{booking.reference.clone()}</p>
            <dl class="summary">
                <dt>"Room"</dt>
                <dd>{booking.room_name.clone()}</dd>
                <dt>"Guest"</dt>
                <dd>{booking.guest_name.clone()}</dd>
                <dt>"Check-in"</dt>
                <dd>{long_date(booking.check_in)}</dd>
                <dt>"Check-out"</dt>
                <dd>{long_date(booking.check_out)}</dd>
                <dt>"Guests"</dt>
                <dd>{booking.guests}</dd>
                <dt>"Rooms"</dt>
                <dd>{booking.units}</dd>
                <dt>"Status"</dt>
                <dd><StatusBadge status=booking.status /></dd>
                <dt>"Total"</dt>
                <dd class="total-line">{money(booking.total_cents, &booking.currency)}</dd>
            </dl>
            <p><A href="/bookings">"See all my bookings"</A></p>
        </section>
    }
}
