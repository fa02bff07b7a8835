//! The use cases, bundled with what they need, behind both doors: the REST
//! handlers call them directly and Leptos server functions through the
//! [`app::backend::Backend`] port implemented here.

use std::sync::Arc;

use app::{
    AppError,
    backend::{Backend, Caller, SignedIn},
};
use chrono::{Days, NaiveDate, Utc};
use shared_schema::{
    auth::{Login, Register},
    booking::{BookingFilter, NewBooking},
    dto::{Booking, Session, User},
    inventory::{InventoryEdit, NightAvailability, RoomOccupancy},
    rooms::{Room, RoomInput, RoomPatch},
    search::{RoomSearch, SearchOptions, SearchPage},
    stay::BookingWindow,
    validated,
};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    auth::{self, Principal, SessionSettings, extract::token_from_headers, session},
    availability, bookings,
    config::Config,
    error::ApiError,
    rooms,
};

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

/// Who is asking, from the session a server function's request carries.
impl Services {
    async fn principal(&self, caller: &Caller) -> Result<Option<Principal>, ApiError> {
        match token_from_headers(&caller.0) {
            Some(token) => Ok(session::principal(&self.pool, token).await?),
            None => Ok(None),
        }
    }

    async fn signed_in(&self, caller: &Caller) -> Result<Principal, ApiError> {
        self.principal(caller)
            .await?
            .ok_or(ApiError::Unauthenticated)
    }

    async fn admin(&self, caller: &Caller) -> Result<Principal, ApiError> {
        self.signed_in(caller).await?.require_admin()
    }

    fn signed_in_with(&self, session: &Session) -> SignedIn {
        SignedIn {
            user: session.user.clone(),
            set_cookie: self
                .sessions
                .cookie(&session.token)
                .to_str()
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

/// The browser's door: the same use cases the REST handlers call, with the
/// same validation, answering [`AppError`]s.
#[async_trait::async_trait]
impl Backend for Services {
    async fn booking_window(&self) -> BookingWindow {
        Services::booking_window(self)
    }

    async fn search_rooms(
        &self,
        search: RoomSearch,
        options: SearchOptions,
    ) -> Result<SearchPage, AppError> {
        let search = validated(search, &self.booking_window()).map_err(ApiError::from)?;
        let options = validated(options, &()).map_err(ApiError::from)?;
        Ok(rooms::search(&self.pool, &search, &options).await?)
    }

    async fn room(&self, caller: &Caller, id: Uuid) -> Result<Room, AppError> {
        let is_admin = self
            .principal(caller)
            .await?
            .is_some_and(|who| who.is_admin());
        Ok(rooms::get(&self.pool, id, is_admin).await?)
    }

    async fn calendar(
        &self,
        caller: &Caller,
        id: Uuid,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NightAvailability>, AppError> {
        let is_admin = self
            .principal(caller)
            .await?
            .is_some_and(|who| who.is_admin());
        let longest = from + Days::new(availability::MAX_CALENDAR_NIGHTS);
        Ok(availability::calendar(&self.pool, id, from, to.min(longest), is_admin).await?)
    }

    async fn current_user(&self, caller: &Caller) -> Result<Option<User>, AppError> {
        match self.principal(caller).await? {
            Some(who) => Ok(Some(auth::me(&self.pool, who).await?)),
            None => Ok(None),
        }
    }

    async fn register(&self, input: Register) -> Result<SignedIn, AppError> {
        let session = auth::register(&self.pool, self.sessions, input).await?;
        Ok(self.signed_in_with(&session))
    }

    async fn login(&self, input: Login) -> Result<SignedIn, AppError> {
        let session = auth::login(&self.pool, self.sessions, input).await?;
        Ok(self.signed_in_with(&session))
    }

    async fn logout(&self, caller: &Caller) -> Result<String, AppError> {
        if let (Some(who), Some(token)) =
            (self.principal(caller).await?, token_from_headers(&caller.0))
        {
            auth::logout(&self.pool, who, token).await?;
        }
        let clear = self.sessions.clearing_cookie();
        Ok(clear.to_str().unwrap_or_default().to_owned())
    }

    async fn book(&self, caller: &Caller, booking: NewBooking) -> Result<Booking, AppError> {
        let who = self.signed_in(caller).await?;
        let booking = validated(booking, &self.booking_window()).map_err(ApiError::from)?;
        match bookings::create(&self.pool, who, &booking, None).await? {
            bookings::Outcome::Booked(booking) => Ok(booking),
            // Only requests with an idempotency key are replayed.
            other => {
                Err(ApiError::Internal(anyhow::anyhow!("unexpected outcome {other:?}")).into())
            }
        }
    }

    async fn bookings(
        &self,
        caller: &Caller,
        filter: BookingFilter,
        mine: bool,
    ) -> Result<Vec<Booking>, AppError> {
        let who = self.signed_in(caller).await?;
        let filter = BookingFilter {
            user_id: if mine {
                Some(who.user_id)
            } else {
                filter.user_id
            },
            ..filter
        };
        Ok(bookings::list(&self.pool, who, &filter).await?)
    }

    async fn booking(&self, caller: &Caller, id: Uuid) -> Result<Booking, AppError> {
        let who = self.signed_in(caller).await?;
        Ok(bookings::get(&self.pool, who, id).await?)
    }

    async fn cancel_booking(&self, caller: &Caller, id: Uuid) -> Result<Booking, AppError> {
        let who = self.signed_in(caller).await?;
        let today = self.booking_window().today;
        Ok(bookings::cancel(&self.pool, who, id, today).await?)
    }

    async fn require_admin(&self, caller: &Caller) -> Result<(), AppError> {
        self.admin(caller).await?;
        Ok(())
    }

    async fn all_rooms(&self, caller: &Caller) -> Result<Vec<Room>, AppError> {
        self.admin(caller).await?;
        Ok(rooms::list_all(&self.pool).await?)
    }

    async fn create_room(&self, caller: &Caller, input: RoomInput) -> Result<Room, AppError> {
        self.admin(caller).await?;
        let input = validated(input.normalized(), &()).map_err(ApiError::from)?;
        Ok(rooms::create(&self.pool, &input, &self.booking_window()).await?)
    }

    async fn update_room(
        &self,
        caller: &Caller,
        id: Uuid,
        patch: RoomPatch,
    ) -> Result<Room, AppError> {
        self.admin(caller).await?;
        let patch = validated(patch.normalized(), &()).map_err(ApiError::from)?;
        Ok(rooms::patch(&self.pool, id, &patch, &self.booking_window()).await?)
    }

    async fn edit_inventory(
        &self,
        caller: &Caller,
        id: Uuid,
        edit: InventoryEdit,
    ) -> Result<Vec<NightAvailability>, AppError> {
        self.admin(caller).await?;
        let edit = validated(edit, &self.booking_window()).map_err(ApiError::from)?;
        Ok(availability::edit(&self.pool, id, &edit).await?)
    }

    async fn occupancy(
        &self,
        caller: &Caller,
        nights: u16,
    ) -> Result<Vec<RoomOccupancy>, AppError> {
        self.admin(caller).await?;
        let from = self.booking_window().today;
        let to = from + Days::new(nights.into());
        Ok(availability::occupancy(&self.pool, from, to).await?)
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
