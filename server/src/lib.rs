//! The Roombook server: configuration, database, use cases and HTTP.
//!
//! `main.rs` only parses the command line and calls [`Application`]; tests
//! build the same [`Application`] on port 0 or drive [`router`] in memory.

pub mod auth;
pub mod availability;
mod blocking;
pub mod bookings;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod http;
pub mod photos;
pub mod property;
mod rooms;
pub mod services;
pub mod shared_state;
pub mod telemetry;

use std::{net::SocketAddr, time::Duration};

use anyhow::Context;
use tokio::net::TcpListener;

pub use crate::{
    config::Config,
    db::{Database, MIGRATOR},
    http::{ASSETS_FILE, AppState, router},
    services::Services,
};

/// Name of the WASM/JS/CSS bundle under `<site-root>/pkg/`; must match
/// `name` in the workspace's `[[workspace.metadata.leptos]]`.
pub const OUTPUT_NAME: &str = "roombook";

/// A configured server, bound to its port, not yet serving.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
    database: Database,
    limits: http::serve::ConnectionLimits,
    metrics_listener: Option<TcpListener>,
}

impl Application {
    /// Connects the database (starting the embedded one if needed), runs
    /// migrations and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let database = Database::connect(&config).await?;
        Self::with_database(config, database).await
    }

    /// As [`Application::build`], with a database the caller prepared (tests).
    pub async fn with_database(config: Config, database: Database) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let metrics_listener = match config.metrics_listen {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("cannot listen for metrics on {address}"))?,
            ),
            None => None,
        };
        let state = AppState::new(&config, database.pool.clone(), listener.local_addr()?);
        if let Some(redis) = &config.redis_url {
            tracing::info!(
                %redis,
                "rate limits are shared through Redis (this instance uses its own counters while Redis is away)"
            );
        } else {
            tracing::info!(
                "single-instance mode: no REDIS_URL, rate limits are counted in this process only"
            );
        }
        let property = &state.services.property;
        let foreign = rooms::foreign_currencies(&database.pool, property).await?;
        anyhow::ensure!(
            foreign.is_empty(),
            "active rooms are priced in {} but the property's currency is {}: \
             start with --currency set to the rooms' currency, or deactivate those rooms",
            foreign.join(", "),
            property.currency,
        );
        // Search answers from memory once the index has loaded; SQL until
        // then, and always with `--search-index off`.
        if config.search_index == config::Switch::On {
            state.services.start_index();
        }
        let limits = http::serve::ConnectionLimits {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
            max_connections: config.max_connections,
        };
        Ok(Self {
            listener,
            state,
            database,
            limits,
            metrics_listener,
        })
    }

    /// Fills an empty database with the demo property (`--demo`).
    pub async fn seed_demo(&self) -> anyhow::Result<demo::DemoAccounts> {
        let services = &self.state.services;
        demo::seed(&services.pool, &services.property, services.sessions).await
    }

    /// Where the server listens (useful with port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Where `/metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<std::io::Result<SocketAddr>> {
        self.metrics_listener.as_ref().map(TcpListener::local_addr)
    }

    /// Serves until `shutdown` resolves, lets in-flight requests finish,
    /// then closes the pool and stops an embedded cluster.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let maintenance = tokio::spawn(maintenance(self.state.services.clone()));
        let metrics = match self.metrics_listener {
            Some(listener) => {
                tracing::info!(address = %listener.local_addr()?, "serving metrics at /metrics");
                let router = http::metrics::router(self.state.clone());
                Some(tokio::spawn(async move {
                    if let Err(error) = axum::serve(listener, router).await {
                        tracing::error!(%error, "metrics listener failed");
                    }
                }))
            }
            None => None,
        };
        let router = router(self.state);
        tracing::info!(address = %self.listener.local_addr()?, "listening");
        http::serve::serve(self.listener, router, self.limits, shutdown).await;
        maintenance.abort();
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        self.database.shutdown().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Periodic upkeep every instance may run (each step is idempotent): new
/// nights entering the booking horizon, expired idempotency keys, dead
/// sessions and old sign-in failure counts.
async fn maintenance(services: std::sync::Arc<Services>) {
    let mut tick = tokio::time::interval(Duration::from_hours(1));
    loop {
        tick.tick().await;
        match availability::extend_horizon(&services.pool, &services.property).await {
            Ok(0) => {}
            Ok(nights) => tracing::info!(nights, "booking horizon extended"),
            Err(error) => tracing::warn!(%error, "could not extend the booking horizon"),
        }
        if let Err(error) = bookings::purge_expired_keys(&services.pool).await {
            tracing::warn!(%error, "could not purge expired idempotency keys");
        }
        match auth::purge_stale(&services.pool, services.sessions).await {
            Ok(purged) if purged == auth::Purged::default() => {}
            Ok(purged) => tracing::info!(
                sessions = purged.sessions,
                login_failures = purged.login_failures,
                "stale sessions and sign-in counts purged"
            ),
            Err(error) => tracing::warn!(%error, "could not purge stale sessions"),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
