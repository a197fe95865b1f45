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

use crate::audit::{Audit, Entry, Event};
use crate::auth::rate::Bucket;
use crate::auth::{DocTownships, Gate, Refusal, tokens};
use crate::change_feed::ChangeFeed;
use crate::db::{self, Db};
use crate::limits::Limits;
use crate::shutdown::Shutdown;
use crate::{access_api, api, doc_sync, health, peers, projection, report_api, watch, web};

/// What `serve` needs to know.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where `qunjian.db` lives.
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The county's thresholds and targets.
    pub rules: Rules,
    /// Message size, connections and request rates per token, idle timeout.
    pub limits: Limits,
    /// How long [`RunningServer::stop`] waits, in all, for the document
    /// store to stop and queued writes to become durable
    /// ([`FLUSH_TIMEOUT`] unless a test needs it short).
    pub stop_timeout: Duration,
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
    /// Devices that synced a document, as sessions see them.
    pub seen: peers::Seen,
    /// Valid tokens, their sessions and request budgets.
    pub gate: Gate,
    /// Which township each document is.
    pub doc_townships: DocTownships,
    /// The audit table's writer.
    pub audit: Audit,
    /// Refusals of requests without a valid token are audited at this
    /// rate at most, so a flood of bad requests cannot fill the disk.
    anonymous_refusals: Arc<std::sync::Mutex<Bucket>>,
}

impl AppState {
    /// Audit a refusal of a request that had no valid token (rate-limited).
    pub fn refused_anonymously(&self, refusal: &Refusal, path: &str) {
        tracing::debug!(path, "refused: {refusal}");
        let now = std::time::Instant::now();
        let allowed = self
            .anonymous_refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take(now, ANONYMOUS_REFUSALS_PER_SECOND, 20)
            .is_ok();
        if allowed {
            self.audit
                .record(Entry::new(Event::Refused).detail(format!("{path}: {}", refusal.kind())));
        }
    }
}

/// Audit rows per second for refusals without a valid token.
const ANONYMOUS_REFUSALS_PER_SECOND: f64 = 5.0;

/// A server that is running; [`RunningServer::stop`] stops it in order.
pub struct RunningServer {
    /// The address actually bound.
    pub addr: SocketAddr,
    /// The county-admin token created because the data directory had no
    /// tokens (also written to `<data-dir>/admin-token`); `None` otherwise.
    pub first_admin_token: Option<String>,
    shutdown: Shutdown,
    http: JoinHandle<()>,
    watcher: JoinHandle<()>,
    projector: JoinHandle<()>,
    peers: JoinHandle<()>,
    reloader: JoinHandle<()>,
    audit_writer: JoinHandle<()>,
    state: AppState,
    stop_timeout: Duration,
}

/// [`RunningServer::stop`] ran out of time: these writes were accepted
/// but are not durable, and are lost with the process.
#[derive(Debug, thiserror::Error)]
#[error(
    "停止时仍有 {pending} 项写入未能保存 (stopped with {pending} write(s) not durable after {timeout:?}; storage is failing)"
)]
pub struct NotDurable {
    /// `storage.health().pending_writes` when the time ran out.
    pub pending: usize,
    /// The time allowed.
    pub timeout: Duration,
}

/// How long the last audit rows get to be written at shutdown.
const AUDIT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long stopping samod and making queued writes durable get, in all,
/// at shutdown (the default of `serve --stop-timeout`).
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// Open the data directory, start syncing and serving HTTP.
pub async fn start(config: ServeConfig) -> anyhow::Result<RunningServer> {
    use anyhow::Context;

    let first_admin_token = {
        let conn = db::open(&config.data_dir)?;
        tokens::ensure_first_admin(&conn, &config.data_dir)?
    };
    let db = Db::open(&config.data_dir)?;
    let gate = Gate::new(db.clone(), config.limits.clone());
    gate.reload().await?;
    let doc_townships = DocTownships::new(db.clone());
    let (audit, audit_writer) = Audit::start(db.clone());
    let storage = SqliteStorage::open(db::db_path(&config.data_dir))?;
    let (feed, changed) = ChangeFeed::new(storage.clone());
    // Each device gets exactly its token's access to each document, and
    // nothing is announced: samod's default offers every document to every
    // peer, so each township's tablet would be sent the whole county.
    let repo = Repo::build_tokio()
        .with_storage(feed)
        .with_share_policy(crate::auth::policy::share_policy(
            gate.clone(),
            doc_townships.clone(),
        ))
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
        seen: peers::Seen::default(),
        gate: gate.clone(),
        doc_townships,
        audit,
        anonymous_refusals: Arc::new(std::sync::Mutex::new(Bucket::new(
            20,
            std::time::Instant::now(),
        ))),
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
        .route("/api/me", get(access_api::me))
        .route("/api/audit", get(access_api::audit))
        .route(
            "/api/tokens",
            get(access_api::list_tokens).post(access_api::create_token),
        )
        .route(
            "/api/tokens/{id}",
            axum::routing::delete(access_api::revoke_token),
        )
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
        state.seen.clone(),
        shutdown.subscribe(),
    ));
    let reloader = tokio::spawn(gate.run_reloader(shutdown.subscribe()));
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
        first_admin_token,
        shutdown,
        http,
        watcher,
        projector,
        peers,
        reloader,
        audit_writer,
        state,
        stop_timeout: config.stop_timeout,
    })
}

impl RunningServer {
    /// The WebSocket URL devices dial.
    pub fn sync_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    /// Stop in the order that loses nothing: refuse new HTTP requests, close
    /// the sync connections, stop samod (which waits for its storage tasks),
    /// then wait until every queued write is durable. Stopping samod and the
    /// flush get `stop_timeout` in all: while storage fails neither ends,
    /// and then the writes still pending are logged and returned as lost.
    pub async fn stop(self) -> Result<(), NotDurable> {
        let deadline = tokio::time::Instant::now() + self.stop_timeout;
        self.shutdown.trigger();
        // Open WebSockets would keep graceful shutdown waiting forever.
        self.state.gate.close_all();
        self.state.acceptor.close();
        if let Err(e) = self.http.await {
            tracing::error!("HTTP task ended badly: {e}");
        }
        let _ = self.watcher.await;
        let _ = self.projector.await;
        let _ = self.peers.await;
        let _ = self.reloader.await;
        let storage = self.state.storage.clone();
        if tokio::time::timeout_at(deadline, self.state.repo.stop())
            .await
            .is_err()
        {
            tracing::error!(
                pending = storage.health().pending_writes,
                "documents did not finish saving within {:?}",
                self.stop_timeout
            );
        }
        // The audit writer ends once every sender is gone (sessions finish
        // their last rows as samod closes them) and what was queued is written.
        drop(self.state);
        let audit_deadline = deadline.min(tokio::time::Instant::now() + AUDIT_TIMEOUT);
        if tokio::time::timeout_at(audit_deadline, self.audit_writer)
            .await
            .is_err()
        {
            tracing::warn!("audit rows still queued at the stop deadline; they are lost");
        }
        if tokio::time::timeout_at(deadline, storage.flush())
            .await
            .is_err()
        {
            let pending = storage.health().pending_writes;
            tracing::error!(
                pending,
                "storage did not finish writing within {:?}; these writes are lost",
                self.stop_timeout
            );
            return Err(NotDurable {
                pending,
                timeout: self.stop_timeout,
            });
        }
        tracing::info!("county server stopped");
        Ok(())
    }

    /// Wait for SIGINT/SIGTERM, then stop.
    pub async fn run_until_signal(self) -> Result<(), NotDurable> {
        crate::shutdown::signal().await;
        self.stop().await
    }
}
