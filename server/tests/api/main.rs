//! Integration tests of the server: the real router in memory, a real
//! PostgreSQL database per test (`#[sqlx::test]`).

mod helpers;

mod auth;
mod availability;
mod bookings;
mod bookings_concurrency;
mod bookings_idempotency;
mod extremes;
mod health;
mod openapi;
mod pages;
mod rate_limits;
mod rooms;
mod search;
