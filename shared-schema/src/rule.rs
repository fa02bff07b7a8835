//! Adapters from our plain rule functions to the closure shape garde's
//! `#[garde(custom(...))]` expects.
//!
//! Every rule is written once as `fn(value) -> Result<(), &'static str>` so
//! the UI can also call it on a single field; these adapters only wrap the
//! message into a `garde::Error`. The context type `C` is left generic
//! because the rules that use them do not depend on it.

/// A rule over a `Copy` value, e.g. a count or a price.
pub(crate) fn value<T: Copy, C>(
    check: fn(T) -> Result<(), &'static str>,
) -> impl FnOnce(&T, &C) -> garde::Result {
    move |value, _| check(*value).map_err(garde::Error::new)
}

/// A rule over text.
pub(crate) fn text<C>(
    check: fn(&str) -> Result<(), &'static str>,
) -> impl FnOnce(&str, &C) -> garde::Result {
    move |value, _| check(value).map_err(garde::Error::new)
}

/// A rule over an optional `Copy` value: `None` (unchanged) always passes.
pub(crate) fn optional_value<T: Copy, C>(
    check: fn(T) -> Result<(), &'static str>,
) -> impl FnOnce(&Option<T>, &C) -> garde::Result {
    move |value, _| value.map_or(Ok(()), check).map_err(garde::Error::new)
}

/// A rule over optional text: `None` (unchanged) always passes.
pub(crate) fn optional_text<C>(
    check: fn(&str) -> Result<(), &'static str>,
) -> impl FnOnce(&Option<String>, &C) -> garde::Result {
    move |value, _| {
        value
            .as_deref()
            .map_or(Ok(()), check)
            .map_err(garde::Error::new)
    }
}
