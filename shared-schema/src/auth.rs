//! Sign-up and sign-in input.
//!
//! Owns [`Register`] and [`Login`] and the email, name and password rules.
//! Email and name are trimmed (by serde on the way in, by `normalized()` for
//! values built in code, and inside the rules themselves); passwords are
//! taken exactly as typed and never appear in `Debug` output. Hashing and
//! checking passwords is the server's job, not this module's.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::rule;
use crate::text::{MSG_CONTROL_CHARACTERS, char_len, has_control_chars, trim_owned};

/// Longest accepted email address, in characters.
pub const MAX_EMAIL_CHARS: i32 = 254;
/// Longest accepted display name, in characters (after trimming).
pub const MAX_NAME_CHARS: i32 = 100;
/// Shortest accepted new password, in characters.
pub const MIN_PASSWORD_CHARS: i32 = 12;
/// Longest accepted password, in characters.
pub const MAX_PASSWORD_CHARS: i32 = 128;

/// Email left empty.
pub const MSG_EMAIL_REQUIRED: &str = "Enter your email address.";
/// Email is not shaped like `name@example.com`.
pub const MSG_EMAIL_INVALID: &str = "Enter a valid email address.";
/// Email longer than [`MAX_EMAIL_CHARS`].
pub const MSG_EMAIL_TOO_LONG: &str = "Email addresses can be at most 254 characters.";
/// Name empty or only whitespace.
pub const MSG_NAME_REQUIRED: &str = "Enter your name.";
/// Name longer than [`MAX_NAME_CHARS`].
pub const MSG_NAME_TOO_LONG: &str = "Use at most 100 characters.";
/// New password shorter than [`MIN_PASSWORD_CHARS`].
pub const MSG_PASSWORD_TOO_SHORT: &str = "Use at least 12 characters.";
/// Password longer than [`MAX_PASSWORD_CHARS`].
pub const MSG_PASSWORD_TOO_LONG: &str = "Use at most 128 characters.";
/// Login password left empty.
pub const MSG_PASSWORD_REQUIRED: &str = "Enter your password.";

/// What `Debug` prints instead of a password.
pub const REDACTED: &str = "[redacted]";

/// Rule for an email address (checked trimmed): non-empty, at most
/// [`MAX_EMAIL_CHARS`], no whitespace or control characters, exactly one `@`
/// with something before it, and a domain of dot-separated non-empty labels
/// with at least one dot.
///
/// Deliberately not RFC 5322: it catches typos, and the confirmation mail
/// proves the address is real.
pub fn validate_email(email: &str) -> Result<(), &'static str> {
    let email = email.trim();
    if email.is_empty() {
        Err(MSG_EMAIL_REQUIRED)
    } else if char_len(email) > i64::from(MAX_EMAIL_CHARS) {
        Err(MSG_EMAIL_TOO_LONG)
    } else if is_plausible_email(email) {
        Ok(())
    } else {
        Err(MSG_EMAIL_INVALID)
    }
}

fn is_plausible_email(email: &str) -> bool {
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

/// Rule for a person's name (checked trimmed): 1 to [`MAX_NAME_CHARS`]
/// characters, no control characters.
pub fn validate_name(name: &str) -> Result<(), &'static str> {
    let name = name.trim();
    if name.is_empty() {
        Err(MSG_NAME_REQUIRED)
    } else if char_len(name) > i64::from(MAX_NAME_CHARS) {
        Err(MSG_NAME_TOO_LONG)
    } else if has_control_chars(name, false) {
        Err(MSG_CONTROL_CHARACTERS)
    } else {
        Ok(())
    }
}

/// Rule for a new password: [`MIN_PASSWORD_CHARS`] to [`MAX_PASSWORD_CHARS`]
/// characters (not bytes), untrimmed, with no character-class rules.
pub fn validate_new_password(password: &str) -> Result<(), &'static str> {
    let len = char_len(password);
    if len < i64::from(MIN_PASSWORD_CHARS) {
        Err(MSG_PASSWORD_TOO_SHORT)
    } else if len > i64::from(MAX_PASSWORD_CHARS) {
        Err(MSG_PASSWORD_TOO_LONG)
    } else {
        Ok(())
    }
}

/// Rule for a password typed to sign in: 1 to [`MAX_PASSWORD_CHARS`]
/// characters. No minimum beyond one, so an old shorter password still
/// reaches the (uniform) "wrong email or password" answer.
pub fn validate_login_password(password: &str) -> Result<(), &'static str> {
    if password.is_empty() {
        Err(MSG_PASSWORD_REQUIRED)
    } else if char_len(password) > i64::from(MAX_PASSWORD_CHARS) {
        Err(MSG_PASSWORD_TOO_LONG)
    } else {
        Ok(())
    }
}

/// Sign-up form. `Debug` redacts the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// Email address, trimmed; see [`validate_email`].
    #[serde(deserialize_with = "crate::text::deserialize_trimmed")]
    #[garde(custom(rule::text(validate_email)))]
    pub email: String,
    /// Display name, trimmed, 1 to [`MAX_NAME_CHARS`] characters.
    #[serde(deserialize_with = "crate::text::deserialize_trimmed")]
    #[garde(custom(rule::text(validate_name)))]
    pub name: String,
    /// New password exactly as typed, [`MIN_PASSWORD_CHARS`] to
    /// [`MAX_PASSWORD_CHARS`] characters.
    #[cfg_attr(feature = "ssr", schema(format = Password))]
    #[garde(custom(rule::text(validate_new_password)))]
    pub password: String,
}

impl Register {
    /// Trims email and name, as deserialising would. The password is kept
    /// as typed.
    #[must_use]
    pub fn normalized(self) -> Self {
        Self {
            email: trim_owned(self.email),
            name: trim_owned(self.name),
            password: self.password,
        }
    }
}

impl fmt::Debug for Register {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Register")
            .field("email", &self.email)
            .field("name", &self.name)
            .field("password", &REDACTED)
            .finish()
    }
}

/// Sign-in form. `Debug` redacts the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, garde::Validate)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// Email address, trimmed; see [`validate_email`].
    #[serde(deserialize_with = "crate::text::deserialize_trimmed")]
    #[garde(custom(rule::text(validate_email)))]
    pub email: String,
    /// Password exactly as typed, 1 to [`MAX_PASSWORD_CHARS`] characters.
    #[cfg_attr(feature = "ssr", schema(format = Password))]
    #[garde(custom(rule::text(validate_login_password)))]
    pub password: String,
}

impl Login {
    /// Trims the email, as deserialising would. The password is kept as
    /// typed.
    #[must_use]
    pub fn normalized(self) -> Self {
        Self {
            email: trim_owned(self.email),
            password: self.password,
        }
    }
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("email", &self.email)
            .field("password", &REDACTED)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_only_error, assert_valid, errors_of};

    fn register() -> Register {
        Register {
            email: "ada@example.com".to_owned(),
            name: "Ada Lovelace".to_owned(),
            password: "correct horse battery".to_owned(),
        }
    }

    fn login() -> Login {
        Login {
            email: "ada@example.com".to_owned(),
            password: "x".to_owned(),
        }
    }

    #[test]
    fn valid_email_addresses_are_accepted() {
        let long_local = format!("{}@example.com", "a".repeat(242));
        assert_eq!(long_local.chars().count(), 254);
        for email in [
            "ada@example.com",
            "a@b.co",
            "first.last+tag@sub.example.co.uk",
            "o'brien@example.ie",
            "jürgen@müller.de",
            "  ada@example.com  ",
            long_local.as_str(),
        ] {
            assert_eq!(validate_email(email), Ok(()), "{email:?}");
        }
    }

    #[test]
    fn invalid_email_addresses_are_rejected() {
        for email in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "ada@exa@mple.com",
            "ada lovelace@example.com",
            "ada@exa mple.com",
            "ada@example.com.",
            "ada@.example.com",
            "ada@example..com",
            "ada\u{0}@example.com",
        ] {
            assert_eq!(validate_email(email), Err(MSG_EMAIL_INVALID), "{email:?}");
        }
    }

    #[test]
    fn empty_or_blank_email_asks_for_one() {
        assert_eq!(validate_email(""), Err(MSG_EMAIL_REQUIRED));
        assert_eq!(validate_email("   "), Err(MSG_EMAIL_REQUIRED));
    }

    #[test]
    fn email_longer_than_254_characters_is_rejected() {
        let email = format!("{}@example.com", "a".repeat(243));
        assert_eq!(email.chars().count(), 255);
        assert_eq!(validate_email(&email), Err(MSG_EMAIL_TOO_LONG));
    }

    #[test]
    fn new_password_length_edges_count_characters() {
        let cases = [
            (String::new(), Err(MSG_PASSWORD_TOO_SHORT)),
            ("a".repeat(11), Err(MSG_PASSWORD_TOO_SHORT)),
            ("a".repeat(12), Ok(())),
            ("a".repeat(128), Ok(())),
            ("a".repeat(129), Err(MSG_PASSWORD_TOO_LONG)),
            // 12 characters but 24 or 36 bytes: long enough.
            ("é".repeat(12), Ok(())),
            ("日".repeat(12), Ok(())),
            // 11 characters but 44 bytes: still too short.
            ("🔑".repeat(11), Err(MSG_PASSWORD_TOO_SHORT)),
            // 128 characters but 256 bytes: not too long.
            ("é".repeat(128), Ok(())),
            ("é".repeat(129), Err(MSG_PASSWORD_TOO_LONG)),
            // Spaces count and are not trimmed.
            (format!(" {} ", "a".repeat(10)), Ok(())),
        ];
        for (password, expected) in cases {
            assert_eq!(validate_new_password(&password), expected, "{password:?}");
        }
    }

    #[test]
    fn register_reports_the_password_field() {
        let short = Register {
            password: "a".repeat(11),
            ..register()
        };
        assert_only_error(&short, &(), "password", MSG_PASSWORD_TOO_SHORT);
        let long = Register {
            password: "a".repeat(129),
            ..register()
        };
        assert_only_error(&long, &(), "password", MSG_PASSWORD_TOO_LONG);
        assert_valid(
            &Register {
                password: "ü".repeat(12),
                ..register()
            },
            &(),
        );
    }

    #[test]
    fn name_is_checked_after_trimming() {
        let cases = [
            (String::new(), Err(MSG_NAME_REQUIRED)),
            ("   \t\n".to_owned(), Err(MSG_NAME_REQUIRED)),
            ("A".to_owned(), Ok(())),
            ("  Ada  ".to_owned(), Ok(())),
            ("n".repeat(100), Ok(())),
            (format!("   {}   ", "n".repeat(100)), Ok(())),
            ("n".repeat(101), Err(MSG_NAME_TOO_LONG)),
            ("ñ".repeat(100), Ok(())),
        ];
        for (name, expected) in cases {
            assert_eq!(validate_name(&name), expected, "{name:?}");
        }
    }

    #[test]
    fn whitespace_only_name_is_rejected_on_the_name_field() {
        let blank = Register {
            name: "   ".to_owned(),
            ..register()
        };
        assert_only_error(&blank, &(), "name", MSG_NAME_REQUIRED);
    }

    #[test]
    fn register_reports_every_broken_field() {
        let broken = Register {
            email: "nope".to_owned(),
            name: String::new(),
            password: "short".to_owned(),
        };
        let errors = errors_of(&broken, &());
        assert_eq!(errors.for_field("email"), Some(MSG_EMAIL_INVALID));
        assert_eq!(errors.for_field("name"), Some(MSG_NAME_REQUIRED));
        assert_eq!(errors.for_field("password"), Some(MSG_PASSWORD_TOO_SHORT));
    }

    #[test]
    fn untrimmed_input_validates_like_trimmed_input() {
        let padded = Register {
            email: "  ada@example.com ".to_owned(),
            name: " Ada ".to_owned(),
            ..register()
        };
        assert_valid(&padded, &());
        assert_valid(&padded.normalized(), &());
    }

    #[test]
    fn normalized_trims_email_and_name_but_not_the_password() {
        let padded = Register {
            email: "  ada@example.com ".to_owned(),
            name: " Ada ".to_owned(),
            password: "  spaces count  ".to_owned(),
        }
        .normalized();
        assert_eq!(padded.email, "ada@example.com");
        assert_eq!(padded.name, "Ada");
        assert_eq!(padded.password, "  spaces count  ");

        let login = Login {
            email: " ada@example.com\n".to_owned(),
            password: " pw ".to_owned(),
        }
        .normalized();
        assert_eq!(login.email, "ada@example.com");
        assert_eq!(login.password, " pw ");
    }

    #[test]
    fn deserialising_trims_email_and_name_but_not_the_password() {
        let register: Register = serde_json::from_str(
            r#"{"email":" ada@example.com ","name":"  Ada ","password":"  twelve chars  "}"#,
        )
        .expect("valid json");
        assert_eq!(register.email, "ada@example.com");
        assert_eq!(register.name, "Ada");
        assert_eq!(register.password, "  twelve chars  ");

        let login: Login =
            serde_json::from_str(r#"{"email":" ada@example.com ","password":" pw "}"#)
                .expect("valid json");
        assert_eq!(login.email, "ada@example.com");
        assert_eq!(login.password, " pw ");
    }

    #[test]
    fn unknown_json_fields_are_rejected() {
        assert!(
            serde_json::from_str::<Register>(
                r#"{"email":"a@b.co","name":"A","password":"123456789012","admin":true}"#
            )
            .is_err()
        );
        assert!(
            serde_json::from_str::<Login>(r#"{"email":"a@b.co","password":"x","remember":1}"#)
                .is_err()
        );
    }

    #[test]
    fn login_password_edges() {
        let cases = [
            (String::new(), Some(MSG_PASSWORD_REQUIRED)),
            ("x".to_owned(), None),
            ("x".repeat(128), None),
            ("x".repeat(129), Some(MSG_PASSWORD_TOO_LONG)),
        ];
        for (password, expected) in cases {
            let login = Login {
                password,
                ..login()
            };
            match expected {
                None => assert_valid(&login, &()),
                Some(message) => assert_only_error(&login, &(), "password", message),
            }
        }
    }

    #[test]
    fn login_checks_email_syntax() {
        let login = Login {
            email: "ada.example.com".to_owned(),
            ..login()
        };
        assert_only_error(&login, &(), "email", MSG_EMAIL_INVALID);
    }

    #[test]
    fn debug_output_never_contains_the_password() {
        let register = Register {
            password: "hunter2hunter2".to_owned(),
            ..register()
        };
        let login = Login {
            password: "hunter2hunter2".to_owned(),
            ..login()
        };
        for debug in [
            format!("{register:?}"),
            format!("{register:#?}"),
            format!("{login:?}"),
            format!("{login:#?}"),
        ] {
            assert!(!debug.contains("hunter2"), "{debug}");
            assert!(debug.contains(REDACTED), "{debug}");
        }
        assert_eq!(
            format!("{login:?}"),
            r#"Login { email: "ada@example.com", password: "[redacted]" }"#
        );
    }
}
