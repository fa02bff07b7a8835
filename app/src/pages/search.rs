//! The home page: search rooms by dates and guests.
//!
//! A submitted search lives in the URL (`/?check_in=..&check_out=..`), so
//! results are server-rendered, shareable and work before the WASM loads.
//! In the browser the form validates with the shared-schema rules as the user
//! types and only navigates when the input is valid; the server function
//! validates the same `SearchForm` again with the same function.

use chrono::NaiveDate;
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
};
use serde::{Deserialize, Serialize};
use shared_schema::{
    dto::RoomOffer,
    errors::FieldErrors,
    form::{FilterForm, SearchForm},
    search::SearchPage,
    stay::BookingWindow,
};

use crate::{
    AppError,
    components::{Checks, ErrorAlert, Input, StayLimits},
    format::{money, plural, short_date},
    query::{query_string, with_query},
};

/// Which nights can be booked now, as the server sees "today".
#[server(endpoint = "booking_window")]
pub async fn get_booking_window() -> Result<BookingWindow, AppError> {
    crate::backend::serve(|backend, _| async move { Ok(backend.booking_window().await) }).await
}

/// Whether the property has any room yet (a new install has none).
#[server(endpoint = "has_rooms")]
pub async fn has_rooms() -> Result<bool, AppError> {
    crate::backend::serve(|backend, _| async move { backend.has_rooms().await }).await
}

/// The command that makes the first admin, as it works from the checkout
/// (README, "The first admin").
const CREATE_ADMIN_COMMAND: &str = "ROOMBOOK_ADMIN_PASSWORD='at least 12 characters' \\\n  scripts/run.sh create-admin --email you@example.com --name 'Your Name'";

/// A new install's home page: no rooms yet, so no search can find one;
/// it says how to get in instead.
#[component]
fn FirstRun() -> impl IntoView {
    view! {
        <section class="first-run stack" aria-labelledby="first-run-title" data-testid="first-run">
            <h2 id="first-run-title">"No rooms yet: this is a new install"</h2>
            <p>
                "To add rooms, create the first admin. Stop the server (Ctrl+C), then run this in the checkout:"
            </p>
            <pre><code>{CREATE_ADMIN_COMMAND}</code></pre>
            <p>
                "Start the server again with "<code>"scripts/run.sh"</code>", sign in with that e-mail and password, "
                "and add rooms on the Admin page. To look around a ready-made property instead, start an empty "
                "database with "<code>"scripts/run.sh --demo"</code>"."
            </p>
        </section>
    }
}

/// A search's answer: one page of offers and, when nothing is free, why
/// and the nearby stays of the same length that have rooms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub page: SearchPage,
    pub nearby: Vec<NearbyStay>,
    /// Why nothing was found (first page only).
    #[serde(default)]
    pub empty_because: Option<EmptyBecause>,
}

/// Why a search found no room, as far as the server can tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmptyBecause {
    /// The price range hid this many rooms free for the stay (at least:
    /// one page of them).
    PriceFilter { hidden: i64, more: bool },
    /// Rooms are free, but none sleeps the party in this many rooms;
    /// `units` rooms would.
    PartySize { units: i32 },
    /// No room is free for every night of the stay.
    Dates,
}

/// A stay a few days earlier or later, with how many rooms it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearbyStay {
    pub check_in: NaiveDate,
    pub check_out: NaiveDate,
    pub rooms: usize,
}

/// Validates the raw form and filters with the shared rules and runs the
/// search; `cursor` reads a later page.
#[server(endpoint = "search_rooms")]
pub async fn search_rooms(
    form: SearchForm,
    #[server(default)] filters: FilterForm,
    #[server(default)] cursor: Option<String>,
) -> Result<SearchResults, AppError> {
    use shared_schema::search::{RoomSearch, SearchOptions};
    /// Days a suggestion may move the stay, nearest first.
    const NEARBY_SHIFTS: [i64; 6] = [-1, 1, -2, 2, -3, 3];

    crate::backend::serve(|backend, _| async move {
        let window = backend.booking_window().await;
        let (search, options) = match (form.parse(&window), filters.parse()) {
            (Ok(search), Ok(options)) => (search, SearchOptions { cursor, ..options }),
            (search, options) => {
                let mut errors = search.err().unwrap_or_default();
                errors.extend(options.err().unwrap_or_default());
                return Err(AppError::Invalid(errors));
            }
        };
        let page = backend
            .search_rooms(search.clone(), options.clone())
            .await?;
        let mut nearby = Vec::new();
        let empty_because = if page.offers.is_empty() && options.cursor.is_none() {
            Some(why_empty(backend.as_ref(), &search, &options).await?)
        } else {
            None
        };
        if matches!(empty_because, Some(EmptyBecause::Dates)) {
            for shift in NEARBY_SHIFTS {
                let moved = chrono::Duration::days(shift);
                let stay = RoomSearch {
                    check_in: search.check_in + moved,
                    check_out: search.check_out + moved,
                    ..search.clone()
                };
                if !window.contains_stay(stay.check_in, stay.check_out) {
                    continue;
                }
                let found = backend.search_rooms(stay.clone(), options.clone()).await?;
                if !found.offers.is_empty() {
                    nearby.push(NearbyStay {
                        check_in: stay.check_in,
                        check_out: stay.check_out,
                        rooms: found.offers.len(),
                    });
                }
            }
        }
        Ok(SearchResults {
            page,
            nearby,
            empty_because,
        })
    })
    .await
}

/// Why `search` found nothing: first whether the price range hid rooms,
/// then whether rooms are free but too small for the party (and how many
/// would do), else the dates.
#[cfg(feature = "ssr")]
async fn why_empty(
    backend: &dyn crate::backend::Backend,
    search: &shared_schema::search::RoomSearch,
    options: &shared_schema::search::SearchOptions,
) -> Result<EmptyBecause, AppError> {
    use shared_schema::search::{RoomSearch, SearchOptions};
    if options.min_price.is_some() || options.max_price.is_some() {
        let unfiltered = SearchOptions {
            min_price: None,
            max_price: None,
            ..options.clone()
        };
        let found = backend.search_rooms(search.clone(), unfiltered).await?;
        if !found.offers.is_empty() {
            return Ok(EmptyBecause::PriceFilter {
                hidden: i64::try_from(found.offers.len()).unwrap_or(i64::MAX),
                more: found.next_cursor.is_some(),
            });
        }
    }
    let one_guest = RoomSearch {
        guests: 1,
        ..search.clone()
    };
    let found = backend.search_rooms(one_guest, options.clone()).await?;
    if let Some(capacity) = found.offers.iter().map(|offer| offer.capacity).max()
        && capacity > 0
    {
        let units = (search.guests + capacity - 1) / capacity;
        if units > search.units && units <= shared_schema::stay::MAX_UNITS {
            return Ok(EmptyBecause::PartySize { units });
        }
    }
    Ok(EmptyBecause::Dates)
}

/// The search as the URL carries it; `None` until a search was submitted.
fn search_from_query(query: &ParamsMap) -> Option<(SearchForm, FilterForm)> {
    let value = |key: &str| query.get(key).unwrap_or_default();
    query.get("check_in").map(|_| {
        (
            SearchForm {
                check_in: value("check_in"),
                check_out: value("check_out"),
                guests: value("guests"),
                units: value("units"),
            },
            FilterForm {
                sort: value("sort"),
                min_price: value("min_price"),
                max_price: value("max_price"),
            },
        )
    })
}

/// The query string of a search, for links and the address bar.
pub(crate) fn search_to_query(form: &SearchForm) -> String {
    query_string([
        ("check_in", form.check_in.as_str()),
        ("check_out", &form.check_out),
        ("guests", &form.guests),
        ("units", &form.units),
    ])
}

/// The query string of a search with its filters.
fn search_and_filters_to_query(form: &SearchForm, filters: &FilterForm) -> String {
    query_string([
        ("check_in", form.check_in.as_str()),
        ("check_out", &form.check_out),
        ("guests", &form.guests),
        ("units", &form.units),
        ("sort", &filters.sort),
        ("min_price", &filters.min_price),
        ("max_price", &filters.max_price),
    ])
}

#[component]
pub(crate) fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let submitted = Memo::new(move |_| query.with(search_from_query));
    let window = Resource::new(|| (), |()| get_booking_window());
    let rooms_exist = Resource::new(|| (), |()| has_rooms());
    let results = Resource::new(
        move || submitted.get(),
        |search| async move {
            match search {
                Some((form, filters)) => Some(search_rooms(form, filters, None).await),
                None => None,
            }
        },
    );
    let (searching, set_searching) = signal(false);
    // A search the user just submitted: once its results are in, they get
    // the focus, which also brings them into view on a phone, where they
    // start below the fold.
    let submitted_here = RwSignal::new(false);
    Effect::new(move || {
        let arrived = !searching.get() && results.with(|r| matches!(r, Some(Some(_))));
        if arrived && submitted_here.get_untracked() {
            submitted_here.set(false);
            request_animation_frame(|| crate::components::focus_by_id("results-title"));
        }
    });
    // Filters applied as they change navigate too, but the form already
    // holds them: it is not rebuilt then (the focus stays where it is).
    let applied_here = RwSignal::new(None::<(SearchForm, FilterForm)>);
    let form_source = Memo::new(move |previous: Option<&Option<(SearchForm, FilterForm)>>| {
        let now = submitted.get();
        match previous {
            Some(previous) if now.is_some() && now == applied_here.get_untracked() => {
                previous.clone()
            }
            _ => now,
        }
    });
    let server_errors = Signal::derive(move || match results.get() {
        Some(Some(Err(AppError::Invalid(errors)))) => errors,
        _ => FieldErrors::default(),
    });

    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Find a room"</h1>
            <p class="lede">"Pick your dates and party size to see what is free for every night."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match window.await {
                        Ok(window) => {
                            // Rebuilt when the URL changes (a suggestion, Back).
                            let shown = form_source.get();
                            let searched = shown.is_some();
                            let (initial, filters) = shown.unwrap_or_default();
                            view! { <SearchFormView window initial filters server_errors submitted_here searched applied_here /> }.into_any()
                        }
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let empty = matches!(rooms_exist.await, Ok(false));
                (empty && submitted.get_untracked().is_none()).then(|| view! { <FirstRun /> })
            })}
        </Suspense>
        <section id="results" class="results" aria-live="polite" aria-busy=move || searching.get().to_string()>
            <Transition set_pending=set_searching fallback=|| view! { <p class="loading">"Searching…"</p> }>
                {move || Suspend::new(async move {
                    let (form, filters) = submitted.get_untracked().unwrap_or_default();
                    match results.await {
                        None => ().into_any(),
                        Some(Ok(results)) => view! { <Offers results form filters /> }.into_any(),
                        Some(Err(AppError::Invalid(_))) => view! {
                            <p class="alert error" role="alert">"Please correct the search above."</p>
                        }.into_any(),
                        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The form. Messages appear under a field once the user has changed it, and
/// under every field on a submit attempt; nothing is sent while any is broken.
/// Filters and order sit in the same form and travel in the same URL.
#[component]
fn SearchFormView(
    window: BookingWindow,
    initial: SearchForm,
    filters: FilterForm,
    server_errors: Signal<FieldErrors>,
    /// Set when this form navigates to a search.
    submitted_here: RwSignal<bool>,
    /// A search is on show: a changed filter or order applies at once.
    searched: bool,
    /// The search a changed filter navigated to.
    applied_here: RwSignal<Option<(SearchForm, FilterForm)>>,
) -> impl IntoView {
    let or = |value: String, default: &str| {
        if value.is_empty() {
            default.to_owned()
        } else {
            value
        }
    };
    let check_in = RwSignal::new(initial.check_in);
    let check_out = RwSignal::new(initial.check_out);
    let guests = RwSignal::new(or(initial.guests, "2"));
    let units = RwSignal::new(or(initial.units, "1"));
    let initial_sort = filters.sort.clone();
    let sort = RwSignal::new(filters.sort);
    let min_price = RwSignal::new(filters.min_price);
    let max_price = RwSignal::new(filters.max_price);

    let form = move || SearchForm {
        check_in: check_in.get(),
        check_out: check_out.get(),
        guests: guests.get(),
        units: units.get(),
    };
    let filters = move || FilterForm {
        sort: sort.get(),
        min_price: min_price.get(),
        max_price: max_price.get(),
    };
    let checks = Checks::new(move || {
        let mut errors = form().parse(&window).err().unwrap_or_default();
        errors.extend(filters().parse().err().unwrap_or_default());
        errors
    });
    Effect::new(move || checks.show_server(&AppError::Invalid(server_errors.get())));

    let navigate = use_navigate();
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if checks.attempt() {
            let query = search_and_filters_to_query(&form(), &filters());
            submitted_here.set(true);
            navigate(
                &with_query("/", &query),
                NavigateOptions {
                    scroll: false,
                    ..NavigateOptions::default()
                },
            );
        }
    };

    // With the WASM, sort and price apply as they change (a price once
    // typed and left); before it, with the Search button.
    let navigate = use_navigate();
    let on_filter_change = move |_: leptos::ev::Event| {
        if searched && checks.attempt() {
            let (form, filters) = (form(), filters());
            let query = search_and_filters_to_query(&form, &filters);
            applied_here.set(Some((form, filters)));
            navigate(
                &with_query("/", &query),
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..NavigateOptions::default()
                },
            );
        }
    };

    let limits = StayLimits::of(window);
    view! {
        <form class="search-form stack" method="get" action="/" novalidate on:submit=on_submit>
            <div class="form-grid">
                <Input id="check_in" label="Check-in" value=check_in checks kind="date"
                    min=limits.first_check_in max=limits.last_check_in />
                <Input id="check_out" label="Check-out" value=check_out checks kind="date"
                    min=limits.first_check_out max=limits.last_check_out />
                <Input id="guests" label="Guests" value=guests checks kind="number" inputmode="numeric" min="1" />
                <Input id="units" label="Rooms" value=units checks kind="number" inputmode="numeric" min="1" />
            </div>
            <details class="filters" open=!filters().min_price.is_empty() || !filters().max_price.is_empty()
                on:change=on_filter_change>
                <summary>"Sort and price"</summary>
                <div class="form-grid toolbar">
                    <div class="field">
                        <label for="sort">"Sort by"</label>
                        <select id="sort" name="sort" prop:value=sort
                            on:change=move |ev| sort.set(event_target_value(&ev))>
                            // `selected` for the server's HTML (no WASM yet).
                            <option value="price_asc" selected=initial_sort == "price_asc">"Price: low to high"</option>
                            <option value="price_desc" selected=initial_sort == "price_desc">"Price: high to low"</option>
                            <option value="name" selected=initial_sort == "name">"Name"</option>
                        </select>
                    </div>
                    <Input id="min_price" label="Min price per night" value=min_price checks
                        inputmode="decimal" />
                    <Input id="max_price" label="Max price per night" value=max_price checks
                        inputmode="decimal" />
                </div>
            </details>
            <div class="form-actions">
                <button type="submit" class="button primary">"Search"</button>
            </div>
        </form>
    }
}

#[component]
fn Offers(results: SearchResults, form: SearchForm, filters: FilterForm) -> impl IntoView {
    let SearchResults {
        page,
        nearby,
        empty_because,
    } = results;
    if page.offers.is_empty() {
        return view! { <NoOffers nearby empty_because form filters /> }.into_any();
    }
    let offers = RwSignal::new(page.offers);
    let cursor = RwSignal::new(page.next_cursor);
    let room_query = search_to_query(&form);
    let more = Action::new(move |(): &()| {
        let (form, filters) = (form.clone(), filters.clone());
        async move { search_rooms(form, filters, cursor.get_untracked()).await }
    });
    Effect::new(move || {
        if let Some(Ok(results)) = more.value().get() {
            offers.update(|offers| offers.extend(results.page.offers));
            cursor.set(results.page.next_cursor);
        }
    });
    view! {
        <h2 id="results-title" tabindex="-1">{move || offers.with(|o| plural(o.len().try_into().unwrap_or(i64::MAX), "room", "rooms")) + " available"}</h2>
        <ul class="offers" role="list">
            <For each=move || offers.get() key=|offer| offer.id let:offer>
                <OfferCard offer room_query=room_query.clone() />
            </For>
        </ul>
        {move || match more.value().get() {
            Some(Err(error)) => Some(view! { <ErrorAlert error /> }),
            _ => None,
        }}
        <Show when=move || cursor.with(Option::is_some)>
            <div class="form-actions">
                <button type="button" class="button secondary"
                    disabled=move || more.pending().get()
                    aria-busy=move || more.pending().get().to_string()
                    on:click=move |_| { more.dispatch(()); }>
                    "Show more rooms"
                </button>
            </div>
        </Show>
    }
    .into_any()
}

/// An empty result, with the reason and the way out: the price range
/// that hid rooms, the number of rooms that would sleep the party, or
/// nearby dates.
#[component]
fn NoOffers(
    nearby: Vec<NearbyStay>,
    empty_because: Option<EmptyBecause>,
    form: SearchForm,
    filters: FilterForm,
) -> impl IntoView {
    let href = |form: &SearchForm, filters: &FilterForm| {
        with_query("/", &search_and_filters_to_query(form, filters))
    };
    let (title, advice) = match empty_because {
        Some(EmptyBecause::PriceFilter { hidden, more }) => {
            let count = plural(hidden, "room", "rooms");
            let unfiltered = FilterForm {
                min_price: String::new(),
                max_price: String::new(),
                ..filters.clone()
            };
            (
                "No rooms in that price range".to_owned(),
                view! {
                    <p data-testid="empty-reason">
                        {format!("The price filter hid {}{count} free for these dates. ", if more { "more than " } else { "" })}
                        <A href=href(&form, &unfiltered)>"Show them (clear the price filter)"</A>
                    </p>
                }
                .into_any(),
            )
        }
        Some(EmptyBecause::PartySize { units }) => {
            let more_rooms = SearchForm {
                units: units.to_string(),
                ..form.clone()
            };
            let guests = form.guests.trim().to_owned();
            (
                format!("No room sleeps {guests} guests"),
                view! {
                    <p data-testid="empty-reason">
                        {format!("Rooms are free for these dates, but your party needs more than {}. ",
                            plural(form.units.trim().parse().unwrap_or(1), "room", "rooms"))}
                        <A href=href(&more_rooms, &filters)>{format!("Try {units} rooms")}</A>
                    </p>
                }
                .into_any(),
            )
        }
        Some(EmptyBecause::Dates) | None => (
            "No rooms are free for every night of that stay".to_owned(),
            view! {
                <p data-testid="empty-reason">"Every room is sold out or closed on at least one of these nights. Try nearby dates or fewer rooms."</p>
            }
            .into_any(),
        ),
    };
    let suggestions = nearby
        .into_iter()
        .map(|stay| {
            let moved = SearchForm {
                check_in: stay.check_in.to_string(),
                check_out: stay.check_out.to_string(),
                ..form.clone()
            };
            let text = format!(
                "{} – {}: {} free",
                short_date(stay.check_in),
                short_date(stay.check_out),
                plural(stay.rooms.try_into().unwrap_or(i64::MAX), "room", "rooms"),
            );
            view! { <li><A href=href(&moved, &filters)>{text}</A></li> }
        })
        .collect_view();
    view! {
        <div class="empty-state">
            <h2 id="results-title" tabindex="-1">{title}</h2>
            {advice}
            <ul class="suggestions" role="list" aria-label="Nearby dates with free rooms">{suggestions}</ul>
        </div>
    }
}

#[component]
fn OfferCard(offer: RoomOffer, room_query: String) -> impl IntoView {
    let per_night = money(offer.nightly_from_cents, &offer.currency);
    let total = money(offer.total_cents, &offer.currency);
    let nights = plural(offer.nights.into(), "night", "nights");
    let left = (offer.min_free <= 3).then(|| format!("{} left", offer.min_free));
    let href = format!("/rooms/{}?{room_query}", offer.id);
    view! {
        <li class="card offer">
            <crate::pages::photos::CoverPhoto photo=offer.cover.clone() />
            <h3><A href=href>{offer.name}</A></h3>
            <p class="capacity muted">{format!("Sleeps {}", offer.capacity)}</p>
            <p class="description">{offer.description}</p>
            <p class="price">
                <span class="per-night">{format!("from {per_night} / night")}</span>
                <strong class="total">{format!("{total} for {nights}")}</strong>
            </p>
            {left.map(|text| view! { <p class="scarcity">{text}</p> })}
        </li>
    }
}
