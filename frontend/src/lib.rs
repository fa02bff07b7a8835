//! Browser entry point. Owns nothing but the hand-over from the
//! server-rendered HTML to Leptos; all UI lives in `app`. Built three times
//! (ADR 0013, ADR 0018): the guest and admin bundles hydrate the whole page
//! (feature `admin` adds the admin pages), the islands bundle (feature
//! `islands`) only the page's islands.

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    #[cfg(feature = "islands")]
    app::hydrate_islands();
    #[cfg(not(feature = "islands"))]
    leptos::mount::hydrate_body(app::App);
    // Hydration is synchronous: from here on the page is interactive. Browser
    // tests wait for this marker instead of sleeping.
    if let Some(root) = document().document_element() {
        // Only a test hook: failing to set it must not break the page.
        root.set_attribute("data-hydrated", "true").ok();
    }
}
