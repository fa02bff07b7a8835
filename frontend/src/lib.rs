//! Browser entry point. Owns nothing but the hand-over from the
//! server-rendered HTML to the hydrated Leptos app; all UI lives in `app`.

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Hydration is synchronous: from here on the page is interactive. Browser
    // tests wait for this marker instead of sleeping.
    if let Some(root) = document().document_element() {
        // Only a test hook: failing to set it must not break the page.
        root.set_attribute("data-hydrated", "true").ok();
    }
}
