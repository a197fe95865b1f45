//! The running server's view of tokens: which are valid (cached, reloaded
//! every second so `token revoke` from the CLI takes effect at once), which
//! sync sessions each holds (so revoking closes them), and each token's
//! `/api` request budget.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use qunjian_shared::token;
use tokio_util::sync::CancellationToken;

use super::rate::Bucket;
use super::refusal::Refusal;
use super::tokens::{self, TokenRow};
use crate::db::Db;
use crate::limits::Limits;
use crate::lock::{self, lock};

/// How often the token table is read again for revocations made elsewhere.
pub const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// How stale `last_used_at` may get before it is written again.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Shared by every handler and connection.
#[derive(Clone)]
pub struct Gate {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    limits: Limits,
    /// Active tokens by hash.
    by_hash: RwLock<HashMap<String, TokenRow>>,
    /// Live sync sessions by token id.
    sessions: Mutex<HashMap<String, Vec<(u64, CancellationToken)>>>,
    next_session: AtomicU64,
    buckets: Mutex<HashMap<String, Bucket>>,
    touched: Mutex<HashMap<String, Instant>>,
}

/// A sync session's hold on its token; dropping it frees the slot.
pub struct SessionGuard {
    gate: Gate,
    token_id: String,
    session: u64,
    /// Fires when the token is revoked or the server stops.
    pub cancel: CancellationToken,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        let mut sessions = lock(&self.gate.inner.sessions);
        if let Some(list) = sessions.get_mut(&self.token_id) {
            list.retain(|(id, _)| *id != self.session);
            if list.is_empty() {
                sessions.remove(&self.token_id);
            }
        }
    }
}

impl Gate {
    /// A gate over the server's database; call [`Gate::reload`] before use.
    pub fn new(db: Db, limits: Limits) -> Self {
        Gate {
            inner: Arc::new(Inner {
                db,
                limits,
                by_hash: RwLock::default(),
                sessions: Mutex::default(),
                next_session: AtomicU64::new(1),
                buckets: Mutex::default(),
                touched: Mutex::default(),
            }),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The token presented, if it is valid and active.
    pub async fn authenticate(&self, presented: Option<&str>) -> Result<TokenRow, Refusal> {
        let presented = presented.ok_or(Refusal::MissingToken)?;
        token::check_format(presented).map_err(Refusal::MalformedToken)?;
        let hash = token::hash(presented);
        let cached = lock::read(&self.inner.by_hash).get(&hash).cloned();
        let row = match cached {
            Some(row) => row,
            None => {
                // Created by the CLI since the last reload, or not a token.
                let wanted = hash.clone();
                let found = self
                    .inner
                    .db
                    .call(move |conn| tokens::find_active(conn, &wanted))
                    .await
                    .map_err(|e| Refusal::Internal(e.to_string()))?;
                let row = found.ok_or(Refusal::UnknownToken)?;
                lock::write(&self.inner.by_hash).insert(hash, row.clone());
                row
            }
        };
        self.touch(&row.id);
        Ok(row)
    }

    /// Note use of a token, writing it at most once a minute.
    fn touch(&self, id: &str) {
        let now = Instant::now();
        {
            let mut touched = lock(&self.inner.touched);
            if touched
                .get(id)
                .is_some_and(|t| now.duration_since(*t) < TOUCH_EVERY)
            {
                return;
            }
            touched.insert(id.to_string(), now);
        }
        let db = self.inner.db.clone();
        let id = id.to_string();
        tokio::spawn(async move {
            let at = crate::clock::now();
            if let Err(e) = db.call(move |conn| tokens::touch(conn, &id, &at)).await {
                tracing::warn!("cannot record token use: {e}");
            }
        });
    }

    /// Spend one `/api` request of this token's budget.
    pub fn take_request(&self, token_id: &str) -> Result<(), Refusal> {
        let limits = &self.inner.limits;
        let now = Instant::now();
        let mut buckets = lock(&self.inner.buckets);
        buckets
            .entry(token_id.to_string())
            .or_insert_with(|| Bucket::new(limits.api_burst, now))
            .take(now, limits.api_rate, limits.api_burst)
            .map_err(Refusal::RateLimited)
    }

    /// Hold a sync slot for this token, or refuse when it has all its
    /// connections open already.
    pub fn open_session(&self, row: &TokenRow) -> Result<SessionGuard, Refusal> {
        let limit = self.inner.limits.connections_per_token;
        let mut sessions = lock(&self.inner.sessions);
        let list = sessions.entry(row.id.clone()).or_default();
        if list.len() >= limit {
            return Err(Refusal::TooManyConnections(limit));
        }
        let session = self.inner.next_session.fetch_add(1, Ordering::Relaxed);
        let cancel = CancellationToken::new();
        list.push((session, cancel.clone()));
        Ok(SessionGuard {
            gate: self.clone(),
            token_id: row.id.clone(),
            session,
            cancel,
        })
    }

    /// Open sync sessions of one token.
    pub fn session_count(&self, token_id: &str) -> usize {
        lock(&self.inner.sessions).get(token_id).map_or(0, Vec::len)
    }

    /// The active token with this id (a connection's peer id names it).
    pub fn active_by_id(&self, token_id: &str) -> Option<TokenRow> {
        lock::read(&self.inner.by_hash)
            .values()
            .find(|row| row.id == token_id)
            .cloned()
    }

    /// Forget a token and close its connections now (a revocation made
    /// through this server's API).
    pub fn revoked(&self, token_id: &str) {
        lock::write(&self.inner.by_hash).retain(|_, row| row.id != token_id);
        self.close_sessions(|id| id == token_id);
    }

    fn close_sessions(&self, doomed: impl Fn(&str) -> bool) {
        let sessions = lock(&self.inner.sessions);
        for (id, list) in sessions.iter() {
            if doomed(id) {
                tracing::info!(token = %id, sessions = list.len(), "token revoked: closing its connections");
                for (_, cancel) in list {
                    cancel.cancel();
                }
            }
        }
    }

    /// Close every session (the server is stopping).
    pub fn close_all(&self) {
        self.close_sessions(|_| true);
    }

    /// Read the token table again: revoked tokens leave the cache and their
    /// connections close.
    pub async fn reload(&self) -> Result<(), crate::db::DbError> {
        let rows = self.inner.db.call(tokens::list).await?;
        let active: HashMap<String, TokenRow> = rows
            .into_iter()
            .filter(TokenRow::is_active)
            .map(|row| (row.hash.clone(), row))
            .collect();
        let active_ids: std::collections::HashSet<String> =
            active.values().map(|r| r.id.clone()).collect();
        *lock::write(&self.inner.by_hash) = active;
        self.close_sessions(|id| !active_ids.contains(id));
        Ok(())
    }

    /// Reload every [`RELOAD_EVERY`] until shutdown.
    pub async fn run_reloader(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(RELOAD_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                _ = tick.tick() => {
                    if let Err(e) = self.reload().await {
                        tracing::warn!("cannot reload tokens (revocations wait): {e}");
                    }
                }
            }
        }
    }
}
