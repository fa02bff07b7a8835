//! Entry point: parse the configuration, then serve (or run a helper command).

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use clap::Parser;
use secrecy::{ExposeSecret, SecretString};
use server::{
    Application, Database,
    auth::{self, AdminAccount},
    config::{Cli, Command},
    db::EmbeddedPostgres,
    error::Error,
    shutdown_signal, telemetry,
};
use shared_schema::auth::Register;

/// mimalloc instead of glibc's malloc: glibc keeps what each thread frees
/// (100 concurrent 19 MiB Argon2 hashes left 1.9 GB resident for good),
/// mimalloc gives freed memory back to the system (ADR 0010).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Where `create-admin` reads the password from when it is set.
const ADMIN_PASSWORD_ENV: &str = "ROOMBOOK_ADMIN_PASSWORD";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    telemetry::init(&cli.config);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::EmbeddedPostgres => embedded_postgres(&cli.config).await,
        Command::CreateAdmin {
            email,
            name,
            promote_existing,
        } => create_admin(&cli.config, email, name, promote_existing).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "command failed");
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(config: server::Config) -> anyhow::Result<()> {
    // Ready before the first sign-in, so no login pays for it.
    tokio::task::spawn_blocking(auth::password::warm_up);
    let demo = config.demo;
    let app = Application::build(config).await?;
    if demo {
        let accounts = app.seed_demo().await?;
        let address = app.local_addr()?;
        println!("Demo property ready at http://{address}/");
        println!(
            "  admin: {}  password: {}",
            accounts.admin.0, accounts.admin.1
        );
        println!(
            "  guest: {}  password: {}",
            accounts.guest.0, accounts.guest.1
        );
    }
    app.run_until(shutdown_signal()).await
}

async fn embedded_postgres(config: &server::Config) -> anyhow::Result<()> {
    let cluster = EmbeddedPostgres::start(&config.data_dir).await?;
    // The one line scripts read; everything else goes to the log.
    println!("DATABASE_URL={}", cluster.database_url("postgres"));
    shutdown_signal().await;
    cluster.stop().await?;
    Ok(())
}

async fn create_admin(
    config: &server::Config,
    email: String,
    name: String,
    promote_existing: bool,
) -> anyhow::Result<()> {
    let password = tokio::task::spawn_blocking(admin_password)
        .await
        .context("reading the password failed")??;
    let database = Database::connect(config).await?;
    let input = Register {
        email,
        name,
        password: password.expose_secret().to_owned(),
    };
    let result = auth::create_admin(&database.pool, input, promote_existing).await;
    database.shutdown().await;
    match result {
        Ok(AdminAccount::Created(user)) => println!("created admin account {}", user.id),
        Ok(AdminAccount::Promoted(user)) => {
            println!(
                "promoted existing account {} to admin with the new password; \
                 all its sessions and API tokens were revoked",
                user.id
            );
        }
        Err(Error::Validation(errors)) => anyhow::bail!("invalid admin account:\n{errors}"),
        Err(Error::Conflict(_)) => anyhow::bail!(
            "an account with this email already exists; it was not changed. \
             To make it an admin (with this password, signing it out everywhere), \
             run again with --promote-existing"
        ),
        Err(error) => return Err(error.into()),
    }
    Ok(())
}

/// The password from the environment, else one line of standard input
/// (without its line ending; other whitespace counts).
fn admin_password() -> anyhow::Result<SecretString> {
    if let Ok(password) = std::env::var(ADMIN_PASSWORD_ENV) {
        return Ok(password.into());
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for the admin (12 to 128 characters; the input is shown): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        anyhow::bail!("no password: set {ADMIN_PASSWORD_ENV} or pipe it on standard input");
    }
    Ok(password.to_owned().into())
}
