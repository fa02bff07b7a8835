//! The room's calendar: two months side by side on wide screens, one on
//! phones, each an ARIA grid; one tab stop (the focused night) for both;
//! arrow keys move by day and week, Home/End to the week's ends, Page
//! Up/Down by month. Each night's accessible name is its visible text
//! (day, price or state) completed by hidden words (weekday, month, what is
//! left), so what a speech user reads out is part of the name.
//!
//! A closed or sold-out night cannot start a stay; it can still be the day
//! of departure, which is not a night of the stay.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use leptos::prelude::*;
use shared_schema::{inventory::NightAvailability, stay::BookingWindow};

use super::Stay;
use crate::{AppError, components::ErrorAlert, format::money_compact};

/// Per-night data of the loaded month, by date.
pub(super) fn night_on(
    nights: &[NightAvailability],
    date: NaiveDate,
) -> Option<&NightAvailability> {
    nights
        .binary_search_by_key(&date, |night| night.night)
        .ok()
        .map(|index| &nights[index])
}

#[component]
pub(super) fn Calendar(
    month: RwSignal<NaiveDate>,
    nights: Resource<Result<Vec<NightAvailability>, AppError>>,
    stay: Stay,
    window: BookingWindow,
    currency: String,
) -> impl IntoView {
    let focused = RwSignal::new(stay.dates().0.unwrap_or(window.today));
    // Why the last click did not start a stay.
    let refused = RwSignal::new(None::<String>);
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

    let on_keydown = grid_keys(focused, month, window, last_month);
    let show_month = move |delta: i32| {
        let next = if delta < 0 {
            month.get_untracked() - Months::new(1)
        } else {
            month.get_untracked() + Months::new(1)
        };
        month.set(next.clamp(first_month, last_month));
        focused.set(month.get_untracked().max(window.today));
    };
    let cell = NightCell {
        stay,
        window,
        focused,
        refused,
    };

    view! {
        <section class="calendar" aria-labelledby="calendar-title">
            <div class="calendar-nav">
                <button type="button" class="button secondary small"
                    disabled=move || { month.get() <= first_month }
                    on:click=move |_| show_month(-1)>
                    <span aria-hidden="true">"‹"</span><span class="visually-hidden">"Previous month"</span>
                </button>
                <h2 id="calendar-title" aria-live="polite">
                    {move || month.get().format("%B %Y").to_string()}
                    <span class="second-month">{move || format!(" – {}", (month.get() + Months::new(1)).format("%B %Y"))}</span>
                </h2>
                <button type="button" class="button secondary small"
                    disabled=move || { month.get() >= last_month }
                    on:click=move |_| show_month(1)>
                    <span aria-hidden="true">"›"</span><span class="visually-hidden">"Next month"</span>
                </button>
            </div>
            <p class="muted hint" id="calendar-hint">
                "Choose your check-in night, then your check-out day."
                <span class="keyboard-hint">" Arrow keys move between nights."</span>
            </p>
            <div class="months">
                {month_grid(0, month, loaded, cell, on_keydown, currency.clone())}
                {month_grid(1, month, loaded, cell, on_keydown, currency)}
            </div>
            <p class="calendar-message" role="status" data-testid="calendar-message">
                {move || refused.get().map(|text| view! { <span class="alert warning">{text}</span> })}
            </p>
            <Legend />
            {move || nights.get().and_then(Result::err).map(|error| view! { <ErrorAlert error /> })}
        </section>
    }
}

/// The month `offset` months after the first one on show: its name and
/// its grid of nights.
fn month_grid(
    offset: u32,
    month: RwSignal<NaiveDate>,
    loaded: impl Fn() -> Option<Vec<NightAvailability>> + Copy + Send + Sync + 'static,
    cell: NightCell,
    on_keydown: impl Fn(leptos::ev::KeyboardEvent) + Copy + 'static,
    currency: String,
) -> impl IntoView {
    let shown = move || month.get() + Months::new(offset);
    let title_id = format!("month-title-{offset}");
    view! {
        <div class="month-block" class:second-month=offset == 1>
            <h3 class="month-name" id=title_id.clone()>{move || shown().format("%B %Y").to_string()}</h3>
            <table class="month" role="grid" aria-labelledby=title_id aria-describedby="calendar-hint"
                on:keydown=on_keydown
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
                        weeks(shown())
                            .into_iter()
                            .map(|week| {
                                let cells = week
                                    .into_iter()
                                    .map(|date| match date {
                                        None => view! { <td class="night empty"></td> }.into_any(),
                                        Some(date) => cell
                                            .view(date, night_on(&nights, date), loading, &currency)
                                            .into_any(),
                                    })
                                    .collect_view();
                                view! { <tr>{cells}</tr> }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
        </div>
    }
}

/// The grid's keys: arrows by day and week, Home/End to the week's ends,
/// Page Up/Down by month; the month on show follows the focus.
fn grid_keys(
    focused: RwSignal<NaiveDate>,
    month: RwSignal<NaiveDate>,
    window: BookingWindow,
    last_month: NaiveDate,
) -> impl Fn(leptos::ev::KeyboardEvent) + Copy + 'static {
    let move_focus = move |date: NaiveDate| {
        let date = date.clamp(window.today, window.end());
        focused.set(date);
        let date_month = date.with_day(1).unwrap_or(date);
        let first_shown = month.get_untracked();
        let shown = Months::new(months_on_show());
        // The view moves only when the night leaves the months on show.
        if date_month < first_shown {
            month.set(date_month);
        } else if date_month >= first_shown + shown {
            let first = date_month - shown + Months::new(1);
            month.set(first.min(last_month));
        }
        focus_night(date);
    };
    move |event: leptos::ev::KeyboardEvent| {
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
    }
}

/// What the colours and words of the nights mean.
#[component]
fn Legend() -> impl IntoView {
    view! {
        <ul class="calendar-legend" role="list" aria-label="Key to the calendar">
            <li><span class="swatch night free" aria-hidden="true"></span>"Available: price of one room that night"</li>
            <li><span class="swatch night full" aria-hidden="true"></span>"Sold out: every room is booked"</li>
            <li><span class="swatch night closed" aria-hidden="true"></span>"Closed: not on sale"</li>
            <li><span class="swatch night range-start" aria-hidden="true"></span>"Your stay"</li>
        </ul>
    }
}

/// What a night can be for a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NightState {
    Past,
    Free(i32),
    Full,
    Closed,
    Loading,
    Unknown,
}

impl NightState {
    pub(super) fn of(
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

    /// The word the cell shows instead of a price, if any.
    fn shown_word(self) -> Option<&'static str> {
        match self {
            Self::Full => Some("sold out"),
            Self::Closed => Some("closed"),
            _ => None,
        }
    }

    /// Said after the date, for nights without a shown word.
    fn hidden_words(self) -> String {
        match self {
            Self::Past => "past".to_owned(),
            Self::Free(left) => format!("available, {left} left"),
            Self::Loading => "checking availability".to_owned(),
            Self::Unknown => "not bookable".to_owned(),
            Self::Full | Self::Closed => String::new(),
        }
    }
}

/// What every night of the grid shares.
#[derive(Debug, Clone, Copy)]
struct NightCell {
    stay: Stay,
    window: BookingWindow,
    focused: RwSignal<NaiveDate>,
    refused: RwSignal<Option<String>>,
}

impl NightCell {
    /// One night: a button whose content is its accessible name (the day,
    /// its price or state), with the words only a screen reader needs
    /// hidden from sight.
    fn view(
        self,
        date: NaiveDate,
        night: Option<&NightAvailability>,
        loading: bool,
        currency: &str,
    ) -> impl IntoView + use<> {
        let Self {
            stay,
            window,
            focused,
            refused,
        } = self;
        let state = NightState::of(date, night, loading, window);
        // Only a night one can book shows a price, without zero cents: a
        // day cell of the two-month view is too narrow for "€120.00".
        let price = night
            .filter(|_| matches!(state, NightState::Free(_)))
            .map(|night| money_compact(night.price_cents, currency));
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
        let on_click = move |_| {
            if !selectable {
                return;
            }
            let starts = !stay.ends_stay(date);
            match state.shown_word() {
                Some(word) if starts => refused.set(Some(format!(
                    "{} is {word}: choose another check-in night.",
                    crate::format::long_date(date)
                ))),
                _ => {
                    refused.set(None);
                    stay.choose(date);
                }
            }
        };
        let after_date = match state.shown_word() {
            Some(_) => format!(" {}, ", date.format("%B %Y")),
            None => format!(" {}, {}", date.format("%B %Y"), state.hidden_words()),
        };
        let words = match (state.shown_word(), price) {
            (Some(word), _) => Some(view! { <span class="night-note">{word}</span> }.into_any()),
            (None, Some(price)) => Some(
                view! {
                    <span class="visually-hidden">", "</span>
                    <span class="night-price">{price}</span>
                    <span class="visually-hidden">" a night"</span>
                }
                .into_any(),
            ),
            (None, None) => None,
        };
        view! {
            <td role="gridcell" aria-selected=move || (in_stay() || is_check_out()).to_string()>
                <button type="button" class=class data-date=date.to_string()
                    tabindex=move || if focused.get() == date { "0" } else { "-1" }
                    aria-disabled=(!selectable).to_string()
                    on:focus=move |_| focused.set(date)
                    on:click=on_click>
                    <span class="visually-hidden">{format!("{} ", weekday_name(date.weekday()))}</span>
                    <span class="day">{date.day()}</span>
                    <span class="visually-hidden">{after_date}</span>
                    {words}
                </button>
            </td>
        }
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

/// Wide screens show two months side by side, phones one (the CSS
/// breakpoint of `.second-month`).
fn months_on_show() -> u32 {
    let wide = window()
        .match_media(TWO_MONTHS_MEDIA)
        .ok()
        .flatten()
        .is_some_and(|query| query.matches());
    if wide { 2 } else { 1 }
}

/// Where the second month shows (`style/main.css`, `.second-month`).
const TWO_MONTHS_MEDIA: &str = "(min-width: 64rem)";

/// Moves keyboard focus to a night's button once the grid shows it.
fn focus_night(date: NaiveDate) {
    request_animation_frame(move || {
        use leptos::wasm_bindgen::JsCast;
        let button = document()
            .query_selector(&format!("button[data-date='{date}']"))
            .ok()
            .flatten()
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(button) = button {
            let _ = button.focus();
        }
    });
}
