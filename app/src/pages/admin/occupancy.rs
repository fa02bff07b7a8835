//! Admin: booked/total per room for the next 30 nights.

use leptos::prelude::*;
use shared_schema::inventory::{NightAvailability, RoomOccupancy};

use super::{admin_heading, admin_page};
use crate::AppError;

/// Nights the overview covers.
const NIGHTS: u16 = 30;

/// Booked/total per room for the next `NIGHTS` nights.
#[server(endpoint = "occupancy")]
pub async fn occupancy() -> Result<Vec<RoomOccupancy>, AppError> {
    crate::backend::serve(|backend, caller| async move { backend.occupancy(&caller, NIGHTS).await })
        .await
}

#[component]
pub(crate) fn OccupancyPage() -> impl IntoView {
    let rooms = Resource::new(|| (), |()| occupancy());
    admin_page("Occupancy", rooms, admin_heading, |rooms| {
        view! {
            <h2 id="occupancy-title">{format!("Occupancy, next {NIGHTS} nights")}</h2>
            <OccupancyTable rooms />
        }
        .into_any()
    })
}

/// The colour class of a night: closed, or booked share in quarters.
fn level(night: &NightAvailability) -> &'static str {
    if night.closed {
        return "occ occ-closed";
    }
    let share = if night.total > 0 {
        night.booked * 100 / night.total
    } else {
        100
    };
    match share {
        0 => "occ occ-0",
        1..=25 => "occ occ-25",
        26..=50 => "occ occ-50",
        51..=99 => "occ occ-75",
        _ => "occ occ-100",
    }
}

#[component]
fn OccupancyTable(rooms: Vec<RoomOccupancy>) -> impl IntoView {
    let Some(first) = rooms.first() else {
        return view! { <p class="muted">"No rooms yet."</p> }.into_any();
    };
    let header = first
        .nights
        .iter()
        .map(|night| {
            view! {
                <th scope="col" abbr=night.night.format("%A %-d %B").to_string()>
                    {night.night.format("%a").to_string()}<br />{night.night.format("%-d").to_string()}
                </th>
            }
        })
        .collect_view();
    let rows = rooms
        .into_iter()
        .map(|room| {
            let cells = room
                .nights
                .iter()
                .map(|night| {
                    let text = if night.closed {
                        "closed".to_owned()
                    } else {
                        format!("{}/{}", night.booked, night.total)
                    };
                    view! { <td class=level(night) data-night=night.night.to_string()>{text}</td> }
                })
                .collect_view();
            let name = if room.active {
                room.room_name
            } else {
                format!("{} (hidden)", room.room_name)
            };
            view! { <tr><th scope="row">{name}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        // A region in the tab order, so the keyboard can scroll it too.
        <div class="table-wrap" role="region" aria-labelledby="occupancy-title" tabindex="0">
            <table class="data occupancy" aria-labelledby="occupancy-title">
                <thead><tr><th scope="col">"Room"</th>{header}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
