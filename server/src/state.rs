//! What every request handler and sync session can reach: the one value
//! `serve` builds and hands to the router. It lives apart from `serve` so
//! the handlers under `http/` and `doc_sync/` import it without importing
//! the code that starts them.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use qunjian_shared::SqliteStorage;
use qunjian_shared::county::County;
use qunjian_shared::rules::Rules;
use samod::{AcceptorHandle, Repo};

use crate::audit::{Audit, Entry, Event};
use crate::auth::{DocTownships, Gate, Refusal};
use crate::county;
use crate::db::{Db, DbError};
use crate::lock::lock;
use crate::metrics::{Metrics, Reason};
use crate::peers;
use crate::refusal_log::RefusalLog;

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
    /// Refusals in the log: one line at once, then a summary per source.
    /// (In the audit table, `audit::collapse` bounds them.)
    refusals: Arc<Mutex<RefusalLog>>,
    /// Bytes of received sync messages in flight (`--max-inflight-mb`),
    /// shared by every sync connection.
    pub inflight: Arc<tokio::sync::Semaphore>,
    /// What `GET /metrics` shows.
    pub metrics: Metrics,
}

impl AppState {
    /// The state of a server starting up.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        repo: Repo,
        storage: SqliteStorage,
        acceptor: AcceptorHandle,
        db: Db,
        rules: Rules,
        gate: Gate,
        doc_townships: DocTownships,
        audit: Audit,
        metrics: Metrics,
    ) -> Self {
        let inflight = Arc::new(tokio::sync::Semaphore::new(
            gate.limits()
                .max_inflight_bytes
                .min(tokio::sync::Semaphore::MAX_PERMITS),
        ));
        AppState {
            inflight,
            repo,
            storage,
            acceptor,
            db,
            rules: Arc::new(rules),
            live: peers::Live::default(),
            seen: peers::Seen::default(),
            gate,
            doc_townships,
            audit,
            refusals: summarize_refusals(),
            metrics,
        }
    }

    /// The county in effect (`county set`, else the rules file), read now
    /// so a `county set` on a running server shows in the next answer.
    pub async fn county(&self) -> Result<County, DbError> {
        let rules = self.rules.clone();
        self.db.read(move |conn| county::read(conn, &rules)).await
    }

    /// Log and audit a refusal of a request that had no valid token.
    pub fn refused_anonymously(&self, source: Option<IpAddr>, refusal: &Refusal, path: &str) {
        self.log_refusal(source, refusal, path);
        self.audit.record(Entry::new(Event::Refused).detail(format!(
            "{}: {}",
            crate::text::clip(path),
            refusal.kind()
        )));
    }

    /// Log a refusal at WARN: the first from `source` at once, the rest in
    /// a summary line every `refusal_log::WINDOW`; and count it.
    pub fn log_refusal(&self, source: Option<IpAddr>, refusal: &Refusal, path: &str) {
        self.metrics.connections().refused(reason_of(refusal));
        let detail = refusal.to_string();
        let line =
            lock(&self.refusals).refused(source, refusal.kind(), &detail, path, Instant::now());
        if let Some(line) = line {
            tracing::warn!("{line}");
        }
    }
}

/// The metrics' word for a refusal.
pub fn reason_of(refusal: &Refusal) -> Reason {
    match refusal {
        Refusal::MissingToken => Reason::NoToken,
        Refusal::MalformedToken(_) => Reason::MalformedToken,
        Refusal::UnknownToken => Reason::UnknownToken,
        Refusal::Forbidden(_) => Reason::Forbidden,
        Refusal::RateLimited(_) => Reason::RateLimited,
        Refusal::TooManyConnections(_) => Reason::TokenConnections,
        Refusal::Internal(_) => Reason::Internal,
    }
}

/// The refusal log, and a task writing its summaries while it exists.
fn summarize_refusals() -> Arc<Mutex<RefusalLog>> {
    let log = Arc::new(Mutex::new(RefusalLog::default()));
    let weak = Arc::downgrade(&log);
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(log) = weak.upgrade() else { return };
                let lines = lock(&log).due(Instant::now());
                for line in lines {
                    tracing::warn!("{line}");
                }
            }
        });
    }
    log
}
