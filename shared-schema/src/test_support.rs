//! Helpers shared by the unit tests of every module.

use chrono::NaiveDate;

use crate::{BookingWindow, FieldErrors};

/// "Today" in every test: a fixed date so no test depends on the clock.
pub(crate) const TODAY: (i32, u32, u32) = (2030, 1, 10);

#[track_caller]
pub(crate) fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("test dates are valid")
}

pub(crate) fn today() -> NaiveDate {
    date(TODAY.0, TODAY.1, TODAY.2)
}

/// `today` shifted by `days` (may be negative).
pub(crate) fn day(days: i64) -> NaiveDate {
    today() + chrono::TimeDelta::days(days)
}

/// The default window: bookable nights are `day(0) ..= day(364)`.
pub(crate) fn window() -> BookingWindow {
    BookingWindow::with_default_horizon(today())
}

/// Validates `value` and returns its errors (empty when valid).
pub(crate) fn errors_of<T: garde::Validate>(value: &T, ctx: &T::Context) -> FieldErrors {
    value.validate_with(ctx).map_or_else(
        |report| FieldErrors::from_report(&report),
        |()| FieldErrors::new(),
    )
}

/// Asserts that `value` is valid.
#[track_caller]
pub(crate) fn assert_valid<T: garde::Validate + std::fmt::Debug>(value: &T, ctx: &T::Context) {
    let errors = errors_of(value, ctx);
    assert!(
        errors.is_empty(),
        "{value:?} should be valid, got {errors:?}"
    );
}

/// Asserts that `value` fails with exactly one message, on `field`.
#[track_caller]
pub(crate) fn assert_only_error<T: garde::Validate + std::fmt::Debug>(
    value: &T,
    ctx: &T::Context,
    field: &str,
    message: &str,
) {
    let errors = errors_of(value, ctx);
    let expected: FieldErrors = [crate::FieldError::new(field, message)]
        .into_iter()
        .collect();
    assert_eq!(errors, expected, "errors for {value:?}");
}
