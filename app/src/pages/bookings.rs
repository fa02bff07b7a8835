//! A guest's bookings: the list (upcoming, past and cancelled, with
//! cancel) and one booking's page, which is also the confirmation after
//! booking and can cancel it too.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};
use shared_schema::{
    booking::{BookingFilter, BookingPage},
    dto::{Booking, BookingStatus, Role, User},
};
use uuid::Uuid;

use crate::{
    AppError,
    components::{ErrorAlert, booking_pages, focus_by_id},
    format::{long_date, money, plural, short_date},
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

/// Cancels a booking and gives its nights back.
/// Posted by the plain form (before the WASM arrives), it redirects back
/// to the page the form was on.
#[server(endpoint = "cancel_booking")]
pub async fn cancel_booking(id: Uuid) -> Result<Booking, AppError> {
    let post = crate::form_post::FormPost::current();
    let result = crate::backend::serve(|backend, caller| async move {
        backend.cancel_booking(&caller, id).await
    })
    .await;
    post.answer(result, |_| None)
}

#[expect(
    unused_qualifications,
    reason = "the `#[server]` macro imports the trait; a `use` would clash"
)]
fn cancel_path() -> &'static str {
    <CancelBooking as leptos::server_fn::ServerFn>::PATH
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

/// The id of the line that reports a cancellation; focus moves there once
/// the dialog closes, since the button that opened it goes away.
pub(crate) const CANCEL_STATUS_ID: &str = "cancel-status";

/// The line that reports a cancellation (see [`CANCEL_STATUS_ID`]).
#[component]
pub(crate) fn CancelStatus(cancelled: RwSignal<u32>) -> impl IntoView {
    view! {
        <p id=CANCEL_STATUS_ID role="status" tabindex="-1"
            class=move || { if cancelled.get() > 0 { "alert success" } else { "" } }>
            {move || { (cancelled.get() > 0).then_some("Booking cancelled. Its rooms are back on sale.") }}
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
    let cancelled = RwSignal::new(0_u32);
    let bookings = Resource::new(
        move || (cancelled.get(), cursor.get()),
        |(_, cursor)| {
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
            <CancelStatus cancelled />
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
                                    <BookingList bookings=upcoming today=window.today on_cancel=cancelled
                                        empty="No upcoming stays. Time to plan one?" />
                                </section>
                                <section aria-labelledby="past">
                                    <h2 id="past">"Past"</h2>
                                    <BookingList bookings=past today=window.today on_cancel=cancelled
                                        empty="No past stays yet." />
                                </section>
                                <section aria-labelledby="cancelled">
                                    <h2 id="cancelled">"Cancelled"</h2>
                                    <BookingList bookings=cancelled_list today=window.today on_cancel=cancelled
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
/// the page reloads with the units given back, and focus moves to the
/// page's [`CancelStatus`] line (the button itself goes away). Admins see
/// whose booking it is (`name_guest`).
#[component]
pub(crate) fn CancelButton(
    booking: Booking,
    on_cancel: RwSignal<u32>,
    #[prop(default = false)] name_guest: bool,
) -> impl IntoView {
    let Booking {
        id,
        reference,
        room_name,
        guest_name,
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
            focus_by_id(CANCEL_STATUS_ID);
        }
    });
    // The button submits a form that cancels at once before the WASM
    // arrives; with it, the dialog asks first.
    let open = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if let Some(dialog) = dialog.get() {
            let _ = dialog.show_modal();
        }
    };
    let title_id = format!("cancel-title-{id}");
    let labelled_by = title_id.clone();
    let whose = if name_guest {
        format!("{guest_name}'s booking {reference}: ")
    } else {
        format!("Booking {reference}: ")
    };
    let button_label = if name_guest {
        format!("Cancel {guest_name}'s booking")
    } else {
        "Cancel booking".to_owned()
    };
    view! {
        <form class="inline-form" method="post" action=cancel_path() on:submit=open>
            <input type="hidden" name="id" value=id.to_string() />
            <button type="submit" class="button danger small">
                {button_label}
            </button>
        </form>
        <dialog class="dialog" node_ref=dialog aria-labelledby=labelled_by>
            <h2 id=title_id>{if name_guest { format!("Cancel {guest_name}'s booking?") } else { "Cancel this booking?".to_owned() }}</h2>
            <p>
                {format!(
                    "{whose}{}, {} – {}. The rooms go back on sale and this cannot be undone.",
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
/// It can be cancelled here too.
#[component]
pub(crate) fn BookingPage() -> impl IntoView {
    let query = use_query_map();
    let just_booked = move || query.with(|q| q.get("new").is_some());
    let cancelled = RwSignal::new(0_u32);
    let booking = crate::pages::by_path_id(get_booking);
    // Reloaded after a cancel: the page then shows the new status.
    Effect::new(move |previous: Option<u32>| {
        let now = cancelled.get();
        if previous.is_some_and(|previous| previous != now) {
            booking.refetch();
        }
        now
    });
    let window = Resource::new(|| (), |()| get_booking_window());
    let user = UserContext::get();
    view! {
        <Title text="Booking" />
        <div class="page narrow">
            <CancelStatus cancelled />
            <Transition fallback=|| view! { <p class="loading">"Loading the booking…"</p> }>
                {move || Suspend::new(async move {
                    let admin = matches!(user.0.await, Ok(Some(User { role: Role::Admin, .. })));
                    match (booking.await, window.await) {
                        (Ok(booking), Ok(window)) => {
                            let cancellable = booking.status == BookingStatus::Confirmed
                                && (admin || booking.check_in > window.today);
                            view! { <BookingDetails booking just_booked=just_booked() cancellable admin cancelled /> }.into_any()
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
    cancelled: RwSignal<u32>,
) -> impl IntoView {
    let heading = if just_booked && booking.status == BookingStatus::Confirmed {
        "Your booking is confirmed"
    } else if admin {
        "Booking"
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
    let confirmed = booking.status == BookingStatus::Confirmed;
    let cancel = cancellable.then(|| {
        view! {
            <div class="form-actions">
                <CancelButton booking=booking.clone() on_cancel=cancelled name_guest=admin />
            </div>
        }
    });
    view! {
        <section class="confirmation stack" class:cancelled=!confirmed aria-labelledby="booking-title">
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
