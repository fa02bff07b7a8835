//! The shared types' rustdoc in plain words.

use super::{auth, inventory, rooms, search, stay};

/// The shared types' rustdoc as an integrator reads it: links to constants
/// become their values, other links plain code.
pub fn plain_docs(text: &str) -> String {
    let constants: [(&str, String); 17] = [
        ("MAX_NIGHTS", stay::MAX_NIGHTS.to_string()),
        ("MAX_GUESTS", stay::MAX_GUESTS.to_string()),
        ("MAX_UNITS", stay::MAX_UNITS.to_string()),
        ("MAX_EMAIL_CHARS", auth::MAX_EMAIL_CHARS.to_string()),
        ("MAX_NAME_CHARS", auth::MAX_NAME_CHARS.to_string()),
        ("MIN_PASSWORD_CHARS", auth::MIN_PASSWORD_CHARS.to_string()),
        ("MAX_PASSWORD_CHARS", auth::MAX_PASSWORD_CHARS.to_string()),
        (
            "MAX_ROOM_NAME_CHARS",
            rooms::MAX_ROOM_NAME_CHARS.to_string(),
        ),
        (
            "MAX_DESCRIPTION_CHARS",
            rooms::MAX_DESCRIPTION_CHARS.to_string(),
        ),
        ("MAX_CAPACITY", rooms::MAX_CAPACITY.to_string()),
        ("MAX_PRICE_CENTS", rooms::MAX_PRICE_CENTS.to_string()),
        (
            "MAX_TOTAL_INVENTORY",
            rooms::MAX_TOTAL_INVENTORY.to_string(),
        ),
        ("MAX_EDIT_NIGHTS", inventory::MAX_EDIT_NIGHTS.to_string()),
        ("MAX_EDIT_TOTAL", inventory::MAX_EDIT_TOTAL.to_string()),
        ("MAX_PAGE_SIZE", search::MAX_PAGE_SIZE.to_string()),
        ("DEFAULT_PAGE_SIZE", search::DEFAULT_PAGE_SIZE.to_string()),
        ("MAX_CURSOR_CHARS", search::MAX_CURSOR_CHARS.to_string()),
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[`") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("`]") else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let target = &after[..end];
        let name = target.rsplit("::").next().unwrap_or(target);
        match constants.iter().find(|(constant, _)| *constant == name) {
            Some((_, value)) => out.push_str(value),
            None if name.starts_with("MSG_") => out.push_str("a message"),
            None => {
                // `RoomInput::name` is the field `name` of the schema `RoomInput`.
                let mut parts = target.rsplit("::");
                let last = parts.next().unwrap_or(target);
                out.push('`');
                match parts.next() {
                    Some(owner) if owner.starts_with(char::is_uppercase) => {
                        out.push_str(owner);
                        out.push('.');
                    }
                    _ => {}
                }
                out.push_str(last);
                out.push('`');
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out.replace("`1..=`", "1 to ")
        .replace("`0..=`", "0 to ")
        .replace("`None` = unchanged", "absent or `null` = unchanged")
        .replace("`None`", "absent or `null`")
        .replace("`Some(\"\")`", "`\"\"`")
        .replace(
            "Validated against a `BookingWindow`.",
            "Its dates must lie in the booking window (see the API description).",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustdoc_links_become_numbers() {
        assert_eq!(
            plain_docs("Offers per page, `1..=`[`MAX_PAGE_SIZE`]; see [`stay::MAX_GUESTS`]."),
            "Offers per page, 1 to 100; see 20."
        );
    }
}
