//! The booking form beside the calendar: the stay's fields, a summary with
//! the price of every night, and Confirm.
//!
//! What the server would refuse is said as the guest chooses: a stay over a
//! closed or sold-out night, or a party the rooms cannot sleep, names the
//! problem and Confirm stays disabled. The server stays the judge: a stay
//! that sold out meanwhile comes back as a conflict naming the nights.
//! On phones a bar at the bottom of the screen holds the total and Confirm.

use chrono::NaiveDate;
use leptos::{ev::SubmitEvent, prelude::*};
use shared_schema::{
    form::SearchForm, inventory::NightAvailability, rooms::Room, search::RoomSearch,
    stay::BookingWindow,
};

use super::{FORM_KEY, Stay, book_path, overlap::OverlapWarning, overlap::OwnStay, room_href_at};
use crate::{
    AppError,
    components::{Checks, ErrorAlert, Input, StayLimits},
    format::{long_date, money, plural},
    pages::search::search_to_query,
    query::with_query,
    session::next_href,
};

/// The id of the form, which the phone bar's Confirm submits.
const FORM_ID: &str = "booking-form";

/// A stay and its nights, for the summary.
type Quote = Option<(RoomSearch, Vec<NightAvailability>)>;

/// Why the chosen stay cannot be booked, before asking the server.
fn stay_problem(
    capacity: i32,
    search: &RoomSearch,
    nights: &[NightAvailability],
) -> Option<String> {
    if let Err(message) = shared_schema::stay::check_capacity(capacity, search.units, search.guests)
    {
        return Some(message);
    }
    let dates = |pick: &dyn Fn(&NightAvailability) -> bool| -> Vec<String> {
        nights
            .iter()
            .filter(|night| pick(night))
            .map(|night| long_date(night.night))
            .collect()
    };
    let closed = dates(&|night| night.closed);
    let short = dates(&|night| !night.closed && night.free < search.units);
    let mut reasons = Vec::new();
    if !closed.is_empty() {
        reasons.push(format!("Closed on {}.", closed.join(", ")));
    }
    if !short.is_empty() {
        let what = if search.units == 1 {
            "Sold out on".to_owned()
        } else {
            format!("Fewer than {} rooms free on", search.units)
        };
        reasons.push(format!("{what} {}.", short.join(", ")));
    }
    if i64::try_from(nights.len()).ok() != Some(search.nights()) {
        reasons.push("Some of these nights are not on sale.".to_owned());
    }
    (!reasons.is_empty()).then(|| {
        format!(
            "This stay cannot be booked. {} Choose other dates or fewer rooms.",
            reasons.join(" ")
        )
    })
}

/// The stay's nights as the page has them, and why it cannot be booked,
/// as the guest chooses.
#[derive(Debug, Clone, Copy)]
struct Quotes {
    /// The stay as the form has it now, with its nights.
    current: Memo<Quote>,
    /// Why the stay cannot be booked, if it cannot.
    problem: Memo<Option<String>>,
}

impl Quotes {
    fn new(
        stay: Stay,
        window: BookingWindow,
        nights: StoredValue<Vec<NightAvailability>>,
        capacity: i32,
    ) -> Self {
        let current = Memo::new(move |_| {
            let search = stay.form().parse(&window).ok()?;
            let stay_nights: Vec<NightAvailability> = nights.with_value(|nights| {
                nights
                    .iter()
                    .filter(|night| (search.check_in..search.check_out).contains(&night.night))
                    .cloned()
                    .collect()
            });
            Some((search, stay_nights))
        });
        let problem = Memo::new(move |_| {
            current.with(|current| {
                let (search, nights) = current.as_ref()?;
                stay_problem(capacity, search, nights)
            })
        });
        Self { current, problem }
    }

    /// The total and the number of nights of a bookable stay.
    fn total(self, currency: String) -> Signal<Option<(String, i64)>> {
        Signal::derive(move || {
            if self.problem.with(Option::is_some) {
                return None;
            }
            self.current.with(|current| {
                let (search, nights) = current.as_ref()?;
                let sum: i64 = nights.iter().map(|night| night.price_cents).sum();
                Some((
                    money(sum * i64::from(search.units), &currency),
                    search.nights(),
                ))
            })
        })
    }
}

/// What the booking form works from.
#[derive(Debug, Clone)]
pub(super) struct Panel {
    pub(super) room: Room,
    pub(super) window: BookingWindow,
    pub(super) stay: Stay,
    /// The room's nights over the booking window.
    pub(super) nights: StoredValue<Vec<NightAvailability>>,
    /// The guest's confirmed stays in the booking window.
    pub(super) own: StoredValue<Vec<OwnStay>>,
    pub(super) signed_in: bool,
    /// The room page's path, for the way back from signing in.
    pub(super) path: String,
    /// The answer to a plain post of this form, back on this page.
    pub(super) posted: Option<AppError>,
}

/// The booking form and its summary. Confirm posts the form itself (the
/// server answers with the booking's page, or this page with the error);
/// with the WASM it is sent only when the fields pass the shared checks.
#[component]
pub(super) fn BookingPanel(
    panel: Panel,
    /// Fields whose value came from the address.
    from_address: Vec<&'static str>,
) -> impl IntoView {
    let Panel {
        room,
        window,
        stay,
        nights,
        own,
        signed_in,
        path,
        posted,
    } = panel;
    let Room {
        id: room_id,
        capacity,
        currency,
        ..
    } = room;
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
    checks.show_now(from_address);
    let quotes = Quotes::new(stay, window, nights, capacity);
    let blocked = Signal::derive(move || quotes.problem.with(Option::is_some));
    let on_submit = move |event: SubmitEvent| {
        if !checks.attempt() || blocked.get_untracked() {
            event.prevent_default();
        }
    };
    // The sold-out answer, for as long as the form still asks for the stay
    // it refused (the stay the server brought back in the address).
    let refused_form = stay.form_untracked();
    let (conflict, posted) = match posted {
        Some(AppError::Conflict(conflict)) => (Some(conflict), None),
        other => (None, other),
    };
    let refused = StoredValue::new(conflict.map(|conflict| (conflict, refused_form)));
    let sold_out = move || {
        refused.with_value(|refused| {
            refused
                .as_ref()
                .filter(|(_, form)| stay.form() == *form)
                .map(|(conflict, _)| conflict.clone())
        })
    };
    let posted = posted.map(|error| {
        checks.show_server(&error);
        view! { <ErrorAlert error /> }
    });
    let limits = StayLimits::of(window);
    let total = quotes.total(currency.clone());
    let back_here = move || room_href_at(&path, &stay.form(), &stay.form_key.get());
    let sign_in = SignIn {
        login: Signal::derive({
            let back_here = back_here.clone();
            move || next_href("/login", &back_here())
        }),
        register: Signal::derive(move || next_href("/register", &back_here())),
    };

    view! {
        <aside class="booking-panel" aria-labelledby="book-title">
            <h2 id="book-title">"Book this room"</h2>
            {posted}
            <form id=FORM_ID class="stack" method="post" action=book_path() novalidate on:submit=on_submit>
                <input type="hidden" name="room_id" value=room_id.to_string() />
                <input type="hidden" name=FORM_KEY value=stay.form_key.get_untracked() prop:value=stay.form_key />
                <div class="form-grid">
                    <Input id="check_in" name="form[check_in]" label="Check-in" value=stay.check_in checks kind="date"
                        min=limits.first_check_in max=limits.last_check_in />
                    <Input id="check_out" name="form[check_out]" label="Check-out" value=stay.check_out checks kind="date"
                        min=limits.first_check_out max=limits.last_check_out />
                    <Input id="guests" name="form[guests]" label="Guests" value=stay.guests checks kind="number" inputmode="numeric" min="1"
                        hint=if capacity == 1 { "1 guest per room" } else { "Guests in all rooms together" } />
                    <Input id="units" name="form[units]" label="Rooms" value=stay.units checks kind="number" inputmode="numeric" min="1" />
                </div>
                <Summary current=quotes.current currency total />
                <div id="stay-problem" data-testid="stay-problem">
                    {move || {
                        let shown = sold_out().is_none();
                        quotes.problem.get().filter(|_| shown).map(|text| view! {
                            <p class="alert warning">{text}</p>
                        })
                    }}
                </div>
                {move || sold_out().map(|conflict| view! { <SoldOut conflict form=stay.form() /> })}
                <OverlapWarning stay window own />
                <ConfirmOrSignIn signed_in sign_in blocked />
            </form>
        </aside>
        <BookingBar total signed_in sign_in blocked />
    }
}

/// The ways to sign in or up that come back to this room with the stay.
#[derive(Debug, Clone, Copy)]
struct SignIn {
    login: Signal<String>,
    register: Signal<String>,
}

/// Phones: the total and Confirm stay in reach below the calendar, at the
/// bottom of the screen. Its Confirm submits the booking form.
#[component]
fn BookingBar(
    total: Signal<Option<(String, i64)>>,
    signed_in: bool,
    sign_in: SignIn,
    blocked: Signal<bool>,
) -> impl IntoView {
    let action = if signed_in {
        view! {
            <button type="submit" form=FORM_ID class="button primary" disabled=blocked>
                "Confirm booking"
            </button>
        }
        .into_any()
    } else {
        view! { <a href=sign_in.login class="button primary">"Sign in to book"</a> }.into_any()
    };
    view! {
        <div class="booking-bar" data-testid="booking-bar">
            <p class="booking-bar-total">
                {move || match total.get() {
                    Some((total, nights)) => format!("{total} · {}", plural(nights, "night", "nights")),
                    None => "Choose your nights".to_owned(),
                }}
            </p>
            {action}
        </div>
    }
}

/// The end of the form: Confirm for a signed-in guest; for anyone else
/// the way to sign in or up, which brings them back to this room with the
/// stay they chose.
#[component]
fn ConfirmOrSignIn(signed_in: bool, sign_in: SignIn, blocked: Signal<bool>) -> impl IntoView {
    if signed_in {
        view! {
            <div class="booking-footer">
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=blocked>
                        "Confirm booking"
                    </button>
                </div>
            </div>
        }
        .into_any()
    } else {
        view! {
            <p class="alert" data-testid="sign-in-to-book">
                <a href=sign_in.login>"Sign in"</a>" or "<a href=sign_in.register>"create an account"</a>" to book."
            </p>
        }
        .into_any()
    }
}

/// The stay, the price of each night, rooms and the total. The server
/// computes the binding total again when booking.
#[component]
fn Summary(
    current: Memo<Quote>,
    currency: String,
    total: Signal<Option<(String, i64)>>,
) -> impl IntoView {
    move || {
        let (search, nights) = current.get()?;
        let units = search.units;
        let per_night = nights
            .iter()
            .map(|night| {
                let price = if night.closed {
                    "closed".to_owned()
                } else if night.free < units {
                    "sold out".to_owned()
                } else {
                    money(night.price_cents, &currency)
                };
                view! {
                    <li data-night=night.night.to_string()>
                        <span>{night_label(night.night)}</span>
                        <span class="price">{price}</span>
                    </li>
                }
            })
            .collect_view();
        let total_text = total
            .get()
            .map_or_else(|| "not bookable".to_owned(), |(total, _)| total);
        Some(view! {
            <dl class="summary">
                <dt>"Stay"</dt>
                <dd>{format!("{} – {}", long_date(search.check_in), long_date(search.check_out))}</dd>
                <dt>"Nights"</dt>
                <dd>{plural(search.nights(), "night", "nights")}</dd>
                <dt>"Rooms"</dt>
                <dd>{units}</dd>
            </dl>
            <h3 class="breakdown-title" id="breakdown-title">
                {if units == 1 { "Price per night".to_owned() } else { format!("Price per night, per room (× {units} rooms)") }}
            </h3>
            <ul class="breakdown" role="list" aria-labelledby="breakdown-title">{per_night}</ul>
            <dl class="summary">
                <dt class="total-line">"Total"</dt>
                <dd class="total-line" aria-live="polite">{total_text}</dd>
            </dl>
        })
    }
}

/// "Fri 4 Dec": a night in the breakdown.
fn night_label(night: NaiveDate) -> String {
    crate::format::short_day(night)
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
            <a href=with_query("/", &search_to_query(&form))>"Search other rooms for these dates"</a>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn night(day: u32, free: i32, closed: bool) -> NightAvailability {
        NightAvailability {
            night: NaiveDate::from_ymd_opt(2030, 1, day).expect("a date"),
            total: 2,
            booked: 2 - free,
            free,
            price_cents: 12_000,
            closed,
        }
    }

    fn search(guests: i32, units: i32) -> RoomSearch {
        RoomSearch {
            check_in: NaiveDate::from_ymd_opt(2030, 1, 1).expect("a date"),
            check_out: NaiveDate::from_ymd_opt(2030, 1, 4).expect("a date"),
            guests,
            units,
        }
    }

    #[test]
    fn a_free_stay_has_no_problem() {
        let nights = [night(1, 2, false), night(2, 1, false), night(3, 2, false)];
        assert_eq!(stay_problem(2, &search(2, 1), &nights), None);
    }

    #[test]
    fn closed_and_sold_out_nights_are_named_apart() {
        let nights = [night(1, 2, true), night(2, 0, false), night(3, 2, false)];
        let problem = stay_problem(2, &search(2, 1), &nights).expect("a problem");
        assert!(
            problem.contains("Closed on Tuesday 1 January 2030."),
            "{problem}"
        );
        assert!(
            problem.contains("Sold out on Wednesday 2 January 2030."),
            "{problem}"
        );
    }

    #[test]
    fn a_party_too_big_for_the_rooms_is_the_first_problem() {
        let nights = [night(1, 2, false), night(2, 2, false), night(3, 2, false)];
        let problem = stay_problem(2, &search(5, 2), &nights).expect("a problem");
        assert!(problem.contains("sleep at most 4 guests"), "{problem}");
    }
}
