//! `serve`: one samod repo on SQLite, the HTTP server of `http` around it,
//! the background tasks, and an orderly stop. Tests start it through
//! [`start`] exactly as the binary does.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use qunjian_shared::rules::Rules;
use qunjian_shared::{SqliteStorage, StorageOptions};
use samod::Repo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::audit::Audit;
use crate::auth::{DocTownships, Gate, tokens};
use crate::change_feed::ChangeFeed;
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::state::AppState;
use crate::{data_dir, db};
use crate::{http, peers, projection, schema, watch};

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
    /// The web origins whose pages may call the API (`--allow-origin`).
    pub allow_origins: http::AllowedOrigins,
    /// Scheduled backups (`--backup-dir`), if any.
    pub backups: Option<crate::backup::Schedule>,
    /// A second address answering `GET /metrics` without a token
    /// (`--metrics-listen`); none by default.
    pub metrics_listen: Option<SocketAddr>,
}

/// A server that is running; [`RunningServer::stop`] stops it in order.
pub struct RunningServer {
    /// The address actually bound.
    pub addr: SocketAddr,
    /// The county-admin token created because the data directory had no
    /// tokens (written to `<data-dir>/admin-token`); `None` otherwise.
    /// For in-process tests: never log or print it.
    pub first_admin_token: Option<String>,
    /// The address `--metrics-listen` bound, if given.
    pub metrics_addr: Option<SocketAddr>,
    shutdown: Shutdown,
    http: JoinHandle<()>,
    metrics_http: Option<JoinHandle<()>>,
    watcher: JoinHandle<()>,
    projector: JoinHandle<()>,
    peers: JoinHandle<()>,
    reloader: JoinHandle<()>,
    heap_trim: JoinHandle<()>,
    audit_writer: JoinHandle<()>,
    backups: Option<JoinHandle<()>>,
    state: AppState,
    /// Held until the server is dropped or stopped (or the process ends).
    _data_dir_lock: data_dir::ServeLock,
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

    // One server per data directory, refused before anything is opened.
    data_dir::create(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let data_dir_lock = data_dir::lock(&config.data_dir)?;
    data_dir::warn_if_open(&config.data_dir);
    let first_admin_token = {
        let conn = schema::open(&config.data_dir)?;
        tokens::ensure_first_admin(&conn, &config.data_dir)?
    };
    let db = schema::open_db(&config.data_dir)?;
    let gate = Gate::new(db.clone(), config.limits.clone());
    gate.reload().await?;
    let doc_townships = DocTownships::new(db.clone());
    let (audit, audit_writer) = Audit::start(db.clone());
    let metrics = Metrics::new();
    let storage = SqliteStorage::open_with(
        db::db_path(&config.data_dir),
        StorageOptions {
            on_commit: Some(metrics.storage().observer()),
            ..StorageOptions::default()
        },
    )?;
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
    // Loading every document would hold up listening by seconds per large
    // township; devices that sync meanwhile only add records to maps that
    // readers merge anyway (schema::map_copies).
    {
        let (repo, db) = (repo.clone(), db.clone());
        tokio::spawn(async move {
            if let Err(e) = crate::root_maps::create_missing(&repo, &db).await {
                tracing::warn!(error = %e, "root maps not checked");
            }
        });
    }
    let sync_url = format!("ws://{}/sync", config.listen);
    let acceptor = repo
        .make_acceptor(
            sync_url
                .parse()
                .context("listen address is not a valid URL host")?,
        )
        .map_err(|_| anyhow::anyhow!("the document store stopped while starting"))?;

    let state = AppState::new(
        repo.clone(),
        storage,
        acceptor,
        db.clone(),
        config.rules.clone(),
        gate.clone(),
        doc_townships,
        audit,
        metrics.clone(),
    );
    let app = http::router(state.clone(), &config.allow_origins);

    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let metrics_listener = match config.metrics_listen {
        Some(at) => Some(
            TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen on {at} (--metrics-listen)"))?,
        ),
        None => None,
    };
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
    let heap_trim = tokio::spawn(crate::heap::run(
        crate::heap::TRIM_EVERY,
        shutdown.subscribe(),
    ));
    let backups = config.backups.clone().map(|schedule| {
        tokio::spawn(crate::backup::schedule::run(
            schedule,
            config.data_dir.clone(),
            shutdown.subscribe(),
        ))
    });
    let projector = tokio::spawn(projection::worker::run(
        repo.clone(),
        db,
        projector_rx,
        shutdown.subscribe(),
        metrics.projection().clone(),
    ));
    let stop = shutdown.clone();
    // Not axum::serve: conn::serve caps connections, gives hyper its
    // header-read timeout and puts ConnectInfo<SocketAddr> on each request.
    let conn_limits = crate::conn::ConnLimits::from(&config.limits);
    let http = tokio::spawn(crate::conn::serve(
        listener,
        app,
        conn_limits.clone(),
        metrics.connections().clone(),
        async move { stop.fired().await },
    ));
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "county server listening");
    let (metrics_addr, metrics_http) = match metrics_listener {
        Some(listener) => {
            let at = listener.local_addr()?;
            if !at.ip().is_loopback() {
                tracing::warn!(
                    %at,
                    "--metrics-listen is not a loopback address: anyone who reaches it reads the metrics without a token"
                );
            }
            let stop = shutdown.clone();
            let task = tokio::spawn(crate::conn::serve(
                listener,
                http::metrics_router(state.clone()),
                conn_limits,
                metrics.connections().clone(),
                async move { stop.fired().await },
            ));
            tracing::info!(%at, "metrics listening (no token)");
            (Some(at), Some(task))
        }
        None => (None, None),
    };
    Ok(RunningServer {
        addr,
        first_admin_token,
        metrics_addr,
        shutdown,
        http,
        metrics_http,
        watcher,
        projector,
        peers,
        reloader,
        heap_trim,
        audit_writer,
        backups,
        state,
        _data_dir_lock: data_dir_lock,
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
        if let Some(task) = self.metrics_http
            && let Err(e) = task.await
        {
            tracing::error!("metrics HTTP task ended badly: {e}");
        }
        let _ = self.watcher.await;
        let _ = self.projector.await;
        let _ = self.peers.await;
        let _ = self.reloader.await;
        let _ = self.heap_trim.await;
        if let Some(backups) = self.backups {
            let _ = backups.await;
        }
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
