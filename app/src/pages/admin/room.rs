//! Admin: edit one room, and its per-night inventory (units, price,
//! closed nights) for a range of nights, chosen on a calendar
//! ([`super::inventory_calendar`]) or typed, with the next weeks in a table.

use chrono::Days;
use leptos::prelude::*;
use shared_schema::{
    form::{ClosedChange, InventoryForm, RoomForm},
    inventory::NightAvailability,
    rooms::Room,
    stay::BookingWindow,
};
use uuid::Uuid;

use super::{
    admin_error, admin_page,
    inventory_calendar::{InventoryCalendar, RangeChoice},
    room_form,
    rooms::{RoomFields, RoomInputs},
};
use crate::{
    AppError,
    components::{Checks, DataTable, FormFooter, Input},
    format::{money, short_date},
    pages::{room::room_calendar, search::get_booking_window},
};

/// Nights the inventory table shows.
const SHOWN_NIGHTS: u64 = 42;

/// A room, for an admin (inactive ones too).
#[server(endpoint = "admin_room")]
pub async fn admin_room(id: Uuid) -> Result<Room, AppError> {
    crate::backend::serve(|backend, caller| async move {
        // `room` alone would show active rooms to anyone.
        backend.require_admin(&caller).await?;
        backend.room(&caller, id).await
    })
    .await
}

/// Replaces a room's fields with the typed form.
#[server(endpoint = "update_room")]
pub async fn update_room(id: Uuid, form: RoomForm) -> Result<Room, AppError> {
    let post = crate::form_post::FormPost::current();
    let result = crate::backend::serve(|backend, caller| async move {
        // Admin routes do not reveal themselves, not even as 422s.
        backend.require_admin(&caller).await?;
        let input = form.parse().map_err(AppError::Invalid)?;
        backend
            .update_room(&caller, id, shared_schema::rooms::RoomPatch::from(input))
            .await
            .map_err(super::rooms::price_field)
    })
    .await;
    post.answer(result, |_| None)
}

/// Applies an inventory edit to a range of nights.
#[server(endpoint = "edit_inventory")]
pub async fn edit_inventory(
    id: Uuid,
    form: InventoryForm,
) -> Result<Vec<NightAvailability>, AppError> {
    let post = crate::form_post::FormPost::current();
    let result = crate::backend::serve(|backend, caller| async move {
        backend.require_admin(&caller).await?;
        let edit = form
            .parse(&backend.booking_window().await)
            .map_err(AppError::Invalid)?;
        backend
            .edit_inventory(&caller, id, edit)
            .await
            .map_err(super::rooms::price_field)
    })
    .await;
    post.answer(result, |_| None)
}

/// The paths of this module's server functions, for plain form posts.
mod paths {
    use leptos::server_fn::ServerFn;

    pub(super) fn update_room() -> &'static str {
        <super::UpdateRoom as ServerFn>::PATH
    }

    pub(super) fn edit_inventory() -> &'static str {
        <super::EditInventory as ServerFn>::PATH
    }
}

#[component]
pub(crate) fn AdminRoomPage() -> impl IntoView {
    let page = crate::pages::by_path_id(room_and_window);
    admin_page(
        "Room",
        page,
        |(room, _)| room.name.clone(),
        |(room, window)| {
            view! {
                <EditRoom room=room.clone() />
                <super::photos::AdminPhotos room_id=room.id />
                <Inventory room window />
            }
            .into_any()
        },
    )
}

/// The room and today's booking window, which its inventory form needs.
async fn room_and_window(id: Uuid) -> Result<(Room, BookingWindow), AppError> {
    Ok((admin_room(id).await?, get_booking_window().await?))
}

#[component]
fn EditRoom(room: Room) -> impl IntoView {
    let fields = RoomFields::new(room_form(&room));
    let checks = fields.checks();
    let id = room.id;
    let action = Action::new(move |(): &()| update_room(id, fields.form()));
    let on_submit = checks.submit(action);
    view! {
        <section aria-labelledby="edit-title" class="card">
            <h2 id="edit-title">"Room details"</h2>
            <form class="stack" method="post" action=paths::update_room() novalidate on:submit=on_submit>
                <input type="hidden" name="id" value=id.to_string() />
                <RoomInputs fields checks />
                <p aria-live="polite">
                    {move || matches!(action.value().get(), Some(Ok(_))).then_some("Saved.")}
                </p>
                <FormFooter action label="Save room" />
            </form>
        </section>
    }
}

#[component]
fn Inventory(room: Room, window: BookingWindow) -> impl IntoView {
    let from = RwSignal::new(window.today.to_string());
    let to = RwSignal::new(String::new());
    let total = RwSignal::new(String::new());
    let price = RwSignal::new(String::new());
    let closed = RwSignal::new(ClosedChange::Unchanged);
    let form = move || InventoryForm {
        from: from.get(),
        to: to.get(),
        total: total.get(),
        price: price.get(),
        closed: closed.get(),
    };
    let checks = Checks::new(move || form().parse(&window).err().unwrap_or_default());
    let id = room.id;
    let action = Action::new(move |(): &()| edit_inventory(id, form()));
    let nights = Resource::new(
        move || action.version().get(),
        move |_| room_calendar(id, window.today, window.today + Days::new(SHOWN_NIGHTS)),
    );
    let on_submit = checks.submit(action);
    let min = window.today.to_string();
    let currency = room.currency.clone();
    let choice = RangeChoice::new(from, to);

    view! {
        <section aria-labelledby="inventory-title" class="card">
            <h2 id="inventory-title">"Inventory"</h2>
            <p class="muted">"Change the nights from the first date up to (not including) the end date. Leave a field empty to keep it."</p>
            <InventoryCalendar room_id=id window currency=room.currency.clone() choice saved=action.version() />
            <form class="stack" method="post" action=paths::edit_inventory() novalidate on:submit=on_submit>
                <input type="hidden" name="id" value=id.to_string() />
                <div class="form-grid">
                    // Ids of their own: the room form above has a `price` too.
                    <Input id="inventory-from" field="from" name="form[from]" label="First night" value=from checks kind="date" min=min.clone() />
                    <Input id="inventory-to" field="to" name="form[to]" label="End (day after the last night)" value=to checks kind="date" min=min />
                    <Input id="inventory-total" field="total" name="form[total]" label="Units on sale" value=total checks kind="number" inputmode="numeric" min="0" />
                    <Input id="inventory-price" field="price" name="form[price]" label="Price per night" value=price checks inputmode="decimal" />
                    <div class="field">
                        <label for="inventory-closed">"Open or closed"</label>
                        <select id="inventory-closed" name="form[closed]"
                            on:change=move |ev| closed.set(match event_target_value(&ev).as_str() {
                                "close" => ClosedChange::Close,
                                "open" => ClosedChange::Open,
                                _ => ClosedChange::Unchanged,
                            })>
                            <option value="unchanged">"Leave as is"</option>
                            <option value="close">"Close these nights"</option>
                            <option value="open">"Reopen these nights"</option>
                        </select>
                    </div>
                </div>
                {move || match action.value().get() {
                    Some(Err(AppError::Conflict(conflict))) => Some(view! {
                        <div class="alert warning" role="alert">
                            <p>{conflict.message}</p>
                            <p>{conflict.nights.iter().map(|n| short_date(*n)).collect::<Vec<_>>().join(", ")}</p>
                        </div>
                    }.into_any()),
                    Some(Ok(changed)) => Some(view! {
                        <div class="alert success" role="status">
                            <p>{format!("Updated {} night(s).", changed.len())}</p>
                        </div>
                    }.into_any()),
                    _ => None,
                }}
                <FormFooter action label="Apply to nights" shows_conflicts=true />
            </form>
            <h3>"Next six weeks"</h3>
            <Transition fallback=|| view! { <p class="loading">"Loading nights…"</p> }>
                {move || {
                    let currency = currency.clone();
                    Suspend::new(async move {
                        match nights.await {
                            Ok(nights) => view! { <NightTable nights currency /> }.into_any(),
                            Err(error) => admin_error(error),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn NightTable(nights: Vec<NightAvailability>, currency: String) -> impl IntoView {
    let rows = nights
        .into_iter()
        .map(|night| {
            let state = if night.closed {
                view! { <span class="badge closed">"Closed"</span> }.into_any()
            } else if night.free <= 0 {
                view! { <span class="badge full">"Full"</span> }.into_any()
            } else {
                view! { <span>"Open"</span> }.into_any()
            };
            view! {
                <tr data-night=night.night.to_string()>
                    <th scope="row">{crate::format::short_day(night.night)}</th>
                    <td class="num">{night.booked}</td>
                    <td class="num">{night.total}</td>
                    <td class="num">{money(night.price_cents, &currency)}</td>
                    <td>{state}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Nights of the next six weeks" columns=&[("Night", false), ("Booked", true), ("Units", true), ("Price", true), ("State", false)]>
            {rows}
        </DataTable>
    }
}
