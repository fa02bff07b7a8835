//! A booking as an iCalendar file (RFC 5545) for the guest's own calendar:
//! `GET /bookings/{id}/calendar.ics`, the link on the booking's page, and
//! the same file over the API (`GET /api/v1/bookings/{id}/calendar.ics`).
//!
//! The same reading rule as every other door: only the booking's owner or
//! an admin gets it; anyone else gets the 404 of a booking that does not
//! exist. The stay is an all-day event from check-in to the day of
//! departure (`DTEND` is exclusive in iCalendar, as check-out is here).

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use shared_schema::dto::{Booking, BookingStatus};

use super::{AppState, auth::AuthUser, extract::PathId, problem::ApiError};
use crate::bookings;

/// The media type of an iCalendar file.
pub(super) const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// Longest content line, in octets, before it is folded (RFC 5545 3.1).
const MAX_LINE_OCTETS: usize = 75;

/// The booking `id` as an `.ics` download (the site's door; the API's is
/// `GET /api/v1/bookings/{id}/calendar.ics`).
pub(super) async fn booking_ics(
    State(state): State<AppState>,
    AuthUser(who): AuthUser,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let booking = bookings::get(&state.services.pool, who, id).await?;
    Ok(attachment(&booking))
}

/// `booking` as an `.ics` file to save, named by its reference.
pub(super) fn attachment(booking: &Booking) -> Response {
    let disposition = format!(
        "attachment; filename=\"roombook-{}.ics\"",
        booking
            .reference
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "")
    );
    let mut response = ([(header::CONTENT_TYPE, CONTENT_TYPE)], calendar(booking)).into_response();
    if let Ok(disposition) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}

/// The iCalendar text of one booking: one all-day event, cancelled once the
/// booking is (a calendar that imported it before then updates it).
fn calendar(booking: &Booking) -> String {
    let cancelled = booking.status == BookingStatus::Cancelled;
    // Last changed: when it was cancelled, else when it was made.
    let stamp = booking.cancelled_at.unwrap_or(booking.created_at);
    let description = format!(
        "Booking reference {}. {} {}, {} {}. Total {}.",
        booking.reference,
        booking.units,
        if booking.units == 1 { "room" } else { "rooms" },
        booking.guests,
        if booking.guests == 1 {
            "guest"
        } else {
            "guests"
        },
        amount(booking.total_cents, &booking.currency),
    );
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Roombook//Booking//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@roombook", booking.id),
        format!("DTSTAMP:{}", utc_stamp(stamp)),
        format!("DTSTART;VALUE=DATE:{}", date(booking.check_in)),
        format!("DTEND;VALUE=DATE:{}", date(booking.check_out)),
        format!("SUMMARY:{}", text(&format!("Stay: {}", booking.room_name))),
        format!("DESCRIPTION:{}", text(&description)),
        format!(
            "STATUS:{}",
            if cancelled { "CANCELLED" } else { "CONFIRMED" }
        ),
        format!("SEQUENCE:{}", u8::from(cancelled)),
        "TRANSP:TRANSPARENT".to_owned(),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    lines.iter().map(|line| fold(line)).collect()
}

fn date(day: NaiveDate) -> String {
    day.format("%Y%m%d").to_string()
}

fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `12345` `EUR` as `123.45 EUR`.
fn amount(minor_units: i64, currency: &str) -> String {
    let sign = if minor_units < 0 { "-" } else { "" };
    let minor = minor_units.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", minor / 100, minor % 100)
}

/// A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line
/// breaks escaped; other control characters dropped.
fn text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// One content line ended by CRLF, folded so that no line passes 75
/// octets (a continuation starts with a space), never inside a character.
fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + 8);
    let mut octets = 0;
    for c in line.chars() {
        if octets + c.len_utf8() > MAX_LINE_OCTETS {
            folded.push_str("\r\n ");
            // The leading space counts towards the next line.
            octets = 1;
        }
        folded.push(c);
        octets += c.len_utf8();
    }
    folded.push_str("\r\n");
    folded
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    fn booking(room_name: &str, status: BookingStatus) -> Booking {
        let day = |d| NaiveDate::from_ymd_opt(2030, 1, d).expect("date");
        Booking {
            id: Uuid::nil(),
            reference: "RB-7K3QX9TZ".to_owned(),
            room_id: Uuid::nil(),
            room_name: room_name.to_owned(),
            user_id: Uuid::nil(),
            guest_name: "Ada Lovelace".to_owned(),
            guest_email: None,
            check_in: day(10),
            check_out: day(13),
            nights: 3,
            guests: 2,
            units: 1,
            total_cents: 36_000,
            currency: "EUR".to_owned(),
            status,
            created_at: Utc
                .with_ymd_and_hms(2029, 12, 1, 9, 30, 0)
                .single()
                .expect("time"),
            cancelled_at: None,
        }
    }

    #[test]
    fn a_stay_is_an_all_day_event_from_check_in_to_the_day_of_departure() {
        let ics = calendar(&booking("Garden Double", BookingStatus::Confirmed));
        for line in [
            "BEGIN:VCALENDAR\r\n",
            "VERSION:2.0\r\n",
            "DTSTART;VALUE=DATE:20300110\r\n",
            "DTEND;VALUE=DATE:20300113\r\n",
            "DTSTAMP:20291201T093000Z\r\n",
            "UID:00000000-0000-0000-0000-000000000000@roombook\r\n",
            "SUMMARY:Stay: Garden Double\r\n",
            "STATUS:CONFIRMED\r\n",
            "END:VCALENDAR\r\n",
        ] {
            assert!(ics.contains(line), "{line:?} missing from {ics}");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(
            unfolded.contains("DESCRIPTION:Booking reference RB-7K3QX9TZ. 1 room\\, 2 guests. Total 360.00 EUR.\r\n"),
            "{unfolded}"
        );
        assert!(
            !ics.replace("\r\n", "").contains('\n'),
            "only CRLF line ends"
        );
    }

    #[test]
    fn text_is_escaped_and_long_lines_folded_at_75_octets() {
        let ics = calendar(&booking(
            "Suite; with a view, \\ and a very long name that goes on — and on — and on",
            BookingStatus::Cancelled,
        ));
        assert!(ics.contains("STATUS:CANCELLED\r\n"), "{ics}");
        for line in ics.split("\r\n") {
            assert!(line.len() <= MAX_LINE_OCTETS, "{line:?} is too long");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(
            unfolded.contains(
                "SUMMARY:Stay: Suite\\; with a view\\, \\\\ and a very long name that goes on — and on — and on\r\n"
            ),
            "{unfolded}"
        );
    }
}
