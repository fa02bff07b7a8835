//! Database connections: the pool, migrations, and the embedded cluster used
//! when no `DATABASE_URL` is configured. Owns no domain SQL.

mod embedded;

use std::{str::FromStr, time::Duration};

use secrecy::ExposeSecret;
use sqlx::{
    Connection, Executor, PgConnection, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

pub use embedded::{EmbeddedError, EmbeddedPostgres};

use crate::config::Config;

/// Migrations in the workspace's `migrations/` folder, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Name of the application database inside the embedded cluster.
const EMBEDDED_DATABASE: &str = "roombook";

/// The pool, plus the embedded cluster behind it when there is one.
#[derive(Debug)]
pub struct Database {
    pub pool: PgPool,
    embedded: Option<EmbeddedPostgres>,
}

/// How the server's pool behaves (the benchmark's raw pool uses the same).
///
/// Connections are not pinged before each use: that was one extra round
/// trip per checkout (two per authenticated request). A connection that
/// died meanwhile (say PostgreSQL restarted) fails its one request with a
/// 503 and is dropped from the pool.
pub fn pool_options(max_connections: u32, acquire_timeout_secs: u64) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(acquire_timeout_secs))
        .test_before_acquire(false)
}

impl From<PgPool> for Database {
    /// A pool someone else prepared (tests): nothing to stop on shutdown.
    fn from(pool: PgPool) -> Self {
        Self {
            pool,
            embedded: None,
        }
    }
}

impl Database {
    /// Connects (starting the embedded cluster first if needed) and migrates.
    pub async fn connect(config: &Config) -> anyhow::Result<Self> {
        let (url, embedded) = if let Some(url) = &config.database_url {
            (url.expose_secret().to_owned(), None)
        } else {
            let cluster = EmbeddedPostgres::start(&config.data_dir).await?;
            create_database_if_missing(&cluster.database_url("postgres"), EMBEDDED_DATABASE)
                .await?;
            (cluster.database_url(EMBEDDED_DATABASE), Some(cluster))
        };
        // A stuck query or a lock held by a forgotten transaction must not
        // hold a connection forever: PostgreSQL cancels them (answered 503).
        let options = PgConnectOptions::from_str(&url)?
            .application_name("roombook")
            .options([
                (
                    "statement_timeout",
                    format!("{}s", config.db_statement_timeout_secs),
                ),
                ("lock_timeout", format!("{}s", config.db_lock_timeout_secs)),
            ]);
        let pool = pool_options(config.db_max_connections, config.db_acquire_timeout_secs)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        tracing::info!(embedded = embedded.is_some(), "database ready and migrated");
        Ok(Self { pool, embedded })
    }

    /// Closes the pool, then stops the embedded cluster if this process
    /// started it.
    pub async fn shutdown(self) {
        self.pool.close().await;
        if let Some(cluster) = self.embedded
            && let Err(error) = cluster.stop().await
        {
            tracing::error!(%error, "embedded PostgreSQL did not stop cleanly");
        }
    }
}

async fn create_database_if_missing(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect(admin_url).await?;
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        // Identifiers cannot be bound; `name` is our own constant.
        conn.execute(format!(r#"create database "{name}""#).as_str())
            .await?;
        tracing::info!(database = name, "created the application database");
    }
    conn.close().await?;
    Ok(())
}
