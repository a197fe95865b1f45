//! The replica the app works on, once there is one: a device that has
//! never synced has no document yet, and the first page asks for the
//! county server's address and the device's token, fetches the document,
//! and remembers both (the token in the replica file, see
//! `Replica::remember_token`), so the next start needs neither.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use qunjian_client::{ClientError, Replica, SyncSummary, Tls, Township};
use tokio::sync::{Notify, RwLock};

/// A replica with its document open.
#[derive(Clone)]
pub struct Session {
    pub replica: Replica,
    pub doc: String,
    /// The county server's sync address; `None` for a replica that never
    /// synced (it was filled from a bundle).
    pub server: Option<String>,
    pub has_token: bool,
}

/// How the last background or requested sync went.
#[derive(Clone, Default)]
pub struct LastSync {
    pub at: Option<SystemTime>,
    /// Why it failed, in words for the header; `None` after a success.
    pub error: Option<String>,
    pub running: bool,
    /// The last attempt that ended, for the 同步 page.
    pub result: Option<SyncResult>,
    /// The last sync that sent or received anything: background syncs
    /// with nothing to do would otherwise hide it a few seconds later.
    pub moved: Option<SyncResult>,
    /// The document's heads when the last sync ended: what moved since
    /// counts for the next one, as a connected replica sends and receives
    /// in between (`Township::changes_since`).
    pub heads_after: Option<Vec<String>>,
}

/// One sync attempt, as it ended.
#[derive(Clone)]
pub struct SyncResult {
    /// When it ended.
    pub at: SystemTime,
    pub elapsed: Duration,
    /// Changes sent to and received from the county (0 when it failed).
    pub sent: usize,
    pub received: usize,
    /// Why it failed, in words; `None` after a success.
    pub error: Option<String>,
    /// Why the county's rules could not be fetched after a success (the
    /// cached ones stay in effect).
    pub rules_error: Option<String>,
}

impl LastSync {
    /// Keep how an attempt ended.
    pub fn ended(&mut self, result: SyncResult) {
        if result.sent > 0 || result.received > 0 {
            self.moved = Some(result.clone());
        }
        self.result = Some(result);
    }
}

/// The app's replica, or none yet.
pub struct Sessions {
    path: PathBuf,
    tls: Option<Tls>,
    current: RwLock<Option<Session>>,
    pub last: Mutex<LastSync>,
    /// Wakes the background sync (after an edit, or on request).
    pub kick: Notify,
    /// One sync at a time.
    pub syncing: tokio::sync::Mutex<()>,
}

/// How long the first start waits for the document.
const FIRST_SYNC_WAIT: Duration = Duration::from_secs(30);

/// How long asking the server whose a token is may take.
const ME_WAIT: Duration = Duration::from_secs(10);

impl Sessions {
    /// Open the replica if it already holds its document. The token comes
    /// from `--token`/QUNJIAN_TOKEN, else from what the replica remembers.
    pub async fn open(
        path: PathBuf,
        token: Option<String>,
        tls: Option<Tls>,
    ) -> anyhow::Result<Sessions> {
        let remembered = Replica::remembered(&path);
        let current = match remembered.document {
            Some(doc) => {
                let token = token.or(remembered.token);
                let replica = match &token {
                    Some(token) => Replica::open_with_token(&path, token).await,
                    None => Replica::open(&path).await,
                }
                .map_err(|e| crate::open_failed(&path, e))?;
                if let Some(tls) = &tls {
                    replica.trust(tls.clone());
                }
                if token.is_some() {
                    // A token given on the command line is kept for next time.
                    replica.remember_token()?;
                }
                Some(Session {
                    replica,
                    doc,
                    server: remembered.server,
                    has_token: token.is_some(),
                })
            }
            None => None,
        };
        Ok(Sessions {
            path,
            tls,
            current: RwLock::new(current),
            last: Mutex::new(LastSync::default()),
            kick: Notify::new(),
            syncing: tokio::sync::Mutex::new(()),
        })
    }

    /// The session, if set up.
    pub async fn current(&self) -> Option<Session> {
        self.current.read().await.clone()
    }

    /// The session's township document.
    pub async fn township(&self) -> Result<(Session, Township), SetupNeeded> {
        let session = self.current().await.ok_or(SetupNeeded)?;
        let township = session
            .replica
            .township(&session.doc)
            .await
            .map_err(|_| SetupNeeded)?;
        Ok((session, township))
    }

    /// First start: check the token with the server, fetch the document,
    /// remember the server, the document and the token.
    pub async fn set_up(&self, server: &str, token: &str) -> Result<String, SetupError> {
        let mut current = self.current.write().await;
        if current.is_some() {
            return Err(SetupError::AlreadySetUp);
        }
        let ask = async {
            match &self.tls {
                Some(tls) => qunjian_client::me_trusting(server, token, tls).await,
                None => qunjian_client::me(server, token).await,
            }
        };
        let me = tokio::time::timeout(ME_WAIT, ask)
            .await
            .map_err(|_| SetupError::Unreachable)?
            .map_err(SetupError::Client)?;
        let Some(doc) = me.document_url else {
            return Err(SetupError::NotATownship(me.label, me.role.to_string()));
        };
        let replica = Replica::open_with_token(&self.path, token)
            .await
            .map_err(SetupError::Client)?;
        if let Some(tls) = &self.tls {
            replica.trust(tls.clone());
        }
        let synced = match replica
            .sync_once(&doc, server, FIRST_SYNC_WAIT, |_| {})
            .await
        {
            Ok(summary) => replica.remember_token().map(|()| summary),
            Err(e) => Err(e),
        };
        let summary = match synced {
            Ok(summary) => summary,
            Err(e) => {
                replica.close().await;
                return Err(SetupError::Client(e));
            }
        };
        if let Ok(mut last) = self.last.lock() {
            *last = LastSync::default();
            last.at = Some(SystemTime::now());
            last.ended(SyncResult::of(&summary));
            last.heads_after = Some(summary.status.local_heads.clone());
        }
        *current = Some(Session {
            replica,
            doc: doc.clone(),
            server: Some(server.to_string()),
            has_token: true,
        });
        Ok(doc)
    }

    /// Close the replica, every edit durable in the file.
    pub async fn close(&self) -> anyhow::Result<()> {
        if let Some(session) = self.current.write().await.take() {
            session
                .replica
                .close_durable(Duration::from_secs(15))
                .await?;
        }
        Ok(())
    }

    /// Note how a sync went.
    pub fn note(&self, update: impl FnOnce(&mut LastSync)) {
        if let Ok(mut last) = self.last.lock() {
            update(&mut last);
        }
    }

    /// How the last sync went.
    pub fn last(&self) -> LastSync {
        self.last.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl SyncResult {
    /// A sync that succeeded, ending now.
    pub fn of(summary: &SyncSummary) -> SyncResult {
        SyncResult {
            at: SystemTime::now(),
            elapsed: summary.elapsed,
            sent: summary.sent,
            received: summary.received,
            error: None,
            rules_error: summary.rules_error.as_ref().map(|e| e.to_string()),
        }
    }

    /// An attempt that failed after `elapsed`, for `why`.
    pub fn failed(elapsed: Duration, why: String) -> SyncResult {
        SyncResult {
            at: SystemTime::now(),
            elapsed,
            sent: 0,
            received: 0,
            error: Some(why),
            rules_error: None,
        }
    }
}

/// The replica has no document yet: the first-start page is due.
#[derive(Debug)]
pub struct SetupNeeded;

/// Why the first start failed.
#[derive(Debug)]
pub enum SetupError {
    AlreadySetUp,
    Unreachable,
    NotATownship(String, String),
    Client(ClientError),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::AlreadySetUp => write!(f, "本副本已设置过 (already set up)"),
            SetupError::Unreachable => write!(
                f,
                "连接不上县级服务器，请检查地址和网络 (the county server cannot be reached)"
            ),
            SetupError::NotATownship(label, role) => write!(
                f,
                "令牌 {label} 是 {role} 角色，不属于某个乡镇，请使用本乡镇设备的令牌 (not a township token)"
            ),
            SetupError::Client(e) => write!(f, "{e}"),
        }
    }
}
