//! Islands: the interactive parts of a server-rendered page that the
//! guest bundle hydrates on their own (ADR 0018).
//!
//! The server renders the whole page as always. An island is wrapped in an
//! element that names it and carries its props as JSON, and
//! [`hydrate_islands`] hydrates each such element from its props alone:
//! no router, no resources, no app around it, so the bundle holds only
//! what the islands need. The admin bundle, which hydrates whole pages,
//! hydrates the same wrapper and island like any other part.

use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};

/// A part of a page that works from its props alone.
pub(crate) trait Island: Serialize + DeserializeOwned + 'static {
    /// Its name in the page (`data-island`).
    const NAME: &'static str;

    /// The island's view, the same in the server's HTML and the browser.
    fn render(self) -> AnyView;
}

/// `island` wrapped in the element the guest bundle finds it by.
pub(crate) fn island<I: Island>(island: I) -> impl IntoView {
    // Only the server writes the props: the guest bundle reads them from
    // its HTML, and a bundle that hydrates whole pages (or renders one after
    // a client-side navigation) never does, so it needs no serializer.
    // Plain data of our own types: serializing it cannot fail.
    #[cfg(feature = "ssr")]
    let props = serde_json::to_string(&island).ok();
    #[cfg(not(feature = "ssr"))]
    let props: Option<String> = None;
    view! { <div class="island" data-island=I::NAME data-props=props>{island.render()}</div> }
}

/// Hydrates every island of the page (the guest bundle's entry point).
#[cfg(feature = "hydrate")]
pub fn hydrate_islands() {
    use leptos::wasm_bindgen::JsCast;

    /// Hydrates one island in its element.
    type Hydrate = fn(web_sys::HtmlElement);
    /// The islands this bundle knows, by name.
    const ISLANDS: [(&str, Hydrate); 6] = [
        (
            crate::pages::room::RoomIsland::NAME,
            hydrate::<crate::pages::room::RoomIsland>,
        ),
        (
            crate::pages::auth::AuthIsland::NAME,
            hydrate::<crate::pages::auth::AuthIsland>,
        ),
        (
            crate::pages::bookings::CancelIsland::NAME,
            hydrate::<crate::pages::bookings::CancelIsland>,
        ),
        (
            crate::pages::account::PasswordIsland::NAME,
            hydrate::<crate::pages::account::PasswordIsland>,
        ),
        (
            crate::pages::account::tokens::NewTokenIsland::NAME,
            hydrate::<crate::pages::account::tokens::NewTokenIsland>,
        ),
        (
            crate::pages::search::SearchIsland::NAME,
            hydrate::<crate::pages::search::SearchIsland>,
        ),
    ];

    let Ok(found) = document().query_selector_all("[data-island]") else {
        return;
    };
    for index in 0..found.length() {
        let Some(element) = found
            .item(index)
            .and_then(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            continue;
        };
        let name = element.get_attribute("data-island").unwrap_or_default();
        if let Some((_, hydrate)) = ISLANDS.iter().find(|(known, _)| *known == name) {
            hydrate(element);
        }
    }
}

/// Hydrates one island from the props in its element; an island whose
/// props do not read stays as the server rendered it.
#[cfg(feature = "hydrate")]
fn hydrate<I: Island>(element: web_sys::HtmlElement) {
    let Some(island) = element
        .get_attribute("data-props")
        .and_then(|props| serde_json::from_str::<I>(&props).ok())
    else {
        leptos::logging::error!("island {}: unreadable props", I::NAME);
        return;
    };
    hydrate_from(element, move || island.render()).forget();
}
