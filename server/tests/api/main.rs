//! Integration tests of the server: the real router in memory, a real
//! PostgreSQL database per test (`#[sqlx::test]`).

mod helpers;

mod account;
mod account_ui;
mod auth;
mod availability;
mod bookings;
mod bookings_concurrency;
mod bookings_idempotency;
mod bookings_search;
mod connections;
mod create_admin_cli;
mod demo;
mod extremes;
mod health;
mod metrics;
mod openapi;
mod pages;
mod photos;
mod rate_limits;
mod rooms;
mod search;
mod search_index;
mod shared_state;
mod tokens;
