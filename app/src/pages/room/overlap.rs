//! A warning before booking a stay that shares a night with one of the
//! guest's own confirmed bookings (a second booking by mistake is the
//! usual case). Only a warning: the guest may mean it, and the server
//! still decides whether the stay can be booked.

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared_schema::stay::BookingWindow;
use uuid::Uuid;

use super::Stay;
use crate::format::{plural, short_date};

/// One of the guest's confirmed bookings, as the warning names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OwnStay {
    id: Uuid,
    reference: String,
    room_name: String,
    #[serde(deserialize_with = "shared_schema::date::deserialize")]
    check_in: NaiveDate,
    #[serde(deserialize_with = "shared_schema::date::deserialize")]
    check_out: NaiveDate,
    units: i32,
}

#[cfg(feature = "ssr")]
impl OwnStay {
    pub(crate) fn of(booking: &shared_schema::dto::Booking) -> Self {
        Self {
            id: booking.id,
            reference: booking.reference.clone(),
            room_name: booking.room_name.clone(),
            check_in: booking.check_in,
            check_out: booking.check_out,
            units: booking.units,
        }
    }
}

/// The warning, for the stay the form holds now; nothing for a guest who
/// is signed out or has no booking on those nights. In the server's HTML
/// too, so a guest without JavaScript is warned as well.
#[component]
pub(super) fn OverlapWarning(
    stay: Stay,
    window: BookingWindow,
    own: StoredValue<Vec<OwnStay>>,
) -> impl IntoView {
    let overlaps = move || {
        let search = stay.form().parse(&window).ok()?;
        let overlapping: Vec<OwnStay> = own.with_value(|own| {
            own.iter()
                .filter(|booked| {
                    booked.check_in < search.check_out && search.check_in < booked.check_out
                })
                .cloned()
                .collect()
        });
        (!overlapping.is_empty()).then(|| view! { <Overlaps bookings=overlapping /> })
    };
    view! { {overlaps} }
}

#[component]
fn Overlaps(bookings: Vec<OwnStay>) -> impl IntoView {
    let count = i64::try_from(bookings.len()).unwrap_or(i64::MAX);
    let items = bookings
        .into_iter()
        .map(|booking| {
            let text = format!(
                "{}, {} – {} ({}), reference {}",
                booking.room_name,
                short_date(booking.check_in),
                short_date(booking.check_out),
                plural(booking.units.into(), "room", "rooms"),
                booking.reference,
            );
            view! { <li><a href=format!("/bookings/{}", booking.id)>{text}</a></li> }
        })
        .collect_view();
    view! {
        <div class="alert warning overlap" data-testid="overlap-warning">
            <p>
                {if count == 1 {
                    "You already have a booking on some of these nights:".to_owned()
                } else {
                    format!("You already have {count} bookings on some of these nights:")
                }}
            </p>
            <ul>{items}</ul>
            <p>"Confirming books this stay as well, in addition."</p>
        </div>
    }
}
