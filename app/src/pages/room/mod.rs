//! A room: its description, a month-by-month availability calendar
//! ([`calendar`]), and the booking form the calendar fills
//! ([`booking_panel`]).
//!
//! The stay being chosen lives in signals shared by both and is mirrored
//! into the address (replacing the history entry), so a reload, a shared
//! link or the way back from signing in shows the same stay.

mod booking_panel;
mod calendar;
mod overlap;

use chrono::{Datelike, Months, NaiveDate};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_location, use_navigate, use_query_map},
};
use shared_schema::{
    dto::Booking, form::SearchForm, inventory::NightAvailability, rooms::Room, stay::BookingWindow,
};
use uuid::Uuid;

use self::{booking_panel::BookingPanel, calendar::Calendar};
use crate::{
    AppError,
    components::ErrorAlert,
    format::money,
    pages::search::{get_booking_window, search_to_query},
    query::with_query,
};

/// An active room.
#[server(endpoint = "room")]
pub async fn get_room(id: Uuid) -> Result<Room, AppError> {
    crate::backend::serve(|backend, caller| async move { backend.room(&caller, id).await }).await
}

/// The room's nights `[from, to)`.
#[server(endpoint = "room_calendar")]
pub async fn room_calendar(
    id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NightAvailability>, AppError> {
    crate::backend::serve(
        |backend, caller| async move { backend.calendar(&caller, id, from, to).await },
    )
    .await
}

/// Books the stay in `form` for the signed-in user. The form is checked with
/// the same parser the page uses, then as a `NewBooking` by the use case.
/// `form_key` is the form's own key (see [`FORM_KEY`]): posted again, the
/// same form and stay answer the booking the first post made.
///
/// Posted by the plain form (before the WASM arrives), it redirects to the
/// booking's page, or back to the room with the stay as typed, the error and
/// a new form key (a refused post booked nothing: trying again is a new
/// request).
#[server(endpoint = "book")]
pub async fn book(
    room_id: Uuid,
    form: SearchForm,
    #[server(default)] form_key: String,
) -> Result<Booking, AppError> {
    let post = crate::form_post::FormPost::current();
    let typed = form.clone();
    let result = crate::backend::serve(|backend, caller| async move {
        let search = form
            .parse(&backend.booking_window().await)
            .map_err(AppError::Invalid)?;
        let booking = shared_schema::booking::NewBooking {
            room_id,
            check_in: search.check_in,
            check_out: search.check_out,
            guests: search.guests,
            units: search.units,
        };
        let form_key = Some(form_key).filter(|key| !key.is_empty());
        backend.book(&caller, booking, form_key).await
    })
    .await;
    post.answer_or_back_to(
        result,
        |booking| Some(format!("/bookings/{}?new=1", booking.id)),
        book_path(),
        || room_href(room_id, &typed, &new_form_key()),
    )
}

/// The name of the booking form's key in the form and in the room page's
/// address: kept there, Back to the page and Confirm again post the same
/// key, so they land on the booking already made.
pub(crate) const FORM_KEY: &str = "form_key";

/// A room page's address with a stay and a form key.
#[cfg(feature = "ssr")]
fn room_href(room_id: Uuid, form: &SearchForm, form_key: &str) -> String {
    room_href_at(&format!("/rooms/{room_id}"), form, form_key)
}

fn room_href_at(path: &str, form: &SearchForm, form_key: &str) -> String {
    let query = search_to_query(form);
    let key = crate::query::query_string([(FORM_KEY, form_key)]);
    let query = [query, key]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("&");
    with_query(path, &query)
}

/// A new booking form key: 128 random bits (a UUID's text).
pub(crate) fn new_form_key() -> String {
    #[cfg(feature = "ssr")]
    {
        Uuid::new_v4().to_string()
    }
    #[cfg(feature = "hydrate")]
    {
        // No key (a booking without replays) rather than a guessable one.
        let mut bytes = [0_u8; 16];
        let random = web_sys::window()
            .and_then(|window| window.crypto().ok())
            .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
        if random {
            uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .to_string()
        } else {
            String::new()
        }
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        String::new()
    }
}

#[expect(
    unused_qualifications,
    reason = "the `#[server]` macro imports the trait; a `use` would clash"
)]
pub(crate) fn book_path() -> &'static str {
    <Book as leptos::server_fn::ServerFn>::PATH
}

#[component]
pub(crate) fn RoomPage() -> impl IntoView {
    let room = crate::pages::by_path_id(get_room);
    let window = Resource::new(|| (), |()| get_booking_window());

    let user = crate::session::UserContext::get();

    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the room…"</p> }>
            {move || Suspend::new(async move {
                let signed_in = matches!(user.0.await, Ok(Some(_)));
                match (room.await, window.await) {
                    (Ok(room), Ok(window)) => {
                        give_form_a_key(signed_in, room.id);
                        view! { <RoomView room window /> }.into_any()
                    }
                    (Err(AppError::NotFound), _) => view! { <crate::pages::NotFound /> }.into_any(),
                    (Err(error), _) | (_, Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A signed-in guest's first request for the room page, without a form
/// key in its address, is sent to the same address with a new one: that
/// address is the history entry Back returns to, so the page shown again
/// (the server renders it again: personal pages are not stored) posts the
/// same key. In the browser, the page puts a key into the address itself
/// (see [`RoomView`]).
fn give_form_a_key(signed_in: bool, room_id: Uuid) {
    #[cfg(feature = "ssr")]
    {
        let query = use_query_map().get_untracked();
        if signed_in && query.get(FORM_KEY).is_none_or(|key| key.is_empty()) {
            let form = SearchForm {
                check_in: query.get("check_in").unwrap_or_default(),
                check_out: query.get("check_out").unwrap_or_default(),
                guests: query.get("guests").unwrap_or_default(),
                units: query.get("units").unwrap_or_default(),
            };
            leptos_axum::redirect(&room_href(room_id, &form, &new_form_key()));
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = (signed_in, room_id);
}

/// The stay being chosen, shared by the calendar and the form, and the
/// form's key (see [`FORM_KEY`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Stay {
    check_in: RwSignal<String>,
    check_out: RwSignal<String>,
    guests: RwSignal<String>,
    units: RwSignal<String>,
    form_key: RwSignal<String>,
}

impl Stay {
    fn form(self) -> SearchForm {
        SearchForm {
            check_in: self.check_in.get(),
            check_out: self.check_out.get(),
            guests: self.guests.get(),
            units: self.units.get(),
        }
    }

    fn form_untracked(self) -> SearchForm {
        SearchForm {
            check_in: self.check_in.get_untracked(),
            check_out: self.check_out.get_untracked(),
            guests: self.guests.get_untracked(),
            units: self.units.get_untracked(),
        }
    }

    fn dates(self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (
            self.check_in.with(|d| d.parse().ok()),
            self.check_out.with(|d| d.parse().ok()),
        )
    }

    /// Whether a click on `night` would end the stay begun by the last
    /// click (any day after its check-in can be the day of departure).
    fn ends_stay(self, night: NaiveDate) -> bool {
        matches!(self.dates(), (Some(check_in), None) if night > check_in)
    }

    /// A click on `night`: the check-out of the stay begun by the last
    /// click, or a new check-in.
    fn choose(self, night: NaiveDate) {
        if self.ends_stay(night) {
            self.check_out.set(night.to_string());
        } else {
            self.check_in.set(night.to_string());
            self.check_out.set(String::new());
        }
    }
}

#[component]
fn RoomView(room: Room, window: BookingWindow) -> impl IntoView {
    let query = use_query_map();
    let value = move |key: &str| query.with_untracked(|q| q.get(key)).unwrap_or_default();
    let or = |value: String, default: &str| {
        if value.is_empty() {
            default.to_owned()
        } else {
            value
        }
    };
    let stay = Stay {
        check_in: RwSignal::new(value("check_in")),
        check_out: RwSignal::new(value("check_out")),
        guests: RwSignal::new(or(value("guests"), "1")),
        units: RwSignal::new(or(value("units"), "1")),
        form_key: RwSignal::new(value(FORM_KEY)),
    };
    // A page opened without a key (from a search result, in the browser)
    // makes one; the address keeps it.
    Effect::new(move || {
        if stay.form_key.with(String::is_empty) {
            stay.form_key.set(new_form_key());
        }
    });
    // Fields the address filled: a wrong value there (a past date) is
    // pointed out at once, not after the guest touches it.
    let from_address: Vec<&'static str> = ["check_in", "check_out", "guests", "units"]
        .into_iter()
        .filter(|key| !value(key).is_empty())
        .collect();
    keep_stay_in_address(stay);

    let first_month = stay
        .dates()
        .0
        .unwrap_or(window.today)
        .with_day(1)
        .unwrap_or(window.today);
    let month = RwSignal::new(first_month);
    let room_id = room.id;
    let nights = Resource::new(
        move || month.get(),
        move |month| {
            // Two months: both show side by side on wide screens.
            let to = month + Months::new(2);
            room_calendar(room_id, month.max(window.today), to)
        },
    );

    view! {
        <Title text=room.name.clone() />
        <div class="page">
            <div class="page-header">
                <h1>{room.name.clone()}</h1>
                <p class="muted">
                    {format!("Sleeps {} · from {} a night", room.capacity, money(room.price_cents, &room.currency))}
                </p>
            </div>
            <crate::pages::photos::RoomGallery room_id=room.id />
            <p class="description">{room.description.clone()}</p>
            // Its own boundary: a month's nights loading again (another month
            // shown, or after a refused booking) keeps the page as it is
            // instead of falling back to the page's loading state.
            <Transition fallback=|| view! { <p class="loading">"Loading availability…"</p> }>
                <div class="room-layout">
                    <Calendar month nights stay window currency=room.currency.clone() />
                    <BookingPanel room=room.clone() window stay nights from_address=from_address.clone() />
                </div>
            </Transition>
        </div>
    }
}

/// Mirrors the stay into the address bar, replacing the history entry:
/// Back still leaves the page, and the address always shows the stay.
fn keep_stay_in_address(stay: Stay) {
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move || {
        let form_key = stay.form_key.get();
        let target = room_href_at(&location.pathname.get_untracked(), &stay.form(), &form_key);
        let here = with_query(
            &location.pathname.get_untracked(),
            &location.search.get_untracked(),
        );
        if target != here {
            navigate(
                &target,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..NavigateOptions::default()
                },
            );
        }
    });
}
