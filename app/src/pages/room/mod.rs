//! A room: its description, a month-by-month availability calendar
//! ([`calendar`]), and the booking form the calendar fills
//! ([`booking_panel`]).
//!
//! The calendar and the form are one island ([`RoomIsland`]): everything
//! they show comes with the page (the room's nights over the whole booking
//! window, the guest's own stays), so choosing a stay asks the server
//! nothing, and Confirm is the plain form post that works without WASM.
//! The stay being chosen lives in signals shared by both and is mirrored
//! into the address (replacing the history entry), so a reload, a shared
//! link or the way back from signing in shows the same stay.

mod booking_panel;
mod calendar;
mod overlap;

use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};
use shared_schema::{
    dto::Booking, form::SearchForm, inventory::NightAvailability, rooms::Room, stay::BookingWindow,
};
use uuid::Uuid;

use self::{booking_panel::BookingPanel, calendar::Calendar, overlap::OwnStay};
use crate::{
    AppError,
    components::ErrorAlert,
    format::money,
    island::{Island, island},
    pages::search::search_to_query,
    query::with_query,
};

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

pub(crate) fn book_path() -> &'static str {
    crate::form_post::post_path::<Book>()
}

/// Everything the room page shows, in one request: the room, its nights
/// over the whole booking window (the calendar pages through them without
/// asking again) and, for a signed-in guest, their own confirmed stays in
/// that window (for the overlap warning).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomPageData {
    room: Room,
    window: BookingWindow,
    nights: Vec<NightAvailability>,
    signed_in: bool,
    own: Vec<OwnStay>,
}

/// The room page's data for the room `id`.
#[server(endpoint = "room_page")]
pub async fn room_page(id: Uuid) -> Result<RoomPageData, AppError> {
    use shared_schema::{booking::BookingFilter, dto::BookingStatus};
    crate::backend::serve(|backend, caller| async move {
        let room = backend.room(&caller, id).await?;
        let window = backend.booking_window().await;
        let nights = backend
            .calendar(&caller, id, window.today, window.end())
            .await?;
        let own_stays = BookingFilter {
            from: Some(window.today),
            to: Some(window.end()),
            status: Some(BookingStatus::Confirmed),
            limit: Some(shared_schema::booking::MAX_LIST_LIMIT),
            ..BookingFilter::default()
        };
        // The guest's own stays also say whether anyone is signed in (the
        // session is read once per request): no account query of its own.
        let (signed_in, own) = match backend.bookings(&caller, own_stays, true).await {
            Ok(page) => (true, page.bookings.iter().map(OwnStay::of).collect()),
            Err(AppError::Unauthenticated) => (false, Vec::new()),
            Err(error) => return Err(error),
        };
        Ok(RoomPageData {
            room,
            window,
            nights,
            signed_in,
            own,
        })
    })
    .await
}

/// The room of the address. Its data is loaded by a plain future, not a
/// resource: the server renders the page and the island carries what the
/// browser needs (ADR 0018), so nothing is serialized for a whole-page
/// hydration that never happens here (the guest bundle only renders this
/// page after a client-side navigation, and then loads it itself).
#[component]
pub(crate) fn RoomPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok()));
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the room…"</p> }>
            {move || Suspend::new(room_view(id()))}
        </Suspense>
    }
}

/// The page of the room `id`, once loaded.
async fn room_view(id: Option<Uuid>) -> AnyView {
    let data = match id {
        Some(id) => room_page(id).await,
        None => Err(AppError::NotFound),
    };
    match data {
        Ok(data) => {
            give_form_a_key(data.signed_in, data.room.id);
            view! { <RoomView data /> }.into_any()
        }
        Err(AppError::NotFound) => view! { <crate::pages::NotFound /> }.into_any(),
        Err(error) => view! { <ErrorAlert error /> }.into_any(),
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
            self.check_in.with(|d| shared_schema::date::parse(d)),
            self.check_out.with(|d| shared_schema::date::parse(d)),
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

/// The room page: what the server renders once (name, photos,
/// description) and the [`RoomIsland`] guests choose and book a stay in.
#[component]
fn RoomView(data: RoomPageData) -> impl IntoView {
    let RoomPageData {
        room,
        window,
        nights,
        signed_in,
        own,
    } = data;
    let query = use_query_map().get_untracked();
    let value = |key: &str| query.get(key).unwrap_or_default();
    let booking = RoomIsland {
        room: room.clone(),
        window,
        nights,
        signed_in,
        own,
        stay: SearchForm {
            check_in: value("check_in"),
            check_out: value("check_out"),
            guests: value("guests"),
            units: value("units"),
        },
        form_key: value(FORM_KEY),
        posted: crate::form_post::posted_error(book_path()),
    };
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
            {island(booking)}
        </div>
    }
}

/// The calendar and the booking form, hydrated on their own by the
/// guest bundle: everything they need is here, nothing is fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RoomIsland {
    room: Room,
    window: BookingWindow,
    /// The room's nights over the booking window, by date.
    nights: Vec<NightAvailability>,
    signed_in: bool,
    /// The guest's confirmed stays in the booking window.
    own: Vec<OwnStay>,
    /// The stay as the address has it (empty fields where it has none).
    stay: SearchForm,
    form_key: String,
    /// The answer to a plain post of the booking form, back on this page.
    posted: Option<AppError>,
}

impl Island for RoomIsland {
    const NAME: &'static str = "room";

    fn render(self) -> AnyView {
        let Self {
            room,
            window,
            nights,
            signed_in,
            own,
            stay: typed,
            form_key,
            posted,
        } = self;
        let or_one = |value: &str| {
            if value.is_empty() {
                "1".to_owned()
            } else {
                value.to_owned()
            }
        };
        let stay = Stay {
            check_in: RwSignal::new(typed.check_in.clone()),
            check_out: RwSignal::new(typed.check_out.clone()),
            guests: RwSignal::new(or_one(&typed.guests)),
            units: RwSignal::new(or_one(&typed.units)),
            form_key: RwSignal::new(form_key),
        };
        // A page opened without a key (from a search result, in the
        // browser) makes one; the address keeps it.
        Effect::new(move || {
            if stay.form_key.with(String::is_empty) {
                stay.form_key.set(new_form_key());
            }
        });
        // Fields the address filled: a wrong value there (a past date) is
        // pointed out at once, not after the guest touches it.
        let from_address: Vec<&'static str> = [
            ("check_in", &typed.check_in),
            ("check_out", &typed.check_out),
            ("guests", &typed.guests),
            ("units", &typed.units),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, _)| key)
        .collect();
        let path = format!("/rooms/{}", room.id);
        keep_stay_in_address(stay, path.clone());

        let first_month = stay
            .dates()
            .0
            .unwrap_or(window.today)
            .with_day(1)
            .unwrap_or(window.today);
        let month = RwSignal::new(first_month);
        let nights = StoredValue::new(nights);
        let own = StoredValue::new(own);
        let currency = room.currency.clone();
        let panel = booking_panel::Panel {
            room,
            window,
            stay,
            nights,
            own,
            signed_in,
            path,
            posted,
        };
        view! {
            <div class="room-layout">
                <Calendar month nights stay window currency />
                <BookingPanel panel from_address />
            </div>
        }
        .into_any()
    }
}

/// Mirrors the stay into the address bar, replacing the history entry:
/// Back still leaves the page, and the address always shows the stay.
fn keep_stay_in_address(stay: Stay, path: String) {
    Effect::new(move || {
        let target = room_href_at(&path, &stay.form(), &stay.form_key.get());
        let location = window().location();
        let here = format!(
            "{}{}",
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default()
        );
        if target != here
            && let Ok(history) = window().history()
        {
            // Only the address changes: a failure leaves it as it was.
            history
                .replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(&target))
                .ok();
        }
    });
}
