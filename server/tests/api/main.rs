//! Integration tests of the server: the real router in memory, a real
//! PostgreSQL database per test (`#[sqlx::test]`).

mod helpers;

mod health;
mod pages;
mod search;
