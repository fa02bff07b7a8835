//! Resident memory of the benchmark process (the server runs in it) after
//! each phase, and the sign-up burst that used to leave 1.9 GB behind
//! (issue 12, ADR 0010).
//!
//! With the server in the benchmark's process the figure includes the load
//! generator's own memory, a few MiB; with `--server-bin` it is the
//! server's alone.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::Context;
use hyper::{Method, body::Bytes};
use tokio::task::{JoinHandle, JoinSet};
use uuid::Uuid;

use crate::http_client::Connection;

/// How long after the burst memory is read: what the allocator has not
/// given back by then, it keeps.
pub const SETTLE: Duration = Duration::from_secs(10);

/// `VmRSS` of process `pid` (`self` for this one), in KiB (Linux).
pub fn rss_kib(pid: &str) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse().ok())
        .with_context(|| format!("no VmRSS in {path}"))
}

/// The highest resident memory of a process seen since the last
/// [`RssSampler::take_peak`], read every [`SAMPLE_EVERY`] by a task of its
/// own: what "under N MiB during the load" is checked against.
#[derive(Debug)]
pub struct RssSampler {
    peak_kib: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

/// How often the sampler reads `/proc/<pid>/status`.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);

impl RssSampler {
    /// Samples process `pid` (`self` for this one) until dropped.
    pub fn start(pid: String) -> Self {
        let peak_kib = Arc::new(AtomicU64::new(0));
        let peak = Arc::clone(&peak_kib);
        let task = tokio::spawn(async move {
            while let Ok(kib) = rss_kib(&pid) {
                peak.fetch_max(kib, Ordering::Relaxed);
                tokio::time::sleep(SAMPLE_EVERY).await;
            }
        });
        Self { peak_kib, task }
    }

    /// The peak since the last call, and starts a new one.
    pub fn take_peak(&self) -> u64 {
        self.peak_kib.swap(0, Ordering::Relaxed)
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `count` sign-ups (`POST /api/v1/auth/register`) from `clients`
/// connections at once; answers how many got which status, e.g.
/// `201 x100`.
pub async fn signup_burst(address: SocketAddr, count: u32, clients: u32) -> anyhow::Result<String> {
    let run = Uuid::new_v4().simple().to_string();
    let mut workers = JoinSet::new();
    for client in 0..clients {
        let run = run.clone();
        workers.spawn(async move {
            let mut connection = Connection::open(address).await?;
            let mut statuses = BTreeMap::<u16, u32>::new();
            for i in (client..count).step_by(usize::try_from(clients)?) {
                let body = serde_json::json!({
                    "email": format!("burst-{run}-{i}@example.com"),
                    "name": format!("Burst guest {i}"),
                    "password": format!("correct horse battery {i}"),
                });
                let reply = connection
                    .send(
                        Method::POST,
                        "/api/v1/auth/register",
                        None,
                        Some(Bytes::from(serde_json::to_vec(&body)?)),
                    )
                    .await?;
                *statuses.entry(reply.status.as_u16()).or_default() += 1;
            }
            anyhow::Ok(statuses)
        });
    }
    let mut statuses = BTreeMap::<u16, u32>::new();
    while let Some(joined) = workers.join_next().await {
        for (status, n) in joined.context("a sign-up client panicked")?? {
            *statuses.entry(status).or_default() += n;
        }
    }
    let mut summary = String::new();
    for (status, n) in statuses {
        let _ = write!(
            summary,
            "{}{status} x{n}",
            if summary.is_empty() { "" } else { ", " }
        );
    }
    Ok(summary)
}

/// The memory lines of the report; `server` says where the server ran.
pub fn print(rss: &[(String, u64)], server: &str) {
    if rss.is_empty() {
        return;
    }
    println!();
    if server == "in-process" {
        println!("resident memory (VmRSS of this process: server and load generator):");
    } else {
        println!("resident memory (VmRSS of the server, {server}):");
    }
    for (phase, kib) in rss {
        println!("  {:>6.1} MiB  {phase}", mib(*kib));
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "a resident size in KiB fits an f64's 52-bit mantissa"
)]
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
