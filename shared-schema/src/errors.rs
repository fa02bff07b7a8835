//! Per-field error messages: what a form shows under each field and what the
//! server sends in a 422 body.
//!
//! Owns [`FieldError`], [`FieldErrors`] and [`validated`], the one entry point
//! both the UI and the server call. Field names are the Rust field names as
//! garde reports them (`check_out`, nested `a.b`, list item `a[0]`); the
//! empty string means "the whole input". This module knows nothing about
//! HTTP: turning [`FieldErrors`] into a problem+json body is the server's job.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One message about one field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Path of the field, e.g. `check_out`, `address.city` or `rooms[0]`;
    /// empty for a message about the input as a whole.
    pub field: String,
    /// Human sentence to show under the field, e.g. "Check-out must be after
    /// check-in."
    pub message: String,
}

impl FieldError {
    /// A message for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// All messages for one input, in the order they were found. Serialises as
/// a plain JSON array of [`FieldError`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// No errors yet.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Flattens a garde report, rendering each path as `check_out`, `a.b` or
    /// `a[0]`.
    pub fn from_report(report: &garde::Report) -> Self {
        report
            .iter()
            .map(|(path, error)| FieldError::new(path.to_string(), error.message()))
            .collect()
    }

    /// The first message for `field`, if any: what a form shows under it.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.as_str())
    }

    /// Whether `field` has at least one message.
    pub fn has_field(&self, field: &str) -> bool {
        self.for_field(field).is_some()
    }

    /// Whether there are no messages at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds a message for `field`.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Adds the messages of `later` whose field has no message here yet.
    ///
    /// This is the merge rule for forms: a field that already failed to parse
    /// keeps its parse message and is not reported again by validation,
    /// which only saw a stand-in value for it.
    pub fn merge_unreported(&mut self, later: FieldErrors) {
        let reported = self.0.len();
        for error in later.0 {
            if !self.0[..reported].iter().any(|e| e.field == error.field) {
                self.0.push(error);
            }
        }
    }

    /// The same messages with `from` fields reported under `to` (a form
    /// field named differently from the typed value's).
    #[must_use]
    pub fn renamed(mut self, from: &str, to: &str) -> Self {
        for error in &mut self.0 {
            if error.field == from {
                to.clone_into(&mut error.field);
            }
        }
        self
    }

    /// Iterates over the messages in order.
    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    /// `Ok(value)` when there are no messages, otherwise `Err(self)`.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<&garde::Report> for FieldErrors {
    fn from(report: &garde::Report) -> Self {
        Self::from_report(report)
    }
}

impl From<garde::Report> for FieldErrors {
    fn from(report: garde::Report) -> Self {
        Self::from_report(&report)
    }
}

impl FromIterator<FieldError> for FieldErrors {
    fn from_iter<I: IntoIterator<Item = FieldError>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl Extend<FieldError> for FieldErrors {
    fn extend<I: IntoIterator<Item = FieldError>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for FieldErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a FieldErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

/// Why a request clashed with the current state: the stable `code` of a
/// 409 answer, shared by the server, the UI and the API document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConflictCode {
    /// A night of the stay is full, closed or not on sale.
    SoldOut,
    /// A new unit count is below what some nights already have booked.
    BelowBooked,
    /// An account with this e-mail address exists.
    EmailTaken,
    /// The stay has started and can no longer be cancelled online.
    AlreadyStarted,
    /// A request with the same `Idempotency-Key` is still running.
    IdempotencyInProgress,
    /// The account holds as many API tokens as it may.
    TooManyTokens,
    /// The room has as many photos as it may.
    TooManyPhotos,
}

impl ConflictCode {
    /// The code as it appears on the wire, e.g. `sold_out`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SoldOut => "sold_out",
            Self::BelowBooked => "below_booked",
            Self::EmailTaken => "email_taken",
            Self::AlreadyStarted => "already_started",
            Self::IdempotencyInProgress => "idempotency_in_progress",
            Self::TooManyTokens => "too_many_tokens",
            Self::TooManyPhotos => "too_many_photos",
        }
    }
}

impl fmt::Display for ConflictCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Validates `value` against `ctx` and hands it back, or every message.
///
/// The UI calls this on each keystroke and the server calls it on every
/// request body, so both show the same messages. Types with trimmed text
/// fields validate the trimmed value, so `normalized()` first is optional.
pub fn validated<T: garde::Validate>(value: T, ctx: &T::Context) -> Result<T, FieldErrors> {
    match value.validate_with(ctx) {
        Ok(()) => Ok(value),
        Err(report) => Err(FieldErrors::from_report(&report)),
    }
}

#[cfg(test)]
mod tests {
    use garde::{Path, Report};

    use super::*;

    fn report_with(paths: Vec<Path>) -> Report {
        let mut report = Report::new();
        for (i, path) in paths.into_iter().enumerate() {
            report.append(path, garde::Error::new(format!("message {i}")));
        }
        report
    }

    #[test]
    fn report_paths_become_dotted_and_indexed_field_names() {
        let report = report_with(vec![
            Path::new("check_out"),
            Path::new("address").join("city"),
            Path::new("rooms").join(0_usize),
            Path::new("rooms").join(2_usize).join("name"),
            Path::empty(),
        ]);

        let fields: Vec<_> = FieldErrors::from_report(&report)
            .into_iter()
            .map(|error| error.field)
            .collect();

        assert_eq!(
            fields,
            ["check_out", "address.city", "rooms[0]", "rooms[2].name", ""]
        );
    }

    #[test]
    fn report_messages_are_kept_verbatim_and_in_order() {
        let report = report_with(vec![Path::new("a"), Path::new("b")]);
        let errors = FieldErrors::from_report(&report);
        assert_eq!(errors.for_field("a"), Some("message 0"));
        assert_eq!(errors.for_field("b"), Some("message 1"));
    }

    #[test]
    fn for_field_returns_the_first_message_of_that_field_only() {
        let mut errors = FieldErrors::new();
        assert!(errors.is_empty());
        errors.push("guests", "first");
        errors.push("guests", "second");
        errors.push("units", "other");

        assert!(!errors.is_empty());
        assert_eq!(errors.for_field("guests"), Some("first"));
        assert_eq!(errors.for_field("units"), Some("other"));
        assert_eq!(errors.for_field("guest"), None);
        assert!(errors.has_field("units"));
        assert!(!errors.has_field("check_in"));
    }

    #[test]
    fn merge_unreported_keeps_the_earlier_message_of_a_field() {
        let mut parse: FieldErrors = [FieldError::new("check_in", "parse")].into_iter().collect();
        let validation: FieldErrors = [
            FieldError::new("check_in", "validation"),
            FieldError::new("guests", "validation"),
        ]
        .into_iter()
        .collect();

        parse.merge_unreported(validation);

        let expected: FieldErrors = [
            FieldError::new("check_in", "parse"),
            FieldError::new("guests", "validation"),
        ]
        .into_iter()
        .collect();
        assert_eq!(parse, expected);
    }

    #[test]
    fn field_errors_serialise_as_a_plain_array() {
        let mut errors = FieldErrors::new();
        errors.push("check_out", "Check-out must be after check-in.");

        let json = serde_json::to_string(&errors).expect("serialises");
        assert_eq!(
            json,
            r#"[{"field":"check_out","message":"Check-out must be after check-in."}]"#
        );
        let back: FieldErrors = serde_json::from_str(&json).expect("deserialises");
        assert_eq!(back, errors);
    }

    #[test]
    fn display_lists_one_field_per_line() {
        let mut errors = FieldErrors::new();
        errors.push("guests", "Add at least one guest.");
        errors.push("", "Something about the whole form.");
        assert_eq!(
            errors.to_string(),
            "guests: Add at least one guest.\nSomething about the whole form."
        );
    }

    #[test]
    fn into_result_is_ok_only_without_messages() {
        assert_eq!(FieldErrors::new().into_result(7), Ok(7));
        let mut errors = FieldErrors::new();
        errors.push("x", "bad");
        assert_eq!(errors.clone().into_result(7), Err(errors));
    }
}
