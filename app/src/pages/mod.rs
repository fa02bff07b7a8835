//! One module per page.

mod not_found;
mod search;

pub(crate) use not_found::NotFound;
pub(crate) use search::SearchPage;
