//! Text normalisation shared by every input with free text.
//!
//! Names and emails are trimmed on the way in: serde does it through
//! [`deserialize_trimmed`], code that builds a value by hand calls the type's
//! `normalized()`. The rules themselves also look at the trimmed value, so a
//! value validates the same whether or not it was normalised first.
//! Passwords are never trimmed.

use serde::{Deserialize, Deserializer};

/// Serde `deserialize_with` helper: reads a string and trims surrounding
/// whitespace.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Input {
///     #[serde(deserialize_with = "shared_schema::text::deserialize_trimmed")]
///     name: String,
/// }
/// let input: Input = serde_json::from_str(r#"{"name":"  Ada  "}"#).unwrap();
/// assert_eq!(input.name, "Ada");
/// ```
pub fn deserialize_trimmed<'de, D>(deserializer: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    String::deserialize(deserializer).map(trim_owned)
}

/// Serde `deserialize_with` helper for optional strings: trims a present
/// value and keeps `null` as `None`. Pair it with `#[serde(default)]` so a
/// missing field is `None` too.
pub fn deserialize_trimmed_option<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Option::<String>::deserialize(deserializer).map(|value| value.map(trim_owned))
}

/// Trims surrounding whitespace, reusing the allocation when there is none.
pub fn trim_owned(value: String) -> String {
    if value.trim().len() == value.len() {
        value
    } else {
        value.trim().to_owned()
    }
}

/// A control character (NUL, escape codes, ...) in a text field.
pub const MSG_CONTROL_CHARACTERS: &str = "Remove control characters such as NUL or escape codes.";

/// Whether `value` holds a control character that text of its kind cannot
/// carry: any in a one-line field; any but line breaks and tabs in a
/// multi-line one. (PostgreSQL refuses NUL in text outright.)
pub fn has_control_chars(value: &str, multiline: bool) -> bool {
    value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
}

/// Length in Unicode scalar values (what a user calls "characters"), not
/// bytes: a 12-character password of `é` is 12, not 24.
pub(crate) fn char_len(value: &str) -> i64 {
    i64::try_from(value.chars().count()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_and_line_breaks_allowed_where_text_has_lines() {
        assert!(has_control_chars("a\u{0}b", true));
        assert!(has_control_chars("a\u{1b}[31m", true));
        assert!(has_control_chars("two\nlines", false));
        assert!(!has_control_chars("two\r\nlines\tand a tab", true));
        assert!(!has_control_chars("Zoë's room €", false));
    }

    #[test]
    fn trim_owned_removes_surrounding_whitespace_only() {
        assert_eq!(trim_owned("  Ada  Lovelace \n".to_owned()), "Ada  Lovelace");
        assert_eq!(trim_owned("Ada".to_owned()), "Ada");
        assert_eq!(trim_owned(" \t ".to_owned()), "");
    }

    #[test]
    fn char_len_counts_characters_not_bytes() {
        assert_eq!(char_len("héllo"), 5);
        assert_eq!(char_len("日本"), 2);
        assert_eq!(char_len(""), 0);
    }

    #[test]
    fn optional_trimmed_keeps_null_as_none() {
        #[derive(Deserialize)]
        struct Probe {
            #[serde(default, deserialize_with = "deserialize_trimmed_option")]
            name: Option<String>,
        }
        let parse = |json: &str| {
            serde_json::from_str::<Probe>(json)
                .expect("valid json")
                .name
        };
        assert_eq!(parse(r#"{"name":"  Ada "}"#), Some("Ada".to_owned()));
        assert_eq!(parse(r#"{"name":null}"#), None);
        assert_eq!(parse("{}"), None);
    }
}
