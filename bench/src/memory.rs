//! Resident memory of the benchmark process (the server runs in it) after
//! each phase, and the sign-up burst that used to leave 1.9 GB behind
//! (issue 12, ADR 0006).
//!
//! The figure includes the load generator's own memory, a few MiB; for the
//! server alone, measure a release server from outside with
//! `scripts/auth_burst_rss.py`.

use std::{collections::BTreeMap, fmt::Write as _, net::SocketAddr, time::Duration};

use anyhow::Context;
use hyper::{Method, body::Bytes};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::http_client::Connection;

/// How long after the burst memory is read: what the allocator has not
/// given back by then, it keeps.
pub const SETTLE: Duration = Duration::from_secs(10);

/// `VmRSS` of this process, in KiB (Linux).
pub fn rss_kib() -> anyhow::Result<u64> {
    let status =
        std::fs::read_to_string("/proc/self/status").context("cannot read /proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse().ok())
        .context("no VmRSS in /proc/self/status")
}

/// `count` sign-ups (`POST /api/v1/auth/register`) from `clients`
/// connections at once; answers how many got which status, e.g.
/// `201 x100`.
pub async fn signup_burst(
    address: SocketAddr,
    count: u32,
    clients: u32,
) -> anyhow::Result<String> {
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
        let _ = write!(summary, "{}{status} x{n}", if summary.is_empty() { "" } else { ", " });
    }
    Ok(summary)
}

/// The memory lines of the report.
pub fn print(rss: &[(String, u64)]) {
    if rss.is_empty() {
        return;
    }
    println!();
    println!("resident memory (VmRSS of this process: server and load generator):");
    for (phase, kib) in rss {
        println!("  {:>6.1} MiB  {phase}", mib(*kib));
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "a resident size in KiB fits an f64's 52-bit mantissa"
)]
fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
