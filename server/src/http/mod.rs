//! HTTP wiring: the router (pages, server functions, health checks) and
//! its middleware. Owns no business rules.

pub mod extract;
mod health;
mod middleware;
pub mod openapi;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use app::backend::Backend;
use axum::{Router, extract::FromRef, routing::get};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{LeptosRoutes, generate_route_list};

use sqlx::PgPool;
use utoipa_swagger_ui::SwaggerUi;

use crate::{config::Config, services::Services};

/// Everything a handler may need; cloned per request.
#[derive(Debug, Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub services: Arc<Services>,
}

impl AppState {
    /// State for a server reachable at `address` (the site's own origin).
    pub fn new(config: &Config, pool: PgPool, address: SocketAddr) -> Self {
        let leptos = LeptosOptions::builder()
            .output_name(Arc::from(crate::OUTPUT_NAME))
            .site_root(Arc::from(config.site_root.to_string_lossy().as_ref()))
            .site_pkg_dir(Arc::from("pkg"))
            .site_addr(address)
            .build();
        Self {
            leptos,
            services: Services::new(pool, config),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// The whole application as one router; tests drive it in memory.
pub fn router(state: AppState, request_timeout: Duration) -> Router {
    let backend: Arc<dyn Backend> = state.services.clone();
    let provide_backend = move || provide_context(Arc::clone(&backend));
    let shell_options = state.leptos.clone();

    let (api, api_doc) = openapi::api().split_for_parts();
    let routes = Router::new()
        .merge(api)
        .merge(SwaggerUi::new("/api-docs").url("/api-docs/openapi.json", api_doc))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .leptos_routes_with_context(
            &state,
            generate_route_list(app::App),
            provide_backend.clone(),
            move || app::shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_backend, app::shell))
        .with_state(state);
    middleware::apply(routes, request_timeout)
}
