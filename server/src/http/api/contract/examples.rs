//! Example dates moved into the booking window of the day the document
//! is built.

use super::{Content, DateTime, NaiveDate, Value, walk_schema};

pub(super) fn shift_content(content: &mut Content, shift: i64) {
    if let Some(example) = &mut content.example {
        shift_value_dates(example, shift);
    }
    if let Some(schema) = &mut content.schema {
        walk_schema(schema, &mut |value| shift_value_dates(value, shift));
    }
}

/// Moves every date (`YYYY-MM-DD`) and timestamp (RFC 3339) of the example
/// years in `value` by `shift` days.
pub(super) fn shift_value_dates(value: &mut Value, shift: i64) {
    match value {
        Value::String(text) => {
            if let Some(moved) = shifted(text, shift) {
                *text = moved;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| shift_value_dates(v, shift)),
        Value::Object(map) => map.values_mut().for_each(|v| shift_value_dates(v, shift)),
        _ => {}
    }
}

pub(super) fn shifted(text: &str, shift: i64) -> Option<String> {
    let by = chrono::Duration::try_days(shift)?;
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return is_example_year(date)
            .then(|| date.checked_add_signed(by))
            .flatten()
            .map(|d| d.to_string());
    }
    let at = DateTime::parse_from_rfc3339(text).ok()?;
    if !is_example_year(at.date_naive()) {
        return None;
    }
    at.checked_add_signed(by).map(|moved| {
        moved
            .to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    })
}

/// The examples are written in 2029-2030; other dates (an account's
/// creation, a session's expiry) are left as they are.
pub(super) fn is_example_year(date: NaiveDate) -> bool {
    use chrono::Datelike;
    (2029..=2030).contains(&date.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::api::contract::example_shift;

    #[test]
    fn example_dates_move_into_the_window_and_others_stay() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        let shift = example_shift(today);
        assert_eq!(shifted("2030-01-10", shift).as_deref(), Some("2026-12-30"));
        assert_eq!(shifted("2026-11-26T09:30:00Z", shift), None);
        assert_eq!(shifted("not a date", shift), None);
    }
}
