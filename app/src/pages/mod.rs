//! One module per page (the admin pages in their own folder).

pub(crate) mod account;
#[cfg(feature = "admin")]
pub(crate) mod admin;
pub(crate) mod auth;
pub(crate) mod bookings;
mod not_found;
pub(crate) mod photos;
pub(crate) mod room;
pub(crate) mod search;

pub(crate) use account::AccountPage;
pub(crate) use auth::{LoginPage, RegisterPage};
pub(crate) use bookings::{BookingPage, MyBookingsPage};
pub(crate) use not_found::NotFound;
pub(crate) use room::RoomPage;
pub(crate) use search::SearchPage;

use std::future::Future;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::AppError;

/// What the page's `:id` names, loaded with `load`; a malformed id is a
/// 404 like an unknown one.
pub(crate) fn by_path_id<T, Fut>(load: fn(Uuid) -> Fut) -> Resource<Result<T, AppError>>
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let params = use_params_map();
    Resource::new(
        move || params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok())),
        move |id| async move {
            match id {
                Some(id) => load(id).await,
                None => Err(AppError::NotFound),
            }
        },
    )
}
