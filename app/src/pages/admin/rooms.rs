//! Admin: every room, a form to create one, and (de)activation.

use leptos::prelude::*;
use leptos_router::components::A;
use shared_schema::{form::RoomForm, rooms::Room};
use uuid::Uuid;

use super::{admin_heading, admin_page};
use crate::{
    AppError,
    components::{Checks, DataTable, ErrorAlert, FormFooter, Input},
    format::money,
};

/// Every room, active or not.
#[server(endpoint = "admin_rooms")]
pub async fn admin_rooms() -> Result<Vec<Room>, AppError> {
    crate::backend::serve(|backend, caller| async move { backend.all_rooms(&caller).await }).await
}

/// Creates a room from the typed form.
/// Posted by the plain form (before the WASM arrives), it redirects to the
/// new room's page.
#[server(endpoint = "create_room")]
pub async fn create_room(form: RoomForm) -> Result<Room, AppError> {
    let post = crate::form_post::FormPost::current();
    let result = crate::backend::serve(|backend, caller| async move {
        // Admin routes do not reveal themselves, not even as 422s.
        backend.require_admin(&caller).await?;
        let input = form.parse().map_err(AppError::Invalid)?;
        backend
            .create_room(&caller, input)
            .await
            .map_err(price_field)
    })
    .await;
    post.answer(result, |room| Some(format!("/admin/rooms/{}", room.id)))
}

/// Shows (`true`) or hides a room from guests.
#[server(endpoint = "set_room_active")]
pub async fn set_room_active(id: Uuid, active: bool) -> Result<Room, AppError> {
    let post = crate::form_post::FormPost::current();
    let result = crate::backend::serve(|backend, caller| async move {
        let patch = shared_schema::rooms::RoomPatch {
            active: Some(active),
            ..Default::default()
        };
        backend.update_room(&caller, id, patch).await
    })
    .await;
    post.answer(result, |_| None)
}

/// The paths of this module's server functions, for plain form posts.
mod paths {
    use leptos::server_fn::ServerFn;

    pub(super) fn create_room() -> &'static str {
        <super::CreateRoom as ServerFn>::PATH
    }

    pub(super) fn set_room_active() -> &'static str {
        <super::SetRoomActive as ServerFn>::PATH
    }
}

/// The backend reports prices on `price_cents`; the form's field is `price`.
#[cfg(feature = "ssr")]
pub(crate) fn price_field(error: AppError) -> AppError {
    match error {
        AppError::Invalid(errors) => AppError::Invalid(errors.renamed("price_cents", "price")),
        other => other,
    }
}

#[component]
pub(crate) fn AdminRoomsPage() -> impl IntoView {
    let changed = RwSignal::new(0_u32);
    let rooms = Resource::new(move || changed.get(), |_| admin_rooms());
    // Outlives the page body, which the reloaded list renders again.
    let created = RwSignal::new(None::<Room>);
    admin_page("Rooms", rooms, admin_heading, move |rooms| {
        view! {
            <RoomTable rooms changed />
            <NewRoom changed created />
        }
        .into_any()
    })
}

#[component]
fn RoomTable(rooms: Vec<Room>, changed: RwSignal<u32>) -> impl IntoView {
    let toggle = Action::new(move |(id, active): &(Uuid, bool)| set_room_active(*id, *active));
    Effect::new(move || {
        if let Some(Ok(_)) = toggle.value().get() {
            changed.update(|n| *n += 1);
        }
    });
    let rows = rooms
        .into_iter()
        .map(|room| {
            let (id, active) = (room.id, room.active);
            let status = if active {
                view! { <span class="badge confirmed">"Active"</span> }
            } else {
                view! { <span class="badge cancelled">"Hidden"</span> }
            };
            view! {
                <tr>
                    <th scope="row"><A href=format!("/admin/rooms/{id}")>{room.name}</A></th>
                    <td class="num">{room.capacity}</td>
                    <td class="num">{money(room.price_cents, &room.currency)}</td>
                    <td class="num">{room.total_inventory}</td>
                    <td>{status}</td>
                    <td class="actions">
                        <A href=format!("/admin/rooms/{id}") attr:class="button small secondary">"Edit & inventory"</A>
                        <form class="inline-form" method="post" action=paths::set_room_active()
                            on:submit=move |ev| { ev.prevent_default(); toggle.dispatch((id, !active)); }>
                            <input type="hidden" name="id" value=id.to_string() />
                            <input type="hidden" name="active" value=(!active).to_string() />
                            <button type="submit" class="button small secondary"
                                disabled=move || toggle.pending().get()>
                                {if active { "Deactivate" } else { "Activate" }}
                            </button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="rooms-title">
            <h2 id="rooms-title">"Rooms"</h2>
            {move || match toggle.value().get() {
                Some(Err(error)) => Some(view! { <ErrorAlert error /> }),
                _ => None,
            }}
            <DataTable label="Rooms" columns=&[("Name", false), ("Sleeps", true), ("Base price", true), ("Units", true), ("Status", false), ("", false)]>
                {rows}
            </DataTable>
        </section>
    }
}

/// The fields of a room, shared by the create and edit forms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoomFields {
    name: RwSignal<String>,
    description: RwSignal<String>,
    capacity: RwSignal<String>,
    price: RwSignal<String>,
    currency: RwSignal<String>,
    total_inventory: RwSignal<String>,
}

impl RoomFields {
    pub(crate) fn new(form: RoomForm) -> Self {
        Self {
            name: RwSignal::new(form.name),
            description: RwSignal::new(form.description),
            capacity: RwSignal::new(form.capacity),
            price: RwSignal::new(form.price),
            currency: RwSignal::new(form.currency),
            total_inventory: RwSignal::new(form.total_inventory),
        }
    }

    pub(crate) fn form(self) -> RoomForm {
        RoomForm {
            name: self.name.get(),
            description: self.description.get(),
            capacity: self.capacity.get(),
            price: self.price.get(),
            currency: self.currency.get(),
            total_inventory: self.total_inventory.get(),
        }
    }

    /// Puts `form` back into the fields.
    pub(crate) fn set(self, form: RoomForm) {
        self.name.set(form.name);
        self.description.set(form.description);
        self.capacity.set(form.capacity);
        self.price.set(form.price);
        self.currency.set(form.currency);
        self.total_inventory.set(form.total_inventory);
    }

    pub(crate) fn checks(self) -> Checks {
        Checks::new(move || self.form().parse().err().unwrap_or_default())
    }
}

/// The inputs of a room form.
#[component]
pub(crate) fn RoomInputs(fields: RoomFields, checks: Checks) -> impl IntoView {
    let message = Signal::derive(move || checks.message("description"));
    view! {
        <div class="form-grid">
            <Input id="name" name="form[name]" label="Name" value=fields.name checks />
            <Input id="capacity" name="form[capacity]" label="Sleeps (guests per room)" value=fields.capacity checks kind="number" inputmode="numeric" min="1" />
            <Input id="price" name="form[price]" label="Base price per night" value=fields.price checks inputmode="decimal" />
            <Input id="currency" name="form[currency]" label="Currency" value=fields.currency checks hint="Three letters, e.g. EUR" />
            <Input id="total_inventory" name="form[total_inventory]" label="Units" value=fields.total_inventory checks kind="number" inputmode="numeric" min="1" />
        </div>
        <crate::components::Field id="description" label="Description" message>
            <textarea id="description" name="form[description]" rows="3"
                prop:value=fields.description
                on:input=move |ev| { fields.description.set(event_target_value(&ev)); checks.touch("description"); }
                aria-invalid=move || message.with(Option::is_some).to_string()
                aria-describedby="description-error">{fields.description.get_untracked()}</textarea>
        </crate::components::Field>
    }
}

/// The new-room form: a confirmation that names the room and links to its
/// inventory, then an empty form for the next one.
#[component]
fn NewRoom(changed: RwSignal<u32>, created: RwSignal<Option<Room>>) -> impl IntoView {
    let empty = || RoomForm {
        currency: "EUR".to_owned(),
        capacity: "2".to_owned(),
        total_inventory: "1".to_owned(),
        ..RoomForm::default()
    };
    let fields = RoomFields::new(empty());
    let checks = fields.checks();
    let action = Action::new(move |(): &()| create_room(fields.form()));
    Effect::new(move || {
        if let Some(Ok(room)) = action.value().get() {
            created.set(Some(room));
            fields.set(empty());
            checks.reset();
            changed.update(|n| *n += 1);
        }
    });
    let on_submit = checks.submit(action);
    view! {
        <section aria-labelledby="new-room-title" class="card">
            <h2 id="new-room-title">"New room"</h2>
            <div role="status" id="room-created">
                {move || created.get().map(|room| view! {
                    <p class="alert success">
                        {format!("Room \u{201c}{}\u{201d} created. ", room.name)}
                        <A href=format!("/admin/rooms/{}", room.id)>"Set its prices and inventory"</A>
                    </p>
                })}
            </div>
            <form class="stack" method="post" action=paths::create_room() novalidate on:submit=on_submit>
                <RoomInputs fields checks />
                <FormFooter action label="Create room" />
            </form>
        </section>
    }
}
