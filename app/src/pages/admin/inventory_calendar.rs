//! Admin: the inventory calendar of a room's page, a [`crate::month_grid`].
//! Each night shows its state (units free of those on sale, its price, or
//! closed); choosing a range of nights fills the inventory form's first and
//! end dates, and the form changes them through its server function as
//! before. The calendar loads again after every change the form saves.
//!
//! Choosing: a click starts a range on a night; a second click, or a
//! shift-click at any time, ends it on another (phones have no Shift).
//! Keys: arrows move, Enter or Space is a click, Shift+Enter, Shift+Space
//! and Shift+arrows extend the range.
//!
//! Drawn only once the page is hydrated: without the WASM its buttons would
//! do nothing, and the form and the table of nights (the accessible
//! alternative, which stays) are the whole page.

use chrono::{Months, NaiveDate};
use leptos::{ev::KeyboardEvent, prelude::*};
use shared_schema::{inventory::NightAvailability, stay::BookingWindow};
use uuid::Uuid;

use crate::{
    components::ErrorAlert,
    format::{money_compact, plural, short_date},
    month_grid::{
        GridHint, GridIds, Legend, MonthBar, MonthNav, Night, NightState, month_of, months,
        night_cell, nights_on_show, with_flags,
    },
    pages::room::room_calendar,
};

const IDS: GridIds = GridIds {
    title: "inventory-calendar-title",
    hint: "inventory-calendar-hint",
    months: ["inventory-month-0", "inventory-month-1"],
    nested: true,
};

/// The range being chosen: the form's first and end dates (so dates typed
/// into the form show too), and where the calendar's choice began.
#[derive(Debug, Clone, Copy)]
pub(super) struct RangeChoice {
    from: RwSignal<String>,
    to: RwSignal<String>,
    /// The night a range grows from.
    anchor: RwSignal<Option<NaiveDate>>,
    /// A click began a range: the next click ends it.
    open: RwSignal<bool>,
}

impl RangeChoice {
    /// A choice that fills the form's `from` and `to` (end, exclusive).
    pub(super) fn new(from: RwSignal<String>, to: RwSignal<String>) -> Self {
        Self {
            from,
            to,
            anchor: RwSignal::new(None),
            open: RwSignal::new(false),
        }
    }

    /// The first and the last night the form names, if it names a range.
    fn nights(self) -> Option<(NaiveDate, NaiveDate)> {
        let from: NaiveDate = self.from.with(|date| date.parse().ok())?;
        let to: NaiveDate = self.to.with(|date| date.parse().ok())?;
        (to > from).then(|| (from, to.pred_opt().unwrap_or(from)))
    }

    /// Fills the form with the nights from `a` to `b`, either way round.
    fn set(self, a: NaiveDate, b: NaiveDate) {
        let (first, last) = if a <= b { (a, b) } else { (b, a) };
        self.from.set(first.to_string());
        self.to.set(last.succ_opt().unwrap_or(last).to_string());
    }

    /// A click (or Enter) on `night`; `extend` when Shift is held.
    fn choose(self, night: NaiveDate, extend: bool) {
        let anchor = self
            .anchor
            .get_untracked()
            .or_else(|| self.from.with_untracked(|date| date.parse().ok()));
        match anchor {
            Some(anchor) if extend || (self.open.get_untracked() && anchor != night) => {
                self.anchor.set(Some(anchor));
                self.set(anchor, night);
                self.open.set(false);
            }
            _ => {
                self.anchor.set(Some(night));
                self.set(night, night);
                self.open.set(true);
            }
        }
    }

    /// Shift+arrow: the range grows (or shrinks) from its anchor, or from
    /// `from` (the night the focus left), to `to`.
    fn extend(self, from: NaiveDate, to: NaiveDate) {
        let anchor = self.anchor.get_untracked().unwrap_or(from);
        self.anchor.set(Some(anchor));
        self.set(anchor, to);
        self.open.set(false);
    }

    /// What is chosen, in words.
    fn summary(self) -> Option<String> {
        let (first, last) = self.nights()?;
        let count = (last - first).num_days() + 1;
        let nights = plural(count, "night", "nights");
        let range = if first == last {
            format!("Chosen: {} ({nights}).", short_date(first))
        } else {
            format!(
                "Chosen: {} to {} ({nights}).",
                short_date(first),
                short_date(last)
            )
        };
        let next = if self.open.get() {
            " Click another night to end the range there, or set the nights below."
        } else {
            " Set them in the form below."
        };
        Some(format!("{range}{next}"))
    }
}

/// The calendar, once the page is hydrated (see the module's doc).
#[component]
pub(super) fn InventoryCalendar(
    room_id: Uuid,
    window: BookingWindow,
    currency: String,
    choice: RangeChoice,
    /// Changes when the form has saved a change.
    #[prop(into)]
    saved: Signal<usize>,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move || hydrated.set(true));
    move || {
        let currency = currency.clone();
        hydrated.get().then(move || {
            // Its own boundary: its nights loading (another month,
            // or after a change) leave the rest of the page alone.
            view! {
                <Transition fallback=|| view! { <p class="loading">"Loading the calendar…"</p> }>
                    <ChoiceCalendar room_id window currency choice saved />
                </Transition>
            }
        })
    }
}

#[component]
fn ChoiceCalendar(
    room_id: Uuid,
    window: BookingWindow,
    currency: String,
    choice: RangeChoice,
    saved: Signal<usize>,
) -> impl IntoView {
    let last_night = window.end().pred_opt().unwrap_or(window.today);
    let start = choice
        .from
        .with_untracked(|date| date.parse().ok())
        .unwrap_or(window.today);
    let month = RwSignal::new(month_of(start.clamp(window.today, last_night)));
    let nav = MonthNav::new(month, window.today, last_night, start);
    let nights = LocalResource::new(move || {
        let month = month.get();
        saved.track();
        // Two months: both show side by side on wide screens.
        room_calendar(room_id, month.max(window.today), month + Months::new(2))
    });
    let loaded = move || nights_on_show(nights.get(), month.get());
    let on_keydown = move |event: KeyboardEvent| {
        let before = nav.focused.get_untracked();
        let shift = event.shift_key();
        if matches!(event.key().as_str(), "Enter" | " ") {
            // Instead of the button's click, which does not say whether
            // Shift was held.
            event.prevent_default();
            choice.choose(before, shift);
        } else if let Some(after) = nav.on_key(&event)
            && shift
        {
            choice.extend(before, after);
        }
    };
    let cell = NightCell {
        nav,
        choice,
        today: window.today,
        last_night,
    };
    let night = move |date, night: Option<&NightAvailability>, loading| {
        cell.view(date, night, loading, &currency)
    };

    view! {
        <section class="calendar inventory-calendar" aria-labelledby=IDS.title>
            <MonthBar nav ids=IDS />
            <GridHint ids=IDS
                text="Click the first night, then Shift-click (or click) the last: the form below gets their dates."
                keys="Arrow keys move between nights, Enter chooses, Shift+Enter or Shift+arrows extend." />
            {months(nav, IDS, loaded, on_keydown, night)}
            <p class="calendar-message" role="status" data-testid="inventory-choice">
                {move || choice.summary()}
            </p>
            <Legend entries=&[
                ("free", "Open: rooms free / rooms on sale, price a night"),
                ("full", "Full: every room is booked"),
                ("closed", "Closed: not on sale"),
                ("range-start", "Chosen nights"),
            ] />
            {move || nights.get().and_then(Result::err).map(|error| view! { <ErrorAlert error /> })}
        </section>
    }
}

/// What every night of the grid shares.
#[derive(Debug, Clone, Copy)]
struct NightCell {
    nav: MonthNav,
    choice: RangeChoice,
    today: NaiveDate,
    last_night: NaiveDate,
}

impl NightCell {
    /// One night: units free of those on sale (or "closed") and its price,
    /// with the words only a screen reader needs hidden from sight.
    fn view(
        self,
        date: NaiveDate,
        night: Option<&NightAvailability>,
        loading: bool,
        currency: &str,
    ) -> AnyView {
        let Self {
            nav,
            choice,
            today,
            last_night,
        } = self;
        let state = NightState::of(date, night, loading, today);
        let selectable = (today..=last_night).contains(&date);
        let in_range = move || {
            choice
                .nights()
                .is_some_and(|(first, last)| (first..=last).contains(&date))
        };
        let class = move || {
            let range = choice.nights();
            with_flags(
                state.class(),
                [
                    (in_range(), "selected"),
                    (range.is_some_and(|(first, _)| first == date), "range-start"),
                    (range.is_some_and(|(_, last)| last == date), "range-end"),
                ],
            )
        };
        let on_click = move |event: leptos::ev::MouseEvent| {
            if selectable {
                choice.choose(date, event.shift_key());
            }
        };
        let month = crate::format::month_year(date);
        let after_day = match (state, night) {
            (NightState::Free(_) | NightState::Full | NightState::Closed, Some(night)) => {
                let units = if night.closed {
                    view! { <span class="night-note">"closed"</span> }.into_any()
                } else {
                    view! {
                        <span class="night-units">{format!("{}/{}", night.free, night.total)}</span>
                        <span class="visually-hidden">" free"</span>
                    }
                    .into_any()
                };
                view! {
                    <span class="visually-hidden">{format!(" {month}, ")}</span>
                    {units}
                    <span class="visually-hidden">", "</span>
                    <span class="night-price">{money_compact(night.price_cents, currency)}</span>
                }
                .into_any()
            }
            (state, _) => {
                let words = match state {
                    NightState::Past => "past",
                    NightState::Loading => "loading",
                    _ => "no inventory yet",
                };
                view! { <span class="visually-hidden">{format!(" {month}, {words}")}</span> }
                    .into_any()
            }
        };
        night_cell(
            nav,
            Night {
                date,
                selectable,
                selected: in_range,
                class,
                on_click,
            },
            after_day,
        )
    }
}
