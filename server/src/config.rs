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
    /// Create an admin account. An email that already has an account is
    /// refused (whoever registered it would become admin) unless
    /// `--promote-existing` is given: then that account becomes admin, gets
    /// the new password and loses every session and API token.
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
        /// Promote the existing account with this email instead of refusing:
        /// set the new password and revoke all its sessions and tokens.
        #[arg(long)]
        promote_existing: bool,
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

    /// Seconds a statement may run before PostgreSQL cancels it (503).
    #[arg(long, env = "ROOMBOOK_DB_STATEMENT_TIMEOUT_SECS", default_value_t = 30)]
    pub db_statement_timeout_secs: u64,

    /// Seconds a statement may wait for a row lock before giving up (503).
    #[arg(long, env = "ROOMBOOK_DB_LOCK_TIMEOUT_SECS", default_value_t = 10)]
    pub db_lock_timeout_secs: u64,

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

    /// Seconds a client has to send a request's header; also how long an
    /// idle keep-alive connection stays open (keep a proxy's idle upstream
    /// connections shorter).
    #[arg(long, env = "ROOMBOOK_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub header_read_timeout_secs: u64,

    /// Open connections at most; one more is answered 503 and closed.
    #[arg(long, env = "ROOMBOOK_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

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

    /// Minutes a guest's session (cookie or bearer token) may go unused
    /// before it is refused (idle timeout). Default 7 days.
    #[arg(long, env = "ROOMBOOK_SESSION_IDLE_MINUTES", default_value_t = 10_080,
          value_parser = clap::value_parser!(i32).range(1..=527_040))]
    pub session_idle_minutes: i32,

    /// Hours a guest's session stays valid after sign-in however much it is
    /// used (absolute lifetime). Default 30 days.
    #[arg(long, env = "ROOMBOOK_SESSION_ABSOLUTE_HOURS", default_value_t = 720,
          value_parser = clap::value_parser!(i32).range(1..=8784))]
    pub session_absolute_hours: i32,

    /// Idle timeout of an admin's session, in minutes (ASVS 4.0 level 2,
    /// 3.3.2: 30 minutes).
    #[arg(long, env = "ROOMBOOK_ADMIN_SESSION_IDLE_MINUTES", default_value_t = 30,
          value_parser = clap::value_parser!(i32).range(1..=527_040))]
    pub admin_session_idle_minutes: i32,

    /// Absolute lifetime of an admin's session, in hours (ASVS level 2: 12).
    #[arg(long, env = "ROOMBOOK_ADMIN_SESSION_ABSOLUTE_HOURS", default_value_t = 12,
          value_parser = clap::value_parser!(i32).range(1..=8784))]
    pub admin_session_absolute_hours: i32,

    /// Whether the session cookie is marked `Secure` (sent over HTTPS only):
    /// `auto` marks it unless the server listens on a loopback address,
    /// where local development runs over plain HTTP.
    #[arg(long, env = "ROOMBOOK_COOKIE_SECURE", value_enum, default_value_t = CookieSecure::Auto)]
    pub cookie_secure: CookieSecure,

    /// Fill an empty database with a demo property (rooms, prices, closed
    /// nights, bookings) and print a demo admin's and guest's sign-in.
    #[arg(long, env = "ROOMBOOK_DEMO")]
    pub demo: bool,

    /// ISO 4217 code of the property's currency: every room's prices are in
    /// it (a room in another one is refused).
    #[arg(long, env = "ROOMBOOK_CURRENCY", default_value = "EUR", value_parser = parse_currency)]
    pub currency: String,

    /// The address people reach the site at, e.g. `https://rooms.example.com`
    /// behind a TLS-terminating proxy. With `https`, the session cookie is
    /// `Secure` and `__Host-` prefixed.
    #[arg(long, env = "ROOMBOOK_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Whether search answers from this instance's in-memory availability
    /// index (ADR 0012) or always from PostgreSQL (`off`: the SQL path,
    /// which benchmarks compare the index with; the NOTIFY triggers still
    /// fire).
    #[arg(long, env = "ROOMBOOK_SEARCH_INDEX", value_enum, default_value_t = Switch::On)]
    pub search_index: Switch,

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

/// A feature turned on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

/// The `Secure` attribute of the session cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CookieSecure {
    /// Secure when `--public-url` is `https://…`; without a public URL,
    /// unless listening on a loopback address (local use over plain HTTP).
    Auto,
    True,
    False,
}

fn parse_currency(code: &str) -> Result<String, String> {
    shared_schema::rooms::validate_currency(code)
        .map(|()| code.to_owned())
        .map_err(str::to_owned)
}

fn parse_public_url(url: &str) -> Result<String, String> {
    let url = url.trim_end_matches('/');
    match url.split_once("://") {
        Some(("http" | "https", host)) if !host.is_empty() && !host.contains('/') => {
            Ok(url.to_owned())
        }
        _ => Err(format!(
            "`{url}` is not an http(s) origin such as https://rooms.example.com"
        )),
    }
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
            CookieSecure::Auto => match &self.public_url {
                Some(url) => url.starts_with("https://"),
                None => !self.listen.ip().is_loopback(),
            },
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
            "ROOMBOOK_SESSION_IDLE_MINUTES",
            "ROOMBOOK_SESSION_ABSOLUTE_HOURS",
            "ROOMBOOK_ADMIN_SESSION_IDLE_MINUTES",
            "ROOMBOOK_ADMIN_SESSION_ABSOLUTE_HOURS",
            "ROOMBOOK_COOKIE_SECURE",
            "ROOMBOOK_SEARCH_INDEX",
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
        // Behind a TLS-terminating proxy on loopback, the public URL decides.
        assert!(secure(&["--public-url", "https://rooms.example.com/"]));
        assert!(!secure(&["--public-url", "http://localhost:3000"]));
        assert!(Cli::try_parse_from(["server", "--public-url", "rooms.example.com"]).is_err());
    }

    #[test]
    fn session_lifetimes_default_to_a_week_idle_a_month_absolute_and_asvs_for_admins() {
        let config = Config::default_for_tests();
        assert_eq!(config.session_idle_minutes, 7 * 24 * 60);
        assert_eq!(config.session_absolute_hours, 30 * 24);
        assert_eq!(config.admin_session_idle_minutes, 30);
        assert_eq!(config.admin_session_absolute_hours, 12);
        for flag in [
            "--session-idle-minutes",
            "--session-absolute-hours",
            "--admin-session-idle-minutes",
            "--admin-session-absolute-hours",
        ] {
            assert!(
                Cli::try_parse_from(["server", flag, "0"]).is_err(),
                "{flag}"
            );
            assert!(Cli::try_parse_from(["server", flag, "5"]).is_ok(), "{flag}");
        }
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
            Some(Command::CreateAdmin { ref email, ref name, promote_existing: false })
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
    fn search_index_is_on_unless_turned_off() {
        assert_eq!(Config::default_for_tests().search_index, Switch::On);
        let off = Cli::try_parse_from(["server", "--search-index", "off"]).expect("valid");
        assert_eq!(off.config.search_index, Switch::Off);
        assert!(Cli::try_parse_from(["server", "--search-index", "maybe"]).is_err());
    }

    #[test]
    fn horizon_outside_its_range_is_refused() {
        assert!(Cli::try_parse_from(["server", "--horizon-days", "0"]).is_err());
        assert!(Cli::try_parse_from(["server", "--horizon-days", "30"]).is_ok());
    }
}
