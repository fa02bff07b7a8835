//! Opaque cursors of booking lists: the sort key (check-in, creation time)
//! and id of the last booking of a page, so the next page starts right
//! after it however many bookings are made meanwhile (keyset paging, no
//! offset to drift). A cursor that does not decode is a 422 on `cursor`.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, NaiveDate, Utc};
use shared_schema::{FieldErrors, booking::MSG_LIST_CURSOR, dto::Booking};
use uuid::Uuid;

/// The position after which a page starts, in the list's order
/// (`check_in desc, created_at desc, id desc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct After {
    pub check_in: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

pub(super) fn encode(last: &Booking) -> String {
    // Microseconds: PostgreSQL's `timestamptz` precision, so the key
    // compares equal to the stored one.
    let plain = format!(
        "{}|{}|{}",
        last.check_in,
        last.created_at.timestamp_micros(),
        last.id
    );
    URL_SAFE_NO_PAD.encode(plain)
}

pub(super) fn decode(cursor: &str) -> Result<After, FieldErrors> {
    let invalid = || {
        let mut errors = FieldErrors::new();
        errors.push("cursor", MSG_LIST_CURSOR);
        errors
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let plain = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = plain.split('|');
    let (Some(check_in), Some(created_at), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    Ok(After {
        check_in: check_in.parse().map_err(|_| invalid())?,
        created_at: created_at
            .parse()
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(invalid)?,
        id: id.parse().map_err(|_| invalid())?,
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
    fn a_cursor_names_the_last_booking_to_the_microsecond() {
        let last = booking();
        assert_eq!(
            decode(&encode(&last)),
            Ok(After {
                check_in: last.check_in,
                created_at: last.created_at,
                id: last.id,
            })
        );
    }

    #[test]
    fn garbled_cursors_are_refused_on_the_cursor_field() {
        for cursor in [
            "!!!".to_owned(),
            URL_SAFE_NO_PAD.encode("2030-01-10|1|not-a-uuid"),
            URL_SAFE_NO_PAD.encode("2030-13-10|1|00000000-0000-0000-0000-000000000000"),
            URL_SAFE_NO_PAD.encode("2030-01-10|1|00000000-0000-0000-0000-000000000000|x"),
        ] {
            let errors = decode(&cursor).expect_err("refused");
            assert_eq!(errors.for_field("cursor"), Some(MSG_LIST_CURSOR));
        }
    }
}
