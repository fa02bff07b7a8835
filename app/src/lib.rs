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
mod island;
mod month_grid;
mod pages;
mod query;
pub mod session;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

pub use error::AppError;
#[cfg(feature = "hydrate")]
pub use island::hydrate_islands;

/// The names of the browser files under `pkg/` in this build (ADR 0013,
/// ADR 0018): the guest bundle, which hydrates the islands of every page
/// outside `/admin`, the admin bundle, which hydrates the admin pages
/// whole (each `<name>.js` + `<name>.wasm`), and the stylesheet.
/// `build_site` puts a content hash in every name, so a cache may keep
/// them forever; the server reads them from the site's `assets.txt` and
/// provides them as context to [`shell`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteAssets {
    /// Output name of the guest bundle (islands).
    pub guest: String,
    /// Output name of the admin bundle (every page, served under `/admin`).
    pub admin: String,
    /// File name of the stylesheet.
    pub stylesheet: String,
}

impl Default for SiteAssets {
    /// The names of a site built without hashes.
    fn default() -> Self {
        Self {
            guest: "roombook".to_owned(),
            admin: "roombook-admin".to_owned(),
            stylesheet: "roombook.css".to_owned(),
        }
    }
}

impl SiteAssets {
    /// Reads `assets.txt` (`key=value` lines: `guest`, `admin`,
    /// `stylesheet`); a missing key keeps the unhashed default.
    pub fn parse(text: &str) -> Self {
        let mut assets = Self::default();
        for (key, value) in text.lines().filter_map(|line| line.split_once('=')) {
            let value = value.trim().to_owned();
            match key.trim() {
                "guest" => assets.guest = value,
                "admin" => assets.admin = value,
                "stylesheet" => assets.stylesheet = value,
                _ => {}
            }
        }
        assets
    }

    /// The files whose names carry a content hash (relative to `pkg/`),
    /// or none when the site was built without hashes.
    pub fn hashed_files(&self) -> std::collections::HashSet<String> {
        if *self == Self::default() {
            return std::collections::HashSet::new();
        }
        [&self.guest, &self.admin]
            .into_iter()
            .flat_map(|name| [format!("{name}.js"), format!("{name}.wasm")])
            .chain([self.stylesheet.clone()])
            .collect()
    }

    /// The bundle a page at `path` hydrates with: the admin pages get the
    /// admin bundle, every other page the guest bundle.
    pub fn bundle_for(&self, path: &str) -> &str {
        if is_admin_path(path) {
            &self.admin
        } else {
            &self.guest
        }
    }
}

/// `/admin` and everything under it.
fn is_admin_path(path: &str) -> bool {
    path.strip_prefix("/admin")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The HTML document around the app: rendered on the server only. The
/// page's path picks the bundle that hydrates it (guest or admin).
pub fn shell(mut options: LeptosOptions) -> impl IntoView {
    let assets = use_context::<SiteAssets>().unwrap_or_default();
    #[cfg(feature = "ssr")]
    let path = use_context::<http::request::Parts>()
        .map(|parts| parts.uri.path().to_owned())
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let path = String::new();
    options.output_name = assets.bundle_for(&path).into();
    let stylesheet = format!("/{}/{}", options.site_pkg_dir, assets.stylesheet);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" id="leptos" href=stylesheet />
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
                    <AdminRoutes />
                </Routes>
            </main>
        </Router>
    }
}

/// The admin pages (feature `admin`: the server and the admin bundle).
#[cfg(feature = "admin")]
#[component(transparent)]
fn AdminRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    use leptos_router::components::{Outlet, ParentRoute};
    view! {
        <ParentRoute path=path!("/admin") view=Outlet ssr=SsrMode::Async>
            <Route path=path!("") view=pages::admin::AdminRoomsPage ssr=SsrMode::Async />
            <Route path=path!("rooms/:id") view=pages::admin::AdminRoomPage ssr=SsrMode::Async />
            <Route path=path!("bookings") view=pages::admin::AdminBookingsPage ssr=SsrMode::Async />
            <Route path=path!("occupancy") view=pages::admin::OccupancyPage ssr=SsrMode::Async />
        </ParentRoute>
    }
    .into_inner()
}

/// The guest bundle hydrates islands, never the app's routes: it has no
/// admin pages to route to (ADR 0018).
#[cfg(not(feature = "admin"))]
#[component(transparent)]
fn AdminRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    use leptos_router::components::ParentRoute;
    view! {
        <ParentRoute path=path!("/admin") view=|| ()>
            <Route path=path!("") view=|| () />
        </ParentRoute>
    }
    .into_inner()
}
