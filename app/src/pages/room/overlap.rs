//! A warning before booking a stay that shares a night with one of the
//! guest's own confirmed bookings (a second booking by mistake is the
//! usual case). Only a warning: the guest may mean it, and the server
//! still decides whether the stay can be booked.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::components::A;
use shared_schema::{dto::Booking, stay::BookingWindow};

use super::Stay;
use crate::{
    AppError,
    format::{plural, short_date},
};

/// The caller's confirmed bookings with a night in `[check_in, check_out)`.
#[server(endpoint = "overlapping_bookings")]
pub async fn overlapping_bookings(
    check_in: NaiveDate,
    check_out: NaiveDate,
) -> Result<Vec<Booking>, AppError> {
    use shared_schema::{booking::BookingFilter, dto::BookingStatus};
    let filter = BookingFilter {
        from: Some(check_in),
        to: Some(check_out),
        status: Some(BookingStatus::Confirmed),
        limit: Some(shared_schema::booking::MAX_LIST_LIMIT),
        ..BookingFilter::default()
    };
    crate::backend::serve(|backend, caller| async move {
        Ok(backend.bookings(&caller, filter, true).await?.bookings)
    })
    .await
}

/// The warning, for the stay the form holds now; nothing for a guest who
/// is signed out or has no booking on those nights. In the server's HTML
/// too, so a guest without JavaScript is warned as well.
#[component]
pub(super) fn OverlapWarning(stay: Stay, window: BookingWindow) -> impl IntoView {
    let overlaps = Resource::new(
        move || {
            stay.form()
                .parse(&window)
                .ok()
                .map(|search| (search.check_in, search.check_out))
        },
        |stay| async move {
            match stay {
                // Signed out (or anything else that fails): no warning.
                Some((check_in, check_out)) => overlapping_bookings(check_in, check_out)
                    .await
                    .unwrap_or_default(),
                None => Vec::new(),
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let bookings = overlaps.await;
                (!bookings.is_empty()).then(|| view! { <Overlaps bookings /> })
            })}
        </Transition>
    }
}

#[component]
fn Overlaps(bookings: Vec<Booking>) -> impl IntoView {
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
            view! { <li><A href=format!("/bookings/{}", booking.id)>{text}</A></li> }
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
