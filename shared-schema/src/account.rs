//! A signed-in user's own account: changing the password and personal API
//! tokens for third parties.
//!
//! Owns [`ChangePassword`], [`Scope`], [`NewApiToken`] and the token DTOs.
//! Passwords never appear in `Debug` output, nor does a token's secret.
//! Hashing, storing and checking are the server's job.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{REDACTED, validate_login_password, validate_new_password};
use crate::rule;
use crate::text::{MSG_CONTROL_CHARACTERS, char_len, has_control_chars, trim_owned};

/// Longest accepted token name, in characters (after trimming).
pub const MAX_TOKEN_NAME_CHARS: i32 = 100;
/// Longest accepted token lifetime, in days (two years).
pub const MAX_TOKEN_DAYS: i32 = 730;
/// What every personal API token starts with, so secret scanners find them.
pub const TOKEN_PREFIX: &str = "rbk_";

/// Token name empty or only whitespace.
pub const MSG_TOKEN_NAME_REQUIRED: &str = "Name the token, e.g. after the tool that uses it.";
/// Token name longer than [`MAX_TOKEN_NAME_CHARS`].
pub const MSG_TOKEN_NAME_TOO_LONG: &str = "Use at most 100 characters.";
/// No scope chosen.
pub const MSG_SCOPES_REQUIRED: &str = "Choose at least one scope.";
/// A scope named twice.
pub const MSG_SCOPES_REPEATED: &str = "Name each scope once.";
/// Lifetime outside 1 to [`MAX_TOKEN_DAYS`].
pub const MSG_TOKEN_DAYS_RANGE: &str = "Choose between 1 and 730 days, or no expiry.";
/// The new password is the current one.
pub const MSG_PASSWORD_UNCHANGED: &str = "Choose a password different from the current one.";

/// What a personal API token may do. Sessions carry every scope of their
/// user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read: every `GET` the user may make (own bookings, rooms, calendars).
    Read,
    /// Book: create and cancel the user's own bookings.
    Book,
    /// Admin: the admin routes (only for tokens of admins).
    Admin,
}

impl Scope {
    /// Every scope, in order.
    pub const ALL: [Self; 3] = [Self::Read, Self::Book, Self::Admin];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Book => "book",
            Self::Admin => "admin",
        }
    }

    /// The scope with this wire name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Rule for a token's name: 1 to [`MAX_TOKEN_NAME_CHARS`] characters after
/// trimming, no control characters.
pub fn validate_token_name(name: &str) -> Result<(), &'static str> {
    let name = name.trim();
    if name.is_empty() {
        Err(MSG_TOKEN_NAME_REQUIRED)
    } else if char_len(name) > i64::from(MAX_TOKEN_NAME_CHARS) {
        Err(MSG_TOKEN_NAME_TOO_LONG)
    } else if has_control_chars(name, false) {
        Err(MSG_CONTROL_CHARACTERS)
    } else {
        Ok(())
    }
}

/// Rule for a token's scopes: at least one, each at most once.
pub fn validate_scopes(scopes: &[Scope]) -> Result<(), &'static str> {
    if scopes.is_empty() {
        return Err(MSG_SCOPES_REQUIRED);
    }
    for (i, scope) in scopes.iter().enumerate() {
        if scopes[..i].contains(scope) {
            return Err(MSG_SCOPES_REPEATED);
        }
    }
    Ok(())
}

/// Rule for a token's lifetime in days: 1 to [`MAX_TOKEN_DAYS`].
pub fn validate_token_days(days: i32) -> Result<(), &'static str> {
    if (1..=MAX_TOKEN_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(MSG_TOKEN_DAYS_RANGE)
    }
}

fn scopes_rule<C>(scopes: &[Scope], _: &C) -> garde::Result {
    validate_scopes(scopes).map_err(garde::Error::new)
}

fn differs_from<C>(current: &str) -> impl FnOnce(&str, &C) -> garde::Result + '_ {
    move |new_password, _| {
        if new_password == current {
            Err(garde::Error::new(MSG_PASSWORD_UNCHANGED))
        } else {
            Ok(())
        }
    }
}

/// Change-password form. `Debug` redacts both passwords.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The password in use now, exactly as typed.
    #[cfg_attr(feature = "ssr", schema(format = Password, min_length = 1, max_length = 128))]
    #[garde(custom(rule::text(validate_login_password)))]
    pub current_password: String,
    /// The new password exactly as typed, 12 to 128 characters, not the
    /// current one.
    #[cfg_attr(feature = "ssr", schema(format = Password, min_length = 12, max_length = 128))]
    #[garde(custom(rule::text(validate_new_password)), custom(differs_from(&self.current_password)))]
    pub new_password: String,
}

impl fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangePassword")
            .field("current_password", &REDACTED)
            .field("new_password", &REDACTED)
            .finish()
    }
}

/// A personal API token to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    /// What the token is for, 1 to 100 characters (trimmed).
    #[serde(deserialize_with = "crate::text::deserialize_trimmed")]
    #[cfg_attr(
        feature = "ssr",
        schema(example = "Accounting export", min_length = 1, max_length = 100)
    )]
    #[garde(custom(rule::text(validate_token_name)))]
    pub name: String,
    /// What the token may do: at least one of `read`, `book`, `admin`
    /// (`admin` only for admins), each once.
    #[cfg_attr(feature = "ssr", schema(min_items = 1, max_items = 3, example = json!(["read"])))]
    #[garde(custom(scopes_rule))]
    pub scopes: Vec<Scope>,
    /// Days until the token stops working (1 to 730); absent or null for a
    /// token that works until revoked.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 730, example = 90))]
    #[garde(custom(rule::optional_value(validate_token_days)))]
    pub expires_in_days: Option<i32>,
}

impl NewApiToken {
    /// Trims the name, as deserialising would.
    #[must_use]
    pub fn normalized(self) -> Self {
        Self {
            name: trim_owned(self.name),
            ..self
        }
    }
}

/// A personal API token as its owner sees it later: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiToken {
    /// The token's id (for revoking it).
    pub id: Uuid,
    /// What the token is for.
    #[cfg_attr(feature = "ssr", schema(example = "Accounting export"))]
    pub name: String,
    /// What the token may do.
    pub scopes: Vec<Scope>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last used (to the minute); null if never.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it stops working; null if it works until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A token just created: the secret, shown this once, and its details.
/// `Debug` redacts the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedApiToken {
    /// Send as `Authorization: Bearer <token>`. Starts with `rbk_`; the
    /// server keeps only its hash, so it cannot be shown again.
    #[cfg_attr(
        feature = "ssr",
        schema(example = "rbk_q3Rk1x7cVb0mP2sZ9wYfL4nT8hJ6eA5uD1oG3iK0rQw")
    )]
    pub token: String,
    /// The token's details, as listed later.
    #[serde(flatten)]
    pub details: ApiToken,
}

impl fmt::Debug for CreatedApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedApiToken")
            .field("token", &REDACTED)
            .field("details", &self.details)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::validated;

    #[test]
    fn scopes_must_be_named_once_and_at_least_one() {
        assert_eq!(validate_scopes(&[]), Err(MSG_SCOPES_REQUIRED));
        assert_eq!(
            validate_scopes(&[Scope::Read, Scope::Read]),
            Err(MSG_SCOPES_REPEATED)
        );
        assert_eq!(validate_scopes(&[Scope::Read, Scope::Book]), Ok(()));
    }

    #[test]
    fn token_lifetimes_outside_their_range_are_refused() {
        for days in [i32::MIN, -1, 0, 731, i32::MAX] {
            assert_eq!(
                validate_token_days(days),
                Err(MSG_TOKEN_DAYS_RANGE),
                "{days}"
            );
        }
        assert_eq!(validate_token_days(1), Ok(()));
        assert_eq!(validate_token_days(730), Ok(()));
    }

    #[test]
    fn token_names_are_required_short_and_printable() {
        assert_eq!(validate_token_name("  "), Err(MSG_TOKEN_NAME_REQUIRED));
        assert_eq!(
            validate_token_name(&"x".repeat(101)),
            Err(MSG_TOKEN_NAME_TOO_LONG)
        );
        assert_eq!(validate_token_name("a\u{1b}b"), Err(MSG_CONTROL_CHARACTERS));
        assert_eq!(validate_token_name("CI export"), Ok(()));
    }

    #[test]
    fn a_new_password_must_differ_from_the_current_one() {
        let same = ChangePassword {
            current_password: "correct horse battery".to_owned(),
            new_password: "correct horse battery".to_owned(),
        };
        let errors = validated(same, &()).expect_err("refused");
        assert!(
            errors.to_string().contains(MSG_PASSWORD_UNCHANGED),
            "{errors}"
        );
        let short = ChangePassword {
            current_password: "x".to_owned(),
            new_password: "short".to_owned(),
        };
        assert!(validated(short, &()).is_err());
    }

    #[test]
    fn debug_output_never_shows_passwords_or_token_secrets() {
        let form = ChangePassword {
            current_password: "old secret value".to_owned(),
            new_password: "new secret value".to_owned(),
        };
        assert!(!format!("{form:?}").contains("secret"));
    }

    #[test]
    fn scopes_read_and_write_their_wire_names() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            assert_eq!(
                serde_json::to_string(&scope).expect("json"),
                format!("\"{scope}\"")
            );
        }
        assert_eq!(Scope::parse("write"), None);
    }
}
