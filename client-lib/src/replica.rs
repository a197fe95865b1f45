//! A replica: one samod repo on one local SQLite file, and at most one
//! connection (a dialer) to the county server.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::ReadDoc;
use futures::StreamExt;
use qunjian_shared::doc_json::heads_hex;
use qunjian_shared::{SCHEMA_VERSION, SqliteStorage, migrate};
use samod::{
    AutomergeUrl, DialerHandle, DocHandle, DocumentId, PeerRequestState, Repo, SearchState,
};
use url::Url;

use crate::dialer::Refused;
use crate::{Backoff, ClientError, SyncStatus, Township, WsDialer};

/// A township device's local copy of its documents.
#[derive(Clone)]
pub struct Replica {
    repo: Repo,
    storage: SqliteStorage,
    token: Option<Arc<str>>,
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    dialer: Option<DialerHandle<Refused>>,
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
        self.disconnect();
        let mut ws = WsDialer::new(url);
        if let Some(token) = &self.token {
            ws = ws.with_token(token.as_ref());
        }
        if let Some(tls) = self.lock().tls.clone() {
            ws = ws.with_tls(tls);
        }
        let dialer = self.repo.dial(backoff.into(), Arc::new(ws))?;
        self.lock().dialer = Some(dialer);
        Ok(())
    }

    /// Trust these roots for a wss:// server from the next
    /// [`connect`](Self::connect) on (the system's and Mozilla's are trusted
    /// without this).
    pub fn trust(&self, tls: crate::Tls) {
        self.lock().tls = Some(tls);
    }

    /// Stop syncing; local work goes on. [`connect`](Self::connect) resumes.
    pub fn disconnect(&self) {
        if let Some(dialer) = self.lock().dialer.take() {
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
            None => Err(ClientError::NotFound {
                url: url.to_string(),
                reason: if self.is_connected() {
                    "the server does not have it"
                } else {
                    "the server cannot be reached now"
                },
            }),
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
                }
                SearchState::Requesting(_) | SearchState::Loading => {}
            }
            match tokio::time::timeout_at(deadline, updates.next()).await {
                Ok(Some(next)) => state = next,
                Ok(None) => return Err(ClientError::Stopped),
                Err(_) => return Ok(None),
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
                .is_some_and(|theirs| theirs.iter().all(|h| doc.get_change_by_hash(h).is_some()));
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
    pub async fn wait_synced(
        &self,
        url: &str,
        timeout: Duration,
    ) -> Result<SyncStatus, ClientError> {
        let handle = self.handle(url).await?;
        let deadline = tokio::time::Instant::now() + timeout;
        let (_, mut peer_changes) = handle.peers();
        let mut doc_changes = handle.changes();
        loop {
            let status = self.status_of(&handle);
            if status.is_synced() {
                return Ok(status);
            }
            if let Some(refused) = self.refused() {
                return Err(ClientError::Refused(refused));
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

    /// The samod repo underneath, for what this API does not cover yet.
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// The replica's storage (bundles write a new document through it).
    pub(crate) fn storage(&self) -> &SqliteStorage {
        &self.storage
    }
}
