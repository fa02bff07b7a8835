//! The Leptos UI: pages, components and the server functions they call.
//!
//! Compiled twice: with `ssr` into the server (which renders pages and runs
//! server functions) and with `hydrate` into the browser bundle. It never
//! touches SQL, Redis or the clock: on the server, server functions reach the
//! use cases through the [`backend::Backend`] port the server provides as
//! Leptos context, so the browser and the REST API share one code path.
// Deeply nested typed views (tables of rows of cells) exceed the default
// query depth when compiled without erased component types (release).
#![recursion_limit = "256"]

#[cfg(feature = "ssr")]
pub mod backend;
mod components;
pub mod error;
mod form_post;
mod format;
mod pages;
mod query;
pub mod session;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

pub use error::AppError;

/// The HTML document around the app: rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The root component, shared by server rendering and hydration.
///
/// Every page renders with `SsrMode::Async`: the server waits for its data
/// before sending the status line, so a missing room is a real 404, and
/// the whole page (search results, the signed-in header) is in the HTML,
/// not in out-of-order streaming templates that only a script swaps in:
/// it reads and works before the WASM arrives, or without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    session::UserContext::provide();

    view! {
        <Stylesheet id="leptos" href="/pkg/roombook.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Roombook".to_owned() } else { format!("{page} · Roombook") }
        } />
        <Router>
            <a class="skip-link" href="#main">
                "Skip to content"
            </a>
            <session::SiteHeader />
            <main id="main" tabindex="-1">
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::SearchPage ssr=SsrMode::Async />
                    <Route path=path!("/rooms/:id") view=pages::RoomPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=pages::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/register") view=pages::RegisterPage ssr=SsrMode::Async />
                    <Route path=path!("/bookings") view=pages::MyBookingsPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=pages::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/bookings/:id") view=pages::BookingPage ssr=SsrMode::Async />
                    <Route path=path!("/admin") view=pages::admin::AdminRoomsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/rooms/:id") view=pages::admin::AdminRoomPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/bookings") view=pages::admin::AdminBookingsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/occupancy") view=pages::admin::OccupancyPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}
