//! The admins' photo section of a room's page: upload, alt text, order
//! and delete. Every form posts without JavaScript too: the upload to a
//! plain multipart route of the server, the others to their server
//! functions, each answered by a redirect back to the page.

use leptos::prelude::*;
use shared_schema::photos::{MAX_ALT_CHARS, Photo, check_upload_size, validate_alt};
use uuid::Uuid;

use crate::{
    AppError,
    pages::photos::{PhotoImage, room_photos},
};

/// Admin: moves a photo to `position` (0 is first).
#[server(endpoint = "move_photo")]
pub async fn move_photo(room_id: Uuid, photo_id: Uuid, position: i32) -> Result<Photo, AppError> {
    let patch = shared_schema::photos::PhotoPatch {
        alt: None,
        position: Some(position),
    };
    change_photo(room_id, photo_id, patch).await
}

/// Admin: replaces a photo's alt text.
#[server(endpoint = "describe_photo")]
pub async fn describe_photo(room_id: Uuid, photo_id: Uuid, alt: String) -> Result<Photo, AppError> {
    let patch = shared_schema::photos::PhotoPatch {
        alt: Some(alt),
        position: None,
    };
    change_photo(room_id, photo_id, patch).await
}

/// What both changes do: the patch, answered as a form post or as data.
#[cfg(feature = "ssr")]
async fn change_photo(
    room_id: Uuid,
    photo_id: Uuid,
    patch: shared_schema::photos::PhotoPatch,
) -> Result<Photo, AppError> {
    let post = crate::form_post::FormPost::current();
    let result = crate::backend::serve(|backend, caller| async move {
        backend
            .update_photo(&caller, room_id, photo_id, patch)
            .await
    })
    .await;
    post.answer(result, |_| None)
}

/// Admin: deletes a photo.
#[server(endpoint = "delete_photo")]
pub async fn delete_photo(room_id: Uuid, photo_id: Uuid) -> Result<(), AppError> {
    let post = crate::form_post::FormPost::current();
    let result = crate::backend::serve(|backend, caller| async move {
        backend.delete_photo(&caller, room_id, photo_id).await
    })
    .await;
    post.answer(result, |()| None)
}

/// The paths of this module's server functions, for plain form posts.
mod paths {
    use leptos::server_fn::ServerFn;

    pub(super) fn move_photo() -> &'static str {
        <super::MovePhoto as ServerFn>::PATH
    }

    pub(super) fn describe_photo() -> &'static str {
        <super::DescribePhoto as ServerFn>::PATH
    }

    pub(super) fn delete_photo() -> &'static str {
        <super::DeletePhoto as ServerFn>::PATH
    }
}
/// Admin: the room's photos with their alt text, order and delete, and the
/// upload form.
#[component]
pub(crate) fn AdminPhotos(room_id: Uuid) -> impl IntoView {
    let moved = ServerAction::<MovePhoto>::new();
    let described = ServerAction::<DescribePhoto>::new();
    let deleted = ServerAction::<DeletePhoto>::new();
    let photos = Resource::new(
        move || {
            (
                moved.version().get(),
                described.version().get(),
                deleted.version().get(),
            )
        },
        move |_| room_photos(room_id),
    );
    let failure = move || {
        [
            moved.value().get().and_then(Result::err),
            described.value().get().and_then(Result::err),
            deleted.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    let actions = PhotoActions {
        room_id,
        moved,
        described,
        deleted,
    };
    view! {
        <section id="photos" aria-labelledby="photos-title" class="card">
            <h2 id="photos-title">"Photos"</h2>
            <p class="muted">"The first photo shows on search results. Guests who cannot see the photos hear their descriptions."</p>
            {move || failure().map(|error| view! { <crate::form_post::PostedError error /> })}
            <Transition fallback=|| view! { <p class="loading">"Loading photos…"</p> }>
                {move || Suspend::new(async move {
                    match photos.await {
                        Ok(photos) if photos.is_empty() => view! { <p>"No photos yet."</p> }.into_any(),
                        Ok(photos) => {
                            let count = photos.len();
                            let rows = photos
                                .into_iter()
                                .map(|photo| view! { <AdminPhoto photo count actions /> })
                                .collect_view();
                            view! { <ol class="admin-photos" role="list">{rows}</ol> }.into_any()
                        }
                        Err(error) => view! { <crate::components::ErrorAlert error /> }.into_any(),
                    }
                })}
            </Transition>
            <UploadForm room_id />
        </section>
    }
}

#[derive(Clone, Copy)]
struct PhotoActions {
    room_id: Uuid,
    moved: ServerAction<MovePhoto>,
    described: ServerAction<DescribePhoto>,
    deleted: ServerAction<DeletePhoto>,
}

/// One photo's row: its thumbnail, alt text form, up, down and delete.
#[component]
fn AdminPhoto(photo: Photo, count: usize, actions: PhotoActions) -> impl IntoView {
    let PhotoActions {
        room_id,
        moved,
        described,
        deleted,
    } = actions;
    let photo_id = photo.id;
    let position = photo.position;
    let number = position + 1;
    let alt = RwSignal::new(photo.alt.clone());
    let alt_id = format!("photo-alt-{photo_id}");
    let error_id = format!("photo-alt-{photo_id}-error");
    let message = move || alt.with(|alt| validate_alt(alt).err());
    let last = i32::try_from(count).unwrap_or(i32::MAX) - 1;
    let hidden = move || {
        view! {
            <input type="hidden" name="room_id" value=room_id.to_string() />
            <input type="hidden" name="photo_id" value=photo_id.to_string() />
        }
    };
    let move_to = move |to: i32| {
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            moved.dispatch(MovePhoto {
                room_id,
                photo_id,
                position: to,
            });
        }
    };
    view! {
        <li class="admin-photo" data-photo=photo_id.to_string()>
            <PhotoImage photo=photo.clone() sizes="10rem" />
            <div class="stack">
                <form method="post" action=paths::describe_photo() class="inline-form" novalidate
                    on:submit=move |event: leptos::ev::SubmitEvent| {
                        event.prevent_default();
                        if message().is_none() {
                            described.dispatch(DescribePhoto { room_id, photo_id, alt: alt.get_untracked() });
                        }
                    }>
                    {hidden()}
                    <div class="field" class:invalid=move || message().is_some()>
                        <label for=alt_id.clone()>{format!("Description of photo {number}")}</label>
                        <input id=alt_id name="alt" maxlength=MAX_ALT_CHARS required
                            value=photo.alt.clone() prop:value=alt
                            on:input=move |ev| alt.set(event_target_value(&ev))
                            aria-invalid=move || message().is_some().to_string()
                            aria-describedby=error_id.clone() />
                        <p class="field-error" id=error_id aria-live="polite">{message}</p>
                    </div>
                    <button type="submit" class="button secondary">{format!("Save description {number}")}</button>
                </form>
                <div class="photo-actions">
                    {(position > 0).then(|| view! {
                        <form method="post" action=paths::move_photo() on:submit=move_to(position - 1)>
                            {hidden()}
                            <input type="hidden" name="position" value=(position - 1).to_string() />
                            <button type="submit" class="button secondary">{format!("Move photo {number} up")}</button>
                        </form>
                    })}
                    {(position < last).then(|| view! {
                        <form method="post" action=paths::move_photo() on:submit=move_to(position + 1)>
                            {hidden()}
                            <input type="hidden" name="position" value=(position + 1).to_string() />
                            <button type="submit" class="button secondary">{format!("Move photo {number} down")}</button>
                        </form>
                    })}
                    <form method="post" action=paths::delete_photo()
                        on:submit=move |event: leptos::ev::SubmitEvent| {
                            event.prevent_default();
                            deleted.dispatch(DeletePhoto { room_id, photo_id });
                        }>
                        {hidden()}
                        <button type="submit" class="button danger">{format!("Delete photo {number}")}</button>
                    </form>
                </div>
            </div>
        </li>
    }
}

/// The upload: a plain multipart post to the server (no server function
/// takes files), answered with a redirect back here. With the WASM loaded,
/// a missing or too long description and a file over the size limit are
/// said before anything is sent.
#[component]
fn UploadForm(room_id: Uuid) -> impl IntoView {
    let alt = RwSignal::new(String::new());
    let attempted = RwSignal::new(false);
    let message = move || {
        attempted
            .get()
            .then(|| alt.with(|alt| validate_alt(alt).err()))
            .flatten()
    };
    // Said as soon as the file is chosen: a large photo takes long to send.
    let file_message = RwSignal::new(None::<&'static str>);
    view! {
        <form class="stack" method="post" enctype="multipart/form-data"
            action=format!("/admin/rooms/{room_id}/photos")
            on:submit=move |event: leptos::ev::SubmitEvent| {
                attempted.set(true);
                let alt_ok = alt.with_untracked(|alt| validate_alt(alt).is_ok());
                if !alt_ok || file_message.get_untracked().is_some() {
                    event.prevent_default();
                }
            }>
            <h3>"Add a photo"</h3>
            <div class="form-grid">
                <div class="field" class:invalid=move || message().is_some()>
                    <label for="photo-alt">"Description (alt text)"</label>
                    <p class="muted hint" id="photo-alt-hint">"What a guest would see, e.g. \"Double bed by a sunny window\"."</p>
                    <input id="photo-alt" name="alt" maxlength=MAX_ALT_CHARS required
                        prop:value=alt on:input=move |ev| alt.set(event_target_value(&ev))
                        aria-invalid=move || message().is_some().to_string()
                        aria-describedby="photo-alt-hint photo-alt-error" />
                    <p class="field-error" id="photo-alt-error" aria-live="polite">{message}</p>
                </div>
                <div class="field" class:invalid=move || file_message.get().is_some()>
                    <label for="photo-file">"Photo"</label>
                    <p class="muted hint" id="photo-file-hint">"JPEG, PNG or WebP, up to 10 MiB."</p>
                    <input id="photo-file" name="file" type="file" required
                        accept="image/jpeg,image/png,image/webp"
                        on:change=move |ev| file_message.set(chosen_file_size(&ev).and_then(|bytes| check_upload_size(bytes).err()))
                        aria-invalid=move || file_message.get().is_some().to_string()
                        aria-describedby="photo-file-hint photo-file-error" />
                    <p class="field-error" id="photo-file-error" aria-live="polite">{move || file_message.get()}</p>
                </div>
            </div>
            <div class="form-actions">
                <button type="submit" class="button primary">"Upload photo"</button>
            </div>
        </form>
    }
}

/// The size in bytes of the file chosen in the input `event` came from.
fn chosen_file_size(event: &leptos::ev::Event) -> Option<u64> {
    let input: web_sys::HtmlInputElement = event_target(event);
    let size = input.files()?.get(0)?.size();
    // A file's size is a whole number of bytes below 2^53.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a whole, non-negative number of bytes"
    )]
    Some(size as u64)
}
