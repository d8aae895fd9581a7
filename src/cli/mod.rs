//! Offline subcommands: `keygen`, `sign`, `verify`, `decode`, `hash-password`; and `trigger`,
//! which calls a running emulator. They use the same engine and
//! codes as the server, so a token that passes `verify` here passes the emulator's verify API
//! with the same key.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

mod args;
mod decode;
mod exec;
mod hash_password;
mod keygen;
mod serve;
mod shell;
mod sign;
mod tls;
mod trigger;
mod verify;

pub use args::{Cli, Command, ServeArgs};
pub use decode::run as decode;
pub use exec::{ArgumentsGiven, run as exec};
pub use hash_password::run as hash_password;
pub use keygen::run as keygen;
pub use serve::run as serve;
pub use shell::{completions, man};
pub use sign::run as sign;
pub use tls::run as tls;
pub use trigger::{TriggerArgs, run as trigger};
pub use verify::run as verify;

#[derive(Debug, Clone, Args)]
pub struct KeygenArgs {
    /// Directory to write ec_private.pem and ec_public.pem into.
    #[arg(long, default_value = ".")]
    pub out_dir: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SignArgs {
    /// Private key PEM (SEC1 `EC PRIVATE KEY` or PKCS#8 `PRIVATE KEY`), as made by keygen or openssl.
    #[arg(long, default_value = "ec_private.pem")]
    pub key: PathBuf,
    /// Adds a `kid` header (a key id, fingerprint or name from the Signing Keys page).
    #[arg(long)]
    pub kid: Option<String>,
    /// File holding the JSON array of interaction data; `-` or nothing reads stdin.
    pub input: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// Public key PEM (ec_public.pem).
    #[arg(long, default_value = "ec_public.pem")]
    pub key: PathBuf,
    /// The compact JWS; `-` or nothing reads stdin.
    pub token: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
pub struct DecodeArgs {
    /// The compact JWS; `-` or nothing reads stdin.
    pub token: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// The emulator's settings, as for `serve`. Unlike `serve`, --bind (default 127.0.0.1:0, a
    /// free port) and --database-url (default: a fresh database, deleted afterwards) are taken
    /// from the command line only: CI jobs often set DATABASE_URL for their own application.
    #[command(flatten)]
    pub serve: ServeArgs,
    /// The command to run, and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum TlsCommand {
    /// Print the HTTPS server key's pin (base64 SHA-256 of its SubjectPublicKeyInfo) for
    /// Chromium's --ignore-certificate-errors-spki-list.
    Spki(TlsDirArgs),
    /// Print the CA certificate (PEM) to add to a trust store; it is valid only for
    /// *.engage.app and loopback.
    Ca(TlsDirArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TlsDirArgs {
    /// The CA's folder (default: `<database file>-tls/`, as `serve --tls-bind` uses).
    #[arg(long, env = "TALKATIVE_TLS_DIR")]
    pub tls_dir: Option<PathBuf>,
    /// The database whose folder to use when --tls-dir is not given.
    #[arg(long, env = "DATABASE_URL", default_value = crate::configuration::DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

/// Prints to stdout; a closed pipe (`| head`) is not an error worth a panic.
fn print(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}

/// Exit status for a refusal (bad token, bad key) as opposed to a usage or I/O error (2).
pub const REJECTED: u8 = 1;

pub fn exit_on_error(result: anyhow::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|error| {
        eprintln!("error: {error:#}");
        ExitCode::from(2)
    })
}

/// A token from the argument, or stdin when absent or `-`; surrounding whitespace (the newline
/// of `echo` or a file) is removed, as a shell user expects.
fn token_argument(token: Option<&str>) -> anyhow::Result<String> {
    match token {
        Some(token) if token != "-" => Ok(token.trim().to_owned()),
        _ => Ok(read_stdin()?.trim().to_owned()),
    }
}

fn read_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading stdin")?;
    Ok(text)
}

fn read_file(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}
