//! CPU-heavy work (password hashing, photo decoding) on the blocking
//! thread pool, a bounded number at a time: each kind of work has a
//! semaphore of permits, and a request that waits longer than its kind's
//! wait for one gets [`Error::Unavailable`] (503 with `Retry-After`), so a
//! flood cannot queue without end. The permit moves into the blocking
//! task, so a request dropped meanwhile (timeout, closed connection) still
//! counts until its work has really finished.

use std::time::Duration;

use anyhow::Context;
use tokio::sync::Semaphore;

use crate::error::Error;

/// Runs `work` once a permit of `permits` is free, or answers
/// [`Error::Unavailable`] after `wait`. `what` names the work in logs.
pub(crate) async fn bounded<T, F>(
    permits: &'static Semaphore,
    wait: Duration,
    what: &'static str,
    work: F,
) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let Ok(permit) = tokio::time::timeout(wait, permits.acquire()).await else {
        tracing::warn!(
            wait_ms = wait.as_millis(),
            work = what,
            "{what} saturated: answering 503"
        );
        return Err(Error::Unavailable);
    };
    let permit = permit.with_context(|| format!("the {what} semaphore is closed"))?;
    let done = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .with_context(|| format!("{what} task failed"))?;
    Ok(done)
}
