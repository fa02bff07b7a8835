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
    /// Create an admin account, or promote the existing account with that
    /// email to admin (its password and name then stay as they are).
    ///
    /// The password is read from `ROOMBOOK_ADMIN_PASSWORD` or, when that is
    /// unset, from the first line of standard input; it must follow the
    /// sign-up rules (12 to 128 characters). There is no default admin
    /// password anywhere. Connects and migrates like `serve`.
    CreateAdmin {
        /// Email address of the admin.
        #[arg(long)]
        email: String,
        /// Display name of the admin (used only when creating the account).
        #[arg(long)]
        name: String,
    },
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

    /// IANA time zone of the property (e.g. `Europe/Vienna`): "today", the
    /// first bookable night, is the date there.
    #[arg(long, env = "ROOMBOOK_TIME_ZONE", default_value = "UTC", value_parser = parse_time_zone)]
    pub time_zone: jiff::tz::TimeZone,

    /// How many nights ahead can be booked.
    #[arg(long, env = "ROOMBOOK_HORIZON_DAYS", default_value_t = shared_schema::stay::DEFAULT_HORIZON_DAYS,
          value_parser = clap::value_parser!(i32).range(1..=1096))]
    pub horizon_days: i32,

    /// Seconds a request may take before it is answered with 503.
    #[arg(long, env = "ROOMBOOK_REQUEST_TIMEOUT_SECS", default_value_t = 15)]
    pub request_timeout_secs: u64,

    /// Requests per minute one client may make to pages and the API.
    #[arg(long, env = "ROOMBOOK_RATE_LIMIT_PER_MINUTE", default_value_t = 100)]
    pub rate_limit_per_minute: u32,

    /// Sign-in and sign-up attempts one client may make per 15 minutes.
    #[arg(
        long,
        env = "ROOMBOOK_AUTH_RATE_LIMIT_PER_15_MIN",
        default_value_t = 10
    )]
    pub auth_rate_limit_per_15_min: u32,

    /// Reverse proxies (IPs or CIDR networks, comma-separated) whose
    /// `X-Forwarded-For` is believed when rate limiting; empty = none.
    #[arg(long, env = "ROOMBOOK_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<crate::http::rate_limit::TrustedProxy>,

    /// Redis connection string (`redis://[user:password@]host:port[/db]`).
    /// With it, the rate limits are counted once for every instance that
    /// uses the same Redis; without it, in this process (one instance).
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<crate::shared_state::RedisUrl>,

    /// Address of a separate listener that serves Prometheus metrics at
    /// `/metrics` (e.g. `127.0.0.1:9464`); unset = no metrics listener. Keep
    /// it off the public network: it is not rate limited or authenticated.
    #[arg(long, env = "ROOMBOOK_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Hours a session (cookie or bearer token) stays valid after sign-in.
    #[arg(long, env = "ROOMBOOK_SESSION_TTL_HOURS", default_value_t = 336,
          value_parser = clap::value_parser!(i32).range(1..=8784))]
    pub session_ttl_hours: i32,

    /// Whether the session cookie is marked `Secure` (sent over HTTPS only):
    /// `auto` marks it unless the server listens on a loopback address,
    /// where local development runs over plain HTTP.
    #[arg(long, env = "ROOMBOOK_COOKIE_SECURE", value_enum, default_value_t = CookieSecure::Auto)]
    pub cookie_secure: CookieSecure,

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

/// The `Secure` attribute of the session cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CookieSecure {
    /// Secure unless listening on a loopback address.
    Auto,
    True,
    False,
}

fn parse_time_zone(name: &str) -> Result<jiff::tz::TimeZone, String> {
    jiff::tz::TimeZone::get(name).map_err(|error| format!("unknown time zone `{name}`: {error}"))
}

impl Config {
    /// The settings with every default, as a test would start from.
    pub fn default_for_tests() -> Self {
        Cli::parse_from(["server"]).config
    }

    /// Whether the session cookie gets `Secure`, with `auto` resolved.
    pub fn secure_cookies(&self) -> bool {
        match self.cookie_secure {
            CookieSecure::Auto => !self.listen.ip().is_loopback(),
            CookieSecure::True => true,
            CookieSecure::False => false,
        }
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
            "ROOMBOOK_TIME_ZONE",
            "ROOMBOOK_REQUEST_TIMEOUT_SECS",
            "ROOMBOOK_RATE_LIMIT_PER_MINUTE",
            "ROOMBOOK_AUTH_RATE_LIMIT_PER_15_MIN",
            "ROOMBOOK_TRUSTED_PROXIES",
            "REDIS_URL",
            "ROOMBOOK_METRICS_LISTEN",
            "ROOMBOOK_SESSION_TTL_HOURS",
            "ROOMBOOK_COOKIE_SECURE",
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
    fn session_cookie_is_secure_unless_served_on_loopback_by_default() {
        let secure = |args: &[&str]| {
            let mut argv = vec!["server"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv)
                .expect("valid arguments")
                .config
                .secure_cookies()
        };
        assert!(!secure(&[]), "the default listen address is loopback");
        assert!(!secure(&["--listen", "[::1]:3000"]));
        assert!(secure(&["--listen", "0.0.0.0:3000"]));
        assert!(secure(&["--listen", "10.0.0.5:3000"]));
        assert!(secure(&["--cookie-secure", "true"]));
        assert!(!secure(&[
            "--listen",
            "0.0.0.0:3000",
            "--cookie-secure",
            "false"
        ]));
        assert!(Cli::try_parse_from(["server", "--cookie-secure", "maybe"]).is_err());
    }

    #[test]
    fn session_lifetime_defaults_to_two_weeks_and_must_be_positive() {
        assert_eq!(Config::default_for_tests().session_ttl_hours, 336);
        assert!(Cli::try_parse_from(["server", "--session-ttl-hours", "0"]).is_err());
    }

    #[test]
    fn create_admin_takes_email_and_name_but_never_a_password_flag() {
        let cli = Cli::try_parse_from([
            "server",
            "create-admin",
            "--email",
            "root@example.com",
            "--name",
            "Root",
        ])
        .expect("valid arguments");
        assert!(matches!(
            cli.command,
            Some(Command::CreateAdmin { ref email, ref name })
                if email == "root@example.com" && name == "Root"
        ));
        assert!(
            Cli::try_parse_from([
                "server",
                "create-admin",
                "--email",
                "a@b.co",
                "--name",
                "A",
                "--password",
                "x"
            ])
            .is_err(),
            "a password on the command line would show up in `ps`"
        );
    }

    #[test]
    fn redis_and_metrics_are_off_unless_configured() {
        let config = Config::default_for_tests();
        assert!(config.redis_url.is_none());
        assert!(config.metrics_listen.is_none());
        let cli = Cli::try_parse_from([
            "server",
            "--redis-url",
            "redis://:secret@127.0.0.1:6379",
            "--metrics-listen",
            "127.0.0.1:9464",
        ])
        .expect("valid arguments");
        let url = cli.config.redis_url.expect("url");
        assert!(!format!("{url:?}").contains("secret"));
        assert!(Cli::try_parse_from(["server", "--redis-url", "postgres://x"]).is_err());
    }

    #[test]
    fn horizon_outside_its_range_is_refused() {
        assert!(Cli::try_parse_from(["server", "--horizon-days", "0"]).is_err());
        assert!(Cli::try_parse_from(["server", "--horizon-days", "30"]).is_ok());
    }
}
