//! The index's feed: the listening task that loads the snapshot and
//! applies what the triggers' notifications name, in batches bounded by the
//! number of rooms.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use chrono::{Days, NaiveDate};
use serde::Deserialize;
use sqlx::{
    PgPool,
    postgres::{PgListener, PgPoolOptions},
};
use uuid::Uuid;

use super::{CHANNEL, MAX_NIGHTS, Night, RoomEntry, Shared, Snapshot};
use crate::property::Property;

/// Notifications taken in one batch before the index stops re-reading
/// piecemeal and reloads everything: a lagging listener catches up in one
/// read instead of queueing work without bound.
const MAX_BATCH: usize = 2_000;

/// Pause before reconnecting after a failure.
const RETRY: Duration = Duration::from_millis(500);

/// One notification's payload (see the migration).
#[derive(Debug, Default, Deserialize)]
struct Payload {
    #[serde(default)]
    n: Vec<(Uuid, NaiveDate, NaiveDate)>,
    #[serde(default)]
    r: Vec<Uuid>,
    #[serde(default)]
    all: bool,
    s: Option<(Uuid, u64)>,
}

/// Notifications taken together: bounded by the number of rooms however
/// many arrive.
#[derive(Debug, Default)]
struct Batch {
    count: usize,
    all: bool,
    rooms: HashSet<Uuid>,
    nights: HashMap<Uuid, (NaiveDate, NaiveDate)>,
    sync: Option<u64>,
}

impl Batch {
    fn add(&mut self, payload: &str, instance: Uuid) {
        self.count += 1;
        let Ok(payload) = serde_json::from_str::<Payload>(payload) else {
            tracing::warn!(payload, "unreadable availability notification; reloading");
            self.all = true;
            return;
        };
        self.all |= payload.all || self.count > MAX_BATCH;
        if let Some((from, seq)) = payload.s
            && from == instance
        {
            self.sync = self.sync.max(Some(seq));
        }
        if self.all {
            // Everything is re-read anyway: keep nothing more.
            self.rooms.clear();
            self.nights.clear();
            return;
        }
        self.rooms.extend(payload.r);
        for (room, first, last) in payload.n {
            let range = self.nights.entry(room).or_insert((first, last));
            *range = (range.0.min(first), range.1.max(last));
        }
    }
}

type RoomRow = (Uuid, String, String, i32, String, bool);
type NightRow = (Uuid, NaiveDate, i32, i64, bool);

const ROOM_SQL: &str = "select id, name, description, capacity, currency, active from rooms";

/// LISTEN, load, apply; after any failure, stale until the same again.
pub(super) async fn listen(shared: Arc<Shared>, pool: PgPool, property: Property, instance: Uuid) {
    // The listening connection is its own, not one of the application
    // pool's (it would hold that slot for good).
    let listening = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy_with((*pool.connect_options()).clone());
    loop {
        shared.fresh.store(false, Ordering::Release);
        if pool.is_closed() {
            return;
        }
        match follow(&shared, &listening, &pool, &property, instance).await {
            Ok(()) => tracing::warn!("availability listener disconnected; index stale"),
            Err(error) => tracing::warn!(%error, "availability index stale"),
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Returns when the listening connection is lost.
async fn follow(
    shared: &Shared,
    listening: &PgPool,
    pool: &PgPool,
    property: &Property,
    instance: Uuid,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(listening).await?;
    // A lost connection is reported (`None`), not silently replaced: the
    // notifications lost with it call for a reload.
    listener.eager_reconnect(false);
    // Listening before loading: nothing committed after the snapshot can
    // be missed (at worst something is re-read twice).
    listener.listen(CHANNEL).await?;
    reload(shared, pool, property).await?;
    shared.fresh.store(true, Ordering::Release);
    tracing::info!("availability index loaded");
    loop {
        // `None`: the connection was lost, and notifications with it.
        let Some(first) = listener.try_recv().await? else {
            return Ok(());
        };
        let mut batch = Batch::default();
        batch.add(first.payload(), instance);
        while let Some(next) = listener.next_buffered() {
            batch.add(next.payload(), instance);
        }
        if batch.all {
            reload(shared, pool, property).await?;
        } else {
            apply(shared, pool, &batch).await?;
        }
        shared.applied.fetch_add(
            u64::try_from(batch.count).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        if let Some(seq) = batch.sync {
            shared.synced.send_if_modified(|done| {
                let newer = seq > *done;
                *done = (*done).max(seq);
                newer
            });
        }
    }
}

/// Reads every room and its nights from the day before today, in one
/// consistent snapshot, and swaps it in.
async fn reload(shared: &Shared, pool: &PgPool, property: &Property) -> Result<(), sqlx::Error> {
    let base = property
        .today()
        .checked_sub_days(Days::new(1))
        .unwrap_or(NaiveDate::MIN);
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    let rooms: Vec<RoomRow> = sqlx::query_as(ROOM_SQL).fetch_all(&mut *tx).await?;
    let nights: Vec<NightRow> = sqlx::query_as(
        "select room_id, night, total - booked, price_cents, closed
           from room_availability where night >= $1",
    )
    .bind(base)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut snapshot = Snapshot {
        base,
        rooms: HashMap::with_capacity(rooms.len()),
    };
    let span = property.booking_window().horizon_days;
    for row in rooms {
        snapshot.rooms.insert(row.0, room_entry(row, span));
    }
    for row in nights {
        set_night(&mut snapshot, row);
    }
    if let Ok(mut current) = shared.snapshot.write() {
        *current = snapshot;
    }
    Ok(())
}

fn room_entry((_, name, description, capacity, currency, active): RoomRow, span: i32) -> RoomEntry {
    RoomEntry {
        name: name.into(),
        description: description.into(),
        capacity,
        currency: currency.into(),
        active,
        nights: Vec::with_capacity(usize::try_from(span).unwrap_or(0).saturating_add(2)),
    }
}

/// Re-reads what a batch names and applies it.
async fn apply(shared: &Shared, pool: &PgPool, batch: &Batch) -> Result<(), sqlx::Error> {
    let base = shared.snapshot.read().map(|s| s.base).unwrap_or_default();
    // Nights of a room the index does not know yet come with the room.
    let mut room_ids: Vec<Uuid> = batch.rooms.iter().copied().collect();
    if let Ok(snapshot) = shared.snapshot.read() {
        room_ids.extend(
            batch
                .nights
                .keys()
                .filter(|id| !snapshot.rooms.contains_key(id) && !batch.rooms.contains(id)),
        );
    }
    let rooms: Vec<RoomRow> = if room_ids.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(&format!("{ROOM_SQL} where id = any($1)"))
            .bind(&room_ids)
            .fetch_all(pool)
            .await?
    };
    let (mut ids, mut firsts, mut lasts) = (Vec::new(), Vec::new(), Vec::new());
    for (id, (first, last)) in &batch.nights {
        if *last >= base {
            ids.push(*id);
            firsts.push((*first).max(base));
            lasts.push(*last);
        }
    }
    let nights: Vec<NightRow> = if ids.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(
            "select a.room_id, a.night, a.total - a.booked, a.price_cents, a.closed
               from unnest($1::uuid[], $2::date[], $3::date[]) as q(room_id, first, last)
               join room_availability a
                 on a.room_id = q.room_id and a.night between q.first and q.last",
        )
        .bind(&ids)
        .bind(&firsts)
        .bind(&lasts)
        .fetch_all(pool)
        .await?
    };
    let Ok(mut snapshot) = shared.snapshot.write() else {
        return Ok(());
    };
    let mut found = HashSet::with_capacity(rooms.len());
    for row in rooms {
        found.insert(row.0);
        if let Some(room) = snapshot.rooms.get_mut(&row.0) {
            (room.name, room.description) = (row.1.into(), row.2.into());
            (room.capacity, room.currency, room.active) = (row.3, row.4.into(), row.5);
        } else {
            let id = row.0;
            let entry = room_entry(row, 0);
            snapshot.rooms.insert(id, entry);
        }
    }
    for id in &room_ids {
        if !found.contains(id) {
            snapshot.rooms.remove(id);
        }
    }
    // Rows gone from a range (deleted) are gone from the index too.
    for ((id, first), last) in ids.iter().zip(&firsts).zip(&lasts) {
        let (Some(from), Some(room)) = (snapshot.slot(*first), snapshot.rooms.get(id)) else {
            continue;
        };
        let to = snapshot
            .slot(*last)
            .map_or(MAX_NIGHTS, |slot| slot + 1)
            .min(room.nights.len());
        if let Some(room) = snapshot.rooms.get_mut(id)
            && from < to
        {
            room.nights[from..to].fill(None);
        }
    }
    for row in nights {
        set_night(&mut snapshot, row);
    }
    Ok(())
}

fn set_night(snapshot: &mut Snapshot, row: NightRow) {
    let Some(slot) = snapshot.slot(row.1) else {
        return;
    };
    let Some(room) = snapshot.rooms.get_mut(&row.0) else {
        return;
    };
    if room.nights.len() <= slot {
        room.nights.resize(slot + 1, None);
    }
    room.nights[slot] = Some(Night {
        free: row.2,
        price_cents: row.3,
        closed: row.4,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: &str = "6f929d6a-447d-4896-8572-f82205533ff7";

    fn night(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).expect("date")
    }

    #[test]
    fn a_batch_merges_the_night_ranges_and_rooms_the_triggers_send() {
        let me = Uuid::new_v4();
        let mut batch = Batch::default();
        batch.add(
            &format!(r#"{{"n":[["{ROOM}","2026-12-03","2026-12-05"]]}}"#),
            me,
        );
        batch.add(
            &format!(r#"{{"n":[["{ROOM}","2026-12-01","2026-12-02"]]}}"#),
            me,
        );
        batch.add(&format!(r#"{{"r":["{ROOM}"]}}"#), me);
        let room: Uuid = ROOM.parse().expect("uuid");
        assert!(!batch.all);
        assert_eq!(batch.nights[&room], (night(1), night(5)));
        assert!(batch.rooms.contains(&room));
        assert_eq!(batch.count, 3);
    }

    #[test]
    fn only_this_instances_sync_markers_count() {
        let me = Uuid::new_v4();
        let mut batch = Batch::default();
        batch.add(&format!(r#"{{"s":["{}",9]}}"#, Uuid::new_v4()), me);
        assert_eq!(batch.sync, None);
        batch.add(&format!(r#"{{"s":["{me}",4]}}"#), me);
        batch.add(&format!(r#"{{"s":["{me}",3]}}"#), me);
        assert_eq!(batch.sync, Some(4));
    }

    #[test]
    fn a_marker_an_unreadable_payload_or_a_long_backlog_mean_reload_all() {
        let me = Uuid::new_v4();
        for payload in [r#"{"all":true}"#, "not json", r#"{"n":[["x"]]}"#] {
            let mut batch = Batch::default();
            batch.add(payload, me);
            assert!(batch.all, "{payload}");
        }
        let mut batch = Batch::default();
        for _ in 0..=MAX_BATCH {
            batch.add(&format!(r#"{{"r":["{}"]}}"#, Uuid::new_v4()), me);
        }
        assert!(batch.all);
        // Nothing more is kept once everything will be re-read.
        assert!(batch.rooms.is_empty() && batch.nights.is_empty());
    }
}
