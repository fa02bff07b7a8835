//! The availability index: every room's nights (free units, price,
//! closed) from today on, in this instance's memory, so search need not ask
//! PostgreSQL (ADR 0012).
//!
//! Kept exact by the commits: triggers on `rooms` and `room_availability`
//! NOTIFY `availability` with what changed, which PostgreSQL delivers only
//! on commit, in commit order. One task per instance LISTENs first, loads a
//! snapshot, then re-reads what each notification names. A lost listening
//! connection marks the index stale (search answers from SQL) until a new
//! connection listens and the snapshot is reloaded.
//!
//! Owns no table and writes nothing. Bookings never read it: they lock and
//! check the rows themselves.

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use chrono::NaiveDate;
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

use self::feed::listen;
use crate::property::Property;

mod feed;

/// The NOTIFY channel of the triggers (migration `2026113016..`).
pub const CHANNEL: &str = "availability";

/// Nights past the snapshot's first night the index keeps (about 11 years):
/// far beyond any booking window, and a bound on what one row can allocate.
const MAX_NIGHTS: usize = 4_000;

/// One night of one room: 16 bytes.
#[derive(Debug, Clone, Copy)]
struct Night {
    price_cents: i64,
    free: i32,
    closed: bool,
}

#[derive(Debug)]
struct RoomEntry {
    // Shared, so a search clones a pointer per candidate, not the text.
    name: Arc<str>,
    description: Arc<str>,
    capacity: i32,
    currency: Arc<str>,
    active: bool,
    /// Index 0 is the snapshot's `base` night; `None`: no such row.
    nights: Vec<Option<Night>>,
}

#[derive(Debug, Default)]
struct Snapshot {
    /// First night held (the day before "today" at load time).
    base: NaiveDate,
    rooms: HashMap<Uuid, RoomEntry>,
}

impl Snapshot {
    fn slot(&self, night: NaiveDate) -> Option<usize> {
        let days = usize::try_from((night - self.base).num_days()).ok()?;
        (days < MAX_NIGHTS).then_some(days)
    }
}

/// What search needs of one active room whose nights of a stay all exist
/// and are open.
#[derive(Debug, Clone, Copy)]
pub struct StayQuote<'a> {
    pub id: Uuid,
    pub name: &'a Arc<str>,
    pub description: &'a Arc<str>,
    pub capacity: i32,
    pub currency: &'a Arc<str>,
    /// Cheapest night.
    pub nightly_from_cents: i64,
    /// Sum of the nights' prices (one unit).
    pub one_unit_cents: i64,
    /// Fewest free units over the nights.
    pub min_free: i32,
}

#[derive(Debug)]
struct Shared {
    snapshot: RwLock<Snapshot>,
    fresh: AtomicBool,
    /// Notifications applied since start (for metrics and tests).
    applied: AtomicU64,
    /// Highest own sync marker applied.
    synced: watch::Sender<u64>,
}

/// Handle to the index and its listening task; dropping the last handle
/// stops the task.
#[derive(Debug)]
pub struct AvailabilityIndex {
    shared: Arc<Shared>,
    pool: PgPool,
    /// Tells this instance's sync markers from other instances'.
    instance: Uuid,
    next_sync: AtomicU64,
    task: tokio::task::AbortHandle,
}

impl Drop for AvailabilityIndex {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl AvailabilityIndex {
    /// Starts listening and loading in the background; the index is stale
    /// (search uses SQL) until the first snapshot is in.
    pub fn start(pool: PgPool, property: Property) -> Arc<Self> {
        let shared = Arc::new(Shared {
            snapshot: RwLock::new(Snapshot::default()),
            fresh: AtomicBool::new(false),
            applied: AtomicU64::new(0),
            synced: watch::Sender::new(0),
        });
        let instance = Uuid::new_v4();
        let task = tokio::spawn(listen(
            Arc::clone(&shared),
            pool.clone(),
            property,
            instance,
        ));
        Arc::new(Self {
            shared,
            pool,
            instance,
            next_sync: AtomicU64::new(0),
            task: task.abort_handle(),
        })
    }

    /// Whether search may answer from the index.
    pub fn is_fresh(&self) -> bool {
        self.shared.fresh.load(Ordering::Acquire)
    }

    /// Notifications applied since start.
    pub fn applied(&self) -> u64 {
        self.shared.applied.load(Ordering::Relaxed)
    }

    /// Waits until the index is fresh and holds every change committed
    /// before this call: sends its own marker through the channel (after
    /// every earlier commit, in commit order) and waits for it to be applied.
    pub async fn sync(&self, timeout: Duration) -> Result<(), SyncTimeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut synced = self.shared.synced.subscribe();
        loop {
            let seq = self.next_sync.fetch_add(1, Ordering::Relaxed) + 1;
            let marker = format!(r#"{{"s":["{}",{seq}]}}"#, self.instance);
            // A failed send is retried with the next marker.
            let _ = sqlx::query("select pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(marker)
                .execute(&self.pool)
                .await;
            // A marker lost with a dropped connection: retry after a while.
            let retry = (tokio::time::Instant::now() + Duration::from_secs(1)).min(deadline);
            let reached = tokio::time::timeout_at(retry, synced.wait_for(|done| *done >= seq));
            if matches!(reached.await, Ok(Ok(_))) && self.is_fresh() {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(SyncTimeout);
            }
        }
    }

    /// Calls `keep` for every active room whose nights `[check_in,
    /// check_out)` all exist and are open, collecting what it keeps; `None`
    /// when the index is stale (ask SQL).
    pub fn quotes<T>(
        &self,
        check_in: NaiveDate,
        check_out: NaiveDate,
        mut keep: impl FnMut(StayQuote<'_>) -> Option<T>,
    ) -> Option<Vec<T>> {
        let snapshot = self.shared.snapshot.read().ok()?;
        if !self.is_fresh() || check_out <= check_in {
            return None;
        }
        let (from, to) = (snapshot.slot(check_in)?, snapshot.slot(check_out)?);
        let mut kept = Vec::new();
        'rooms: for (id, room) in &snapshot.rooms {
            if !room.active {
                continue;
            }
            let Some(nights) = room.nights.get(from..to) else {
                continue;
            };
            let (mut cheapest, mut sum, mut min_free) = (i64::MAX, 0_i64, i32::MAX);
            for night in nights {
                match night {
                    Some(night) if !night.closed => {
                        cheapest = cheapest.min(night.price_cents);
                        sum = sum.saturating_add(night.price_cents);
                        min_free = min_free.min(night.free);
                    }
                    _ => continue 'rooms,
                }
            }
            let quote = StayQuote {
                id: *id,
                name: &room.name,
                description: &room.description,
                capacity: room.capacity,
                currency: &room.currency,
                nightly_from_cents: cheapest,
                one_unit_cents: sum,
                min_free,
            };
            if let Some(item) = keep(quote) {
                kept.push(item);
            }
        }
        Some(kept)
    }
}

/// The index did not catch up in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the availability index did not catch up in time")]
pub struct SyncTimeout;

/// Memory the index holds for its nights, in bytes (for logs and tests).
impl AvailabilityIndex {
    pub fn night_bytes(&self) -> usize {
        self.shared.snapshot.read().map_or(0, |snapshot| {
            snapshot
                .rooms
                .values()
                .map(|room| room.nights.capacity() * size_of::<Option<Night>>())
                .sum()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_night_is_sixteen_bytes() {
        assert_eq!(size_of::<Option<Night>>(), 16);
    }
}
