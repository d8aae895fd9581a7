//! Builds the application: database, in-memory policy cache, recorder, HTTP server. Binding
//! happens in `build` so callers (tests) can ask for port 0 and read the real port back.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tokio::task::JoinHandle;

use crate::app::Core;
use crate::app::outbound::Outbound;
use crate::app::outbox::{self, Outbox, RetryPolicy};
use crate::app::policy_cache::PolicyCache;
use crate::app::recorder::{Accounts, Recorder};
use crate::app::{interaction_log, management};
use crate::auth::AdminAccess;
use crate::auth::rate_limit::RateLimiter;
use crate::configuration::LogFormat;
use crate::configuration::Settings;
use crate::routes;
use crate::routes::kit::csrf::PortalSecret;
use crate::routes::kit::state::WebState;
use crate::storage;
use crate::storage::acknowledged::Answered;
use crate::tls::LocalCa;

/// Password attempts per client: ten at once, then one every six seconds.
const PASSWORD_ATTEMPTS_BURST: u32 = 10;
const PASSWORD_ATTEMPTS_PER_SECOND: f64 = 1.0 / 6.0;

/// Who stops the server on SIGINT/SIGTERM: the server itself (`serve`), or its caller (`exec`,
/// which passes the signal to its command first and stops the server when the command is done).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signals {
    StopTheServer,
    LeftToCaller,
}

pub struct Application {
    address: SocketAddr,
    tls_address: Option<SocketAddr>,
    tls_spki: Option<String>,
    server: Server,
    /// Its pool and the lock on the file, released when the server has stopped.
    database: storage::Database,
    recorder: Recorder,
    recorder_task: JoinHandle<()>,
    /// The webhook outbox's sender; stopped with the server (what it had not sent stays due).
    outbox_task: JoinHandle<()>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, Signals::StopTheServer).await
    }

    pub async fn build_with(settings: Settings, signals: Signals) -> anyhow::Result<Self> {
        settings.check_exposure()?;
        let mut database =
            storage::open_exclusive(&settings.database_url, settings.write_ahead_log_bytes())
                .await?;
        let pool = database.pool.clone();
        let cache = PolicyCache::load(&pool).await?;
        let accounts = Accounts {
            answered: database.answered.take().unwrap_or_else(Answered::in_memory),
            lost_at_start: database.lost_at_start,
            lost_in_crashes: database.lost_in_crashes,
        };
        let (recorder, recorder_task) =
            Recorder::spawn(pool.clone(), settings.retention(), accounts);
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let address = listener.local_addr().context("reading the bound address")?;
        let tls = match &settings.tls {
            Some(tls) => {
                let ca = LocalCa::open_or_create(&tls.dir)?;
                let config = ca.server_config()?;
                let listener = TcpListener::bind(tls.bind)
                    .with_context(|| format!("binding {} (--tls-bind)", tls.bind))?;
                let spki = ca.server_spki_pin();
                tracing::info!(
                    folder = %ca.dir().display(),
                    spki = %spki,
                    "TLS certificate authority ready"
                );
                Some((listener, config, spki))
            }
            None => None,
        };
        let (tls_address, tls_spki) = match &tls {
            Some((listener, _, spki)) => (
                Some(listener.local_addr().context("reading the bound address")?),
                Some(spki.clone()),
            ),
            None => (None, None),
        };
        let outbox = std::sync::Arc::new(Outbox::new(
            Outbound::new(settings.webhooks.timeout)?,
            RetryPolicy {
                first_retry: settings.webhooks.first_retry,
                max_attempts: settings.webhooks.max_attempts,
            },
        ));
        // Sends what a crash left in the outbox too: it starts from what is due.
        let outbox_task = tokio::spawn(outbox::run(pool.clone(), outbox.clone()));
        let core = Core {
            outbox,
            pool: pool.clone(),
            cache,
            recorder: recorder.clone(),
            followers: interaction_log::Followers::new(
                settings.max_followers,
                settings.max_followers_per_client,
            ),
            metrics: Default::default(),
            refusal_log: Default::default(),
            removals: Default::default(),
            settings,
        };
        // Installs the config file's keys, fields and widget configs, and the built-in default
        // widget config when it is not stored yet (so it runs without a config file too).
        let seeded = management::apply_config_file(&core, false)
            .await
            .map_err(|e| {
                anyhow::anyhow!("installing the config file and the default widget config: {e}")
            })?;
        if !core.settings.config_file.is_empty() {
            tracing::info!(
                signing_keys = seeded.signing_keys,
                unsigned_fields = seeded.unsigned_fields,
                widget_configs = seeded.widget_configs,
                "config file applied"
            );
        }
        let settings = &core.settings;
        let state = web::Data::new(WebState {
            access: settings.admin.clone().map(AdminAccess::new),
            verify_limiter: (settings.verify_rate_limit > 0).then(|| {
                RateLimiter::new(
                    f64::from(settings.verify_rate_limit),
                    settings.verify_rate_limit.saturating_mul(2),
                )
            }),
            password_attempts: RateLimiter::new(
                PASSWORD_ATTEMPTS_PER_SECOND,
                PASSWORD_ATTEMPTS_BURST,
            ),
            api_key_guesses: RateLimiter::new(
                PASSWORD_ATTEMPTS_PER_SECOND,
                PASSWORD_ATTEMPTS_BURST,
            ),
            core_api_limiter: (settings.core_api_rate_limit > 0).then(|| {
                RateLimiter::new(
                    f64::from(settings.core_api_rate_limit),
                    settings.core_api_rate_limit.saturating_mul(2),
                )
            }),
            portal_secret: PortalSecret::generate(),
            api_document: routes::table::api_document(),
            core,
        });
        let mut server = HttpServer::new(move || {
            // Every route is a row of the table, mounted inside its family's guard.
            let app = App::new()
                .app_data(state.clone())
                .wrap(routes::kit::security_headers::every_response())
                .configure(routes::table::configure);
            actix_service::apply_fn_factory(app, routes::kit::catch_panic::answer_panics_with_500)
        })
        // A client that closes its connection ends its request: without this, a long-poll whose
        // client went away kept its place among the bounded followers for its whole wait.
        .h1_allow_half_closed(false)
        .shutdown_timeout(10)
        .listen(listener)
        .context("starting the HTTP listener")?;
        if let Some((listener, config, _)) = tls {
            server = server
                .listen_rustls_0_23(listener, config)
                .context("starting the HTTPS listener")?;
        }
        if signals == Signals::LeftToCaller {
            server = server.disable_signals();
        }
        let server = server.run();
        Ok(Self {
            address,
            tls_address,
            tls_spki,
            server,
            database,
            recorder,
            recorder_task,
            outbox_task,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The HTTPS listener's address, with `--tls-bind`.
    pub fn tls_address(&self) -> Option<SocketAddr> {
        self.tls_address
    }

    /// `http://127.0.0.1:PORT`, as a client on this machine reaches it (an unspecified bind
    /// address such as 0.0.0.0 is reached through loopback).
    pub fn url(&self) -> String {
        format!("http://{}", reachable(self.address))
    }

    /// `https://127.0.0.1:PORT` for the HTTPS listener, with `--tls-bind`.
    pub fn tls_url(&self) -> Option<String> {
        self.tls_address
            .map(|address| format!("https://{}", reachable(address)))
    }

    /// The HTTPS server key's pin for Chromium's `--ignore-certificate-errors-spki-list`.
    pub fn tls_spki(&self) -> Option<&str> {
        self.tls_spki.as_deref()
    }

    /// Stops the server from elsewhere (`--stop-when-stdin-closes`, `exec`): in-flight requests
    /// finish, then `run_until_stopped` flushes the log and returns.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests and flushes the
    /// interaction log before returning.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await.context("HTTP server")?;
        self.outbox_task.abort();
        self.recorder.close().await;
        if tokio::time::timeout(Duration::from_secs(10), self.recorder_task)
            .await
            .is_err()
        {
            tracing::warn!("interaction recorder did not stop within 10 s");
        }
        // Closing checkpoints the WAL, so the database file is complete on its own.
        self.database.pool.close().await;
        tracing::info!("stopped; interaction log flushed");
        Ok(())
    }
}

fn reachable(address: SocketAddr) -> SocketAddr {
    let ip = match address.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    SocketAddr::new(ip, address.port())
}

/// Caps glibc's malloc at two arenas (its default is eight per core) unless `MALLOC_ARENA_MAX`
/// says otherwise. The server's threads (actix workers, tokio's, one per SQLite connection) each
/// got an arena of their own, and memory freed in one is not reused by another: under
/// `benches/load.sh` peak RSS was 61–68 MiB over the 64 MiB target, with the same live heap
/// (heaptrack: 38–41 MiB), and 57–61 MiB with two arenas at the same CPU per request. Call it
/// first, before any thread starts.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only tunes the allocator, and no other thread exists yet to race it.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// Logging on stderr, level from `RUST_LOG` (default `info`): readable lines, coloured only
/// when stderr is a terminal (colour codes in a CI log file are noise), or one JSON object per
/// line.
pub fn init_telemetry(format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (several apps in one test binary) is harmless; ignore it.
    let _ = match format {
        LogFormat::Human => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
}
