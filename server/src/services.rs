//! The use cases, bundled with what they need, behind both doors: the REST
//! handlers call them directly and Leptos server functions through the
//! [`app::backend::Backend`] port implemented here.

use std::sync::Arc;

use app::{AppError, backend::Backend};
use chrono::Utc;
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
}

impl Services {
    pub fn new(pool: PgPool, config: &Config) -> Arc<Self> {
        Arc::new(Self {
            pool,
            sessions: SessionSettings::from_config(config),
            horizon_days: config.horizon_days,
        })
    }

    /// Which nights can be booked today.
    pub fn booking_window(&self) -> BookingWindow {
        BookingWindow {
            today: Utc::now().date_naive(),
            horizon_days: self.horizon_days,
        }
    }
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
