//! Display formatting shared by the pages.

use chrono::{Datelike, NaiveDate};

/// Formats integer minor units as money, e.g. `12050, "EUR"` -> `€120.50`.
pub(crate) fn money(minor_units: i64, currency: &str) -> String {
    let sign = if minor_units < 0 { "-" } else { "" };
    let abs = minor_units.unsigned_abs();
    let (major, minor) = (abs / 100, abs % 100);
    let symbol = match currency {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "CHF" => "CHF ",
        other => return format!("{sign}{major}.{minor:02} {other}"),
    };
    format!("{sign}{symbol}{major}.{minor:02}")
}

/// [`money`] without zero cents (`€120`, but `€120.50`): for places as
/// narrow as a calendar's day cell.
pub(crate) fn money_compact(minor_units: i64, currency: &str) -> String {
    let full = money(minor_units, currency);
    if minor_units % 100 == 0 {
        full.replacen(".00", "", 1)
    } else {
        full
    }
}

// Dates are written from these tables, not with chrono's `format`: its
// strftime parser and formatter cost the guest bundle several KB
// (ADR 0018), and the site speaks one language.
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn month_name(date: NaiveDate) -> &'static str {
    MONTHS[date.month0() as usize]
}

fn weekday_name(date: NaiveDate) -> &'static str {
    WEEKDAYS[date.weekday().num_days_from_monday() as usize]
}

/// The first three letters of a name ("Dec", "Mon").
fn abbreviated(name: &'static str) -> &'static str {
    name.get(..3).unwrap_or(name)
}

/// "Monday 14 December 2026": how a date is read out and shown in full.
pub(crate) fn long_date(date: NaiveDate) -> String {
    format!(
        "{} {} {} {}",
        weekday_name(date),
        date.day(),
        month_name(date),
        date.year()
    )
}

/// "14 Dec 2026": dates in lists and tables.
pub(crate) fn short_date(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        abbreviated(month_name(date)),
        date.year()
    )
}

/// "December 2026": a calendar month's title.
pub(crate) fn month_year(date: NaiveDate) -> String {
    format!("{} {}", month_name(date), date.year())
}

/// "Mon 14 Dec": a night in a short list.
pub(crate) fn short_day(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        abbreviated(weekday_name(date)),
        date.day(),
        abbreviated(month_name(date))
    )
}

/// "1 night", "3 nights".
pub(crate) fn plural(count: i64, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_uses_symbols_and_two_decimals() {
        assert_eq!(money(12_050, "EUR"), "€120.50");
        assert_eq!(money(5, "USD"), "$0.05");
        assert_eq!(money(-250, "GBP"), "-£2.50");
        assert_eq!(money(100, "SEK"), "1.00 SEK");
    }

    #[test]
    fn compact_money_drops_only_zero_cents() {
        assert_eq!(money_compact(12_000, "EUR"), "€120");
        assert_eq!(money_compact(12_050, "EUR"), "€120.50");
        assert_eq!(money_compact(-200, "GBP"), "-£2");
        assert_eq!(money_compact(100, "SEK"), "1 SEK");
    }

    #[test]
    fn dates_read_naturally() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date");
        assert_eq!(long_date(date), "Monday 7 December 2026");
        assert_eq!(short_date(date), "7 Dec 2026");
        assert_eq!(month_year(date), "December 2026");
        assert_eq!(short_day(date), "Mon 7 Dec");
    }

    #[test]
    fn the_tables_write_what_chrono_would_for_every_day_of_two_years() {
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
        for date in first.iter_days().take(2 * 366) {
            assert_eq!(long_date(date), date.format("%A %-d %B %Y").to_string());
            assert_eq!(short_date(date), date.format("%-d %b %Y").to_string());
            assert_eq!(month_year(date), date.format("%B %Y").to_string());
            assert_eq!(short_day(date), date.format("%a %-d %b").to_string());
        }
    }

    #[test]
    fn plural_picks_the_right_word() {
        assert_eq!(plural(1, "night", "nights"), "1 night");
        assert_eq!(plural(0, "night", "nights"), "0 nights");
        assert_eq!(plural(30, "night", "nights"), "30 nights");
    }
}
