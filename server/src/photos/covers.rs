//! The first photo of every room, for search results: searches are
//! answered from memory (the availability index) and outnumber photo
//! changes by far, so each instance keeps the covers in memory too instead
//! of asking PostgreSQL on every search.
//!
//! This instance's own photo changes take effect at once ([`Covers::forget`]);
//! another instance's within [`TTL`]. A cover that is briefly stale
//! points at a photo that still exists, or for a moment at a deleted one
//! (whose image then answers 404): photos are decoration, never a booking
//! fact. When PostgreSQL cannot be asked, results show the covers known
//! last (or none) instead of failing the search.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use shared_schema::{dto::RoomOffer, photos::Photo};
use sqlx::PgPool;
use tokio::sync::Mutex;
use uuid::Uuid;

use super::{photos_of, repo};

/// How long another instance's photo change may take to show on search
/// results here.
pub const TTL: Duration = Duration::from_secs(30);

/// The covers of every room, read at most once per [`TTL`].
#[derive(Debug, Clone, Default)]
pub struct Covers {
    snapshot: Arc<Mutex<Option<Snapshot>>>,
    /// Bumped by every local change: a snapshot read before it is stale.
    generation: Arc<AtomicU64>,
}

#[derive(Debug)]
struct Snapshot {
    taken: Instant,
    generation: u64,
    covers: Arc<HashMap<Uuid, Photo>>,
}

impl Covers {
    /// Sets each offer's `cover` to its room's first photo.
    pub async fn attach(&self, pool: &PgPool, offers: &mut [RoomOffer]) {
        if offers.is_empty() {
            return;
        }
        let covers = self.current(pool).await;
        for offer in offers {
            offer.cover = covers.get(&offer.id).cloned();
        }
    }

    /// A photo changed here: the next search reads the covers again.
    pub fn forget(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    async fn current(&self, pool: &PgPool) -> Arc<HashMap<Uuid, Photo>> {
        // One reader at a time: a burst of searches after expiry waits for
        // one query instead of sending one each.
        let mut slot = self.snapshot.lock().await;
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some(snapshot) = slot.as_ref()
            && snapshot.generation == generation
            && snapshot.taken.elapsed() < TTL
        {
            return Arc::clone(&snapshot.covers);
        }
        let covers = match repo::covers(pool).await {
            Ok(rows) => Arc::new(
                photos_of(rows)
                    .into_iter()
                    .map(|photo| (photo.room_id, photo))
                    .collect(),
            ),
            Err(error) => {
                // Asked again after a TTL, not on every search meanwhile.
                tracing::warn!(%error, "room covers could not be read: search shows the last known");
                slot.as_ref()
                    .map(|snapshot| Arc::clone(&snapshot.covers))
                    .unwrap_or_default()
            }
        };
        *slot = Some(Snapshot {
            taken: Instant::now(),
            generation,
            covers: Arc::clone(&covers),
        });
        covers
    }
}
