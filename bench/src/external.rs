//! The server binary (e.g. the release build) started in its own process on
//! the benchmark's database, so the figures are those a user of a real
//! deployment would see: the load generator no longer shares the server's
//! process, runtime and allocator, and resident memory is the server's own.
//!
//! Same settings as [`crate::in_process::config`]: the pool size, rate
//! limits out of the way, the seeded horizon, the log filter.

use std::{
    net::{SocketAddr, TcpListener},
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use hyper::{Method, StatusCode};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::watch,
};

use crate::http_client::Connection;

/// Far above anything a run can send, yet a valid governor burst size.
const UNLIMITED: &str = "1000000000";

/// How long the server may take to migrate, extend its horizon and listen.
const READY_WITHIN: Duration = Duration::from_mins(1);

/// The log line the availability index writes once its first snapshot
/// is loaded (`server::availability::index`).
const INDEX_LOADED: &str = "availability index loaded";

/// How one server process is started.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    pub database_url: &'a str,
    pub pool_size: u32,
    pub horizon_days: i32,
    pub log_filter: &'a str,
    /// Search from the availability index (`--search-index on`), or
    /// always from SQL.
    pub search_index: bool,
}

/// A server running in its own process.
#[derive(Debug)]
pub struct ExternalServer {
    pub address: SocketAddr,
    pub pid: u32,
    child: Child,
    /// Set once the index has logged its first load (never without one).
    index_loaded: watch::Receiver<bool>,
}

impl ExternalServer {
    /// Starts `binary` on a free loopback port and waits until `/readyz`
    /// answers 200 and, with the index on, until the index has loaded its
    /// snapshot (search answers from SQL before that).
    pub async fn spawn(binary: &Path, settings: Settings<'_>) -> anyhow::Result<Self> {
        // A port the kernel just handed out and released: free, barring a
        // race with another program on this machine.
        let address = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        // The index's load is logged at `info`; everything else keeps the
        // filter asked for.
        let log_filter = format!("{},server::availability=info", settings.log_filter);
        let mut child = Command::new(binary)
            .arg("--listen")
            .arg(address.to_string())
            .arg("--db-max-connections")
            .arg(settings.pool_size.to_string())
            .arg("--horizon-days")
            .arg(settings.horizon_days.to_string())
            .arg("--rate-limit-per-minute")
            .arg(UNLIMITED)
            .arg("--auth-rate-limit-per-15-min")
            .arg(UNLIMITED)
            .arg("--search-index")
            .arg(if settings.search_index { "on" } else { "off" })
            .env("DATABASE_URL", settings.database_url)
            .env("RUST_LOG", log_filter)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let pid = child.id().context("the server exited at once")?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        let (loaded, index_loaded) = watch::channel(false);
        // Reads the server's log to its end, so the pipe never fills; warns
        // and errors go on to this process's standard error.
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains(INDEX_LOADED) {
                    loaded.send_replace(true);
                } else if !line.contains(" INFO ") {
                    eprintln!("server {pid}: {line}");
                }
            }
        });
        let mut server = Self {
            address,
            pid,
            child,
            index_loaded,
        };
        server.wait_until_ready().await?;
        if settings.search_index {
            tokio::time::timeout(READY_WITHIN, server.index_loaded.wait_for(|loaded| *loaded))
                .await
                .context("the availability index did not load within a minute")?
                .context("the server's log ended before the index loaded")?;
        }
        Ok(server)
    }

    async fn wait_until_ready(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        while started.elapsed() < READY_WITHIN {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited before it was ready: {status}");
            }
            if let Ok(mut connection) = Connection::open(self.address).await
                && let Ok(reply) = connection.send(Method::GET, "/readyz", None, None).await
                && reply.status == StatusCode::OK
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the server was not ready within {READY_WITHIN:?}")
    }

    /// Stops the server as a service manager would (SIGTERM, then SIGKILL
    /// after 30 s) and reports how it ended.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let signalled = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .await?;
        if !signalled.success() {
            bail!("cannot signal the server (pid {})", self.pid);
        }
        let Ok(status) = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await
        else {
            self.child.kill().await?;
            bail!("the server did not stop within 30 s of SIGTERM")
        };
        let status = status?;
        if !status.success() {
            bail!("the server ended with {status}");
        }
        Ok(())
    }
}
