//! What every request handler and sync session can reach: the one value
//! `serve` builds and hands to the router. It lives apart from `serve` so
//! the handlers under `http/` and `doc_sync/` import it without importing
//! the code that starts them.

use std::sync::{Arc, Mutex};

use qunjian_shared::SqliteStorage;
use qunjian_shared::rules::Rules;
use samod::{AcceptorHandle, Repo};

use crate::audit::{Audit, Entry, Event};
use crate::auth::{Bucket, DocTownships, Gate, Refusal};
use crate::db::Db;
use crate::lock::lock;
use crate::peers;

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
    /// Bytes of received sync messages in flight (`--max-inflight-mb`),
    /// shared by every sync connection.
    pub inflight: Arc<tokio::sync::Semaphore>,
    /// Refusals of requests without a valid token are audited at this
    /// rate at most, so a flood of bad requests cannot fill the disk.
    anonymous_refusals: Arc<Mutex<Bucket>>,
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
            anonymous_refusals: Arc::new(Mutex::new(Bucket::new(
                ANONYMOUS_BURST,
                std::time::Instant::now(),
            ))),
        }
    }

    /// Audit a refusal of a request that had no valid token (rate-limited).
    pub fn refused_anonymously(&self, refusal: &Refusal, path: &str) {
        tracing::debug!(path, "refused: {refusal}");
        let now = std::time::Instant::now();
        let allowed = lock(&self.anonymous_refusals)
            .take(now, ANONYMOUS_REFUSALS_PER_SECOND, ANONYMOUS_BURST)
            .is_ok();
        if allowed {
            self.audit
                .record(Entry::new(Event::Refused).detail(format!("{path}: {}", refusal.kind())));
        }
    }
}

/// Audit rows per second for refusals without a valid token.
const ANONYMOUS_REFUSALS_PER_SECOND: f64 = 5.0;

/// How many such rows may come at once.
const ANONYMOUS_BURST: u32 = 20;
