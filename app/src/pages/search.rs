//! The home page: search rooms by dates and guests.
//!
//! A submitted search lives in the URL (`/?check_in=..&check_out=..`), so
//! results are server-rendered, shareable and work without WASM: the form
//! is a GET to this page. It is an island ([`SearchIsland`], ADR 0018)
//! that validates with the shared-schema rules as the user types and only
//! lets a valid search go, and applies sort and price as they change; the
//! server function validates the same `SearchForm` again with the same
//! function.

use chrono::NaiveDate;
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map, params::ParamsMap};
use serde::{Deserialize, Serialize};
use shared_schema::{
    dto::RoomOffer,
    errors::FieldErrors,
    form::{FilterForm, SearchForm},
    search::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SearchPage},
    stay::BookingWindow,
};

use crate::{
    AppError,
    components::{Checks, ErrorAlert, Input, StayLimits},
    format::{money, plural, short_date},
    island::{Island, island},
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
    /// Why nothing was found.
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
/// search; `limit` asks for more offers than the first page's (at most
/// [`MAX_PAGE_SIZE`]).
#[server(endpoint = "search_rooms")]
pub async fn search_rooms(
    form: SearchForm,
    #[server(default)] filters: FilterForm,
    #[server(default)] limit: Option<i32>,
) -> Result<SearchResults, AppError> {
    use shared_schema::search::{RoomSearch, SearchOptions};
    /// Days a suggestion may move the stay, nearest first.
    const NEARBY_SHIFTS: [i64; 6] = [-1, 1, -2, 2, -3, 3];

    crate::backend::serve(|backend, _| async move {
        let window = backend.booking_window().await;
        let (search, options) = match (form.parse(&window), filters.parse()) {
            (Ok(search), Ok(options)) => (
                search,
                SearchOptions {
                    limit: limit.map(|limit| limit.clamp(1, MAX_PAGE_SIZE)),
                    ..options
                },
            ),
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
        let empty_because = if page.offers.is_empty() {
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

/// A search as the URL carries it: the form, its filters and how many
/// offers to show.
type Submitted = (SearchForm, FilterForm, Option<i32>);

/// The search in the URL; `None` until a search was submitted.
fn search_from_query(query: &ParamsMap) -> Option<Submitted> {
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
            query.get("limit").and_then(|limit| limit.parse().ok()),
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

/// A link to the home page with a search, its filters and, unless empty,
/// how many offers to show.
fn search_href(form: &SearchForm, filters: &FilterForm, limit: &str) -> String {
    let query = query_string([
        ("check_in", form.check_in.as_str()),
        ("check_out", &form.check_out),
        ("guests", &form.guests),
        ("units", &form.units),
        ("sort", &filters.sort),
        ("min_price", &filters.min_price),
        ("max_price", &filters.max_price),
        ("limit", limit),
    ]);
    with_query("/", &query)
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
                Some((form, filters, limit)) => Some(search_rooms(form, filters, limit).await),
                None => None,
            }
        },
    );

    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Find a room"</h1>
            <p class="lede">"Pick your dates and party size to see what is free for every night."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let window = match window.await {
                        Ok(window) => window,
                        Err(error) => return view! { <ErrorAlert error /> }.into_any(),
                    };
                    let refused = match results.await {
                        Some(Err(AppError::Invalid(errors))) => errors,
                        _ => FieldErrors::default(),
                    };
                    let shown = submitted.get();
                    let searched = shown.is_some();
                    let (form, filters, _) = shown.unwrap_or_default();
                    island(SearchIsland { window, form, filters, refused, searched }).into_any()
                })}
            </Suspense>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let empty = matches!(rooms_exist.await, Ok(false));
                (empty && submitted.get_untracked().is_none()).then(|| view! { <FirstRun /> })
            })}
        </Suspense>
        <section id="results" class="results" aria-live="polite">
            <Suspense fallback=|| view! { <p class="loading">"Searching…"</p> }>
                {move || Suspend::new(async move {
                    let (form, filters, _) = submitted.get_untracked().unwrap_or_default();
                    match results.await {
                        None => ().into_any(),
                        Some(Ok(results)) => view! { <Offers results form filters /> }.into_any(),
                        Some(Err(AppError::Invalid(_))) => view! {
                            <p class="alert error" role="alert">"Please correct the search above."</p>
                        }.into_any(),
                        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The search form: messages appear under a field once the user has
/// changed it, and under every field on a submit attempt; nothing is sent
/// while any is broken. Filters and order sit in the same form and travel
/// in the same URL.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SearchIsland {
    window: BookingWindow,
    form: SearchForm,
    filters: FilterForm,
    /// The server's verdict on the search in the URL.
    refused: FieldErrors,
    /// A search is on show: a changed filter or order applies at once.
    searched: bool,
}

impl Island for SearchIsland {
    const NAME: &'static str = "search";

    fn render(self) -> AnyView {
        let Self {
            window,
            form: initial,
            filters,
            refused,
            searched,
        } = self;
        let or = |value: String, default: &str| {
            if value.is_empty() {
                default.to_owned()
            } else {
                value
            }
        };
        let filtered = !filters.min_price.is_empty()
            || !filters.max_price.is_empty()
            || !matches!(filters.sort.as_str(), "" | "price_asc");
        let check_in = RwSignal::new(initial.check_in);
        let check_out = RwSignal::new(initial.check_out);
        let guests = RwSignal::new(or(initial.guests, "2"));
        let units = RwSignal::new(or(initial.units, "1"));
        let initial_sort = filters.sort.clone();
        let sort = RwSignal::new(filters.sort);
        let min_price = RwSignal::new(filters.min_price);
        let max_price = RwSignal::new(filters.max_price);

        let checks = Checks::new(move || {
            let form = SearchForm {
                check_in: check_in.get(),
                check_out: check_out.get(),
                guests: guests.get(),
                units: units.get(),
            };
            let filters = FilterForm {
                sort: sort.get(),
                min_price: min_price.get(),
                max_price: max_price.get(),
            };
            let mut errors = form.parse(&window).err().unwrap_or_default();
            errors.extend(filters.parse().err().unwrap_or_default());
            errors
        });
        checks.show_server(&AppError::Invalid(refused));
        let on_submit = move |event: SubmitEvent| checks.refuse_invalid(&event);

        // A search just sent (the form's address ends in `#results`): the
        // results get the focus, which also keeps them in view on a phone,
        // where they start below the fold.
        Effect::new(|| {
            let hash = leptos::prelude::window().location().hash();
            if hash.is_ok_and(|hash| hash == "#results") {
                crate::components::focus_by_id("results-title");
            }
        });

        // With the WASM, sort and price apply as they change (a price once
        // typed and left); before it, with the Search button.
        let form_ref = NodeRef::<leptos::html::Form>::new();
        let on_filter_change = move |_: leptos::ev::Event| {
            if let Some(form) = form_ref.get_untracked().filter(|_| searched) {
                // As if Search were pressed: checked first, then sent.
                form.request_submit().ok();
            }
        };

        let limits = StayLimits::of(window);
        view! {
            <form class="search-form stack" method="get" action="/#results" novalidate
                node_ref=form_ref on:submit=on_submit>
                <div class="form-grid">
                    <Input id="check_in" label="Check-in" value=check_in checks kind="date"
                        min=limits.first_check_in max=limits.last_check_in />
                    <Input id="check_out" label="Check-out" value=check_out checks kind="date"
                        min=limits.first_check_out max=limits.last_check_out />
                    <Input id="guests" label="Guests" value=guests checks kind="number" inputmode="numeric" min="1" />
                    <Input id="units" label="Rooms" value=units checks kind="number" inputmode="numeric" min="1" />
                </div>
                <details class="filters" open=filtered on:change=on_filter_change>
                    <summary>"Sort and price"</summary>
                    <div class="form-grid toolbar">
                        <div class="field">
                            <label for="sort">"Sort by"</label>
                            <select id="sort" name="sort" on:change=move |ev| sort.set(event_target_value(&ev))>
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
        .into_any()
    }
}

/// The offers found, and a link that shows more when there are: the same
/// search with a larger page, landing on the first new offer.
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
    let shown = i32::try_from(page.offers.len()).unwrap_or(MAX_PAGE_SIZE);
    let more = page.next_cursor.is_some().then(|| {
        if shown >= MAX_PAGE_SIZE {
            return view! {
                <p class="muted">{format!("Showing the first {shown} rooms: narrow the search to see others.")}</p>
            }
            .into_any();
        }
        let limit = (shown + DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE).to_string();
        let href = format!("{}#offer-{shown}", search_href(&form, &filters, &limit));
        view! {
            <div class="form-actions">
                <a class="button secondary" href=href>"Show more rooms"</a>
            </div>
        }
        .into_any()
    });
    let room_query = search_to_query(&form);
    let cards = page
        .offers
        .into_iter()
        .enumerate()
        .map(|(index, offer)| view! { <OfferCard offer index room_query=room_query.clone() /> })
        .collect_view();
    view! {
        <h2 id="results-title" tabindex="-1">{format!("{} available", plural(shown.into(), "room", "rooms"))}</h2>
        <ul class="offers" role="list">{cards}</ul>
        {more}
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
                        <A href=search_href(&form, &unfiltered, "")>"Show them (clear the price filter)"</A>
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
                        <A href=search_href(&more_rooms, &filters, "")>{format!("Try {units} rooms")}</A>
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
            view! { <li><A href=search_href(&moved, &filters, "")>{text}</A></li> }
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
fn OfferCard(offer: RoomOffer, index: usize, room_query: String) -> impl IntoView {
    let per_night = money(offer.nightly_from_cents, &offer.currency);
    let total = money(offer.total_cents, &offer.currency);
    let nights = plural(offer.nights.into(), "night", "nights");
    let left = (offer.min_free <= 3).then(|| format!("{} left", offer.min_free));
    let href = format!("/rooms/{}?{room_query}", offer.id);
    view! {
        <li class="card offer" id=format!("offer-{index}")>
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
