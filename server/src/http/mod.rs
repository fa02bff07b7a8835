//! HTTP wiring: the router (pages, server functions, health checks) and
//! its middleware. Owns no business rules.

pub mod api;
pub mod auth;
pub mod extract;
mod health;
mod ics;
pub mod metrics;
mod middleware;
pub mod photos;
pub mod problem;
pub mod rate_limit;
mod render;
pub mod serve;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use app::backend::Backend;
use axum::{
    Router,
    extract::FromRef,
    handler::Handler,
    http::{HeaderValue, header},
    routing::{get, post},
};
use leptos::prelude::{LeptosOptions, provide_context, use_context};
use leptos_axum::{LeptosRoutes, generate_route_list_with_exclusions};

use sqlx::PgPool;
use tower_http::services::ServeDir;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    config::Config,
    services::Services,
    shared_state::{Limiter, SharedState},
};

/// Everything a handler may need; cloned per request.
#[derive(Debug, Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub services: Arc<Services>,
    pub http: Arc<HttpSettings>,
    /// Redis, when the deployment has one (rate-limit counters).
    pub shared: SharedState,
    pub metrics: Arc<metrics::Metrics>,
}

/// How the HTTP layer protects itself.
#[derive(Clone)]
pub struct HttpSettings {
    pub request_timeout: Duration,
    pub rate_limit_per_minute: u32,
    pub auth_rate_limit_per_15_min: u32,
    pub client_ip: rate_limit::ClientIp,
    /// One sign-in budget per client, shared by every door that takes a
    /// password (the REST routes and the server functions).
    auth_limit: rate_limit::RateLimitLayer,
    /// The budget for every page and API call.
    general_limit: rate_limit::RateLimitLayer,
}

impl std::fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSettings")
            .field("request_timeout", &self.request_timeout)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field(
                "auth_rate_limit_per_15_min",
                &self.auth_rate_limit_per_15_min,
            )
            .field("client_ip", &self.client_ip)
            .finish_non_exhaustive()
    }
}

impl HttpSettings {
    /// The settings of `config`, with rate limits counted through `shared`.
    pub fn new(config: &Config, shared: &SharedState, metrics: &Arc<metrics::Metrics>) -> Self {
        let client_ip = rate_limit::ClientIp::new(&config.trusted_proxies);
        let limit = |name, requests, window| {
            rate_limit::layer(
                Limiter::new(name, requests, window, shared),
                client_ip.clone(),
                Arc::clone(metrics),
            )
        };
        Self {
            request_timeout: Duration::from_secs(config.request_timeout_secs),
            rate_limit_per_minute: config.rate_limit_per_minute,
            auth_rate_limit_per_15_min: config.auth_rate_limit_per_15_min,
            auth_limit: limit(
                "sign_in",
                config.auth_rate_limit_per_15_min,
                Duration::from_mins(15),
            ),
            general_limit: limit(
                "general",
                config.rate_limit_per_minute,
                Duration::from_mins(1),
            ),
            client_ip,
        }
    }

    /// Settings for one instance on its own (counters in process, metrics
    /// not served); what documents and tests without a server need.
    pub fn from_config(config: &Config) -> Self {
        let shared = SharedState::single_instance();
        let metrics = metrics::Metrics::new(&shared, &metrics::BookingCounters::default());
        Self::new(config, &shared, &metrics)
    }

    /// The budget for every page and API call.
    fn general_limit(&self) -> rate_limit::RateLimitLayer {
        self.general_limit.clone()
    }

    /// The budget for sign-in and sign-up attempts (the same one each call).
    pub(crate) fn auth_limit(&self) -> rate_limit::RateLimitLayer {
        self.auth_limit.clone()
    }
}

impl AppState {
    /// State for a server reachable at `address` (the site's own origin).
    /// With `REDIS_URL` this starts connecting to Redis in the background
    /// (it needs a Tokio runtime and never waits for Redis).
    pub fn new(config: &Config, pool: PgPool, address: SocketAddr) -> Self {
        let shared = SharedState::from_config(config);
        let services = Services::new(pool, config);
        let metrics = metrics::Metrics::new(&shared, &services.booking_counters);
        let leptos = LeptosOptions::builder()
            .output_name(Arc::from(crate::OUTPUT_NAME))
            .site_root(Arc::from(config.site_root.to_string_lossy().as_ref()))
            .site_pkg_dir(Arc::from("pkg"))
            .site_addr(address)
            .build();
        Self {
            leptos,
            services,
            http: Arc::new(HttpSettings::new(config, &shared, &metrics)),
            shared,
            metrics,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// The whole application as one router; tests drive it in memory.
pub fn router(state: AppState) -> Router {
    let backend: Arc<dyn Backend> = state.services.clone();
    // Every render gets the port to the use cases, a slot for the caller
    // (looked up once per request) and this response's CSP nonce (Leptos
    // puts it on the inline scripts it writes).
    let assets = site_assets(state.leptos.site_root.as_ref());
    let immutable = Arc::new(assets.hashed_files());
    let provide_backend = move || {
        provide_context(Arc::clone(&backend));
        provide_context(assets.clone());
        provide_context(crate::services::RequestPrincipal::default());
        if let Some(nonce) = use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<middleware::CspNonce>().cloned())
        {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0));
        }
    };
    let shell_options = state.leptos.clone();
    let settings = Arc::clone(&state.http);
    let metrics = Arc::clone(&state.metrics);
    let (api, api_doc) = api::api(&settings).split_for_parts();
    let api_doc = api::finish(api_doc, chrono::Utc::now().date_naive());

    // The server functions that take a password get the sign-in budget on
    // top, as their REST twins do; leptos leaves their paths to us.
    let credential_paths = app::session::CREDENTIAL_PATHS.map(str::to_owned).to_vec();
    let credentials = credential_paths
        .iter()
        .fold(Router::new(), |router, path| {
            let provide_backend = provide_backend.clone();
            router.route(
                path,
                post(move |request| {
                    leptos_axum::handle_server_fns_with_context(provide_backend, request)
                }),
            )
        })
        .layer(settings.auth_limit());

    // Pages and server functions share the general budget with the API;
    // health checks, the API docs and static files are not limited.
    // Every page renders on a single-threaded render worker (see `render`).
    let render_pool = render::RenderPool::new();
    let on_render_thread =
        axum::middleware::from_fn_with_state(render_pool, render::on_render_thread);
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            generate_route_list_with_exclusions(app::App, Some(credential_paths)),
            provide_backend.clone(),
            move || app::shell(shell_options.clone()),
        )
        .layer(on_render_thread.clone());
    let limited = Router::new()
        .merge(api)
        .merge(photos::form_routes())
        .merge(credentials)
        .route("/bookings/{id}/calendar.ics", get(ics::booking_ics))
        .merge(pages)
        .layer(settings.general_limit());
    // The WASM bundles, their JS and the CSS, compressed at build time
    // (`build_site`: brotli and gzip) and sent so to every browser that
    // accepts it; the files whose names carry a content hash may be cached
    // for good.
    let pkg = std::path::Path::new(state.leptos.site_root.as_ref())
        .join(state.leptos.site_pkg_dir.as_ref());
    let pkg_files = Router::new()
        .fallback_service(ServeDir::new(pkg).precompressed_br().precompressed_gzip())
        .layer(axum::middleware::from_fn(move |request, next| {
            cache_pkg_file(Arc::clone(&immutable), request, next)
        }));
    let routes = Router::new()
        .merge(limited)
        .nest_service("/pkg", pkg_files)
        .merge(photos::image_routes())
        .merge(SwaggerUi::new("/api-docs").url("/api-docs/openapi.json", api_doc))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(
            leptos_axum::file_and_error_handler_with_context::<AppState, _>(
                provide_backend,
                app::shell,
            )
            .layer(on_render_thread),
        )
        .with_state(state)
        .route_layer(axum::middleware::from_fn(metrics::note_route));
    middleware::apply(routes, settings.request_timeout).layer(axum::middleware::from_fn_with_state(
        metrics,
        metrics::track,
    ))
}

/// The names of this site's browser files (ADR 0013): from `assets.txt`,
/// which `build_site` writes beside `pkg/`, or the unhashed names of a
/// site built without it (or of no site at all, in tests).
fn site_assets(site_root: &str) -> app::SiteAssets {
    std::fs::read_to_string(std::path::Path::new(site_root).join(ASSETS_FILE))
        .map(|text| app::SiteAssets::parse(&text))
        .unwrap_or_default()
}

/// The manifest of hashed file names in the site root, which `build_site`
/// writes last.
pub const ASSETS_FILE: &str = "assets.txt";

/// A year: what "for good" means to caches.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

/// `/pkg/` answers: a file named by its content hash never changes, so
/// caches keep it for good; any other (an unhashed build) is revalidated.
async fn cache_pkg_file(
    hashed: Arc<std::collections::HashSet<String>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let name = request.uri().path().trim_start_matches('/').to_owned();
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let value = if hashed.contains(&name) {
            IMMUTABLE
        } else {
            HeaderValue::from_static("no-cache")
        };
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}
