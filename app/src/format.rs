//! Display formatting shared by the pages.

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

/// "Monday 14 December 2026": how a date is read out and shown in full.
pub(crate) fn long_date(date: chrono::NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

/// "14 Dec 2026": dates in lists and tables.
pub(crate) fn short_date(date: chrono::NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
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
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date");
        assert_eq!(long_date(date), "Monday 7 December 2026");
        assert_eq!(short_date(date), "7 Dec 2026");
    }

    #[test]
    fn plural_picks_the_right_word() {
        assert_eq!(plural(1, "night", "nights"), "1 night");
        assert_eq!(plural(0, "night", "nights"), "0 nights");
        assert_eq!(plural(30, "night", "nights"), "30 nights");
    }
}
