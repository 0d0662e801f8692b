//! The `starling` command line: `serve` (the default), `user add`,
//! `bank check|import|export` (the same import engine as the API), `backup`,
//! `mail test`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::{
    auth::{NewPassword, Role, Username},
    config::Config,
    db,
    startup::Application,
    store::{self, accounts},
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
    /// Check, import and export question banks.
    Bank {
        #[command(subcommand)]
        command: BankCommand,
    },
    /// Copy the whole database to PATH while the server keeps running: a
    /// consistent SQLite file (VACUUM INTO), or a pg_dump archive for
    /// PostgreSQL (restore with pg_restore).
    Backup {
        /// Where to write the backup; must not exist yet.
        path: std::path::PathBuf,
    },
    /// Check the email set-up (STARLING_SMTP_URL, STARLING_MAIL_FROM).
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send a test message to ADDRESS and print what the SMTP server answered.
    Test { address: String },
}

/// How to read bank files whose format or bank id is not in the file itself.
#[derive(Debug, clap::Args)]
pub struct ReadOptions {
    /// toml, json, yaml, csv, tsv, md, txt (Anki plain text) or apkg (Anki package, also
    /// colpkg); default: by file extension.
    #[arg(long)]
    format: Option<String>,
    /// Bank id for formats that carry none (CSV, TSV, Anki text and packages); default: from the file name.
    #[arg(long)]
    bank_id: Option<String>,
    /// Bank title for formats that carry none; default: the bank id.
    #[arg(long)]
    title: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Validate bank files: a summary, or every error as FILE:LINE:COL: message.
    Check {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        #[command(flatten)]
        read: ReadOptions,
    },
    /// Import bank files (each in one transaction) and print what changed.
    Import {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Make the banks private to this user (default: global).
        #[arg(long)]
        owner: Option<String>,
        /// Report what would change without changing anything.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        read: ReadOptions,
    },
    /// Write a bank to standard output.
    Export {
        bank_id: String,
        #[arg(long, default_value = "toml")]
        format: String,
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
            Command::Bank { command } => bank(config, command).await,
            Command::Backup { path } => backup(config, &path).await,
            Command::Mail {
                command: MailCommand::Test { address },
            } => mail_test(&config, &address).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<Reported>() => ExitCode::FAILURE,
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
        // Standard output is for results (`bank export` writes a file there).
        .with_writer(std::io::stderr)
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

async fn mail_test(config: &Config, address: &str) -> anyhow::Result<()> {
    let mailer = crate::mail::Mailer::from_config(config)?.ok_or_else(|| {
        anyhow::anyhow!(
            "no SMTP server is configured: set STARLING_SMTP_URL (smtp://user:pass@host:587) and STARLING_MAIL_FROM"
        )
    })?;
    let email = crate::mail::Email {
        to: address.to_owned(),
        subject: "Starling test message".to_owned(),
        text: "This is a test message from Starling: the server can send email.\n".to_owned(),
        html: "<p>This is a test message from Starling: the server can send email.</p>\n"
            .to_owned(),
        unsubscribe: None,
    };
    println!(
        "sending a test message to {address} through {}",
        mailer.relay()
    );
    let reply = mailer.send(&email).await?;
    println!("sent: the SMTP server answered {reply}");
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
    let user = accounts::create_user(&db, &username, hash, role, chrono_tz::UTC)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "created {} ({}) with id {}",
        user.username,
        user.role.as_str(),
        user.id
    );
    Ok(())
}

/// Errors already printed in full; only the exit code is left to give.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Reported(String);

/// A bank id from a file name: `Leadership Principles.csv` → `leadership-principles`.
fn bank_id_from_path(path: &std::path::Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let slug: String = stem
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let slug = slug
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    (!slug.is_empty()).then_some(slug)
}

struct LoadedFile {
    name: String,
    bytes: Vec<u8>,
    format: starling_domain::bank::Format,
    bank_id: Option<String>,
    title: Option<String>,
}

fn load_file(path: &std::path::Path, read: &ReadOptions) -> Result<LoadedFile, String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| format!("{name}: cannot read: {err}"))?;
    let format = store::banks::resolve_format(read.format.as_deref(), Some(&name), None)
        .map_err(|err| format!("{name}: {err}"))?;
    Ok(LoadedFile {
        bank_id: read.bank_id.clone().or_else(|| bank_id_from_path(path)),
        title: read.title.clone(),
        name,
        bytes,
        format,
    })
}

impl LoadedFile {
    fn upload(&self, dry_run: bool) -> store::banks::BankUpload {
        store::banks::BankUpload {
            bytes: self.bytes.clone(),
            format: self.format,
            bank_id: self.bank_id.clone(),
            title: self.title.clone(),
            dry_run,
        }
    }
}

/// Prints what an import left out (an Anki package's media), one `FILE: note: …` line each.
fn print_notes(file: &str, notes: &[String]) {
    for note in notes {
        println!("{file}: note: {note}");
    }
}

/// Prints an import error the way compilers do: `FILE:LINE:COL: message`.
fn print_error(file: &str, err: &crate::error::AppError) {
    match err {
        crate::error::AppError::InvalidBank(errors) => {
            for e in errors {
                eprintln!("{file}:{e}");
            }
        }
        other => eprintln!("{file}: {other}"),
    }
}

async fn bank(config: Config, command: BankCommand) -> anyhow::Result<()> {
    let limits = config.bank_limits();
    match command {
        BankCommand::Check { files, read } => {
            let mut failed = 0;
            for path in &files {
                let file = match load_file(path, &read) {
                    Ok(file) => file,
                    Err(message) => {
                        eprintln!("{message}");
                        failed += 1;
                        continue;
                    }
                };
                match store::banks::parse_upload(&limits, &file.upload(true)) {
                    Ok(parsed) => {
                        let bank = &parsed.bank;
                        let rubric: usize = bank.questions.iter().map(|q| q.rubric.len()).sum();
                        println!(
                            "{}: ok: bank {} ({:?}), {} competencies, {} questions, {} rubric items",
                            file.name,
                            bank.id,
                            bank.title,
                            bank.competencies.len(),
                            bank.questions.len(),
                            rubric
                        );
                        print_notes(&file.name, &parsed.notes);
                    }
                    Err(err) => {
                        print_error(&file.name, &err);
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                return Err(Reported(format!("{failed} file(s) with errors")).into());
            }
            Ok(())
        }
        BankCommand::Import {
            files,
            owner,
            dry_run,
            read,
        } => {
            let db = db::connect_and_migrate(&config.database_url).await?;
            let owner_id = match owner {
                Some(name) => Some(
                    accounts::find_by_username(&db, &name)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no user named {name}"))?
                        .id,
                ),
                None => None,
            };
            let mut failed = 0;
            for path in &files {
                let file = match load_file(path, &read) {
                    Ok(file) => file,
                    Err(message) => {
                        eprintln!("{message}");
                        failed += 1;
                        continue;
                    }
                };
                let outcome = store::banks::import_file(
                    &db,
                    &limits,
                    file.upload(dry_run),
                    store::banks::Importer::Operator { owner_id },
                )
                .await;
                match outcome {
                    Ok(done) => {
                        println!(
                            "{}: {}bank {}: {} added, {} updated, {} unchanged, {} retired",
                            file.name,
                            if dry_run { "dry run: " } else { "" },
                            done.bank_id,
                            done.counts.added,
                            done.counts.updated,
                            done.counts.unchanged,
                            done.counts.retired
                        );
                        print_notes(&file.name, &done.notes);
                    }
                    Err(err) => {
                        print_error(&file.name, &err);
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                return Err(Reported(format!("{failed} file(s) not imported")).into());
            }
            Ok(())
        }
        BankCommand::Export { bank_id, format } => {
            let format =
                store::banks::resolve_export_format(&format).map_err(|e| anyhow::anyhow!("{e}"))?;
            let db = db::connect_and_migrate(&config.database_url).await?;
            let stored = store::banks::visible_bank(&db, None, &bank_id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}: no bank with id {bank_id}"))?;
            let model = store::banks::bank_model(&db, &stored).await?;
            print!("{}", starling_domain::bank::export(&model, format));
            Ok(())
        }
    }
}

/// `starling backup PATH`.
async fn backup(config: Config, path: &std::path::Path) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait;
    if path.exists() {
        anyhow::bail!("{} already exists; choose a new file", path.display());
    }
    let started = std::time::Instant::now();
    if config.database_url.starts_with("postgres") {
        let status = tokio::process::Command::new("pg_dump")
            .arg("--format=custom")
            .arg("--no-owner")
            .arg("--file")
            .arg(path)
            .arg(&config.database_url)
            .status()
            .await
            .map_err(|err| {
                anyhow::anyhow!("cannot run pg_dump (install the PostgreSQL client tools): {err}")
            })?;
        if !status.success() {
            anyhow::bail!("pg_dump failed ({status})");
        }
    } else {
        let db = db::connect_and_migrate(&config.database_url).await?;
        let target = path
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("the backup path must be valid UTF-8"))?;
        // One statement, one read transaction: a consistent copy while
        // others keep writing (WAL mode).
        db.execute_unprepared(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
            .await?;
    }
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "starling: backed up to {} ({} bytes in {:.1} s)",
        path.display(),
        bytes,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
