use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Strongroom: a multi-tenant privileged password manager for MSPs.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every service in this process (configuration from STRONGROOM_* variables).
    Up,
    /// Check the configuration and the connection to Postgres, then exit.
    Check,
    /// Create what is missing in a directory: the token signing key pair, the settings keys,
    /// and under `tls/` a private CA with one certificate per service (each naming its
    /// service; renewed within 30 days of expiry).
    Keygen {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Probe a readiness URL; exits non-zero unless it answers 200.
    Healthcheck {
        #[arg(long)]
        url: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Up => {
            strongroom_telemetry::init();
            let config = strongroom::StackConfig::from_env()?;
            let shutdown = tokio_util::sync::CancellationToken::new();
            strongroom_runtime::cancel_on_signal(shutdown.clone());
            tracing::info!(url = %format!("http://{}", config.http_addr), "starting strongroom");
            strongroom::up(config, shutdown).await
        }
        Command::Check => {
            let config = strongroom::StackConfig::from_env()?;
            strongroom::ensure_databases(&config).await?;
            println!("configuration ok; databases reachable");
            Ok(())
        }
        Command::Keygen { dir } => strongroom::keygen(&dir),
        Command::Healthcheck { url } => strongroom_runtime::healthcheck(&url).await,
    }
}
