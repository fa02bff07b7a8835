//! The room's calendar, a [`crate::month_grid`]: each night shows its
//! price or state (sold out, closed); two clicks choose a stay. Each
//! night's accessible name is its visible text (day, price or state)
//! completed by hidden words (weekday, month, what is left).
//!
//! A closed or sold-out night cannot start a stay; it can still be the day
//! of departure, which is not a night of the stay.

use chrono::NaiveDate;
use leptos::prelude::*;
use shared_schema::{inventory::NightAvailability, stay::BookingWindow};

use super::Stay;
use crate::{
    format::money_compact,
    month_grid::{
        GridHint, GridIds, Legend, MonthBar, MonthNav, Night, NightState, months, night_cell,
        with_flags,
    },
};

/// The ids the room page's tests and styles know.
const IDS: GridIds = GridIds {
    title: "calendar-title",
    hint: "calendar-hint",
    months: ["month-title-0", "month-title-1"],
    nested: false,
};

#[component]
pub(super) fn Calendar(
    month: RwSignal<NaiveDate>,
    /// The room's nights over the booking window, by date.
    nights: StoredValue<Vec<NightAvailability>>,
    stay: Stay,
    window: BookingWindow,
    currency: String,
) -> impl IntoView {
    let nav = MonthNav::new(
        month,
        window.today,
        window.end(),
        stay.dates().0.unwrap_or(window.today),
    );
    // Why the last click did not start a stay.
    let refused = RwSignal::new(None::<String>);
    // Every night came with the page: none is ever loading.
    let loaded = move || Some(nights.get_value());
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        nav.on_key(&event);
    };
    let cell = NightCell {
        stay,
        window,
        nav,
        refused,
    };
    let night = move |date, night: Option<&NightAvailability>, loading| {
        cell.view(date, night, loading, &currency)
    };

    view! {
        <section class="calendar" aria-labelledby=IDS.title>
            <MonthBar nav ids=IDS />
            <GridHint ids=IDS text="Choose your check-in night, then your check-out day."
                keys="Arrow keys move between nights." />
            {months(nav, IDS, loaded, on_keydown, night)}
            <p class="calendar-message" role="status" data-testid="calendar-message">
                {move || refused.get().map(|text| view! { <span class="alert warning">{text}</span> })}
            </p>
            <Legend entries=&[
                ("free", "Available: price of one room that night"),
                ("full", "Sold out: every room is booked"),
                ("closed", "Closed: not on sale"),
                ("range-start", "Your stay"),
            ] />
        </section>
    }
}

/// Words of the guest's calendar.
impl NightState {
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
    nav: MonthNav,
    refused: RwSignal<Option<String>>,
}

impl NightCell {
    /// One night: its price or state, with the words only a screen reader
    /// needs hidden from sight.
    fn view(
        self,
        date: NaiveDate,
        night: Option<&NightAvailability>,
        loading: bool,
        currency: &str,
    ) -> AnyView {
        let Self {
            stay,
            window,
            nav,
            refused,
        } = self;
        let state = NightState::of(date, night, loading, window.today);
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
            with_flags(
                state.class(),
                [
                    (in_stay(), "selected"),
                    (stay.dates().0 == Some(date), "range-start"),
                    (is_check_out(), "range-end"),
                ],
            )
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
            Some(_) => format!(" {}, ", crate::format::month_year(date)),
            None => format!(
                " {}, {}",
                crate::format::month_year(date),
                state.hidden_words()
            ),
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
        let night = Night {
            date,
            selectable,
            selected: move || in_stay() || is_check_out(),
            class,
            on_click,
        };
        night_cell(
            nav,
            night,
            view! {
                <span class="visually-hidden">{after_date}</span>
                {words}
            },
        )
    }
}
