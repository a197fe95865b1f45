//! `serve`: one samod repo on SQLite, an HTTP server around it, and an
//! orderly stop. Tests start it through [`start`] exactly as the binary does.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use qunjian_shared::SqliteStorage;
use qunjian_shared::rules::Rules;
use samod::{AcceptorHandle, Repo};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::change_feed::ChangeFeed;
use crate::db::{self, Db};
use crate::shutdown::Shutdown;
use crate::{api, doc_sync, health, peers, projection, report_api, watch, web};

/// What `serve` needs to know.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where `qunjian.db` lives.
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The county's thresholds and targets.
    pub rules: Rules,
}

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The samod repo holding every township document.
    pub repo: Repo,
    /// Its storage, for health.
    pub storage: SqliteStorage,
    /// Where WebSocket connections are handed to samod.
    pub acceptor: AcceptorHandle,
    /// The server's tables.
    pub db: Db,
    /// The county's thresholds and targets.
    pub rules: Arc<Rules>,
    /// Devices connected now, per document.
    pub live: peers::Live,
}

/// A server that is running; [`RunningServer::stop`] stops it in order.
pub struct RunningServer {
    /// The address actually bound.
    pub addr: SocketAddr,
    shutdown: Shutdown,
    http: JoinHandle<()>,
    watcher: JoinHandle<()>,
    projector: JoinHandle<()>,
    peers: JoinHandle<()>,
    state: AppState,
}

/// How long queued writes get to become durable at shutdown.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// Open the data directory, start syncing and serving HTTP.
pub async fn start(config: ServeConfig) -> anyhow::Result<RunningServer> {
    use anyhow::Context;

    let db = Db::open(&config.data_dir)?;
    let storage = SqliteStorage::open(db::db_path(&config.data_dir))?;
    let (feed, changed) = ChangeFeed::new(storage.clone());
    // Sync a document only with devices that ask for it (announce: false).
    // samod's default announces every document to every peer, so each
    // township's tablet would be sent the whole county (and every change
    // to it): with 200 devices over 20 townships, 20x the sync work.
    let repo = Repo::build_tokio()
        .with_storage(feed)
        .with_share_policy(samod::ShareConfig::read_write().with_announce(false))
        .load()
        .await;
    let sync_url = format!("ws://{}/sync", config.listen);
    let acceptor = repo
        .make_acceptor(
            sync_url
                .parse()
                .context("listen address is not a valid URL host")?,
        )
        .map_err(|_| anyhow::anyhow!("the document store stopped while starting"))?;

    let state = AppState {
        repo: repo.clone(),
        storage,
        acceptor,
        db: db.clone(),
        rules: Arc::new(config.rules.clone()),
        live: peers::Live::default(),
    };
    let app = Router::new()
        .route("/", get(web::index))
        .route("/sync", get(doc_sync::sync))
        .route("/healthz", get(health::healthz))
        .route("/api/townships", get(api::list_townships))
        .route("/api/townships/{code}", get(api::get_township))
        .route("/api/townships/{code}/document", get(api::get_document))
        .route("/api/reports", get(report_api::list))
        .route("/api/reports/{name}", get(report_api::report))
        .route("/api/export/{file}", get(report_api::export))
        .with_state(state.clone());

    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let shutdown = Shutdown::new();

    let (to_projector, projector_rx) = tokio::sync::mpsc::unbounded_channel();
    let watcher = tokio::spawn(watch::run(
        db.clone(),
        changed,
        to_projector,
        shutdown.subscribe(),
    ));
    let peers = tokio::spawn(peers::run(
        repo.clone(),
        db.clone(),
        state.live.clone(),
        shutdown.subscribe(),
    ));
    let projector = tokio::spawn(projection::worker::run(
        repo.clone(),
        db,
        projector_rx,
        shutdown.subscribe(),
    ));
    let stop = shutdown.clone();
    let http = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.fired().await })
            .await;
        if let Err(e) = served {
            tracing::error!("HTTP server failed: {e}");
        }
    });
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "county server listening");
    Ok(RunningServer {
        addr,
        shutdown,
        http,
        watcher,
        projector,
        peers,
        state,
    })
}

impl RunningServer {
    /// The WebSocket URL devices dial.
    pub fn sync_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    /// Stop in the order that loses nothing: refuse new HTTP requests, close
    /// the sync connections, stop samod (which waits for its storage tasks),
    /// then wait until every queued write is durable.
    pub async fn stop(self) {
        self.shutdown.trigger();
        // Open WebSockets would keep graceful shutdown waiting forever.
        self.state.acceptor.close();
        if let Err(e) = self.http.await {
            tracing::error!("HTTP task ended badly: {e}");
        }
        let _ = self.watcher.await;
        let _ = self.projector.await;
        let _ = self.peers.await;
        self.state.repo.stop().await;
        if tokio::time::timeout(FLUSH_TIMEOUT, self.state.storage.flush())
            .await
            .is_err()
        {
            let pending = self.state.storage.health().pending_writes;
            tracing::error!(
                pending,
                "storage did not finish writing within {FLUSH_TIMEOUT:?}; these writes are lost"
            );
        }
        tracing::info!("county server stopped");
    }

    /// Wait for SIGINT/SIGTERM, then stop.
    pub async fn run_until_signal(self) {
        crate::shutdown::signal().await;
        self.stop().await;
    }
}
