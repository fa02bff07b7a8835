//! A guest's bookings: the list (upcoming, past and cancelled, with
//! cancel) and one booking's page, which is also the confirmation after
//! booking and can cancel it too.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};
use serde::{Deserialize, Serialize};
use shared_schema::{
    booking::{BookingFilter, BookingPage},
    dto::{Booking, BookingStatus, Role, User},
};
use uuid::Uuid;

use crate::{
    AppError,
    components::{ErrorAlert, booking_pages},
    form_post::posted_error,
    format::{long_date, money, plural, short_date},
    island::{Island, island},
    pages::search::get_booking_window,
    query::{query_string, with_query},
    session::{UserContext, auth_href},
};

/// A page of the caller's own bookings or, for an admin with `mine`
/// false, everyone's; filtered.
#[server(endpoint = "bookings")]
pub async fn list_bookings(filter: BookingFilter, mine: bool) -> Result<BookingPage, AppError> {
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

/// Cancels a booking and gives its nights back. Posted by the plain form,
/// it redirects back to the page the form was on (the booking's page when
/// the browser does not say), which then says which booking was cancelled
/// ([`CancelStatus`]).
#[server(endpoint = "cancel_booking")]
pub async fn cancel_booking(id: Uuid) -> Result<Booking, AppError> {
    let post = crate::form_post::FormPost::current();
    let back = crate::form_post::referer().unwrap_or_else(|| format!("/bookings/{id}"));
    let result = crate::backend::serve(|backend, caller| async move {
        backend.cancel_booking(&caller, id).await
    })
    .await;
    post.answer(result, |booking| {
        Some(crate::query::with_param(
            &back,
            "cancelled",
            &booking.reference,
        ))
    })
}

fn cancel_path() -> &'static str {
    crate::form_post::post_path::<CancelBooking>()
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

/// The id of the line that reports a cancellation; the page that a
/// cancel lands on focuses it (the button that was pressed is gone).
pub(crate) const CANCEL_STATUS_ID: &str = "cancel-status";

/// The line that reports a cancellation: the page a cancel lands on has
/// the booking's reference in its address (`?cancelled=`), or the error.
#[component]
pub(crate) fn CancelStatus() -> impl IntoView {
    // As the page was loaded: the admin list then drops it from the
    // address, which keeps only its filters. Only what a reference is
    // made of: anyone can write an address, and the page must not repeat
    // their words as its own.
    let cancelled = use_query_map()
        .with_untracked(|q| q.get("cancelled"))
        .filter(|reference| {
            reference.len() <= 16
                && reference
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        });
    let error = posted_error(cancel_path());
    let done = cancelled.is_some();
    let message = cancelled
        .map(|reference| format!("Booking {reference} cancelled. Its rooms are back on sale."));
    view! {
        {error.map(|error| view! { <ErrorAlert error /> })}
        <p id=CANCEL_STATUS_ID role="status" tabindex="-1" autofocus=done class=done.then_some("alert success")>
            {message}
        </p>
    }
}

/// A guest's bookings in the three lists they look for: stays to come,
/// stays that are over, and cancelled ones.
fn by_list(
    bookings: Vec<Booking>,
    today: chrono::NaiveDate,
) -> (Vec<Booking>, Vec<Booking>, Vec<Booking>) {
    let (cancelled, confirmed): (Vec<_>, Vec<_>) = bookings
        .into_iter()
        .partition(|b| b.status == BookingStatus::Cancelled);
    let (mut upcoming, past): (Vec<_>, Vec<_>) =
        confirmed.into_iter().partition(|b| b.check_out > today);
    // Latest first from the server; upcoming stays read better soonest first.
    upcoming.reverse();
    (upcoming, past, cancelled)
}

/// The signed-in guest's bookings, latest check-in first, a page of
/// [`MAX_LIST_LIMIT`](shared_schema::booking::MAX_LIST_LIMIT) at a time:
/// a guest with more gets links to the older and newer pages (`?cursor=`).
#[component]
pub(crate) fn MyBookingsPage() -> impl IntoView {
    let query = use_query_map();
    let cursor = Memo::new(move |_| query.with(|q| q.get("cursor")));
    let bookings = Resource::new(
        move || cursor.get(),
        |cursor| {
            let filter = BookingFilter {
                limit: Some(shared_schema::booking::MAX_LIST_LIMIT),
                cursor,
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
            <CancelStatus />
            <Transition fallback=|| view! { <p class="loading">"Loading your bookings…"</p> }>
                {move || Suspend::new(async move {
                    match (bookings.await, window.await) {
                        (Err(AppError::Unauthenticated), _) => view! { <SignInPrompt what="your bookings" /> }.into_any(),
                        (Err(error), _) | (_, Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                        (Ok(BookingPage { bookings, next_cursor, prev_cursor }), Ok(window)) => {
                            let first = cursor.get_untracked().is_none();
                            let (upcoming, past, cancelled_list) = by_list(bookings, window.today);
                            view! {
                                <section aria-labelledby="upcoming">
                                    <h2 id="upcoming">"Upcoming"</h2>
                                    <BookingList bookings=upcoming today=window.today
                                        empty="No upcoming stays. Time to plan one?" />
                                </section>
                                <section aria-labelledby="past">
                                    <h2 id="past">"Past"</h2>
                                    <BookingList bookings=past today=window.today
                                        empty="No past stays yet." />
                                </section>
                                <section aria-labelledby="cancelled">
                                    <h2 id="cancelled">"Cancelled"</h2>
                                    <BookingList bookings=cancelled_list today=window.today
                                        empty="No cancelled bookings." />
                                </section>
                                <MyPages first newer=prev_cursor older=next_cursor />
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

/// Links to the newest, newer and older pages of *My bookings*, when the
/// guest has more than one.
#[component]
fn MyPages(first: bool, newer: Option<String>, older: Option<String>) -> impl IntoView {
    booking_pages(first, newer, older, |cursor, label, testid| {
        let href = match cursor {
            Some(cursor) => with_query("/bookings", &query_string([("cursor", cursor.as_str())])),
            None => "/bookings".to_owned(),
        };
        view! { <A href=href attr:class="button secondary" attr:data-testid=testid>{label}</A> }
    })
}

#[component]
fn BookingList(
    bookings: Vec<Booking>,
    today: chrono::NaiveDate,
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
                    let cancel = cancellable.then(|| cancel_button(&booking, false));
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

/// Cancel, with a confirmation dialog; admins see whose booking it is
/// (`name_guest`).
pub(crate) fn cancel_button(booking: &Booking, name_guest: bool) -> impl IntoView + use<> {
    let Booking {
        id,
        reference,
        room_name,
        guest_name,
        check_in,
        check_out,
        ..
    } = booking;
    let (whose, button, title) = if name_guest {
        (
            format!("{guest_name}'s booking {reference}"),
            format!("Cancel {guest_name}'s booking"),
            format!("Cancel {guest_name}'s booking?"),
        )
    } else {
        (
            format!("Booking {reference}"),
            "Cancel booking".to_owned(),
            "Cancel this booking?".to_owned(),
        )
    };
    island(CancelIsland {
        id: id.to_string(),
        button,
        title,
        text: format!(
            "{whose}: {room_name}, {} – {}. The rooms go back on sale and this cannot be undone.",
            long_date(*check_in),
            long_date(*check_out),
        ),
    })
}

/// A booking's cancel button (see [`cancel_button`]): a plain form that
/// cancels at once before the WASM arrives; with it, a dialog asks
/// first. Either way the post lands back on the page, which says so
/// ([`CancelStatus`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CancelIsland {
    id: String,
    button: String,
    title: String,
    text: String,
}

impl Island for CancelIsland {
    const NAME: &'static str = "cancel";

    fn render(self) -> AnyView {
        let Self {
            id,
            button,
            title,
            text,
        } = self;
        let dialog = NodeRef::<leptos::html::Dialog>::new();
        // Set by "Yes, cancel it" just before the form submits; once sent,
        // a second press waits for the page the post lands on.
        let confirmed = RwSignal::new(false);
        let sending = RwSignal::new(false);
        let on_submit = move |event: SubmitEvent| {
            if sending.get_untracked() {
                event.prevent_default();
            } else if confirmed.get_untracked() {
                sending.set(true);
            } else {
                event.prevent_default();
                if let Some(dialog) = dialog.get() {
                    let _ = dialog.show_modal();
                }
            }
        };
        let close = move |_| {
            if let Some(dialog) = dialog.get() {
                dialog.close();
            }
        };
        let title_id = format!("cancel-title-{id}");
        let labelled_by = title_id.clone();
        view! {
            <form class="inline-form" method="post" action=cancel_path() on:submit=on_submit>
                <input type="hidden" name="id" value=id />
                <button type="submit" class="button danger small">{button}</button>
                <dialog class="dialog" node_ref=dialog aria-labelledby=labelled_by>
                    <h2 id=title_id>{title}</h2>
                    <p>{text}</p>
                    <div class="dialog-actions">
                        <button type="button" class="button secondary" autofocus on:click=close>
                            "Keep booking"
                        </button>
                        <button type="submit" class="button danger" aria-busy=move || sending.get().to_string()
                            on:click=move |_| confirmed.set(true)>
                            "Yes, cancel it"
                        </button>
                    </div>
                </dialog>
            </form>
        }
        .into_any()
    }
}

/// One booking; right after booking (`?new=1`) it is the confirmation.
/// It can be cancelled here too.
#[component]
pub(crate) fn BookingPage() -> impl IntoView {
    let query = use_query_map();
    let just_booked = move || query.with(|q| q.get("new").is_some());
    let booking = crate::pages::by_path_id(get_booking);
    let window = Resource::new(|| (), |()| get_booking_window());
    let user = UserContext::get();
    view! {
        <Title text="Booking" />
        <div class="page narrow">
            <CancelStatus />
            <Transition fallback=|| view! { <p class="loading">"Loading the booking…"</p> }>
                {move || Suspend::new(async move {
                    let admin = matches!(user.0.await, Ok(Some(User { role: Role::Admin, .. })));
                    match (booking.await, window.await) {
                        (Ok(booking), Ok(window)) => {
                            let cancellable = booking.status == BookingStatus::Confirmed
                                && (admin || booking.check_in > window.today);
                            view! { <BookingDetails booking just_booked=just_booked() cancellable admin /> }.into_any()
                        }
                        (Err(AppError::NotFound), _) => view! { <crate::pages::NotFound /> }.into_any(),
                        (Err(AppError::Unauthenticated), _) => view! { <SignInPrompt what="this booking" /> }.into_any(),
                        (Err(error), _) | (_, Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn BookingDetails(
    booking: Booking,
    just_booked: bool,
    cancellable: bool,
    admin: bool,
) -> impl IntoView {
    let heading = if just_booked && booking.status == BookingStatus::Confirmed {
        "Your booking is confirmed"
    } else if admin {
        "Booking"
    } else {
        "Your booking"
    };
    let confirmed = booking.status == BookingStatus::Confirmed;
    let cancel = cancellable.then(|| {
        view! {
            <div class="form-actions">
                {cancel_button(&booking, admin)}
            </div>
        }
    });
    view! {
        <section class="confirmation stack" class:cancelled=!confirmed aria-labelledby="booking-title">
            // Arriving from the booking form, focus (and so the screen
            // reader) starts at the confirmation.
            <h1 id="booking-title" tabindex="-1" autofocus=just_booked>{heading}</h1>
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
            {cancel}
            <p>
                // A file, not a page: the router must let the browser fetch it.
                <a href=format!("/bookings/{}/calendar.ics", booking.id) download rel="external"
                    data-testid="ics">"Add to my calendar (.ics)"</a>
            </p>
            <p><A href="/bookings">"See all my bookings"</A></p>
        </section>
    }
}
