//! The home page: search rooms by dates and guests.
//!
//! A submitted search lives in the URL (`/?check_in=..&check_out=..`), so
//! results are server-rendered, shareable and work before the WASM loads.
//! In the browser the form validates with the shared-schema rules as the user
//! types and only navigates when the input is valid; the server function
//! validates the same `SearchForm` again with the same function.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
};
use shared_schema::{dto::RoomOffer, errors::FieldErrors, form::SearchForm, stay::BookingWindow};

use crate::{
    AppError,
    format::{money, plural},
};

/// Which nights can be booked now, as the server sees "today".
#[server(endpoint = "booking_window")]
pub async fn get_booking_window() -> Result<BookingWindow, AppError> {
    crate::error::with_status(match crate::backend::backend() {
        Ok(backend) => Ok(backend.booking_window().await),
        Err(error) => Err(error),
    })
}

/// Validates the raw form with the shared rules and runs the search.
#[server(endpoint = "search_rooms")]
pub async fn search_rooms(form: SearchForm) -> Result<Vec<RoomOffer>, AppError> {
    crate::error::with_status(
        async {
            let backend = crate::backend::backend()?;
            let search = form
                .parse(&backend.booking_window().await)
                .map_err(AppError::Invalid)?;
            backend.search_rooms(search).await
        }
        .await,
    )
}

/// The search as the URL carries it; `None` until a search was submitted.
fn search_from_query(query: &leptos_router::params::ParamsMap) -> Option<SearchForm> {
    let value = |key: &str| query.get(key).unwrap_or_default();
    query.get("check_in").map(|_| SearchForm {
        check_in: value("check_in"),
        check_out: value("check_out"),
        guests: value("guests"),
        units: value("units"),
    })
}

fn search_to_query(form: &SearchForm) -> String {
    // Dates and integers need no escaping; anything else was rejected above.
    format!(
        "check_in={}&check_out={}&guests={}&units={}",
        form.check_in.trim(),
        form.check_out.trim(),
        form.guests.trim(),
        form.units.trim()
    )
}

#[component]
pub(crate) fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let submitted = Memo::new(move |_| query.with(search_from_query));
    let window = Resource::new(|| (), |()| get_booking_window());
    let results = Resource::new(
        move || submitted.get(),
        |search| async move {
            match search {
                Some(form) => Some(search_rooms(form).await),
                None => None,
            }
        },
    );
    let (searching, set_searching) = signal(false);
    let server_errors = Signal::derive(move || match results.get() {
        Some(Some(Err(AppError::Invalid(errors)))) => errors,
        _ => FieldErrors::default(),
    });

    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Find a room"</h1>
            <p class="lede">"Pick your dates and party size to see what is free for every night."</p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match window.await {
                        Ok(window) => {
                            let initial = submitted.get_untracked().unwrap_or_default();
                            view! { <SearchFormView window initial server_errors /> }.into_any()
                        }
                        Err(error) => view! { <p class="alert" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section id="results" class="results" aria-live="polite" aria-busy=move || searching.get().to_string()>
            <Transition set_pending=set_searching fallback=|| view! { <p class="muted">"Searching…"</p> }>
                {move || Suspend::new(async move {
                    match results.await {
                        None => ().into_any(),
                        Some(Ok(offers)) => view! { <Offers offers /> }.into_any(),
                        Some(Err(AppError::Invalid(_))) => view! {
                            <p class="alert" role="alert">"Please correct the search above."</p>
                        }.into_any(),
                        Some(Err(error)) => view! {
                            <p class="alert" role="alert">{error.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The form. Messages appear under a field once the user has changed it, and
/// under every field on a submit attempt; nothing is sent while any is broken.
#[component]
fn SearchFormView(
    window: BookingWindow,
    initial: SearchForm,
    server_errors: Signal<FieldErrors>,
) -> impl IntoView {
    let check_in = RwSignal::new(initial.check_in);
    let check_out = RwSignal::new(initial.check_out);
    let guests = RwSignal::new(if initial.guests.is_empty() {
        "2".to_owned()
    } else {
        initial.guests
    });
    let units = RwSignal::new(if initial.units.is_empty() {
        "1".to_owned()
    } else {
        initial.units
    });
    let touched = RwSignal::new(Vec::<&'static str>::new());
    let attempted = RwSignal::new(false);

    let form = move || SearchForm {
        check_in: check_in.get(),
        check_out: check_out.get(),
        guests: guests.get(),
        units: units.get(),
    };
    let errors = Memo::new(move |_| form().parse(&window).err().unwrap_or_default());
    let message = move |field: &'static str| {
        let shown = attempted.get() || touched.with(|t| t.contains(&field));
        errors
            .with(|e| e.for_field(field).map(str::to_owned))
            .filter(|_| shown)
            .or_else(|| server_errors.with(|e| e.for_field(field).map(str::to_owned)))
    };
    let touch = move |field: &'static str| {
        touched.update(|t| {
            if !t.contains(&field) {
                t.push(field);
            }
        });
    };

    let navigate = use_navigate();
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        attempted.set(true);
        if errors.with(FieldErrors::is_empty) {
            navigate(
                &format!("/?{}", search_to_query(&form())),
                NavigateOptions::default(),
            );
        }
    };

    let min = window.today.to_string();
    let max = window
        .last_night()
        .map(|night| night.to_string())
        .unwrap_or_default();
    let (min_out, max_out) = (min.clone(), max.clone());
    view! {
        <form class="search-form" method="get" action="/" novalidate on:submit=on_submit>
            <Field id="check_in" label="Check-in" message=Signal::derive(move || message("check_in"))>
                <input id="check_in" name="check_in" type="date" min=min max=max
                    prop:value=check_in
                    on:input=move |ev| { check_in.set(event_target_value(&ev)); touch("check_in"); }
                    aria-invalid=move || message("check_in").is_some().to_string()
                    aria-describedby="check_in-error" />
            </Field>
            <Field id="check_out" label="Check-out" message=Signal::derive(move || message("check_out"))>
                <input id="check_out" name="check_out" type="date" min=min_out max=max_out
                    prop:value=check_out
                    on:input=move |ev| { check_out.set(event_target_value(&ev)); touch("check_out"); }
                    aria-invalid=move || message("check_out").is_some().to_string()
                    aria-describedby="check_out-error" />
            </Field>
            <Field id="guests" label="Guests" message=Signal::derive(move || message("guests"))>
                <input id="guests" name="guests" type="number" inputmode="numeric" min="1"
                    prop:value=guests
                    on:input=move |ev| { guests.set(event_target_value(&ev)); touch("guests"); }
                    aria-invalid=move || message("guests").is_some().to_string()
                    aria-describedby="guests-error" />
            </Field>
            <Field id="units" label="Rooms" message=Signal::derive(move || message("units"))>
                <input id="units" name="units" type="number" inputmode="numeric" min="1"
                    prop:value=units
                    on:input=move |ev| { units.set(event_target_value(&ev)); touch("units"); }
                    aria-invalid=move || message("units").is_some().to_string()
                    aria-describedby="units-error" />
            </Field>
            <button type="submit" class="button primary">"Search"</button>
        </form>
    }
}

/// A labelled input with its message slot. The slot is always present (and
/// referenced by `aria-describedby`) so screen readers announce new messages.
#[component]
fn Field(
    id: &'static str,
    label: &'static str,
    message: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field" class:invalid=move || message.with(Option::is_some)>
            <label for=id>{label}</label>
            {children()}
            <p class="field-error" id=format!("{id}-error") aria-live="polite">
                {move || message.get()}
            </p>
        </div>
    }
}

#[component]
fn Offers(offers: Vec<RoomOffer>) -> impl IntoView {
    if offers.is_empty() {
        return view! {
            <div class="empty-state">
                <h2>"No rooms are free for every night of that stay"</h2>
                <p>"Try moving your dates by a day or two, or searching for fewer rooms."</p>
            </div>
        }
        .into_any();
    }
    let heading =
        plural(offers.len().try_into().unwrap_or(i64::MAX), "room", "rooms") + " available";
    view! {
        <h2>{heading}</h2>
        <ul class="offers" role="list">
            {offers.into_iter().map(|offer| view! { <OfferCard offer /> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn OfferCard(offer: RoomOffer) -> impl IntoView {
    let per_night = money(offer.nightly_from_cents, &offer.currency);
    let total = money(offer.total_cents, &offer.currency);
    let nights = plural(offer.nights.into(), "night", "nights");
    let left = (offer.min_free <= 3).then(|| format!("{} left", offer.min_free));
    view! {
        <li class="card offer">
            <h3>{offer.name}</h3>
            <p class="muted">{format!("Sleeps {}", offer.capacity)}</p>
            <p class="description">{offer.description}</p>
            <p class="price">
                <span class="per-night">{format!("from {per_night} / night")}</span>
                <strong class="total">{format!("{total} for {nights}")}</strong>
            </p>
            {left.map(|text| view! { <p class="scarcity">{text}</p> })}
        </li>
    }
}
