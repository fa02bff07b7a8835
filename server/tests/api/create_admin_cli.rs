//! `server create-admin` as an operator runs it: exit status and message.

use std::process::{Command, Stdio};

use sqlx::PgPool;

/// The test database's URL, for the binary.
fn database_url(pool: &PgPool) -> String {
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let database = pool
        .connect_options()
        .get_database()
        .unwrap_or("postgres")
        .to_owned();
    let (server, _) = base.rsplit_once('/').expect("a URL with a database");
    format!("{server}/{database}")
}

fn create_admin(
    pool: &PgPool,
    email: &str,
    password: &str,
    extra: &[&str],
) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["create-admin", "--email", email, "--name", "Root"])
        .args(extra)
        .env("DATABASE_URL", database_url(pool))
        .env("ROOMBOOK_ADMIN_PASSWORD", password)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run server create-admin")
}

async fn role(pool: &PgPool, email: &str) -> String {
    sqlx::query_scalar("select role from users where email = $1::citext")
        .bind(email)
        .fetch_one(pool)
        .await
        .expect("user")
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn create_admin_on_a_taken_email_fails_until_asked_to_promote(pool: PgPool) {
    sqlx::query(
        "insert into users (email, name, password_hash, role)
         values ('taken@example.com', 'Squatter', 'x', 'guest')",
    )
    .execute(&pool)
    .await
    .expect("user");

    let pool_for_blocking = pool.clone();
    let refused = tokio::task::spawn_blocking(move || {
        create_admin(
            &pool_for_blocking,
            "Taken@example.com",
            "a long admin password",
            &[],
        )
    })
    .await
    .expect("join");
    assert!(!refused.status.success(), "must exit non-zero");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--promote-existing"), "{stderr}");
    assert!(
        !stderr.contains("taken@example.com"),
        "no email in the output: {stderr}"
    );
    assert_eq!(role(&pool, "taken@example.com").await, "guest");

    let pool_for_blocking = pool.clone();
    let promoted = tokio::task::spawn_blocking(move || {
        create_admin(
            &pool_for_blocking,
            "taken@example.com",
            "a long admin password",
            &["--promote-existing"],
        )
    })
    .await
    .expect("join");
    assert!(
        promoted.status.success(),
        "{}",
        String::from_utf8_lossy(&promoted.stderr)
    );
    assert_eq!(role(&pool, "taken@example.com").await, "admin");
}
