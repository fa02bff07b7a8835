//! The real server, started inside the benchmark process on 127.0.0.1:0
//! with the benchmark's database, as `end2end` starts it.
//!
//! Only the settings a load test must change differ from the defaults:
//! the pool size (the benchmark's client count), the rate limits (every
//! client is 127.0.0.1, one rate-limit key), the booking horizon (the
//! seeded nights) and the log filter (`warn`: a log line per request
//! would measure the terminal, not the server).

use std::net::SocketAddr;

use server::{Application, Config, Database};
use tokio::{sync::oneshot, task::JoinHandle};

/// Far above anything a run can send, yet a valid governor burst size.
const UNLIMITED: u32 = 1_000_000_000;

/// A running server.
#[derive(Debug)]
pub struct InProcessServer {
    pub address: SocketAddr,
    stop: oneshot::Sender<()>,
    served: JoinHandle<anyhow::Result<()>>,
}

/// The server's settings for a benchmark run.
pub fn config(database_url: &str, pool_size: u32, horizon_days: i32, log_filter: &str) -> Config {
    let mut config = Config::default_for_tests();
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.database_url = Some(database_url.to_owned().into());
    config.db_max_connections = pool_size;
    config.horizon_days = horizon_days;
    config.rate_limit_per_minute = UNLIMITED;
    config.auth_rate_limit_per_15_min = UNLIMITED;
    log_filter.clone_into(&mut config.log_filter);
    config
}

impl InProcessServer {
    /// Connects the pool, binds the port and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        let database = Database::connect(&config).await?;
        let app = Application::with_database(config, database).await?;
        let address = app.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let served = tokio::spawn(app.run_until(async {
            stopped.await.ok();
        }));
        Ok(Self {
            address,
            stop,
            served,
        })
    }

    /// Stops gracefully (open connections must be closed first) and
    /// reports how serving ended.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.stop.send(()).ok();
        self.served.await?
    }
}
