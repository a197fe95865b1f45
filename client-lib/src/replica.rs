//! A replica: one samod repo on one local SQLite file, and at most one
//! connection (a dialer) to the county server.

use qunjian_shared::history::has_change;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use qunjian_shared::doc_json::heads_hex;
use qunjian_shared::{SCHEMA_VERSION, SqliteStorage, migrate};
use samod::{
    AutomergeUrl, DialerHandle, DocHandle, DocumentId, PeerRequestState, Repo, SearchState,
};
use url::Url;

use crate::dialer::{Refused, ServerTrouble};
use crate::{Backoff, ClientError, SyncStatus, Township, WsDialer};

/// A township device's local copy of its documents.
#[derive(Clone)]
pub struct Replica {
    repo: Repo,
    pub(crate) storage: SqliteStorage,
    token: Option<Arc<str>>,
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    dialer: Option<DialerHandle<Refused>>,
    /// The address `dialer` dials, so connecting again to the same server
    /// keeps the connection (an app syncs every few seconds).
    dialed: Option<String>,
    /// What the current dialer last heard from a server turning it away.
    trouble: ServerTrouble,
    tls: Option<crate::Tls>,
    handles: HashMap<DocumentId, DocHandle>,
}

/// How long fetching a document this replica has never seen waits for the
/// server to connect and answer.
const FETCH_WAIT: Duration = Duration::from_secs(10);

/// How often `wait_synced` looks again even without an event, in case a
/// state change slipped between reading the status and subscribing.
const RECHECK: Duration = Duration::from_millis(200);

impl Replica {
    /// Open (or create) the replica in a SQLite file, with no token: it
    /// works offline, and a county server will refuse to sync with it. A
    /// device uses [`Replica::open_with_token`].
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, ClientError> {
        let storage = SqliteStorage::open(path)?;
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            .load()
            .await;
        Ok(Replica {
            repo,
            storage,
            token: None,
            inner: Arc::default(),
        })
    }

    /// Open (or create) a device's replica. The token is presented on
    /// every connection, and the replica takes the peer id the server binds
    /// to it (`qunjian_shared::token::peer_id`). Needs no network.
    pub async fn open_with_token(path: impl AsRef<Path>, token: &str) -> Result<Self, ClientError> {
        let token = token.trim();
        qunjian_shared::token::check_format(token)?;
        let storage = SqliteStorage::open(path)?;
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            .with_peer_id(samod::PeerId::from(qunjian_shared::token::peer_id(token)))
            .load()
            .await;
        Ok(Replica {
            repo,
            storage,
            token: Some(Arc::from(token)),
            inner: Arc::default(),
        })
    }

    /// The device's token, when opened with one.
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The TLS roots for https:// requests: those given to
    /// [`trust`](Self::trust), else the system's.
    pub(crate) fn tls(&self) -> Result<crate::Tls, ClientError> {
        match self.lock().tls.clone() {
            Some(tls) => Ok(tls),
            None => crate::Tls::system(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keep this replica in sync with the server at `ws_url` (e.g.
    /// `ws://127.0.0.1:8080/sync`), in the background, reconnecting with
    /// exponential backoff whenever the link drops. Replaces an earlier
    /// connection. Returns at once; the server need not be up.
    pub fn connect(&self, ws_url: &str) -> Result<(), ClientError> {
        self.connect_with(ws_url, Backoff::default())
    }

    /// [`connect`](Self::connect) with an explicit backoff.
    pub fn connect_with(&self, ws_url: &str, backoff: Backoff) -> Result<(), ClientError> {
        let url = Url::parse(ws_url).map_err(|_| ClientError::BadServerUrl(ws_url.to_string()))?;
        if !matches!(url.scheme(), "ws" | "wss") || url.host_str().is_none() {
            return Err(ClientError::BadServerUrl(ws_url.to_string()));
        }
        // Already dialing this server, and not refused for good: keep the
        // connection (and its backoff) rather than tear it down and start
        // over, which would cost a full sync handshake on every call.
        let same = self.lock().dialed.as_deref() == Some(ws_url);
        if same && self.refused().is_none() && self.lock().dialer.is_some() {
            return Ok(());
        }
        self.disconnect();
        let mut ws = WsDialer::new(url);
        if let Some(token) = &self.token {
            ws = ws.with_token(token.as_ref());
        }
        if let Some(tls) = self.lock().tls.clone() {
            ws = ws.with_tls(tls);
        }
        let trouble = ServerTrouble::default();
        ws = ws.with_trouble(trouble.clone());
        let dialer = self.repo.dial(backoff.into(), Arc::new(ws))?;
        let mut inner = self.lock();
        inner.dialer = Some(dialer);
        inner.dialed = Some(ws_url.to_string());
        inner.trouble = trouble;
        Ok(())
    }

    /// Trust these roots for a wss:// server from the next
    /// [`connect`](Self::connect) on (the system's and Mozilla's are trusted
    /// without this).
    pub fn trust(&self, tls: crate::Tls) {
        let mut inner = self.lock();
        inner.tls = Some(tls);
        // The next connect dials anew, with these roots.
        inner.dialed = None;
    }

    /// Stop syncing; local work goes on. [`connect`](Self::connect) resumes.
    pub fn disconnect(&self) {
        let dialer = {
            let mut inner = self.lock();
            inner.dialed = None;
            inner.dialer.take()
        };
        if let Some(dialer) = dialer {
            dialer.close();
        }
    }

    /// The server's refusal of this replica's token, once it has refused:
    /// the dialer has stopped, and syncing waits for a new token.
    pub fn refused(&self) -> Option<Refused> {
        use futures::FutureExt;
        let dialer = self.lock().dialer.clone()?;
        match dialer.established().now_or_never() {
            Some(Err(samod::DialerFailed::PermanentFailure(refused))) => Some((*refused).clone()),
            _ => None,
        }
    }

    /// Why the server turns this replica's connections away while retrying
    /// may still help: its storage is failing (the server's message). `None`
    /// once a connection attempt ends any other way.
    pub fn server_trouble(&self) -> Option<String> {
        let inner = self.lock();
        inner.dialer.as_ref()?;
        inner.trouble.get()
    }

    /// [`server_trouble`](Self::server_trouble) as the error to return,
    /// unless a connection is up.
    fn trouble_error(&self) -> Option<ClientError> {
        if self.is_connected() {
            return None;
        }
        self.server_trouble().map(ClientError::ServerStorageFailing)
    }

    /// Whether a connection to the server is up right now.
    pub fn is_connected(&self) -> bool {
        self.lock()
            .dialer
            .as_ref()
            .is_some_and(|d| d.is_connected())
    }

    /// The township document at `url`: from the local file, or fetched from
    /// the server when this replica has never seen it. An older document is
    /// migrated to this program's schema on the way (see
    /// `qunjian_shared::migrate`).
    pub async fn township(&self, url: &str) -> Result<Township, ClientError> {
        let handle = self.handle(url).await?;
        handle.with_document(|doc| migrate::migrate(doc, migrate::MIGRATIONS, SCHEMA_VERSION))?;
        Ok(Township::new(handle))
    }

    async fn handle(&self, url: &str) -> Result<DocHandle, ClientError> {
        let parsed: AutomergeUrl = url
            .parse()
            .map_err(|_| ClientError::BadDocumentUrl(url.to_string()))?;
        let id = parsed.document_id().clone();
        if let Some(handle) = self.lock().handles.get(&id) {
            return Ok(handle.clone());
        }
        let found = self.fetch(id.clone()).await?;
        match found {
            Some(handle) => {
                self.lock().handles.insert(id, handle.clone());
                Ok(handle)
            }
            None => Err(self.trouble_error().unwrap_or(ClientError::NotFound {
                url: url.to_string(),
                reason: if self.is_connected() {
                    "the server does not have it"
                } else {
                    "the server cannot be reached now"
                },
            })),
        }
    }

    /// Load a document from the file, or else from the server.
    ///
    /// Unlike `Repo::find`, this does not give up while a dialer is still
    /// trying: samod 0.16's first dial can fail spuriously (its IO loop may
    /// run the dial before `Repo::dial` has registered the dialer), and a
    /// server that comes up a moment later deserves a chance. "Not found"
    /// is final only when there is no dialer, when the server itself said
    /// it lacks the document, or after [`FETCH_WAIT`].
    async fn fetch(&self, id: DocumentId) -> Result<Option<DocHandle>, ClientError> {
        let (mut state, mut updates) = self.repo.search(id)?;
        let deadline = tokio::time::Instant::now() + FETCH_WAIT;
        loop {
            match &state {
                SearchState::Found(handle) => return Ok(Some(handle.clone())),
                SearchState::Requesting(request) if request.is_currently_unavailable() => {
                    if let Some(refused) = self.refused() {
                        return Err(ClientError::Refused(refused));
                    }
                    let dialer = self.lock().dialer.clone();
                    let Some(dialer) = dialer else {
                        return Ok(None);
                    };
                    let server_said_no = dialer.connection_id().is_some_and(|c| {
                        request.peers().get(&c) == Some(&PeerRequestState::Unavailable)
                    });
                    if server_said_no {
                        return Ok(None);
                    }
                    if let Some(trouble) = self.trouble_error() {
                        return Err(trouble);
                    }
                }
                SearchState::Requesting(_) | SearchState::Loading => {}
            }
            // Look again now and then: a refused dial is no search update.
            let wake = deadline.min(tokio::time::Instant::now() + RECHECK);
            match tokio::time::timeout_at(wake, updates.next()).await {
                Ok(Some(next)) => state = next,
                Ok(None) => return Err(ClientError::Stopped),
                Err(_) if wake >= deadline => return Ok(None),
                Err(_) => {}
            }
        }
    }

    /// Where the document at `url` stands against the server.
    pub async fn sync_status(&self, url: &str) -> Result<SyncStatus, ClientError> {
        let handle = self.handle(url).await?;
        Ok(self.status_of(&handle))
    }

    fn status_of(&self, handle: &DocHandle) -> SyncStatus {
        let connection = self
            .lock()
            .dialer
            .as_ref()
            .filter(|d| d.is_connected())
            .and_then(|d| d.connection_id());
        let (peers, _) = handle.peers();
        handle.with_document(|doc| {
            let local = doc.get_heads();
            let peer = connection.and_then(|c| peers.get(&c));
            let server_has_ours =
                peer.is_some_and(|p| p.shared_heads.as_deref() == Some(&local[..]));
            let we_have_servers = peer
                .and_then(|p| p.their_heads.as_ref())
                .is_some_and(|theirs| theirs.iter().all(|h| has_change(doc, h)));
            SyncStatus {
                connected: connection.is_some(),
                server_has_ours,
                we_have_servers,
                local_heads: heads_hex(&local),
                server_heads: peer.and_then(|p| p.their_heads.as_deref()).map(heads_hex),
            }
        })
    }

    /// Wait until the server holds every local change of `url` and we hold
    /// the server's, or `timeout` passes (then the error carries the status).
    ///
    /// "The server holds" means durably: the county server advertises only
    /// heads whose changes are committed to its disk (it holds each sync
    /// reply until then), so while its storage fails this does not return
    /// `Ok`. When the
    /// server turns the connection away for that reason (HTTP 503) this
    /// returns [`ClientError::ServerStorageFailing`] at once; the dialer
    /// keeps retrying.
    pub async fn wait_synced(
        &self,
        url: &str,
        timeout: Duration,
    ) -> Result<SyncStatus, ClientError> {
        self.wait_synced_observing(url, timeout, |_| {}).await
    }

    /// [`wait_synced`](Self::wait_synced), showing `observe` each status
    /// it looks at on the way (for a progress display).
    pub(crate) async fn wait_synced_observing(
        &self,
        url: &str,
        timeout: Duration,
        mut observe: impl FnMut(&SyncStatus),
    ) -> Result<SyncStatus, ClientError> {
        let handle = self.handle(url).await?;
        let deadline = tokio::time::Instant::now() + timeout;
        let (_, mut peer_changes) = handle.peers();
        let mut doc_changes = handle.changes();
        loop {
            let status = self.status_of(&handle);
            observe(&status);
            if status.is_synced() {
                return Ok(status);
            }
            if let Some(refused) = self.refused() {
                return Err(ClientError::Refused(refused));
            }
            if let Some(trouble) = self.trouble_error() {
                return Err(trouble);
            }
            let wake = tokio::time::Instant::now() + RECHECK;
            tokio::select! {
                // A finished stream fails its pattern and is skipped this round.
                Some(_) = peer_changes.next() => {}
                Some(_) = doc_changes.next() => {}
                _ = tokio::time::sleep_until(wake.min(deadline)) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                let status = self.status_of(&handle);
                return if status.is_synced() {
                    Ok(status)
                } else {
                    Err(ClientError::SyncTimeout(Box::new(status)))
                };
            }
        }
    }

    /// Disconnect, stop, and wait until every local change is durable in
    /// the file. Dropping a replica without this may lose the last edits.
    pub async fn close(self) {
        self.disconnect();
        self.repo.stop().await;
        self.storage.flush().await;
    }

    /// [`close`](Self::close), but never waits forever and says whether
    /// every local change is durable: fails as soon as the file refuses a
    /// write (read-only, no permission, disk full) or when `timeout` passes
    /// first. A tool that reports an edit as done awaits this before saying
    /// so.
    pub async fn close_durable(self, timeout: Duration) -> Result<(), ClientError> {
        self.disconnect();
        let storage = self.storage.clone();
        let path = storage.path().to_path_buf();
        let repo = self.repo.clone();
        let flushing = storage.clone();
        let work = async move {
            repo.stop().await;
            flushing.flush().await;
        };
        tokio::pin!(work);
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let health = storage.health();
            if !health.ok {
                return Err(ClientError::NotSaved {
                    path,
                    reason: health.last_error.unwrap_or_default(),
                });
            }
            tokio::select! {
                _ = &mut work => {
                    let health = storage.health();
                    return if health.ok && health.pending_writes == 0 {
                        Ok(())
                    } else {
                        Err(ClientError::NotSaved {
                            path,
                            reason: health.last_error.unwrap_or_default(),
                        })
                    };
                }
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClientError::NotSaved {
                    path,
                    reason: format!("not written within {}s", timeout.as_secs()),
                });
            }
        }
    }

    /// The samod repo underneath, for what this API does not cover yet.
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// The replica's storage (bundles write a new document through it).
    pub(crate) fn storage(&self) -> &SqliteStorage {
        &self.storage
    }
}
