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

    let admin = Browser::start().await?;
    admin
        .sign_in(&app, &app.account("Ada Admin", true).await?)
        .await?;
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
