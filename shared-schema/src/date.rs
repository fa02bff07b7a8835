//! Dates as `YYYY-MM-DD` (RFC 3339's `full-date`, four-digit years), read
//! without chrono's format parser.
//!
//! `<input type="date">`, the REST API and the pages' island props never
//! write a date any other way, and chrono's parser (its strftime items, the
//! RFC 2822 and 3339 scanners behind `NaiveDate::from_str`) is about 12 KB
//! of the guest bundle (ADR 0018). Forms read dates with [`parse`]; the
//! types the browser reads mark their dates with [`deserialize`] or
//! [`deserialize_all`].

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, de::Error};

use crate::form::MSG_DATE_FORMAT;

/// `YYYY-MM-DD` with a four-digit year; `None` for anything else.
pub fn parse(raw: &str) -> Option<NaiveDate> {
    let number = |from: usize, to: usize| {
        raw.get(from..to)
            .filter(|digits| digits.bytes().all(|byte| byte.is_ascii_digit()))?
            .parse::<u32>()
            .ok()
    };
    let dashes = raw.len() == 10 && raw.get(4..5) == Some("-") && raw.get(7..8) == Some("-");
    if !dashes {
        return None;
    }
    let year = i32::try_from(number(0, 4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)
}

/// A date field, read with [`parse`]
/// (`#[serde(deserialize_with = "shared_schema::date::deserialize")]`).
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    let raw = String::deserialize(deserializer)?;
    parse(&raw).ok_or_else(|| D::Error::custom(MSG_DATE_FORMAT))
}

/// A list of dates, each read with [`parse`].
pub fn deserialize_all<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<NaiveDate>, D::Error> {
    Vec::<String>::deserialize(deserializer)?
        .iter()
        .map(|raw| parse(raw).ok_or_else(|| D::Error::custom(MSG_DATE_FORMAT)))
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    #[test]
    fn dates_read_as_chrono_reads_them_for_every_day_of_five_years() {
        let mut day = NaiveDate::from_ymd_opt(2027, 1, 1).expect("a day");
        while day.year() < 2032 {
            let raw = day.format("%Y-%m-%d").to_string();
            assert_eq!(parse(&raw), Some(day), "{raw}");
            assert_eq!(raw.parse::<NaiveDate>(), Ok(day), "{raw}");
            day = day.succ_opt().expect("a next day");
        }
    }

    #[test]
    fn anything_but_a_full_date_is_refused() {
        for raw in [
            "",
            "2030-1-05",
            "2030-01-5",
            "+030-01-05",
            "2030-01-05x",
            " 2030-01-05",
            "2030/01/05",
            "2030-02-30",
            "2030-13-01",
            "2030\u{2010}01-05",
        ] {
            assert_eq!(parse(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn date_fields_read_the_same_dates_and_refuse_the_rest() {
        #[derive(Deserialize)]
        struct Dates {
            #[serde(deserialize_with = "deserialize")]
            one: NaiveDate,
            #[serde(deserialize_with = "deserialize_all")]
            all: Vec<NaiveDate>,
        }
        let dates: Dates =
            serde_json::from_str(r#"{"one":"2030-01-05","all":["2030-01-06","2030-02-28"]}"#)
                .expect("dates");
        assert_eq!(
            dates.one,
            NaiveDate::from_ymd_opt(2030, 1, 5).expect("a day")
        );
        assert_eq!(dates.all.len(), 2);
        let refused = serde_json::from_str::<Dates>(r#"{"one":"2030-1-5","all":[]}"#);
        assert!(refused.is_err_and(|error| error.to_string().contains(MSG_DATE_FORMAT)));
    }
}
