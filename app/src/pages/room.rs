//! A room: its description, a month-by-month availability calendar, and
//! the booking form the calendar fills.
//!
//! The calendar is an ARIA grid: one tab stop (the focused night), arrow
//! keys move by day and week, Home/End to the week's ends, Page Up/Down by
//! month; every night's accessible name says its date, state and price.
//! Choosing a night sets check-in, a later one check-out; the form's date
//! fields are the same signals, so typing a date moves the selection too.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};
use shared_schema::{
    dto::Booking, form::SearchForm, inventory::NightAvailability, rooms::Room, search::RoomSearch,
    stay::BookingWindow,
};
use uuid::Uuid;

use crate::{
    AppError,
    components::{Checks, ErrorAlert, FormFooter, Input, StayLimits},
    format::{long_date, money, plural},
    pages::search::{get_booking_window, search_to_query},
    session::{UserContext, auth_href},
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
#[server(endpoint = "book")]
pub async fn book(room_id: Uuid, form: SearchForm) -> Result<Booking, AppError> {
    crate::backend::serve(|backend, caller| async move {
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
        backend.book(&caller, booking).await
    })
    .await
}

#[component]
pub(crate) fn RoomPage() -> impl IntoView {
    let room = crate::pages::by_path_id(get_room);
    let window = Resource::new(|| (), |()| get_booking_window());

    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the room…"</p> }>
            {move || Suspend::new(async move {
                match (room.await, window.await) {
                    (Ok(room), Ok(window)) => view! { <RoomView room window /> }.into_any(),
                    (Err(AppError::NotFound), _) => view! { <crate::pages::NotFound /> }.into_any(),
                    (Err(error), _) | (_, Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The stay being chosen, shared by the calendar and the form.
#[derive(Debug, Clone, Copy)]
struct Stay {
    check_in: RwSignal<String>,
    check_out: RwSignal<String>,
    guests: RwSignal<String>,
    units: RwSignal<String>,
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

    /// A click on `night`: a new check-in, or the check-out of the stay
    /// begun by the last click.
    fn choose(self, night: NaiveDate) {
        match self.dates() {
            (Some(check_in), None) if night > check_in => self.check_out.set(night.to_string()),
            _ => {
                self.check_in.set(night.to_string());
                self.check_out.set(String::new());
            }
        }
    }
}

#[component]
fn RoomView(room: Room, window: BookingWindow) -> impl IntoView {
    let query = use_query_map();
    let value = move |key: &str| query.with_untracked(|q| q.get(key)).unwrap_or_default();
    let stay = Stay {
        check_in: RwSignal::new(value("check_in")),
        check_out: RwSignal::new(value("check_out")),
        guests: RwSignal::new(
            Some(value("guests"))
                .filter(|g| !g.is_empty())
                .unwrap_or_else(|| "1".to_owned()),
        ),
        units: RwSignal::new(
            Some(value("units"))
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| "1".to_owned()),
        ),
    };
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
            let to = month + Months::new(1);
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
            <p class="description">{room.description.clone()}</p>
            // Its own boundary: a month's nights loading again (another month
            // shown, or after a refused booking) keeps the page as it is
            // instead of falling back to the page's loading state.
            <Transition fallback=|| view! { <p class="loading">"Loading availability…"</p> }>
                <div class="room-layout">
                    <Calendar month nights stay window currency=room.currency.clone() />
                    <BookingPanel room=room.clone() window stay nights />
                </div>
            </Transition>
        </div>
    }
}

/// Per-night data of the loaded month, by date.
fn night_on(nights: &[NightAvailability], date: NaiveDate) -> Option<&NightAvailability> {
    nights
        .binary_search_by_key(&date, |night| night.night)
        .ok()
        .map(|index| &nights[index])
}

#[component]
fn Calendar(
    month: RwSignal<NaiveDate>,
    nights: Resource<Result<Vec<NightAvailability>, AppError>>,
    stay: Stay,
    window: BookingWindow,
    currency: String,
) -> impl IntoView {
    let focused = RwSignal::new(stay.dates().0.unwrap_or(window.today));
    let first_month = window.today.with_day(1).unwrap_or(window.today);
    // The last check-out day is the day after the last night.
    let last_month = window.end().with_day(1).unwrap_or(first_month);
    // The nights of the month on show; `None` while they load (the resource
    // still holds the previous month's then).
    let loaded = move || {
        let nights = nights.get()?.ok().unwrap_or_default();
        let shown = month.get();
        let current = nights
            .first()
            .is_none_or(|first| first.night.with_day(1) == Some(shown));
        current.then_some(nights)
    };

    let move_focus = move |date: NaiveDate| {
        let date = date.clamp(window.today, window.end());
        focused.set(date);
        month.set(date.with_day(1).unwrap_or(date));
        focus_night(date);
    };
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        let current = focused.get_untracked();
        let target = match event.key().as_str() {
            "ArrowLeft" => current.pred_opt(),
            "ArrowRight" => current.succ_opt(),
            "ArrowUp" => current.checked_sub_days(Days::new(7)),
            "ArrowDown" => current.checked_add_days(Days::new(7)),
            "Home" => {
                current.checked_sub_days(Days::new(current.weekday().num_days_from_monday().into()))
            }
            "End" => current.checked_add_days(Days::new(
                (6 - current.weekday().num_days_from_monday()).into(),
            )),
            "PageUp" => current.checked_sub_months(Months::new(1)),
            "PageDown" => current.checked_add_months(Months::new(1)),
            _ => return,
        };
        event.prevent_default();
        if let Some(target) = target {
            move_focus(target);
        }
    };
    let show_month = move |delta: i32| {
        let next = if delta < 0 {
            month.get_untracked() - Months::new(1)
        } else {
            month.get_untracked() + Months::new(1)
        };
        month.set(next.clamp(first_month, last_month));
        focused.set(month.get_untracked().max(window.today));
    };

    view! {
        <section class="calendar" aria-labelledby="calendar-title">
            <div class="calendar-nav">
                <button type="button" class="button secondary small"
                    disabled=move || { month.get() <= first_month }
                    on:click=move |_| show_month(-1)>
                    <span aria-hidden="true">"‹"</span><span class="visually-hidden">"Previous month"</span>
                </button>
                <h2 id="calendar-title" aria-live="polite">{move || month.get().format("%B %Y").to_string()}</h2>
                <button type="button" class="button secondary small"
                    disabled=move || { month.get() >= last_month }
                    on:click=move |_| show_month(1)>
                    <span aria-hidden="true">"›"</span><span class="visually-hidden">"Next month"</span>
                </button>
            </div>
            <p class="muted hint">"Choose your check-in night, then your check-out day. Arrow keys move between nights."</p>
            <table class="month" role="grid" aria-labelledby="calendar-title" on:keydown=on_keydown
                aria-busy=move || loaded().is_none().to_string()>
                <thead>
                    <tr>
                        {[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun]
                            .into_iter()
                            .map(|day| {
                                let short = format!("{day}");
                                view! { <th scope="col" abbr=weekday_name(day)>{short}</th> }
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        let (nights, loading) = match loaded() {
                            Some(nights) => (nights, false),
                            None => (Vec::new(), true),
                        };
                        let currency = currency.clone();
                        weeks(month.get())
                            .into_iter()
                            .map(|week| {
                                let currency = currency.clone();
                                let cells = week
                                    .into_iter()
                                    .map(|date| match date {
                                        None => view! { <td class="night empty"></td> }.into_any(),
                                        Some(date) => view! {
                                            {night_cell(date, night_on(&nights, date), loading, stay, window, focused, &currency)}
                                        }
                                        .into_any(),
                                    })
                                    .collect_view();
                                view! { <tr>{cells}</tr> }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
            {move || nights.get().and_then(Result::err).map(|error| view! { <ErrorAlert error /> })}
        </section>
    }
}

/// What a night can be for a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NightState {
    Past,
    Free(i32),
    Full,
    Closed,
    Loading,
    Unknown,
}

impl NightState {
    fn of(
        date: NaiveDate,
        night: Option<&NightAvailability>,
        loading: bool,
        window: BookingWindow,
    ) -> Self {
        match night {
            _ if date < window.today => Self::Past,
            None if loading => Self::Loading,
            None => Self::Unknown,
            Some(night) if night.closed => Self::Closed,
            Some(night) if night.free <= 0 => Self::Full,
            Some(night) => Self::Free(night.free),
        }
    }

    fn class(self) -> &'static str {
        match self {
            Self::Past => "past",
            Self::Free(_) => "free",
            Self::Full => "full",
            Self::Closed => "closed",
            Self::Loading => "loading",
            Self::Unknown => "unknown",
        }
    }

    fn describe(self) -> String {
        match self {
            Self::Past => "past".to_owned(),
            Self::Free(left) => format!("available, {left} left"),
            Self::Full => "sold out".to_owned(),
            Self::Closed => "closed".to_owned(),
            Self::Loading => "checking availability".to_owned(),
            Self::Unknown => "not bookable".to_owned(),
        }
    }
}

/// One night of the grid: a button whose accessible name says everything
/// the cell shows (and the state its colour shows).
fn night_cell(
    date: NaiveDate,
    night: Option<&NightAvailability>,
    loading: bool,
    stay: Stay,
    window: BookingWindow,
    focused: RwSignal<NaiveDate>,
    currency: &str,
) -> impl IntoView + use<> {
    let state = NightState::of(date, night, loading, window);
    let price = night.map(|night| money(night.price_cents, currency));
    let label = format!(
        "{}, {}{}",
        long_date(date),
        state.describe(),
        price
            .as_ref()
            .map(|p| format!(", {p} a night"))
            .unwrap_or_default()
    );
    let in_stay = move || match stay.dates() {
        (Some(check_in), Some(check_out)) => date >= check_in && date < check_out,
        (Some(check_in), None) => date == check_in,
        _ => false,
    };
    let is_check_out = move || stay.dates().1 == Some(date);
    let class = move || {
        let mut class = format!("night {}", state.class());
        if in_stay() {
            class.push_str(" selected");
        }
        if stay.dates().0 == Some(date) {
            class.push_str(" range-start");
        }
        if is_check_out() {
            class.push_str(" range-end");
        }
        class
    };
    let selectable = (window.today..=window.end()).contains(&date);
    view! {
        <td role="gridcell" aria-selected=move || (in_stay() || is_check_out()).to_string()>
            <button type="button" class=class data-date=date.to_string() aria-label=label
                tabindex=move || if focused.get() == date { "0" } else { "-1" }
                aria-disabled=(!selectable).to_string()
                on:focus=move |_| focused.set(date)
                on:click=move |_| if selectable { stay.choose(date) }>
                <span class="day" aria-hidden="true">{date.day()}</span>
                <span class="night-price" aria-hidden="true">{price.unwrap_or_default()}</span>
            </button>
        </td>
    }
}

/// The month's weeks, Monday first, padded with `None`.
fn weeks(month: NaiveDate) -> Vec<Vec<Option<NaiveDate>>> {
    let lead = month.weekday().num_days_from_monday() as usize;
    let days = month
        .iter_days()
        .take_while(|day| day.month() == month.month())
        .map(Some);
    let mut cells: Vec<Option<NaiveDate>> = std::iter::repeat_n(None, lead).chain(days).collect();
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    cells.chunks(7).map(<[_]>::to_vec).collect()
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// Moves keyboard focus to a night's button once the grid shows it.
fn focus_night(date: NaiveDate) {
    request_animation_frame(move || {
        use leptos::wasm_bindgen::JsCast;
        let button = document()
            .query_selector(&format!("button[data-date='{date}']"))
            .ok()
            .flatten()
            .and_then(|element| element.dyn_into::<leptos::web_sys::HtmlElement>().ok());
        if let Some(button) = button {
            let _ = button.focus();
        }
    });
}

/// The booking form and its summary.
#[component]
fn BookingPanel(
    room: Room,
    window: BookingWindow,
    stay: Stay,
    nights: Resource<Result<Vec<NightAvailability>, AppError>>,
) -> impl IntoView {
    let user = UserContext::get();
    let capacity = room.capacity;
    // The same rules as the server: the stay's, then whether the party fits.
    let checks = Checks::new(move || match stay.form().parse(&window) {
        Ok(search) => {
            let mut errors = shared_schema::errors::FieldErrors::new();
            if let Err(message) =
                shared_schema::stay::check_capacity(capacity, search.units, search.guests)
            {
                errors.push("guests", message);
            }
            errors
        }
        Err(errors) => errors,
    });
    let room_id = room.id;
    let action = Action::new(move |(): &()| book(room_id, stay.form()));
    // Keyed on what changes the price and the nights: dates and rooms.
    let quote = Resource::new(
        move || {
            stay.form().parse(&window).ok().map(|search| RoomSearch {
                guests: 1,
                ..search
            })
        },
        move |search| async move {
            let search = search?;
            let nights = room_calendar(room_id, search.check_in, search.check_out)
                .await
                .ok()?;
            Some((search, nights))
        },
    );
    let navigate = use_navigate();
    Effect::new(move || match action.value().get() {
        Some(Ok(booking)) => navigate(
            &format!("/bookings/{}?new=1", booking.id),
            NavigateOptions::default(),
        ),
        // Nights went meanwhile: show the calendar and the stay as they are now.
        Some(Err(AppError::Conflict(_))) => {
            nights.refetch();
            quote.refetch();
        }
        _ => {}
    });
    let on_submit = checks.submit(action);
    // The sold-out answer, for as long as the form still asks for that stay.
    let refused_form = RwSignal::new(None::<SearchForm>);
    Effect::new(move || {
        if let Some(Err(AppError::Conflict(_))) = action.value().get() {
            refused_form.set(Some(stay.form_untracked()));
        }
    });
    let sold_out = move || match action.value().get() {
        Some(Err(AppError::Conflict(conflict)))
            if refused_form.get().as_ref() == Some(&stay.form()) =>
        {
            Some(conflict)
        }
        _ => None,
    };
    let limits = StayLimits::of(window);
    let currency = room.currency.clone();

    view! {
        <aside class="booking-panel" aria-labelledby="book-title">
            <h2 id="book-title">"Book this room"</h2>
            <form class="stack" novalidate on:submit=on_submit>
                <div class="form-grid">
                    <Input id="check_in" label="Check-in" value=stay.check_in checks kind="date"
                        min=limits.first_check_in max=limits.last_check_in />
                    <Input id="check_out" label="Check-out" value=stay.check_out checks kind="date"
                        min=limits.first_check_out max=limits.last_check_out />
                    <Input id="guests" label="Guests" value=stay.guests checks kind="number" inputmode="numeric" min="1"
                        hint=if capacity == 1 { "1 guest per room" } else { "Guests in all rooms together" } />
                    <Input id="units" label="Rooms" value=stay.units checks kind="number" inputmode="numeric" min="1" />
                </div>
                <div>
                    <Summary quote currency
                        sold_out=Signal::derive(move || sold_out().is_some()) />
                </div>
                {move || sold_out().map(|conflict| view! { <SoldOut conflict form=stay.form() /> })}
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.0.await {
                            Ok(Some(_)) => view! { <FormFooter action label="Confirm booking" shows_conflicts=true /> }.into_any(),
                            _ => view! {
                                <p class="alert">
                                    <A href=auth_href("/login")>"Sign in"</A>" or "<A href=auth_href("/register")>"create an account"</A>" to book."
                                </p>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </form>
        </aside>
    }
}

/// A stay's nights as the server has them now, for the summary.
type Quote = Option<(RoomSearch, Vec<NightAvailability>)>;

/// Nights, rooms and the total of the chosen stay, with the nights that
/// cannot be booked named before the guest confirms. The server computes
/// the binding total again when booking.
#[component]
fn Summary(
    quote: Resource<Quote>,
    currency: String,
    /// The sold-out message already names the nights.
    sold_out: Signal<bool>,
) -> impl IntoView {
    move || {
        let (search, nights) = quote.get().flatten()?;
        let units = search.units;
        let total: i64 =
            nights.iter().map(|night| night.price_cents).sum::<i64>() * i64::from(units);
        let complete = i64::try_from(nights.len()).ok() == Some(search.nights());
        let unavailable: Vec<String> = nights
            .iter()
            .filter(|night| night.closed || night.free < units)
            .map(|night| long_date(night.night))
            .collect();
        let total = if complete {
            money(total, &currency)
        } else {
            "not bookable for all these nights".to_owned()
        };
        Some(view! {
            <dl class="summary">
                <dt>"Stay"</dt>
                <dd>{format!("{} – {}", long_date(search.check_in), long_date(search.check_out))}</dd>
                <dt>"Nights"</dt>
                <dd>{plural(search.nights(), "night", "nights")}</dd>
                <dt>"Rooms"</dt>
                <dd>{units}</dd>
                <dt>"Total"</dt>
                <dd class="total-line" aria-live="polite">{total}</dd>
            </dl>
            {(!unavailable.is_empty() && !sold_out.get()).then(|| view! {
                <p class="alert warning">
                    {format!("Not enough rooms free on {}. Choose other dates or fewer rooms.", unavailable.join(", "))}
                </p>
            })}
        })
    }
}

/// The stay sold out between page load and confirmation.
#[component]
fn SoldOut(conflict: crate::error::Conflict, form: SearchForm) -> impl IntoView {
    let nights = conflict
        .nights
        .iter()
        .map(|night| view! { <li>{long_date(*night)}</li> })
        .collect_view();
    view! {
        <div class="alert warning sold-out" role="alert">
            <p>{conflict.message}</p>
            <ul>{nights}</ul>
            <A href=format!("/?{}", search_to_query(&form))>"Search other rooms for these dates"</A>
        </div>
    }
}
