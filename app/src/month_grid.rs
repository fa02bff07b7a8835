//! The month grid both calendars are made of: the guest's room calendar
//! (`pages::room::calendar`) and the admin's inventory calendar
//! (`pages::admin::inventory_calendar`). Two months side by side on wide
//! screens, one on phones, each an ARIA grid, Monday first; one tab stop
//! (the focused night) for both; arrow keys move by day and week,
//! Home/End to the week's ends, Page Up/Down by month, and the months on
//! show follow the focus.
//!
//! It knows dates only: what a night shows, and what choosing it does,
//! belong to each calendar. Each night's accessible name is its visible
//! text completed by hidden words, so what a speech user reads out is part
//! of the name.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use leptos::{ev::KeyboardEvent, prelude::*};
use shared_schema::inventory::NightAvailability;

/// Per-night data of a sorted run of nights, by date.
fn night_on(nights: &[NightAvailability], date: NaiveDate) -> Option<&NightAvailability> {
    nights
        .binary_search_by_key(&date, |night| night.night)
        .ok()
        .map(|index| &nights[index])
}

/// The ids of one calendar's elements (a page has one calendar).
#[derive(Debug, Clone, Copy)]
pub(crate) struct GridIds {
    /// The heading that names the months on show.
    pub(crate) title: &'static str,
    /// The hint that describes the grids.
    pub(crate) hint: &'static str,
    /// The heading of each month.
    pub(crate) months: [&'static str; 2],
    /// The calendar is part of a section with its own `h2`: its headings
    /// are a level lower (`h3` for the months on show, `h4` for each).
    pub(crate) nested: bool,
}

/// The month on show and the focused night, within `[first, last]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MonthNav {
    /// The first day of the first month on show.
    pub(crate) month: RwSignal<NaiveDate>,
    /// The night with the grid's one tab stop.
    pub(crate) focused: RwSignal<NaiveDate>,
    first: NaiveDate,
    last: NaiveDate,
}

impl MonthNav {
    /// Months from `first`'s to `last`'s, the first on show in `month`
    /// (the first day of a month), with the focus on `start`.
    pub(crate) fn new(
        month: RwSignal<NaiveDate>,
        first: NaiveDate,
        last: NaiveDate,
        start: NaiveDate,
    ) -> Self {
        Self {
            month,
            focused: RwSignal::new(start.clamp(first, last)),
            first,
            last,
        }
    }

    fn first_month(self) -> NaiveDate {
        month_of(self.first)
    }

    fn last_month(self) -> NaiveDate {
        month_of(self.last)
    }

    /// Pages one month back (`delta < 0`) or forward; the focus goes to
    /// the first night of the month then on show.
    pub(crate) fn show_month(self, delta: i32) {
        let month = self.month.get_untracked();
        let next = if delta < 0 {
            month - Months::new(1)
        } else {
            month + Months::new(1)
        };
        self.month
            .set(next.clamp(self.first_month(), self.last_month()));
        self.focused.set(self.month.get_untracked().max(self.first));
    }

    /// Moves the focus to `date` (kept within bounds), showing its month
    /// if it is not on show; answers where the focus went.
    pub(crate) fn move_focus(self, date: NaiveDate) -> NaiveDate {
        let date = date.clamp(self.first, self.last);
        self.focused.set(date);
        let date_month = month_of(date);
        let first_shown = self.month.get_untracked();
        let shown = Months::new(months_on_show());
        // The view moves only when the night leaves the months on show.
        if date_month < first_shown {
            self.month.set(date_month);
        } else if date_month >= first_shown + shown {
            let first = date_month - shown + Months::new(1);
            self.month.set(first.min(self.last_month()));
        }
        focus_night(date);
        date
    }

    /// The grid's moving keys: answers the newly focused night, or `None`
    /// for any other key (left to the caller and the browser).
    pub(crate) fn on_key(self, event: &KeyboardEvent) -> Option<NaiveDate> {
        let current = self.focused.get_untracked();
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
            _ => return None,
        };
        event.prevent_default();
        Some(self.move_focus(target.unwrap_or(current)))
    }
}

/// The first day of the month of `date`.
pub(crate) fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// What a night can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NightState {
    Past,
    /// Open, with this many units free.
    Free(i32),
    /// Open, every unit booked.
    Full,
    Closed,
    Loading,
    /// Not in the data (past the end of the calendar).
    Unknown,
}

impl NightState {
    pub(crate) fn of(
        date: NaiveDate,
        night: Option<&NightAvailability>,
        loading: bool,
        today: NaiveDate,
    ) -> Self {
        match night {
            _ if date < today => Self::Past,
            None if loading => Self::Loading,
            None => Self::Unknown,
            Some(night) if night.closed => Self::Closed,
            Some(night) if night.free <= 0 => Self::Full,
            Some(night) => Self::Free(night.free),
        }
    }

    /// Its class on the night's button (and the legend's swatch).
    pub(crate) fn class(self) -> &'static str {
        match self {
            Self::Past => "past",
            Self::Free(_) => "free",
            Self::Full => "full",
            Self::Closed => "closed",
            Self::Loading => "loading",
            Self::Unknown => "unknown",
        }
    }
}

/// `base` and each class whose flag is set, space-separated.
pub(crate) fn with_flags<const N: usize>(base: &str, flags: [(bool, &str); N]) -> String {
    let mut classes = base.to_owned();
    for (_, class) in flags.into_iter().filter(|(set, _)| *set) {
        classes.push(' ');
        classes.push_str(class);
    }
    classes
}

/// Previous and next month around the heading that names the months on
/// show (the second only where it shows).
#[component]
pub(crate) fn MonthBar(nav: MonthNav, ids: GridIds) -> impl IntoView {
    let month = nav.month;
    view! {
        <div class="calendar-nav">
            <button type="button" class="button secondary small"
                disabled=move || { month.get() <= nav.first_month() }
                on:click=move |_| nav.show_month(-1)>
                <span aria-hidden="true">"‹"</span><span class="visually-hidden">"Previous month"</span>
            </button>
            {heading(ids.nested, ids.title, view! {
                {move || crate::format::month_year(month.get())}
                <span class="second-month">{move || format!(" – {}", crate::format::month_year(month.get() + Months::new(1)))}</span>
            })}
            <button type="button" class="button secondary small"
                disabled=move || { month.get() >= nav.last_month() }
                on:click=move |_| nav.show_month(1)>
                <span aria-hidden="true">"›"</span><span class="visually-hidden">"Next month"</span>
            </button>
        </div>
    }
}

/// The heading that names the months on show (announced as they change).
fn heading(nested: bool, id: &'static str, text: impl IntoView + 'static) -> AnyView {
    if nested {
        view! { <h3 id=id aria-live="polite">{text}</h3> }.into_any()
    } else {
        view! { <h2 id=id aria-live="polite">{text}</h2> }.into_any()
    }
}

/// One month's name above its grid.
fn month_heading(
    nested: bool,
    id: &'static str,
    text: impl Fn() -> String + Send + Sync + 'static,
) -> AnyView {
    if nested {
        view! { <h4 class="month-name" id=id>{text}</h4> }.into_any()
    } else {
        view! { <h3 class="month-name" id=id>{text}</h3> }.into_any()
    }
}

/// The nights of the months on show, from what a calendar's resource
/// holds: `None` while they load (the resource still holds the previous
/// months' nights then).
#[cfg(feature = "admin")] // only the admin calendar loads its nights (ADR 0018)
pub(crate) fn nights_on_show(
    held: Option<Result<Vec<NightAvailability>, crate::AppError>>,
    month: NaiveDate,
) -> Option<Vec<NightAvailability>> {
    let nights = held?.ok().unwrap_or_default();
    let current = nights
        .first()
        .is_none_or(|first| month_of(first.night) == month);
    current.then_some(nights)
}

/// The hint that describes the grids; the part about keys is hidden on
/// touch screens.
#[component]
pub(crate) fn GridHint(ids: GridIds, text: &'static str, keys: &'static str) -> impl IntoView {
    view! {
        <p class="muted hint" id=ids.hint>
            {text}
            <span class="keyboard-hint">{format!(" {keys}")}</span>
        </p>
    }
}

/// Both months' grids. `loaded` answers the nights on show, or `None`
/// while they load; `night` draws one night from its data (if any) and
/// whether it is still loading (see [`night_cell`]).
pub(crate) fn months(
    nav: MonthNav,
    ids: GridIds,
    loaded: impl Fn() -> Option<Vec<NightAvailability>> + Copy + Send + Sync + 'static,
    on_keydown: impl Fn(KeyboardEvent) + Copy + 'static,
    night: impl Fn(NaiveDate, Option<&NightAvailability>, bool) -> AnyView
    + Clone
    + Send
    + Sync
    + 'static,
) -> impl IntoView {
    view! {
        <div class="months">
            {month_grid(0, nav, ids, loaded, on_keydown, night.clone())}
            {month_grid(1, nav, ids, loaded, on_keydown, night)}
        </div>
    }
}

/// The month `offset` months after the first one on show: its name and
/// its grid of nights.
fn month_grid(
    offset: u32,
    nav: MonthNav,
    ids: GridIds,
    loaded: impl Fn() -> Option<Vec<NightAvailability>> + Copy + Send + Sync + 'static,
    on_keydown: impl Fn(KeyboardEvent) + Copy + 'static,
    night: impl Fn(NaiveDate, Option<&NightAvailability>, bool) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let month = nav.month;
    let shown = move || month.get() + Months::new(offset);
    let title_id = ids.months[offset as usize % 2];
    view! {
        <div class="month-block" class:second-month=offset == 1>
            {month_heading(ids.nested, title_id, move || crate::format::month_year(shown()))}
            <table class="month" role="grid" aria-labelledby=title_id aria-describedby=ids.hint
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
                        let nights = loaded();
                        weeks(shown())
                            .into_iter()
                            .map(|week| {
                                let cells = week
                                    .into_iter()
                                    .map(|date| match date {
                                        None => view! { <td class="night empty"></td> }.into_any(),
                                        Some(date) => night(
                                            date,
                                            nights.as_deref().and_then(|nights| night_on(nights, date)),
                                            nights.is_none(),
                                        ),
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

/// How one night looks and what a click on it does; [`night_cell`] adds
/// what every night shares.
pub(crate) struct Night<C, S, F> {
    pub(crate) date: NaiveDate,
    /// Whether it can be chosen at all (`aria-disabled` otherwise).
    pub(crate) selectable: bool,
    /// Whether it is part of the choice (`aria-selected`).
    pub(crate) selected: S,
    /// Its classes besides `night`.
    pub(crate) class: C,
    pub(crate) on_click: F,
}

/// One night: a grid cell with a button whose content is its accessible
/// name: the weekday (hidden), the day, then `after_day` (the words after
/// the date, hidden or shown).
pub(crate) fn night_cell<C, S, F>(
    nav: MonthNav,
    night: Night<C, S, F>,
    after_day: impl IntoView + 'static,
) -> AnyView
where
    C: Fn() -> String + Send + Sync + 'static,
    S: Fn() -> bool + Send + Sync + 'static,
    F: Fn(leptos::ev::MouseEvent) + 'static,
{
    let Night {
        date,
        selectable,
        selected,
        class,
        on_click,
    } = night;
    let focused = nav.focused;
    view! {
        <td role="gridcell" aria-selected=move || selected().to_string()>
            <button type="button" class=move || format!("night {}", class()) data-date=date.to_string()
                tabindex=move || if focused.get() == date { "0" } else { "-1" }
                aria-disabled=(!selectable).to_string()
                on:focus=move |_| focused.set(date)
                on:click=on_click>
                <span class="visually-hidden">{format!("{} ", weekday_name(date.weekday()))}</span>
                <span class="day">{date.day()}</span>
                {after_day}
            </button>
        </td>
    }
    .into_any()
}

/// What the colours and words of a calendar's nights mean: `(swatch
/// classes, words)` per entry.
#[component]
pub(crate) fn Legend(entries: &'static [(&'static str, &'static str)]) -> impl IntoView {
    view! {
        <ul class="calendar-legend" role="list" aria-label="Key to the calendar">
            {entries
                .iter()
                .map(|&(swatch, words)| view! {
                    <li><span class=format!("swatch night {swatch}") aria-hidden="true"></span>{words}</li>
                })
                .collect_view()}
        </ul>
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
            .query_selector(&format!("button.night[data-date='{date}']"))
            .ok()
            .flatten()
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(button) = button {
            let _ = button.focus();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn weeks_start_on_monday_and_pad_both_ends() {
        // December 2026 starts on a Tuesday and ends on a Thursday.
        let weeks = weeks(day("2026-12-01"));
        assert_eq!(weeks.len(), 5);
        assert_eq!(weeks[0][0], None);
        assert_eq!(weeks[0][1], Some(day("2026-12-01")));
        assert_eq!(weeks[4][3], Some(day("2026-12-31")));
        assert_eq!(weeks[4][4], None);
    }
}
