//! Entry point: parse the configuration, then serve (or run a helper command).

use clap::Parser;
use server::{
    Application,
    config::{Cli, Command},
    db::EmbeddedPostgres,
    shutdown_signal, telemetry,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    telemetry::init(&cli.config);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::EmbeddedPostgres => embedded_postgres(&cli.config).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "server failed to start");
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(config: server::Config) -> anyhow::Result<()> {
    Application::build(config)
        .await?
        .run_until(shutdown_signal())
        .await
}

async fn embedded_postgres(config: &server::Config) -> anyhow::Result<()> {
    let cluster = EmbeddedPostgres::start(&config.data_dir).await?;
    // The one line scripts read; everything else goes to the log.
    println!("DATABASE_URL={}", cluster.database_url("postgres"));
    shutdown_signal().await;
    cluster.stop().await?;
    Ok(())
}
