//! Room photos as the UI and the API see them: a photo with its alt text,
//! its place in the room's order and the widths it is stored at, and the
//! rules for what an admin may change.
//!
//! Decoding, re-encoding and storing are the server's job (`photos` there).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::rule;
use crate::text::{MSG_CONTROL_CHARACTERS, char_len, has_control_chars};

/// Longest accepted alt text, in characters (after trimming).
pub const MAX_ALT_CHARS: i32 = 250;
/// Most photos one room may have.
pub const MAX_PHOTOS_PER_ROOM: i32 = 20;
/// Largest accepted upload, in bytes (10 MiB).
pub const MAX_UPLOAD_BYTES: i64 = 10 * 1024 * 1024;
/// The widths a photo is stored at (never wider than the upload itself).
pub const WIDTHS: [i32; 3] = [320, 640, 1280];

/// Alt text empty or only whitespace.
pub const MSG_ALT_REQUIRED: &str =
    "Describe the photo for guests who cannot see it, e.g. \"Double bed by a sunny window\".";
/// Alt text longer than [`MAX_ALT_CHARS`].
pub const MSG_ALT_TOO_LONG: &str = "Use at most 250 characters.";
/// A file over [`MAX_UPLOAD_BYTES`].
pub const MSG_FILE_TOO_LARGE: &str =
    "That photo is larger than 10 MiB. Choose a smaller one, or save it at a lower quality first.";
/// A position below zero.
pub const MSG_POSITION_RANGE: &str = "Use a position of 0 (first) or more.";

/// One stored width of a photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PhotoVariant {
    /// Width in pixels.
    #[cfg_attr(feature = "ssr", schema(example = 640))]
    pub width: i32,
    /// Height in pixels.
    #[cfg_attr(feature = "ssr", schema(example = 427))]
    pub height: i32,
    /// Where the image is served (a JPEG; cached for a year, never changes).
    #[cfg_attr(
        feature = "ssr",
        schema(example = "/photos/7d3c1f0e-8a2b-4c5d-9e6f-0a1b2c3d4e5f/640")
    )]
    pub url: String,
}

/// A photo of a room, re-encoded without its metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Photo {
    /// The photo's id; its images never change (a new upload gets a new id).
    pub id: Uuid,
    /// The room it shows.
    pub room_id: Uuid,
    /// Its place in the room's order, from 0 (the first, shown on search results).
    #[cfg_attr(feature = "ssr", schema(example = 0, minimum = 0))]
    pub position: i32,
    /// What the photo shows, for guests who cannot see it.
    #[cfg_attr(feature = "ssr", schema(example = "Double bed by a sunny window"))]
    pub alt: String,
    /// The stored widths, narrowest first.
    pub variants: Vec<PhotoVariant>,
}

impl Photo {
    /// The widest stored variant (every photo has at least one).
    pub fn largest(&self) -> Option<&PhotoVariant> {
        self.variants.last()
    }

    /// The `srcset` attribute: every variant with its width.
    pub fn srcset(&self) -> String {
        self.variants
            .iter()
            .map(|v| format!("{} {}w", v.url, v.width))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The narrowest variant at least `width` pixels wide, else the widest.
    pub fn at_least(&self, width: i32) -> Option<&PhotoVariant> {
        self.variants
            .iter()
            .find(|v| v.width >= width)
            .or_else(|| self.largest())
    }
}

/// Rule for alt text: 1 to [`MAX_ALT_CHARS`] characters after trimming, no
/// control characters.
pub fn validate_alt(alt: &str) -> Result<(), &'static str> {
    let alt = alt.trim();
    if alt.is_empty() {
        Err(MSG_ALT_REQUIRED)
    } else if char_len(alt) > i64::from(MAX_ALT_CHARS) {
        Err(MSG_ALT_TOO_LONG)
    } else if has_control_chars(alt, false) {
        Err(MSG_CONTROL_CHARACTERS)
    } else {
        Ok(())
    }
}

/// Rule for an upload's size: at most [`MAX_UPLOAD_BYTES`]. The admin page
/// checks the chosen file with it before sending anything; the server
/// counts the bytes as they arrive against the same limit.
pub fn check_upload_size(bytes: u64) -> Result<(), &'static str> {
    if i64::try_from(bytes).is_ok_and(|bytes| bytes <= MAX_UPLOAD_BYTES) {
        Ok(())
    } else {
        Err(MSG_FILE_TOO_LARGE)
    }
}

/// Rule for a position: 0 or more (a position past the end means last).
pub fn validate_position(position: i32) -> Result<(), &'static str> {
    if position >= 0 {
        Ok(())
    } else {
        Err(MSG_POSITION_RANGE)
    }
}

/// A change to a photo (admin); absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PhotoPatch {
    /// New alt text, 1 to 250 characters after trimming.
    #[serde(
        default,
        deserialize_with = "crate::text::deserialize_trimmed_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(
        feature = "ssr",
        schema(
            example = "Double bed by a sunny window",
            min_length = 1,
            max_length = 250
        )
    )]
    #[garde(custom(rule::optional_text(validate_alt)))]
    pub alt: Option<String>,
    /// New place in the order, from 0; past the end means last. The other
    /// photos move up or down to make room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(example = 0, minimum = 0))]
    #[garde(custom(rule::optional_value(validate_position)))]
    pub position: Option<i32>,
}

impl PhotoPatch {
    /// Trimmed text, as deserialising would give.
    #[must_use]
    pub fn normalized(mut self) -> Self {
        self.alt = self.alt.map(crate::text::trim_owned);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_bounded_at_ten_mebibytes() {
        assert_eq!(check_upload_size(10 * 1024 * 1024), Ok(()));
        assert_eq!(
            check_upload_size(10 * 1024 * 1024 + 1),
            Err(MSG_FILE_TOO_LARGE)
        );
        assert_eq!(check_upload_size(u64::MAX), Err(MSG_FILE_TOO_LARGE));
        assert_eq!(check_upload_size(0), Ok(()));
    }

    #[test]
    fn alt_text_is_required_bounded_and_one_line() {
        assert_eq!(validate_alt("  "), Err(MSG_ALT_REQUIRED));
        assert_eq!(validate_alt(&"é".repeat(250)), Ok(()));
        assert_eq!(validate_alt(&"é".repeat(251)), Err(MSG_ALT_TOO_LONG));
        assert_eq!(validate_alt("a\nb"), Err(MSG_CONTROL_CHARACTERS));
        assert_eq!(validate_alt(" Bed by the window "), Ok(()));
    }

    #[test]
    fn a_patch_validates_only_what_it_changes() {
        let patch = |alt: Option<&str>, position| PhotoPatch {
            alt: alt.map(str::to_owned),
            position,
        };
        assert!(crate::validated(patch(None, None), &()).is_ok());
        let errors = crate::validated(patch(Some(""), Some(-1)), &()).expect_err("invalid");
        assert_eq!(errors.for_field("alt"), Some(MSG_ALT_REQUIRED));
        assert_eq!(errors.for_field("position"), Some(MSG_POSITION_RANGE));
    }

    #[test]
    fn srcset_lists_every_width_and_at_least_picks_the_narrowest_that_fits() {
        let variant = |width: i32| PhotoVariant {
            width,
            height: width * 2 / 3,
            url: format!("/photos/x/{width}"),
        };
        let photo = Photo {
            id: Uuid::nil(),
            room_id: Uuid::nil(),
            position: 0,
            alt: "A bed".to_owned(),
            variants: vec![variant(320), variant(640)],
        };
        assert_eq!(photo.srcset(), "/photos/x/320 320w, /photos/x/640 640w");
        assert_eq!(photo.at_least(400).map(|v| v.width), Some(640));
        assert_eq!(photo.at_least(2000).map(|v| v.width), Some(640));
    }
}
