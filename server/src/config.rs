//! Typed configuration, parsed once at start-up from flags and environment.
//!
//! Every setting has a flag and an environment variable, and `--help` lists
//! them all with their defaults. Secrets are `SecretString` so they never show
//! up in `Debug` output or logs.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

/// Command line of the `server` binary.
#[derive(Debug, Parser)]
#[command(
    name = "server",
    version,
    about = "Roombook: room search and booking, with a browser UI and a REST API",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to run; serving the product is the default.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the product (the default when no command is given).
    Serve,
    /// Start only the embedded PostgreSQL cluster, print its `DATABASE_URL`
    /// and keep it running until interrupted (used by the test runner on
    /// machines without a running PostgreSQL).
    EmbeddedPostgres,
}

/// Every setting of the server.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address the HTTP server listens on.
    #[arg(long, env = "ROOMBOOK_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// PostgreSQL connection string. Without it the server starts its own
    /// cluster under `--data-dir` with the machine's `initdb`/`pg_ctl`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,

    /// Connections in the database pool.
    #[arg(long, env = "ROOMBOOK_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,

    /// Seconds to wait for a free pool connection before answering 503.
    #[arg(long, env = "ROOMBOOK_DB_ACQUIRE_TIMEOUT_SECS", default_value_t = 5)]
    pub db_acquire_timeout_secs: u64,

    /// Folder for the embedded PostgreSQL cluster (used only without
    /// `DATABASE_URL`).
    #[arg(long, env = "ROOMBOOK_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Folder with the built site (the WASM bundle, CSS and public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// How many nights ahead can be booked.
    #[arg(long, env = "ROOMBOOK_HORIZON_DAYS", default_value_t = shared_schema::stay::DEFAULT_HORIZON_DAYS,
          value_parser = clap::value_parser!(i32).range(1..=1096))]
    pub horizon_days: i32,

    /// Seconds a request may take before it is answered with 503.
    #[arg(long, env = "ROOMBOOK_REQUEST_TIMEOUT_SECS", default_value_t = 15)]
    pub request_timeout_secs: u64,

    /// Log output: human-readable text or one JSON object per line.
    #[arg(long, env = "ROOMBOOK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Log filter, e.g. `info` or `server=debug,tower_http=info`.
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log_filter: String,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// The settings with every default, as a test would start from.
    pub fn default_for_tests() -> Self {
        Cli::parse_from(["server"]).config
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_documents_every_setting() {
        let help = Cli::command().render_long_help().to_string();
        for variable in [
            "ROOMBOOK_LISTEN",
            "DATABASE_URL",
            "ROOMBOOK_DB_MAX_CONNECTIONS",
            "ROOMBOOK_DB_ACQUIRE_TIMEOUT_SECS",
            "ROOMBOOK_DATA_DIR",
            "LEPTOS_SITE_ROOT",
            "ROOMBOOK_HORIZON_DAYS",
            "ROOMBOOK_REQUEST_TIMEOUT_SECS",
            "ROOMBOOK_LOG_FORMAT",
            "RUST_LOG",
        ] {
            assert!(
                help.contains(variable),
                "--help does not mention {variable}"
            );
        }
    }

    #[test]
    fn horizon_outside_its_range_is_refused() {
        assert!(Cli::try_parse_from(["server", "--horizon-days", "0"]).is_err());
        assert!(Cli::try_parse_from(["server", "--horizon-days", "30"]).is_ok());
    }
}
