//! Opaque cursors of booking lists: the sort key (check-in, creation time)
//! and id of a booking at the edge of a page, so the next (older) page
//! starts right after its last booking and the previous (newer) page ends
//! right before its first, however many bookings are made meanwhile
//! (keyset paging, no offset to drift). A cursor that does not decode is a
//! 422 on `cursor`.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, NaiveDate, Utc};
use shared_schema::{FieldErrors, booking::MSG_LIST_CURSOR, dto::Booking};
use uuid::Uuid;

/// A booking's place in the list's order (`check_in desc, created_at
/// desc, id desc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Key {
    pub check_in: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Key {
    fn of(booking: &Booking) -> Self {
        Self {
            check_in: booking.check_in,
            created_at: booking.created_at,
            id: booking.id,
        }
    }
}

/// Where a page is, relative to a booking of the page next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Start {
    /// The bookings after this one: the next, older page.
    After(Key),
    /// The bookings before this one: the previous, newer page.
    Before(Key),
}

/// Marks a cursor to a newer page; a cursor to an older page has no mark
/// (the first cursors had none).
const BEFORE: &str = "before";

/// The cursor of the page after `last`.
pub(super) fn after(last: &Booking) -> String {
    URL_SAFE_NO_PAD.encode(plain(Key::of(last)))
}

/// The cursor of the page before `first`.
pub(super) fn before(first: &Booking) -> String {
    URL_SAFE_NO_PAD.encode(format!("{BEFORE}|{}", plain(Key::of(first))))
}

fn plain(key: Key) -> String {
    // Microseconds: PostgreSQL's `timestamptz` precision, so the key
    // compares equal to the stored one.
    format!(
        "{}|{}|{}",
        key.check_in,
        key.created_at.timestamp_micros(),
        key.id
    )
}

pub(super) fn decode(cursor: &str) -> Result<Start, FieldErrors> {
    let invalid = || {
        let mut errors = FieldErrors::new();
        errors.push("cursor", MSG_LIST_CURSOR);
        errors
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let plain = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (newer, key) = match plain.strip_prefix(BEFORE) {
        Some(rest) => (true, rest.strip_prefix('|').ok_or_else(invalid)?),
        None => (false, plain.as_str()),
    };
    let mut parts = key.split('|');
    let (Some(check_in), Some(created_at), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let key = Key {
        check_in: check_in.parse().map_err(|_| invalid())?,
        created_at: created_at
            .parse()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(invalid)?,
        id: id.parse().map_err(|_| invalid())?,
    };
    Ok(if newer {
        Start::Before(key)
    } else {
        Start::After(key)
    })
}

#[cfg(test)]
mod tests {
    use shared_schema::dto::BookingStatus;

    use super::*;

    fn booking() -> Booking {
        Booking {
            id: Uuid::from_u128(42),
            reference: "RB-00000001".to_owned(),
            room_id: Uuid::nil(),
            room_name: "R".to_owned(),
            user_id: Uuid::nil(),
            guest_name: "A".to_owned(),
            guest_email: None,
            check_in: NaiveDate::from_ymd_opt(2030, 1, 10).expect("date"),
            check_out: NaiveDate::from_ymd_opt(2030, 1, 12).expect("date"),
            nights: 2,
            guests: 1,
            units: 1,
            total_cents: 100,
            currency: "EUR".to_owned(),
            status: BookingStatus::Confirmed,
            created_at: DateTime::from_timestamp_micros(1_893_456_000_123_456).expect("instant"),
            cancelled_at: None,
        }
    }

    #[test]
    fn a_cursor_names_its_booking_to_the_microsecond_and_its_direction() {
        let edge = booking();
        let key = Key {
            check_in: edge.check_in,
            created_at: edge.created_at,
            id: edge.id,
        };
        assert_eq!(decode(&after(&edge)), Ok(Start::After(key)));
        assert_eq!(decode(&before(&edge)), Ok(Start::Before(key)));
    }

    #[test]
    fn garbled_cursors_are_refused_on_the_cursor_field() {
        for cursor in [
            "!!!".to_owned(),
            URL_SAFE_NO_PAD.encode("2030-01-10|1|not-a-uuid"),
            URL_SAFE_NO_PAD.encode("2030-13-10|1|00000000-0000-0000-0000-000000000000"),
            URL_SAFE_NO_PAD.encode("2030-01-10|1|00000000-0000-0000-0000-000000000000|x"),
            URL_SAFE_NO_PAD.encode("before2030-01-10|1|00000000-0000-0000-0000-000000000000"),
            URL_SAFE_NO_PAD.encode("after|2030-01-10|1|00000000-0000-0000-0000-000000000000"),
        ] {
            let errors = decode(&cursor).expect_err("refused");
            assert_eq!(errors.for_field("cursor"), Some(MSG_LIST_CURSOR));
        }
    }
}
