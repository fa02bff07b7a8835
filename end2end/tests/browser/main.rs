//! End-to-end tests in headless Chromium against the real server and the
//! WASM bundle cargo-leptos built. One binary; one module per journey.

mod search;
