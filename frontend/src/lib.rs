//! Browser entry point. Owns nothing but the hand-over from the
//! server-rendered HTML to Leptos; all UI lives in `app`. Built twice (ADR
//! 0013, ADR 0018): the guest bundle hydrates only the islands of a page,
//! the admin bundle (feature `admin`) the whole page.

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    #[cfg(not(feature = "admin"))]
    app::hydrate_islands();
    #[cfg(feature = "admin")]
    leptos::mount::hydrate_body(app::App);
    // Hydration is synchronous: from here on the page is interactive. Browser
    // tests wait for this marker instead of sleeping.
    if let Some(root) = document().document_element() {
        // Only a test hook: failing to set it must not break the page.
        root.set_attribute("data-hydrated", "true").ok();
    }
}
