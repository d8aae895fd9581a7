//! The command line: the server's flags (`ServeArgs`, turned into [`Settings`]) and the offline
//! subcommands' arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::auth::AdminCredential;
use crate::configuration::config_file::ConfigFile;
use crate::configuration::{
    AllowedHost, ByteSize, DEFAULT_BIND, DEFAULT_DATABASE_URL, DEFAULT_INTERACTION_RETENTION,
    DEFAULT_INTERACTION_RETENTION_BYTES, DEFAULT_MAX_BODY_BYTES, DEFAULT_VERIFY_RATE_LIMIT,
    LogFormat, Settings, TlsSettings,
};

#[derive(Debug, Parser)]
#[command(
    name = "talkative-emulator",
    version = crate::build_info::long_version(),
    args_conflicts_with_subcommands = true,
    about = "Local emulator of Talkative's Signed Interaction Data, with a verifier that explains every verdict."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Server settings when no subcommand is given (`serve` is the default).
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the emulator's HTTP server (the default).
    Serve(ServeArgs),
    /// Write ec_private.pem and ec_public.pem, as the article's two openssl commands do.
    Keygen(super::KeygenArgs),
    /// Sign a JSON array of interaction data into a compact ES256 JWS.
    Sign(super::SignArgs),
    /// Verify a token offline against a public key (exit 1 when refused).
    Verify(super::VerifyArgs),
    /// Print a token's header and payload, without verifying.
    Decode(super::DecodeArgs),
    /// Read a password on stdin and print its argon2id hash for TALKATIVE_ADMIN_PASSWORD_HASH.
    HashPassword,
    /// Print a shell completion script, e.g. `talkative-emulator completions bash >
    /// /etc/bash_completion.d/talkative-emulator`.
    Completions(super::CompletionsArgs),
    /// Print the man page (roff), e.g. `talkative-emulator man | man -l -`.
    Man,
    /// Start the emulator on a free port with a fresh database, run a command with
    /// TALKATIVE_EMULATOR_URL set, stop, and exit with the command's status, e.g.
    /// `talkative-emulator exec --config emulator.toml -- npm test`.
    Exec(super::ExecArgs),
    /// The local certificate authority behind --tls-bind: the pin for Chromium, the CA for a
    /// trust store.
    #[command(subcommand)]
    Tls(super::TlsCommand),
    /// Make a running emulator call your backend, as Stripe CLI's `trigger` does:
    /// `interaction.completed` (a sample interaction started and completed: every webhook for
    /// its queue is sent it) or `webhook.test` (every webhook's validation POST). Prints each
    /// delivery; exit 1 unless all were taken.
    Trigger(super::TriggerArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Log lines on stderr: human (colours only on a terminal) or json (one object per line).
    #[arg(
        long,
        env = "TALKATIVE_LOG_FORMAT",
        value_enum,
        default_value = "human"
    )]
    pub log_format: LogFormat,
    /// Address to listen on.
    #[arg(long, env = "TALKATIVE_BIND", default_value = DEFAULT_BIND)]
    pub bind: SocketAddr,
    /// SQLite database; the file is created and migrated at start.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// How many recorded interactions to keep (oldest are pruned).
    #[arg(long, env = "TALKATIVE_INTERACTION_RETENTION", default_value_t = DEFAULT_INTERACTION_RETENTION)]
    pub interaction_retention: u32,
    /// Most disk the interaction log may take (database file and write-ahead log), e.g. 256MiB,
    /// 1GiB or a number of bytes; the oldest interactions are pruned to stay under it.
    #[arg(long, env = "TALKATIVE_INTERACTION_RETENTION_BYTES", default_value = DEFAULT_INTERACTION_RETENTION_BYTES)]
    pub interaction_retention_bytes: ByteSize,
    /// TOML file with signing keys and unsigned fields to install at start and on reset.
    #[arg(long, env = "TALKATIVE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Verify and record, but accept everything, listing what enforcement would drop.
    #[arg(long, env = "TALKATIVE_REPORT_ONLY")]
    pub report_only: bool,
    /// Admin password for the portal and management API. Required to listen beyond loopback;
    /// when set, it is required on loopback too.
    #[arg(
        long,
        env = "TALKATIVE_ADMIN_PASSWORD",
        hide_env_values = true,
        conflicts_with = "admin_password_hash"
    )]
    pub admin_password: Option<String>,
    /// The admin password as an argon2 PHC string (from `talkative-emulator hash-password`).
    #[arg(long, env = "TALKATIVE_ADMIN_PASSWORD_HASH", hide_env_values = true)]
    pub admin_password_hash: Option<String>,
    /// Verifications per second per client address on POST /api/v1/verify (bursts of twice
    /// that); 0 turns the limit off.
    #[arg(long, env = "TALKATIVE_VERIFY_RATE_LIMIT", default_value_t = DEFAULT_VERIFY_RATE_LIMIT)]
    pub verify_rate_limit: u32,
    /// Apply the verify rate limit to loopback clients too (they are exempt by default, so local
    /// test suites and load tests are not throttled).
    #[arg(long, env = "TALKATIVE_RATE_LIMIT_LOOPBACK")]
    pub rate_limit_loopback: bool,
    /// A host name this server may be reached by besides loopback names and IP addresses, e.g.
    /// behind a proxy (repeatable; `.example.com` allows its subdomains too). Requests naming
    /// any other host are refused, so a web page cannot reach the emulator by DNS rebinding.
    #[arg(
        long = "allowed-host",
        env = "TALKATIVE_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<AllowedHost>,
    /// The address of a reverse proxy in front of this server (repeatable). Only requests from
    /// it may say, in `Forwarded` or `X-Forwarded-Host`/`-Proto`, which host and scheme a client
    /// used; from anyone else those headers are ignored, so no client can pose as this server's
    /// own origin to pass the same-origin checks.
    #[arg(
        long = "trusted-proxy",
        env = "TALKATIVE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// What the Unsigned fields page is matched against: an item's `name` (its `label` when it
    /// has none; the default), or always its `label`. Talkative does not document which
    /// (docs/talkative-compat.md); verdicts warn when the two would decide differently.
    #[arg(long, env = "TALKATIVE_UNSIGNED_FIELD_MATCH", value_parser = ["name", "label"])]
    pub unsigned_field_match: Option<String>,
    /// Refuse a page naming a widget config the emulator does not know (`unknown_widget_config`,
    /// as Talkative would), instead of giving it the default config with a warning.
    #[arg(long, env = "TALKATIVE_STRICT_WIDGET_CONFIGS")]
    pub strict_widget_configs: bool,
    /// Core API requests per second per API key (bursts of twice that); 0 turns the limit off.
    #[arg(long, env = "TALKATIVE_CORE_API_RATE_LIMIT", default_value_t = crate::configuration::DEFAULT_CORE_API_RATE_LIMIT)]
    pub core_api_rate_limit: u32,
    /// Answer GET /api/core/v1/interactions inside `{"headers": [], "original": …}`, as the
    /// example in Talkative's "Retrieving All Interactions" article shows, for code written
    /// against that example (the default is the plain JSON:API document).
    #[arg(long, env = "TALKATIVE_CORE_API_LIST_ENVELOPE")]
    pub core_api_list_envelope: bool,
    /// Also serve HTTPS here (e.g. 127.0.0.1:8443), as Talkative's own hosts (*.engage.app) and
    /// loopback, with certificates from a local CA made once and kept beside the database. With
    /// Chromium's --host-resolver-rules="MAP *.engage.app 127.0.0.1:8443" a page that loads the
    /// widget from https://eu.engage.app runs unchanged (docs/testing-with-your-stack.md).
    #[arg(long, env = "TALKATIVE_TLS_BIND")]
    pub tls_bind: Option<SocketAddr>,
    /// Where --tls-bind keeps its certificate authority (default: `<database file>-tls/`).
    #[arg(long, env = "TALKATIVE_TLS_DIR")]
    pub tls_dir: Option<PathBuf>,
    /// How long a webhook delivery or fulfilment call may take, connecting included, before it
    /// is logged as `receiver_timeout` (e.g. 10s, 500ms).
    #[arg(long, env = "TALKATIVE_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub webhook_timeout: std::time::Duration,
    /// The wait after a delivery's first failed attempt; each next wait doubles (up to an hour).
    #[arg(long, env = "TALKATIVE_WEBHOOK_RETRY_DELAY", default_value = "1s", value_parser = humantime::parse_duration)]
    pub webhook_retry_delay: std::time::Duration,
    /// Attempts per delivery (and per redelivery) before it is marked failed.
    #[arg(long, env = "TALKATIVE_WEBHOOK_MAX_ATTEMPTS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub webhook_max_attempts: u32,
    /// Once listening, print the URL on stdout (and the https one on a second line with
    /// --tls-bind), so a program that started the emulator on port 0 learns its port.
    #[arg(long)]
    pub print_url: bool,
    /// Stop (gracefully) when stdin reaches its end: a parent that dies, however it dies,
    /// closes the pipe, so the emulator it started does not outlive it.
    #[arg(long)]
    pub stop_when_stdin_closes: bool,
}

/// The log formats as clap lists them, so `--help`, errors and shell completion offer them.
/// (Written here, not derived in `configuration`, which knows nothing of the command line.)
impl clap::ValueEnum for LogFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[LogFormat::Human, LogFormat::Json]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            LogFormat::Human => "human",
            LogFormat::Json => "json",
        }))
    }
}

impl ServeArgs {
    /// Settings from the command line, reading and validating the config file if one is named.
    pub fn into_settings(self) -> anyhow::Result<Settings> {
        let config_file = match &self.config {
            Some(path) => ConfigFile::load(path)?,
            None => ConfigFile::default(),
        };
        let admin = match (&self.admin_password, &self.admin_password_hash) {
            (Some(password), _) => Some(AdminCredential::from_password(password)?),
            (None, Some(phc)) => Some(AdminCredential::from_phc(phc)?),
            (None, None) => None,
        };
        let unsigned_field_match = match self.unsigned_field_match.as_deref() {
            Some(member) => member.parse().map_err(anyhow::Error::msg)?,
            None => config_file.unsigned_field_match.unwrap_or_default(),
        };
        let tls = match self.tls_bind {
            Some(bind) => Some(TlsSettings {
                bind,
                dir: match self.tls_dir {
                    Some(dir) => dir,
                    None => crate::tls::default_dir(&self.database_url)?,
                },
            }),
            None => None,
        };
        let mut allowed_hosts = self.allowed_hosts;
        if tls.is_some() {
            // What the TLS listener is for: the browser names Talkative's hosts.
            allowed_hosts.push(
                format!(".{}", crate::tls::TALKATIVE_DOMAIN)
                    .parse()
                    .map_err(anyhow::Error::msg)?,
            );
        }
        Ok(Settings {
            unsigned_field_match,
            strict_widget_configs: self.strict_widget_configs,
            core_api_rate_limit: self.core_api_rate_limit,
            core_api_list_envelope: self.core_api_list_envelope,
            bind: self.bind,
            database_url: self.database_url,
            interaction_retention: self.interaction_retention,
            interaction_retention_bytes: self.interaction_retention_bytes,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            report_only: self.report_only || config_file.report_only.unwrap_or(false),
            config_file,
            admin,
            verify_rate_limit: self.verify_rate_limit,
            rate_limit_loopback: self.rate_limit_loopback,
            allowed_hosts,
            trusted_proxies: self.trusted_proxies,
            max_followers: crate::configuration::DEFAULT_MAX_FOLLOWERS,
            max_followers_per_client: crate::configuration::DEFAULT_MAX_FOLLOWERS_PER_CLIENT,
            tls,
            webhooks: crate::configuration::WebhookSettings {
                timeout: self.webhook_timeout,
                first_retry: self.webhook_retry_delay,
                max_attempts: self.webhook_max_attempts,
            },
        })
    }
}
