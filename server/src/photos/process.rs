//! Turning an uploaded file into the stored images: sniff the format,
//! decode under explicit limits, turn the pixels upright, scale down to the
//! stored widths and encode each as a baseline JPEG. Encoding from pixels
//! writes no metadata at all: no EXIF (camera, place, time), no XMP, no
//! colour profile.
//!
//! Decoding is CPU and memory work, so it runs on the blocking pool, at
//! most one per core at a time ([`DECODING`]), each decode allowed
//! [`MAX_DECODED_BYTES`] of pixels: the peak an upload burst can cost is
//! bounded (cores x that), and a request that waits longer than
//! [`PERMIT_WAIT`] for its turn gets 503 with `Retry-After`.
//!
//! Anything that does not decode (another format, text, a truncated file,
//! a decompression bomb, even a decoder panic) is the file's fault: a 422
//! with a sentence, never a 500.

use std::{io::Cursor, panic::AssertUnwindSafe, sync::LazyLock, time::Duration};

use image::{
    DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits,
    codecs::jpeg::JpegEncoder,
};
use sha2::{Digest, Sha256};
use shared_schema::photos::WIDTHS;
use tokio::sync::Semaphore;

use crate::error::Error;

/// Widest or tallest image accepted, in pixels.
pub const MAX_SIDE: u32 = 12_000;

/// Most memory the decoded pixels of one upload may take: a 16-megapixel
/// RGB photo (48 MB). Decoders allocate little beside it.
pub const MAX_DECODED_BYTES: u64 = 48 * 1024 * 1024;

/// JPEG quality of the stored images: visually clean for photos at a
/// fraction of the upload's size.
const JPEG_QUALITY: u8 = 82;

/// How long an upload waits for a decoding permit before it gets 503.
const PERMIT_WAIT: Duration = Duration::from_secs(1);

/// One permit per decode that may run at once: one per core.
static DECODING: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
});

/// The field an upload's refusals are about.
pub const FILE_FIELD: &str = "file";

pub const MSG_NOT_AN_IMAGE: &str =
    "This file is not a JPEG, PNG or WebP image. Choose a photo in one of these formats.";
pub const MSG_DAMAGED: &str =
    "This image could not be read: the file is damaged or incomplete. Try exporting it again.";
pub const MSG_TOO_MANY_PIXELS: &str = "This image has too many pixels to process: at most 12,000 \
    pixels a side and about 16 megapixels. Make it smaller and upload it again.";
pub const MSG_EMPTY: &str = "Choose a photo to upload.";

/// One stored image of a photo.
#[derive(Clone, PartialEq, Eq)]
pub struct Encoded {
    pub width: i32,
    pub height: i32,
    pub content_type: &'static str,
    /// A strong validator: a hash of `bytes`, quoted as `ETag` wants it.
    pub etag: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Encoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoded")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// The stored images of an upload, narrowest first; 422 (naming `file`)
/// for anything that is not a photo we can read, 503 when every decoding
/// permit stays busy.
pub async fn process(upload: Vec<u8>) -> Result<Vec<Encoded>, Error> {
    let outcome = crate::blocking::bounded(&DECODING, PERMIT_WAIT, "photo decoding", move || {
        // A decoder that panics on a hostile file is refusing the file.
        std::panic::catch_unwind(AssertUnwindSafe(|| process_blocking(&upload))).unwrap_or_else(
            |_| {
                tracing::warn!("an image decoder panicked: refusing the file");
                Err(Refusal::Damaged)
            },
        )
    })
    .await?;
    outcome.map_err(|refusal| Error::invalid(FILE_FIELD, refusal.message()))
}

/// Why a file is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    NotAnImage,
    Damaged,
    TooManyPixels,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Self::Empty => MSG_EMPTY,
            Self::NotAnImage => MSG_NOT_AN_IMAGE,
            Self::Damaged => MSG_DAMAGED,
            Self::TooManyPixels => MSG_TOO_MANY_PIXELS,
        }
    }
}

impl From<ImageError> for Refusal {
    fn from(error: ImageError) -> Self {
        match error {
            ImageError::Limits(_) => Self::TooManyPixels,
            ImageError::Unsupported(_) => Self::NotAnImage,
            _ => Self::Damaged,
        }
    }
}

/// The limits every decode runs under.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    limits
}

/// The format by the file's first bytes, never by its name or declared
/// type: only JPEG, PNG and WebP.
fn sniff(upload: &[u8]) -> Result<ImageFormat, Refusal> {
    if upload.is_empty() {
        return Err(Refusal::Empty);
    }
    match image::guess_format(upload) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        _ => Err(Refusal::NotAnImage),
    }
}

/// Whether the file holds its format's end: decoders fill a truncated
/// JPEG's missing rows with grey rather than fail, so a cut-off upload
/// would be stored half grey. A JPEG ends its last scan with EOI (`FF D9`;
/// entropy-coded data never holds it, and an EXIF thumbnail's comes
/// before the main image's scans); a PNG has its `IEND` chunk; a WebP's
/// RIFF header gives its length.
fn is_complete(format: ImageFormat, upload: &[u8]) -> bool {
    let find_last = |marker: &[u8]| upload.windows(marker.len()).rposition(|w| w == marker);
    match format {
        ImageFormat::Jpeg => match (find_last(&[0xFF, 0xDA]), find_last(&[0xFF, 0xD9])) {
            (Some(scan), Some(end)) => end > scan,
            _ => false,
        },
        ImageFormat::Png => find_last(b"IEND").is_some(),
        ImageFormat::WebP => upload
            .get(4..8)
            .and_then(|size| size.try_into().ok())
            .map(u32::from_le_bytes)
            .and_then(|size| usize::try_from(size).ok())
            .is_some_and(|size| size.saturating_add(8) <= upload.len()),
        _ => false,
    }
}

/// Decodes with [`limits`], checks the pixel buffer against
/// [`MAX_DECODED_BYTES`] before allocating it, and turns the pixels upright
/// by the file's orientation tag (which re-encoding drops).
pub fn decode(upload: &[u8]) -> Result<DynamicImage, Refusal> {
    let format = sniff(upload)?;
    if !is_complete(format, upload) {
        return Err(Refusal::Damaged);
    }
    let mut reader = ImageReader::with_format(Cursor::new(upload), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder()?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(Refusal::Damaged);
    }
    if width > MAX_SIDE || height > MAX_SIDE || decoder.total_bytes() > MAX_DECODED_BYTES {
        return Err(Refusal::TooManyPixels);
    }
    // A broken orientation tag is no reason to refuse the photo.
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}

/// The sizes to store for an image of `width` x `height`: each of
/// [`WIDTHS`] narrower than the image, and the image's own width when it is
/// narrower than the widest; never wider than the original.
pub fn target_sizes(width: u32, height: u32) -> Vec<(u32, u32)> {
    let widest = WIDTHS.iter().copied().max().unwrap_or(0).unsigned_abs();
    let mut sizes: Vec<(u32, u32)> = WIDTHS
        .iter()
        .map(|w| w.unsigned_abs())
        .filter(|&w| w < width)
        .map(|w| (w, scaled_height(width, height, w)))
        .collect();
    if width <= widest {
        sizes.push((width, height));
    }
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

fn scaled_height(width: u32, height: u32, to_width: u32) -> u32 {
    let scaled =
        (u64::from(height) * u64::from(to_width) + u64::from(width) / 2) / u64::from(width);
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// Everything [`process`] does, on the calling thread.
pub fn process_blocking(upload: &[u8]) -> Result<Vec<Encoded>, Refusal> {
    let image = decode(upload)?;
    let sizes = target_sizes(image.width(), image.height());
    // Widest first, each from the one before it: area averaging over a
    // smaller source is quicker and looks the same.
    let mut source = image;
    let mut stored = Vec::with_capacity(sizes.len());
    for &(width, height) in sizes.iter().rev() {
        let scaled = if (width, height) == (source.width(), source.height()) {
            source
        } else {
            source.thumbnail_exact(width, height)
        };
        stored.push(encode_jpeg(&scaled)?);
        source = scaled;
    }
    stored.reverse();
    Ok(stored)
}

/// A baseline JPEG of `image`, transparent areas on white.
pub fn encode_jpeg(image: &DynamicImage) -> Result<Encoded, Refusal> {
    let rgb = if image.color().has_alpha() {
        let mut rgba = image.to_rgba8();
        for pixel in rgba.pixels_mut() {
            let [red, green, blue, alpha] = pixel.0;
            let alpha = u16::from(alpha);
            let over_white = |channel: u8| {
                let channel = u16::from(channel);
                u8::try_from((channel * alpha + 255 * (255 - alpha) + 127) / 255).unwrap_or(u8::MAX)
            };
            pixel.0 = [over_white(red), over_white(green), over_white(blue), 255];
        }
        DynamicImage::ImageRgba8(rgba).to_rgb8()
    } else {
        image.to_rgb8()
    };
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|error| {
            tracing::warn!(%error, "a decoded image could not be encoded");
            Refusal::Damaged
        })?;
    Ok(Encoded {
        width: i32::try_from(rgb.width()).unwrap_or(i32::MAX),
        height: i32::try_from(rgb.height()).unwrap_or(i32::MAX),
        content_type: "image/jpeg",
        etag: etag_of(&bytes),
        bytes,
    })
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A strong `ETag` for `bytes`: the first 128 bits of their SHA-256, in hex.
pub fn etag_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut etag = String::with_capacity(34);
    etag.push('"');
    for byte in &digest[..16] {
        etag.push(char::from(HEX[usize::from(byte >> 4)]));
        etag.push(char::from(HEX[usize::from(byte & 0x0F)]));
    }
    etag.push('"');
    etag
}

#[cfg(test)]
mod tests {
    use image::{ImageEncoder, Rgb, RgbImage, codecs::png::PngEncoder};

    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| {
            Rgb([
                u8::try_from(x % 256).unwrap_or(0),
                u8::try_from(y % 256).unwrap_or(0),
                90,
            ])
        });
        encode_jpeg(&DynamicImage::ImageRgb8(image))
            .expect("encodes")
            .bytes
    }

    #[test]
    fn widths_are_never_upscaled_and_keep_the_aspect_ratio() {
        assert_eq!(
            target_sizes(4000, 3000),
            [(320, 240), (640, 480), (1280, 960)]
        );
        assert_eq!(
            target_sizes(1000, 500),
            [(320, 160), (640, 320), (1000, 500)]
        );
        assert_eq!(target_sizes(200, 300), [(200, 300)]);
        assert_eq!(
            target_sizes(1280, 720),
            [(320, 180), (640, 360), (1280, 720)]
        );
        assert_eq!(target_sizes(12_000, 1), [(320, 1), (640, 1), (1280, 1)]);
    }

    #[test]
    fn a_photo_becomes_jpegs_at_each_width_without_metadata() {
        let stored = process_blocking(&jpeg(1600, 1200)).expect("processed");
        let sizes: Vec<_> = stored.iter().map(|e| (e.width, e.height)).collect();
        assert_eq!(sizes, [(320, 240), (640, 480), (1280, 960)]);
        for image in &stored {
            assert_eq!(&image.bytes[..2], [0xFF, 0xD8], "a JPEG");
            assert!(
                !image.bytes.windows(4).any(|w| w == b"Exif"),
                "no EXIF segment"
            );
            let decoded = image::load_from_memory(&image.bytes).expect("decodes again");
            assert_eq!(
                (decoded.width(), decoded.height()),
                (image.width.unsigned_abs(), image.height.unsigned_abs())
            );
        }
        assert_ne!(stored[0].etag, stored[1].etag);
    }

    #[test]
    fn what_is_not_a_photo_is_refused_with_a_reason() {
        let whole = jpeg(64, 64);
        assert_eq!(process_blocking(b""), Err(Refusal::Empty));
        assert_eq!(
            process_blocking(b"hello, I am text"),
            Err(Refusal::NotAnImage)
        );
        assert_eq!(
            process_blocking(b"GIF89a\x01\x00\x01\x00"),
            Err(Refusal::NotAnImage)
        );
        assert_eq!(
            process_blocking(&whole[..whole.len() / 3]),
            Err(Refusal::Damaged)
        );
        assert_eq!(process_blocking(&whole[..4]), Err(Refusal::Damaged));
        // A bigger photo cut in half: the decoder alone would fill it in.
        let big = jpeg(800, 600);
        assert_eq!(
            process_blocking(&big[..big.len() / 2]),
            Err(Refusal::Damaged)
        );
        let mut png = Vec::new();
        PngEncoder::new(&mut png)
            .write_image(&[7; 3 * 64 * 64], 64, 64, image::ExtendedColorType::Rgb8)
            .expect("encodes");
        assert!(process_blocking(&png).is_ok());
        assert_eq!(
            process_blocking(&png[..png.len() - 20]),
            Err(Refusal::Damaged)
        );
    }

    /// CRC-32 (ISO-HDLC) of a PNG chunk's type and data.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = u32::MAX;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_its_pixels_are_allocated() {
        // A small PNG whose header claims 20,000 x 20,000 pixels (1.2 GB
        // once decoded): refused from the header, before any pixel.
        let mut png = Vec::new();
        PngEncoder::new(&mut png)
            .write_image(&[0; 3], 1, 1, image::ExtendedColorType::Rgb8)
            .expect("encodes");
        // Signature (8), length (4), "IHDR" (4), width, height.
        png[16..20].copy_from_slice(&20_000_u32.to_be_bytes());
        png[20..24].copy_from_slice(&20_000_u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(process_blocking(&png), Err(Refusal::TooManyPixels));
        // Within the sides but over the memory budget: 9,000 x 9,000 (243 MB).
        png[16..20].copy_from_slice(&9_000_u32.to_be_bytes());
        png[20..24].copy_from_slice(&9_000_u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(process_blocking(&png), Err(Refusal::TooManyPixels));
    }

    #[tokio::test]
    async fn an_upload_that_waits_too_long_for_a_decoder_is_503() {
        let all = u32::try_from(DECODING.available_permits()).expect("few permits");
        let held = DECODING.acquire_many(all).await.expect("permits");
        let refused = process(jpeg(8, 8)).await;
        assert!(matches!(refused, Err(Error::Unavailable)), "{refused:?}");
        drop(held);
        assert!(process(jpeg(8, 8)).await.is_ok());
    }

    #[test]
    fn transparency_is_flattened_on_white() {
        let mut png = Vec::new();
        PngEncoder::new(&mut png)
            .write_image(
                &[0, 0, 0, 0].repeat(16),
                4,
                4,
                image::ExtendedColorType::Rgba8,
            )
            .expect("encodes");
        let stored = process_blocking(&png).expect("processed");
        let decoded = image::load_from_memory(&stored[0].bytes)
            .expect("decodes")
            .to_rgb8();
        assert!(
            decoded.pixels().all(|p| p.0.iter().all(|&c| c > 240)),
            "white"
        );
    }
}
