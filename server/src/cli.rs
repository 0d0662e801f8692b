//! The `starling` command line: `serve` (the default) and `user add`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{
    auth::{NewPassword, Role, Username},
    config::Config,
    db,
    startup::Application,
    store::accounts,
};

#[derive(Debug, Parser)]
#[command(
    name = "starling",
    version,
    about = "Practice server for behavioral management interviews"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server (the default).
    Serve,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password comes from STARLING_PASSWORD or a prompt.
    Add {
        username: String,
        #[arg(long, default_value = "learner", value_parser = clap::builder::PossibleValuesParser::new(["learner", "coach", "admin"]))]
        role: String,
    },
}

pub fn run(cli: Cli) -> ExitCode {
    let config = match Config::load() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("starling: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("starling: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::User {
                command: UserCommand::Add { username, role },
            } => add_user(config, &username, &role).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("starling: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let backend = if db::is_sqlite(&config.database_url) {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    let app = Application::build(config.clone()).await?;
    let host = config
        .addr
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or("127.0.0.1");
    println!(
        "Starling is running on {backend}: open http://{host}:{}/",
        app.port()
    );
    app.run_until_stopped().await?;
    Ok(())
}

async fn add_user(config: Config, username: &str, role: &str) -> anyhow::Result<()> {
    let role: Role = role.parse().map_err(anyhow::Error::msg)?;
    let username = Username::parse(username).map_err(|e| anyhow::anyhow!("{e}"))?;
    let password = match std::env::var("STARLING_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let first =
                rpassword::prompt_password(format!("Password for {}: ", username.as_str()))?;
            let again = rpassword::prompt_password("Repeat the password: ")?;
            anyhow::ensure!(first == again, "the two passwords differ");
            first
        }
    };
    let hash = NewPassword::parse(&password)
        .and_then(|p| p.hash())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = db::connect_and_migrate(&config.database_url).await?;
    let user = accounts::create_user(&db, &username, hash, role)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "created {} ({}) with id {}",
        user.username, user.role, user.id
    );
    Ok(())
}
