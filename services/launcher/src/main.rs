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
    /// Print the NATS server configuration with every service's user and permissions.
    NatsConfig {
        /// The event prefix the permissions are for; `*` allows any (test servers).
        #[arg(long, default_value = "sr")]
        prefix: String,
        #[arg(long, default_value = "0.0.0.0:4222")]
        listen: String,
        #[arg(long, default_value_t = 8222)]
        http_port: u16,
        #[arg(long, default_value = "/data/jetstream")]
        store_dir: String,
        /// Add an `admin` user allowed everything, its password in this variable (tests).
        #[arg(long)]
        admin_password_variable: Option<String>,
    },
    /// Print the Redis ACL file: one user per service, only identity writing.
    RedisAcl {
        /// The event prefix, which every Redis key starts with.
        #[arg(long, default_value = "sr")]
        prefix: String,
        /// The users' base name: each service's user is `<user>-<service>`.
        #[arg(long, default_value = "strongroom")]
        user: String,
    },
    /// Create the event stream, or bring its settings to the configured limits, as the NATS
    /// provisioner (a deployment's job before its services start; `up` does it itself):
    /// `STRONGROOM_NATS_URL`, `STRONGROOM_EVENT_PREFIX`, `STRONGROOM_EVENT_STREAM_MAX_*`,
    /// the provisioner's password in `STRONGROOM_NATS_PASSWORD_FILE`.
    ProvisionStream,
    /// Reveal records the audit service refused (set aside by the vault, never deleted):
    /// count them, or queue them to be forwarded again once what made audit refuse them is
    /// mended (configuration from STRONGROOM_* variables, as for `up`).
    RevealRecords {
        #[command(subcommand)]
        action: RevealRecordsAction,
    },
    /// Probe a readiness URL; exits non-zero unless it answers 200.
    Healthcheck {
        #[arg(long)]
        url: String,
    },
}

#[derive(Subcommand)]
enum RevealRecordsAction {
    /// How many are set aside.
    Count,
    /// Queue every one to be forwarded again; the vault's forwarder takes them at once.
    Retry,
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
            let _ = strongroom::ensure_databases(&config).await?;
            println!("configuration ok; databases reachable");
            Ok(())
        }
        Command::Keygen { dir } => strongroom::keygen(&dir),
        Command::NatsConfig {
            prefix,
            listen,
            http_port,
            store_dir,
            admin_password_variable,
        } => {
            print!(
                "{}",
                strongroom::nats_config(&strongroom::NatsServer {
                    prefix: (prefix != "*").then_some(prefix.as_str()),
                    listen: &listen,
                    http_port,
                    store_dir: &store_dir,
                    admin_password_variable: admin_password_variable.as_deref(),
                })
            );
            Ok(())
        }
        Command::RedisAcl { prefix, user } => {
            print!("{}", strongroom::redis_acl(&user, &prefix));
            Ok(())
        }
        Command::ProvisionStream => {
            let config = strongroom::StackConfig::from_env()?;
            // The provisioner's password: its own file, or its file among the services'.
            let password_file = std::env::var_os("STRONGROOM_NATS_PASSWORD_FILE")
                .map(PathBuf::from)
                .or_else(|| {
                    config
                        .nats_password_dir
                        .as_ref()
                        .map(|dir| dir.join(format!("{}.password", strongroom_events::PROVISIONER)))
                });
            strongroom::provision_stream(&config, password_file.as_deref()).await?;
            println!("event stream ready");
            Ok(())
        }
        Command::RevealRecords { action } => {
            use secrecy::ExposeSecret;
            let config = strongroom::StackConfig::from_env()?;
            let url = config.vault_config().base.database_url()?;
            match action {
                RevealRecordsAction::Count => {
                    let set_aside =
                        strongroom_vault::refused_reveal_records(url.expose_secret()).await?;
                    println!("{set_aside} reveal record(s) refused by the audit service");
                }
                RevealRecordsAction::Retry => {
                    let queued =
                        strongroom_vault::retry_refused_reveal_records(url.expose_secret()).await?;
                    println!("{queued} reveal record(s) queued to be forwarded again");
                }
            }
            Ok(())
        }
        Command::Healthcheck { url } => strongroom_runtime::healthcheck(&url).await,
    }
}
