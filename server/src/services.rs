//! The use cases, bundled with what they need, behind both doors: the REST
//! handlers call them directly and Leptos server functions through the
//! [`app::backend::Backend`] port implemented here.

use std::sync::Arc;

use app::{AppError, backend::Backend};
use chrono::{NaiveDate, Utc};
use shared_schema::{
    dto::RoomOffer,
    search::{RoomSearch, SearchOptions},
    stay::BookingWindow,
};
use sqlx::PgPool;

use crate::{auth::SessionSettings, config::Config, rooms};

/// Shared, cheap to clone.
#[derive(Debug, Clone)]
pub struct Services {
    pub pool: PgPool,
    /// Session lifetime and cookie flags for sign-in.
    pub sessions: SessionSettings,
    horizon_days: i32,
    time_zone: jiff::tz::TimeZone,
}

impl Services {
    pub fn new(pool: PgPool, config: &Config) -> Arc<Self> {
        Arc::new(Self {
            pool,
            sessions: SessionSettings::from_config(config),
            horizon_days: config.horizon_days,
            time_zone: config.time_zone.clone(),
        })
    }

    /// Which nights can be booked today, "today" being the date at the
    /// property (its configured time zone), not on the server's clock.
    pub fn booking_window(&self) -> BookingWindow {
        BookingWindow {
            today: today_in(&self.time_zone),
            horizon_days: self.horizon_days,
        }
    }
}

/// The current date in `zone`.
pub fn today_in(zone: &jiff::tz::TimeZone) -> NaiveDate {
    let date = zone.to_datetime(jiff::Timestamp::now()).date();
    NaiveDate::from_ymd_opt(
        i32::from(date.year()),
        u32::try_from(date.month()).unwrap_or(1),
        u32::try_from(date.day()).unwrap_or(1),
    )
    // Every civil date jiff produces exists in chrono's calendar too.
    .unwrap_or_else(|| Utc::now().date_naive())
}

#[async_trait::async_trait]
impl Backend for Services {
    async fn booking_window(&self) -> BookingWindow {
        Services::booking_window(self)
    }

    async fn search_rooms(&self, search: RoomSearch) -> Result<Vec<RoomOffer>, AppError> {
        let page = rooms::search(&self.pool, &search, &SearchOptions::default()).await?;
        Ok(page.offers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_follows_the_property_time_zone() {
        let utc = jiff::tz::TimeZone::UTC;
        let ahead = jiff::tz::TimeZone::fixed(jiff::tz::offset(14));
        let behind = jiff::tz::TimeZone::fixed(jiff::tz::offset(-12));
        let (utc, ahead, behind) = (today_in(&utc), today_in(&ahead), today_in(&behind));
        // 26 hours apart: the two far zones are never on the same date.
        assert!(behind < ahead);
        assert!((behind..=ahead).contains(&utc));
    }
}
