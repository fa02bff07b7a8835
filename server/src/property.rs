//! The property being booked: its calendar (time zone and booking horizon)
//! and its one currency.
//!
//! Every use case that checks dates or prices builds its validation context
//! from here, so the REST API and the server functions cannot disagree
//! about which nights can be booked. One currency for every room keeps
//! prices comparable: a search sorted by price never weighs euros against
//! dollars.

use chrono::{NaiveDate, Utc};
use shared_schema::BookingWindow;

use crate::config::Config;

#[derive(Debug, Clone)]
pub struct Property {
    time_zone: jiff::tz::TimeZone,
    horizon_days: i32,
    /// ISO 4217 code of every price, e.g. `EUR`.
    pub currency: String,
}

impl Property {
    pub fn from_config(config: &Config) -> Self {
        Self {
            time_zone: config.time_zone.clone(),
            horizon_days: config.horizon_days,
            currency: config.currency.clone(),
        }
    }

    /// Which nights can be booked today, "today" being the date at the
    /// property (its configured time zone), not on the server's clock.
    pub fn booking_window(&self) -> BookingWindow {
        BookingWindow {
            today: self.today(),
            horizon_days: self.horizon_days,
        }
    }

    /// The current date at the property.
    pub fn today(&self) -> NaiveDate {
        today_in(&self.time_zone)
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
