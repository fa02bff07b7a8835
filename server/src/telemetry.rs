//! Structured logs with `tracing`. See docs/LOGGING.md for what may and may
//! not be logged (never secrets, tokens, passwords or email addresses).

use tracing_subscriber::{EnvFilter, fmt};

use crate::config::{Config, LogFormat};

/// Installs the global subscriber; call once, first thing in `main`.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|error| {
        eprintln!(
            "invalid log filter {:?} ({error}); using \"info\"",
            config.log_filter
        );
        EnvFilter::new("info")
    });
    let builder = fmt().with_env_filter(filter).with_target(true);
    match config.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
