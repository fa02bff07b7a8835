//! One module per page (the admin pages in their own folder).

pub(crate) mod admin;
mod auth;
pub(crate) mod bookings;
mod not_found;
pub(crate) mod room;
pub(crate) mod search;

pub(crate) use auth::{LoginPage, RegisterPage};
pub(crate) use bookings::{BookingPage, MyBookingsPage};
pub(crate) use not_found::NotFound;
pub(crate) use room::RoomPage;
pub(crate) use search::SearchPage;
