//! Builds the application: database, in-memory policy cache, recorder, HTTP server. Binding
//! happens in `build` so callers (tests) can ask for port 0 and read the real port back.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use sqlx::SqlitePool;
use tokio::task::JoinHandle;

use crate::configuration::Settings;
use crate::policy_cache::PolicyCache;
use crate::recorder::Recorder;
use crate::routes;
use crate::storage;

/// Everything a request handler may need.
pub struct AppState {
    pub pool: SqlitePool,
    pub cache: PolicyCache,
    pub recorder: Recorder,
    pub settings: Settings,
}

pub struct Application {
    address: SocketAddr,
    server: Server,
    pool: SqlitePool,
    recorder: Recorder,
    recorder_task: JoinHandle<()>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = storage::connect(&settings.database_url).await?;
        let cache = PolicyCache::load(&pool).await?;
        let (recorder, recorder_task) =
            Recorder::spawn(pool.clone(), settings.interaction_retention);
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let address = listener.local_addr().context("reading the bound address")?;
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            cache,
            recorder: recorder.clone(),
            settings,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/health", web::get().to(routes::health::health))
                .configure(routes::api::configure)
        })
        .listen(listener)
        .context("starting the HTTP listener")?
        .shutdown_timeout(10)
        .run();
        Ok(Self {
            address,
            server,
            pool,
            recorder,
            recorder_task,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests and flushes the
    /// interaction log before returning.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await.context("HTTP server")?;
        self.recorder.flush().await;
        drop(self.recorder);
        if tokio::time::timeout(Duration::from_secs(10), self.recorder_task)
            .await
            .is_err()
        {
            tracing::warn!("interaction recorder did not stop within 10 s");
        }
        // Closing checkpoints the WAL, so the database file is complete on its own.
        self.pool.close().await;
        tracing::info!("stopped; interaction log flushed");
        Ok(())
    }
}
