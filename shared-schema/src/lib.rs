//! Wire types and input validation shared by the browser UI and the server.
//!
//! This crate is the single source of truth for what a valid input is. A
//! Leptos form validates with these types while the user types, and the server
//! validates the same types again and answers 422 with the same message per
//! field, so every message is a short sentence written to sit under a form
//! field and is exported as a `MSG_*` constant next to its rule.
//!
//! It compiles into both the browser WASM bundle and the axum server, so it
//! may not touch the clock ("today" always arrives in a [`BookingWindow`]),
//! the network, the database or any server-only crate. Server-only derives go
//! behind the `ssr` feature with `cfg_attr`. Public types use `i32`/`i64`,
//! never `usize`, because they cross to WASM.
#![warn(missing_docs)]

pub mod account;
pub mod auth;
pub mod booking;
pub mod date;
pub mod dto;
pub mod errors;
pub mod form;
pub mod inventory;
pub mod photos;
pub mod rooms;
pub mod search;
pub mod stay;
pub mod text;

mod rule;

pub use errors::{ConflictCode, FieldError, FieldErrors, validated};
pub use stay::BookingWindow;

#[cfg(test)]
mod test_support;
