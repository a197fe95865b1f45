//! Where a device stands, asked offline: whether the county server
//! answers now (a short probe), when this replica last synced, and how
//! many local changes the server is not known to hold — the changes that
//! are not ancestors of the server's heads noted at the last sync.

use qunjian_shared::history::has_change;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use automerge::ChangeHash;

use crate::{ClientError, Replica, Township};

/// How long [`Replica::status`] waits for the server to answer.
pub const PROBE_WAIT: Duration = Duration::from_secs(2);

/// The `qunjian_meta` key of a document's last successful sync, in
/// seconds since the Unix epoch.
fn synced_at_key(document_id: &str) -> String {
    format!("synced_at:{document_id}")
}

/// What [`Replica::status`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The server asked (the one this replica last synced with, unless
    /// another was given); `None` when it never synced.
    pub server: Option<String>,
    /// The server answered the probe just now.
    pub reachable: bool,
    /// When this replica last finished a sync of the document.
    pub last_sync: Option<SystemTime>,
    /// Whether the server's heads are known (from a sync or a county
    /// bundle); without them every local change counts as unsent.
    pub server_heads_known: bool,
    /// Local changes the server is not known to hold.
    pub unsent_changes: usize,
}

impl Status {
    /// The server is known to hold every local change.
    pub fn all_sent(&self) -> bool {
        self.server_heads_known && self.unsent_changes == 0
    }
}

impl Replica {
    /// Where the document at `url` stands: a probe of the server it last
    /// synced with (at most [`PROBE_WAIT`]), the last sync's time, and the
    /// local changes not yet known to be on the server.
    pub async fn status(&self, url: &str) -> Result<Status, ClientError> {
        let server = Replica::remembered(self.storage.path()).server;
        self.status_with(url, server.as_deref(), PROBE_WAIT).await
    }

    /// [`status`](Self::status) probing `server` (none: no probe) for at
    /// most `probe`.
    pub async fn status_with(
        &self,
        url: &str,
        server: Option<&str>,
        probe: Duration,
    ) -> Result<Status, ClientError> {
        let id = crate::bundle::document_id(url)?.to_string();
        let township = self.township(url).await?;
        let known = self.server_heads(url)?;
        let unsent_changes = unsent(&township, known.as_deref());
        let reachable = match server {
            Some(server) => self.probe(server, probe).await,
            None => false,
        };
        let last_sync = self
            .meta_get(&synced_at_key(&id))
            .and_then(|s| s.parse::<u64>().ok())
            .map(|secs| UNIX_EPOCH + Duration::from_secs(secs));
        Ok(Status {
            server: server.map(str::to_string),
            reachable,
            last_sync,
            server_heads_known: known.is_some(),
            unsent_changes,
        })
    }

    /// Note that the document at `url` has just synced, for
    /// [`Status::last_sync`].
    pub(crate) fn note_synced(&self, url: &str) -> Result<(), ClientError> {
        let id = crate::bundle::document_id(url)?.to_string();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
            .to_string();
        self.meta_put(&[(&synced_at_key(&id), &now)])
    }

    /// The server's heads as last noted for `url`; `None` when never noted.
    pub(crate) fn server_heads(&self, url: &str) -> Result<Option<Vec<ChangeHash>>, ClientError> {
        let id = crate::bundle::document_id(url)?;
        self.known_server_heads(&id)
            .map_err(|e| ClientError::Remember {
                path: self.storage.path().to_path_buf(),
                reason: e.to_string(),
            })
    }

    /// Whether the server answers `/healthz` within `wait` (any HTTP
    /// answer: a server whose storage fails still answers).
    async fn probe(&self, server: &str, wait: Duration) -> bool {
        let Ok(base) = crate::me::http_base(server) else {
            return false;
        };
        let Ok(url) = base.join("healthz") else {
            return false;
        };
        let Ok(tls) = self.tls() else {
            return false;
        };
        let Ok(client) = reqwest::Client::builder()
            .use_preconfigured_tls((*tls.config()).clone())
            .timeout(wait)
            .build()
        else {
            return false;
        };
        client.get(url).send().await.is_ok()
    }
}

/// Local changes that are not ancestors of `known` (all of them when none
/// is known). Heads this replica does not hold are left out of the
/// comparison rather than trusted.
pub(crate) fn unsent(township: &Township, known: Option<&[ChangeHash]>) -> usize {
    township.read(|doc| {
        let known: Vec<ChangeHash> = known
            .unwrap_or_default()
            .iter()
            .filter(|h| has_change(doc, h))
            .copied()
            .collect();
        doc.get_changes_meta(&known).len()
    })
}
