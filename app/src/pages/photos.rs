//! Room photos in the UI: a responsive image, a room's cover on search
//! results and the gallery on the room page (the admins' photo section is
//! in `admin/photos.rs`).
//!
//! Every image names its stored widths in `srcset` with `sizes`, so the
//! browser fetches the narrowest that fills its slot, has its `width` and
//! `height` set (no layout shift) and loads lazily unless it is the first
//! thing on the page.

use leptos::prelude::*;
use shared_schema::photos::Photo;
use uuid::Uuid;

use crate::AppError;

/// A room's photos in order (an inactive room's for admins only).
#[server(endpoint = "room_photos")]
pub async fn room_photos(room_id: Uuid) -> Result<Vec<Photo>, AppError> {
    crate::backend::serve(
        |backend, caller| async move { backend.room_photos(&caller, room_id).await },
    )
    .await
}

/// One photo at the width its slot needs: `sizes` says how wide the slot
/// is; `eager` for the first image a page shows (the others load as they
/// come into view).
#[component]
pub(crate) fn PhotoImage(
    photo: Photo,
    sizes: &'static str,
    #[prop(default = false)] eager: bool,
) -> impl IntoView {
    let srcset = photo.srcset();
    let fallback = photo.at_least(640).cloned();
    let alt = photo.alt;
    fallback.map(move |variant| {
        view! {
            <img src=variant.url srcset=srcset sizes=sizes
                width=variant.width height=variant.height alt=alt
                loading=if eager { "eager" } else { "lazy" } decoding="async" />
        }
    })
}

/// A room's cover on a search result card, if it has one.
#[component]
pub(crate) fn CoverPhoto(photo: Option<Photo>) -> impl IntoView {
    photo.map(|photo| {
        view! {
            <div class="cover">
                <PhotoImage photo sizes="(min-width: 48rem) 20rem, 100vw" />
            </div>
        }
    })
}

/// The room page's photos: the first large, the others beside or below it.
#[component]
pub(crate) fn RoomGallery(room_id: Uuid) -> impl IntoView {
    let photos = Resource::new(move || room_id, room_photos);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match photos.await {
                    Ok(photos) if !photos.is_empty() => {
                        let items = photos
                            .into_iter()
                            .enumerate()
                            .map(|(i, photo)| {
                                let sizes = if i == 0 {
                                    "(min-width: 64rem) 40rem, 100vw"
                                } else {
                                    "(min-width: 64rem) 20rem, 50vw"
                                };
                                view! { <li><PhotoImage photo sizes eager={i == 0} /></li> }
                            })
                            .collect_view();
                        Some(view! {
                            <ul class="gallery" role="list" aria-label="Photos">{items}</ul>
                        })
                    }
                    // No photos, or none to show: the page reads without them.
                    _ => None,
                }
            })}
        </Suspense>
    }
}
