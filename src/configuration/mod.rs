//! Typed settings. Defaults live here; flags and environment variables override them. Tests build
//! a [`Settings`] value directly instead of touching the environment.

pub mod config_file;

use std::net::SocketAddr;

use crate::auth::AdminCredential;
use crate::domain::ItemMember;
use config_file::ConfigFile;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://talkative-emulator.db";
pub const DEFAULT_INTERACTION_RETENTION: u32 = 10_000;
/// The interaction log's disk budget. A row can hold ~500 KB (request and verdict echo), so a
/// row count alone let 10,000 of them take 5 GB.
pub const DEFAULT_INTERACTION_RETENTION_BYTES: &str = "256MiB";
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;
/// Verifications per second per client address, with bursts of twice that.
/// Each follower holds a connection and wakes on every recorded interaction.
pub const DEFAULT_MAX_FOLLOWERS: usize = 64;
/// Of those, the most one client address may hold: one script or page cannot take them all.
pub const DEFAULT_MAX_FOLLOWERS_PER_CLIENT: usize = DEFAULT_MAX_FOLLOWERS / 2;
pub const DEFAULT_VERIFY_RATE_LIMIT: u32 = 100;
/// Core API requests per second per API key, with bursts of twice that. Talkative does not
/// publish its limit; this is generous for a test suite and stops a runaway loop.
pub const DEFAULT_CORE_API_RATE_LIMIT: u32 = 50;

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    pub database_url: String,
    pub interaction_retention: u32,
    pub interaction_retention_bytes: ByteSize,
    pub max_body_bytes: usize,
    pub report_only: bool,
    /// Keys and fields installed at start and on `POST /api/v1/reset`.
    pub config_file: ConfigFile,
    /// When set, the portal and management API require this password.
    pub admin: Option<AdminCredential>,
    /// Verifications per second per client; 0 is no limit.
    pub verify_rate_limit: u32,
    pub rate_limit_loopback: bool,
    /// Names the server answers to besides loopback names and IP literals.
    pub allowed_hosts: Vec<AllowedHost>,
    /// Peers whose `Forwarded`/`X-Forwarded-*` headers are believed (`--trusted-proxy`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Most clients that may follow the interaction log live at once (streams and waits).
    pub max_followers: usize,
    /// Of those, the most one client address may hold.
    pub max_followers_per_client: usize,
    /// What the Unsigned fields page is matched against (`--unsigned-field-match`).
    pub unsigned_field_match: ItemMember,
    /// Whether a page naming an unknown widget config is refused (`--strict-widget-configs`)
    /// rather than given the default config.
    pub strict_widget_configs: bool,
    /// Core API requests per second per API key; 0 is no limit.
    pub core_api_rate_limit: u32,
    /// Wrap `GET /api/core/v1/interactions` in `{"headers": [], "original": …}`, as the
    /// example in Talkative's "Retrieving All Interactions" article shows
    /// (`--core-api-list-envelope`; docs/talkative-compat.md).
    pub core_api_list_envelope: bool,
    /// The HTTPS listener for Talkative's own host names (`--tls-bind`), when asked for.
    pub tls: Option<TlsSettings>,
    /// How webhook deliveries and fulfilment calls are made.
    pub webhooks: WebhookSettings,
}

/// Talkative documents no timeout or retries for its webhooks; these are the emulator's
/// (docs/talkative-compat.md), each a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Every outbound request's limit, connecting included (`--webhook-timeout`).
    pub timeout: std::time::Duration,
    /// The wait after a delivery's first failed attempt; each next one doubles
    /// (`--webhook-retry-delay`).
    pub first_retry: std::time::Duration,
    /// Attempts before a delivery is marked failed (`--webhook-max-attempts`).
    pub max_attempts: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout: std::time::Duration::from_secs(10),
            first_retry: std::time::Duration::from_secs(1),
            max_attempts: 8,
        }
    }
}

/// `--tls-bind` and where its certificate authority is kept (`--tls-dir`, by default beside the
/// database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub bind: SocketAddr,
    pub dir: std::path::PathBuf,
}

impl Settings {
    /// Refuses to expose the management surface beyond this machine without a password.
    /// `Application::build` calls it before touching the database.
    pub fn check_exposure(&self) -> anyhow::Result<()> {
        let addresses = std::iter::once(self.bind).chain(self.tls.as_ref().map(|tls| tls.bind));
        for address in addresses {
            if self.admin.is_none() && !address.ip().is_loopback() {
                anyhow::bail!(
                    "refusing to listen on {address} without an admin password: anyone who can \
                     reach it could change your signing keys. Set TALKATIVE_ADMIN_PASSWORD (or \
                     TALKATIVE_ADMIN_PASSWORD_HASH from `talkative-emulator hash-password`), or \
                     bind to 127.0.0.1."
                );
            }
        }
        Ok(())
    }
}

impl Settings {
    /// What the log keeps: rows, and bytes as `storage/retention.rs` counts them (the pages
    /// each row takes). The disk budget less what the write-ahead log can hold at its fullest
    /// (its allowance, and the largest write on top: a batch of at most an eighth of the budget,
    /// or one whole interaction, a quarter more for the pages pruning touches), and an eighth of
    /// the rest for the free pages pruning leaves. At the smallest budget the write-ahead log's
    /// share is largest; `tests/api/bounded.rs` and `tests/api/budget.rs` flood each of several
    /// budgets through every route a page can reach and check the files stay within it.
    pub fn retention(&self) -> crate::storage::retention::Retention {
        let budget = self.interaction_retention_bytes.bytes();
        let largest_write =
            (budget / 8).clamp(crate::domain::engagement::Limits::BYTES, 16 * 1024 * 1024);
        let write_ahead_log = self.write_ahead_log_bytes() + largest_write / 4 * 5;
        crate::storage::retention::Retention {
            rows: self.interaction_retention,
            bytes: budget.saturating_sub(write_ahead_log) / 8 * 7,
        }
    }

    /// How large SQLite's write-ahead log may grow before it is written back and cut: a
    /// sixteenth of the disk budget (within 256 KiB and SQLite's default of 4 MiB), so that at
    /// the smallest budget the log's own journal does not take the room the budget leaves.
    pub fn write_ahead_log_bytes(&self) -> u64 {
        (self.interaction_retention_bytes.bytes() / 16).clamp(256 * 1024, 4 * 1024 * 1024)
    }

    /// Settings for a throwaway instance: a random loopback port and the given database.
    pub fn ephemeral(database_url: impl Into<String>) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            interaction_retention: DEFAULT_INTERACTION_RETENTION,
            interaction_retention_bytes: DEFAULT_INTERACTION_RETENTION_BYTES
                .parse()
                .expect("the default parses"),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            report_only: false,
            config_file: ConfigFile::default(),
            admin: None,
            verify_rate_limit: DEFAULT_VERIFY_RATE_LIMIT,
            rate_limit_loopback: false,
            allowed_hosts: Vec::new(),
            trusted_proxies: Vec::new(),
            max_followers: DEFAULT_MAX_FOLLOWERS,
            max_followers_per_client: DEFAULT_MAX_FOLLOWERS_PER_CLIENT,
            unsigned_field_match: ItemMember::default(),
            strict_widget_configs: false,
            core_api_rate_limit: DEFAULT_CORE_API_RATE_LIMIT,
            core_api_list_envelope: false,
            tls: None,
            webhooks: WebhookSettings::default(),
        }
    }
}

/// How the server writes its log lines on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One readable line per event; colours only when stderr is a terminal.
    #[default]
    Human,
    /// One JSON object per line (timestamp, level, fields with the message, target), for CI
    /// log collectors.
    Json,
}

/// A host name the operator lets the server answer to (`--allowed-host`): `name` for exactly
/// that name, `.name` for it and every subdomain. Lower-case, without a trailing dot. Only
/// names: IP addresses are always allowed, and a port or scheme is a mistake worth saying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    name: String,
    subdomains: bool,
}

impl AllowedHost {
    /// Whether `host` (lower-case, no port, no trailing dot) is this name or, for `.name`, one
    /// of its subdomains.
    pub fn matches(&self, host: &str) -> bool {
        host == self.name
            || (self.subdomains
                && host
                    .strip_suffix(self.name.as_str())
                    .is_some_and(|prefix| prefix.ends_with('.')))
    }
}

impl std::str::FromStr for AllowedHost {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let (subdomains, name) = match raw.strip_prefix('.') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        if name.parse::<std::net::IpAddr>().is_ok() {
            return Err(format!(
                "{raw:?} is an IP address; IP addresses are always allowed, list only host names"
            ));
        }
        let valid_label = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if name.is_empty() || name.len() > 253 || !name.split('.').all(valid_label) {
            return Err(format!(
                "{raw:?} is not a host name: give the name alone, without scheme, port or path \
                 (e.g. emulator.internal, or .example.com for every subdomain)"
            ));
        }
        Ok(Self { name, subdomains })
    }
}

/// A size in bytes, written as a number with an optional unit: `1048576`, `512KiB`, `256MiB`,
/// `1GiB` (or KB, MB, GB in powers of 1000). At least [`ByteSize::MIN`]: the budget must hold
/// a couple of the largest interactions (one takes up to 2 MiB: `domain::engagement::Limits`)
/// beside the write-ahead log's largest write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(u64);

impl ByteSize {
    pub const MIN: u64 = 8 * 1024 * 1024;

    pub fn bytes(self) -> u64 {
        self.0
    }
}

impl std::str::FromStr for ByteSize {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kib" => 1 << 10,
            "mib" => 1 << 20,
            "gib" => 1 << 30,
            "kb" => 1_000,
            "mb" => 1_000_000,
            "gb" => 1_000_000_000,
            _ => {
                return Err(format!(
                    "{raw:?}: unknown unit; write a number of bytes or use KiB, MiB, GiB (KB, MB, GB)"
                ));
            }
        };
        let bytes = number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(multiplier))
            .ok_or_else(|| format!("{raw:?} is not a size such as 256MiB"))?;
        if bytes < Self::MIN {
            return Err(format!(
                "{raw:?} is below the minimum of 8MiB: the budget must hold a couple of the \
                 largest interactions (up to 2 MiB each) beside the database's write-ahead log"
            ));
        }
        Ok(Self(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::ByteSize;

    #[test]
    fn sizes_read_with_or_without_units() {
        for (text, bytes) in [
            ("8388608", 8 << 20),
            ("256MiB", 256 << 20),
            ("256 mib", 256 << 20),
            ("1GiB", 1 << 30),
            ("9MB", 9_000_000),
            ("8192KiB", 8 << 20),
        ] {
            assert_eq!(
                text.parse::<ByteSize>().map(ByteSize::bytes),
                Ok(bytes),
                "{text}"
            );
        }
        for bad in [
            "",
            "MiB",
            "1.5GiB",
            "-1MiB",
            "10 parsecs",
            "1MiB",
            "4MiB",
            "99999999999999999999GiB",
        ] {
            assert!(bad.parse::<ByteSize>().is_err(), "{bad}");
        }
    }
}
