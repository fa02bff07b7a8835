//! Room photos: an admin uploads one on the room's admin page (a plain
//! multipart form), and guests see it in the room page's gallery, loaded
//! at a width from its `srcset`.

use end2end::{Browser, TestApp};
use image::{ImageEncoder, Rgb, RgbImage, codecs::jpeg::JpegEncoder};

/// A 1200 x 800 JPEG in a temporary file (the browser uploads from disk).
fn photo_file() -> anyhow::Result<std::path::PathBuf> {
    let image = RgbImage::from_fn(1200, 800, |x, y| {
        Rgb([
            u8::try_from(x * 255 / 1200).unwrap_or(0),
            u8::try_from(y * 255 / 800).unwrap_or(0),
            160,
        ])
    });
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 85).write_image(
        image.as_raw(),
        1200,
        800,
        image::ExtendedColorType::Rgb8,
    )?;
    let path = std::env::temp_dir().join(format!("roombook-photo-{}.jpg", uuid::Uuid::new_v4()));
    std::fs::write(&path, jpeg)?;
    Ok(path)
}

#[tokio::test]
async fn an_admin_uploads_a_photo_and_guests_see_it_on_the_room_page() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Photo Suite", 2).await?;
    let file = photo_file()?;

    let admin = Browser::admin(&app).await?;
    admin
        .open_hydrated(&app.url(&format!("/admin/rooms/{room}")))
        .await?;
    admin.wait_for("#photos-title").await?;
    admin
        .fill("#photo-alt", "Sunny double bed by the window")
        .await?;
    admin
        .wait_for("#photo-file")
        .await?
        .send_keys(&file.to_string_lossy())
        .await?;
    admin
        .click("#photos form[enctype='multipart/form-data'] button[type=submit]")
        .await?;
    // Post/Redirect/Get: back on the room's admin page, the photo listed.
    admin
        .wait_for(".admin-photo img[alt='Sunny double bed by the window']")
        .await?;
    admin
        .assert_accessible("admin room page with a photo")
        .await?;
    std::fs::remove_file(&file).ok();

    let guest = Browser::start().await?;
    guest
        .open_hydrated(&app.url(&format!("/rooms/{room}")))
        .await?;
    let image = guest
        .wait_for(".gallery img[alt='Sunny double bed by the window']")
        .await?;
    let srcset = image.attr("srcset").await?.unwrap_or_default();
    assert!(
        srcset.contains(" 320w") && srcset.contains(" 640w") && srcset.contains(" 1200w"),
        "{srcset}"
    );
    assert!(image.attr("width").await?.is_some() && image.attr("height").await?.is_some());
    // The browser fetched and decoded one of the widths (waits for the
    // image's own load event, not for time).
    let width = guest
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const img = document.querySelector('.gallery img');
             if (img.complete) { done(img.naturalWidth); }
             else {
                 img.addEventListener('load', () => done(img.naturalWidth));
                 img.addEventListener('error', () => done(0));
             }",
            vec![],
        )
        .await?;
    assert!(
        width.as_u64().unwrap_or(0) >= 320,
        "the gallery's image loaded: {width}"
    );
    guest.assert_accessible("room page with a photo").await?;
    guest.screenshot("room-photos").await?;

    admin.close().await?;
    guest.close().await?;
    app.stop().await
}

#[tokio::test]
async fn a_photo_over_the_limit_is_refused_as_soon_as_it_is_chosen() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let room = app.seed_room("Photo Suite", 2).await?;
    // 12 MiB of anything: the browser looks at the size only.
    let big = std::env::temp_dir().join(format!("roombook-big-{}.jpg", uuid::Uuid::new_v4()));
    std::fs::write(&big, vec![0xAB_u8; 12 * 1024 * 1024])?;
    let small = photo_file()?;

    let admin = Browser::admin(&app).await?;
    admin
        .open_hydrated(&app.url(&format!("/admin/rooms/{room}")))
        .await?;
    admin
        .fill("#photo-alt", "Twin beds under the eaves")
        .await?;
    let file = admin.wait_for("#photo-file").await?;
    file.send_keys(&big.to_string_lossy()).await?;
    admin
        .wait_for_text_containing("#photo-file-error", "That photo is larger than 10 MiB.")
        .await?;
    assert_eq!(file.attr("aria-invalid").await?.as_deref(), Some("true"));

    // Upload is refused in the page: the submit event comes back prevented
    // (the page would be on its way to the server otherwise).
    admin
        .client
        .execute(
            "window.addEventListener('submit', e => { window.uploadPrevented = e.defaultPrevented; });",
            vec![],
        )
        .await?;
    admin
        .click("#photos form[enctype='multipart/form-data'] button[type=submit]")
        .await?;
    let prevented = admin
        .client
        .execute("return window.uploadPrevented === true;", vec![])
        .await?;
    assert_eq!(prevented, serde_json::Value::Bool(true), "nothing sent");

    // Another file within the limit clears the message and is uploaded.
    file.send_keys(&small.to_string_lossy()).await?;
    admin.wait_for_text("#photo-file-error", "").await?;
    admin
        .click("#photos form[enctype='multipart/form-data'] button[type=submit]")
        .await?;
    admin
        .wait_for(".admin-photo img[alt='Twin beds under the eaves']")
        .await?;
    let photos = admin
        .client
        .find_all(fantoccini::Locator::Css(".admin-photo"))
        .await?;
    assert_eq!(photos.len(), 1, "only the small photo was stored");

    std::fs::remove_file(&big).ok();
    std::fs::remove_file(&small).ok();
    admin.close().await?;
    app.stop().await
}
