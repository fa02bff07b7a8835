//! End-to-end tests in headless Chromium against the real server and the
//! WASM bundle built by `scripts/test.sh`. One binary; one module per journey.

mod accessibility;
mod account;
mod admin;
mod admin_inventory;
mod admin_search;
mod booking;
mod journey;
mod no_javascript;
mod photos;
mod room;
mod search;
