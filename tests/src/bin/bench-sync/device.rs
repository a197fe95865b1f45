//! A simulated device: a bare samod repo with in-memory storage, dialing
//! the server through a WebSocket dialer that counts the bytes it moves.
//!
//! In-memory storage instead of a `Replica`'s SQLite file: the load clients
//! run in this one process on the same cores as the server, and a hundred
//! SQLite writer threads fsyncing every received change would measure the
//! clients, not the server. The edits are the typed client API's (see
//! `gen.rs`), so the changes on the wire are the same.
//!
//! On our server each device holds its own token, as a real one does: it
//! takes the peer id the token is bound to and presents the token in
//! `Authorization: Bearer` on every dial. The reference JS server gets
//! devices without tokens (it would ignore them).

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::bail;
use automerge::ChangeHash;
use futures::StreamExt;
use futures::future::BoxFuture;
use samod::{
    BackoffConfig, ConnectionId, DialError, Dialer, DialerHandle, DocHandle, DocumentId,
    PeerDocState, PeerId, Repo, Transport, Url,
};
use std::collections::HashMap;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::Timeout;
use crate::records::sorted_heads;

/// Bytes on the wire (TCP payload: WebSocket frames and the HTTP upgrade).
#[derive(Default)]
pub struct Wire {
    pub sent: AtomicU64,
    pub received: AtomicU64,
}

impl Wire {
    pub fn total(&self) -> u64 {
        self.sent.load(Ordering::Relaxed) + self.received.load(Ordering::Relaxed)
    }
}

/// A TCP stream that adds what it reads and writes to a [`Wire`].
struct CountingIo {
    inner: TcpStream,
    wire: Arc<Wire>,
}

impl AsyncRead for CountingIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let n = buf.filled().len() - before;
            self.wire.received.fetch_add(n as u64, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for CountingIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            self.wire.sent.fetch_add(n as u64, Ordering::Relaxed);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A samod dialer like `qunjian_client::WsDialer` (presenting the device's
/// token the same way), over a counted TCP stream with TCP_NODELAY (so
/// client-side Nagle delays never show up as server latency). A refused
/// token is retried like any failure: the bounded waits report it.
pub struct CountingDialer {
    url: Url,
    wire: Arc<Wire>,
    token: Option<Arc<str>>,
}

impl Dialer for CountingDialer {
    type Error = Infallible;

    fn url(&self) -> Url {
        self.url.clone()
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Infallible>>> {
        let url = self.url.clone();
        let wire = self.wire.clone();
        let token = self.token.clone();
        Box::pin(async move {
            let mut request = url
                .as_str()
                .into_client_request()
                .map_err(DialError::transient)?;
            if let Some(token) = token {
                let value = HeaderValue::from_str(&format!("Bearer {token}"))
                    .map_err(DialError::transient)?;
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            let host = url.host_str().unwrap_or("127.0.0.1").to_string();
            let port = url.port_or_known_default().unwrap_or(80);
            let tcp = TcpStream::connect((host.as_str(), port))
                .await
                .map_err(DialError::transient)?;
            tcp.set_nodelay(true).map_err(DialError::transient)?;
            let io = CountingIo { inner: tcp, wire };
            let config = WebSocketConfig::default()
                .max_message_size(Some(512 << 20))
                .max_frame_size(Some(512 << 20));
            let (ws, _response) =
                tokio_tungstenite::client_async_with_config(request, io, Some(config))
                    .await
                    .map_err(DialError::transient)?;
            Ok(qunjian_client::ws_transport_tapped(
                ws,
                crate::messages::tap,
            ))
        })
    }
}

/// One simulated device.
pub struct Device {
    pub repo: Repo,
    pub wire: Arc<Wire>,
    token: Option<Arc<str>>,
    dialer: Option<DialerHandle>,
}

impl Device {
    /// A device holding `token` (for our server; `None` for the reference
    /// JS server), with the peer id the token is bound to.
    pub async fn new(token: Option<&str>) -> Device {
        let token: Option<Arc<str>> = token.map(|t| Arc::from(t.trim()));
        let mut builder = Repo::build_tokio();
        if let Some(token) = &token {
            builder = builder.with_peer_id(PeerId::from(qunjian_shared::token::peer_id(token)));
        }
        Device {
            repo: builder.load().await,
            wire: Arc::default(),
            token,
            dialer: None,
        }
    }

    /// Start dialing `ws_url` (replacing any earlier connection); returns at once.
    pub fn connect(&mut self, ws_url: &str) -> anyhow::Result<()> {
        self.disconnect();
        let url = Url::parse(ws_url)?;
        let dialer = CountingDialer {
            url,
            wire: self.wire.clone(),
            token: self.token.clone(),
        };
        let backoff = BackoffConfig {
            initial_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(1),
            max_retries: None,
        };
        let handle = self
            .repo
            .dial(backoff, Arc::new(dialer))
            .map_err(|_| anyhow::anyhow!("samod stopped"))?;
        self.dialer = Some(handle);
        Ok(())
    }

    /// Wait until the connection is up and the handshake done.
    pub async fn established(&self, deadline: Instant) -> anyhow::Result<()> {
        let Some(dialer) = &self.dialer else {
            bail!("not dialing");
        };
        match tokio::time::timeout_at(deadline, dialer.established()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => bail!("dialer failed: {e}"),
            Err(_) => Err(Timeout("connecting".into()).into()),
        }
    }

    pub fn disconnect(&mut self) {
        if let Some(d) = self.dialer.take() {
            d.close();
        }
    }

    /// Find a document, asking again while the server does not have it
    /// yet (or the first dial has not gone through).
    pub async fn find(&self, id: &DocumentId, deadline: Instant) -> anyhow::Result<DocHandle> {
        loop {
            match tokio::time::timeout_at(deadline, self.repo.find(id.clone())).await {
                Ok(Ok(Some(handle))) => return Ok(handle),
                Ok(Ok(None)) => {}
                Ok(Err(_)) => bail!("samod stopped"),
                Err(_) => return Err(Timeout(format!("finding {id}")).into()),
            }
            if Instant::now() + Duration::from_millis(50) >= deadline {
                return Err(Timeout(format!("finding {id}")).into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Close the connection and stop the repo (bounded).
    pub async fn stop(mut self) {
        self.disconnect();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.repo.stop()).await;
    }
}

/// What a device knows about one document: its own heads and, per
/// connection, the heads the peer last said it had.
pub struct DocWatch {
    handle: DocHandle,
    peers: HashMap<ConnectionId, PeerDocState>,
    peer_updates:
        Box<dyn futures::Stream<Item = HashMap<ConnectionId, PeerDocState>> + Send + Unpin>,
    changes: Box<dyn futures::Stream<Item = ()> + Send + Unpin>,
}

impl DocWatch {
    pub fn new(handle: &DocHandle) -> DocWatch {
        let (peers, updates) = handle.peers();
        DocWatch {
            handle: handle.clone(),
            peers,
            peer_updates: Box::new(Box::pin(updates)),
            changes: Box::new(Box::pin(handle.changes().map(|_| ()))),
        }
    }

    pub fn heads(&self) -> Vec<ChangeHash> {
        self.handle.with_document(|d| sorted_heads(d))
    }

    /// Whether some peer (the server: devices have no other) said it has exactly `heads`.
    pub fn peer_has(&self, heads: &[ChangeHash]) -> bool {
        self.peers.values().any(|p| {
            p.their_heads.as_ref().is_some_and(|theirs| {
                let mut theirs = theirs.clone();
                theirs.sort();
                theirs == heads
            })
        })
    }

    /// Wait for the next event (a change or a peer update), at most `wait`.
    pub async fn next_event(&mut self, wait: Duration) {
        tokio::select! {
            Some(update) = self.peer_updates.next() => self.peers.extend(update),
            Some(_) = self.changes.next() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }

    /// Wait until `done(self)` holds, or the deadline.
    pub async fn until(
        &mut self,
        deadline: Instant,
        mut done: impl FnMut(&DocWatch) -> bool,
    ) -> bool {
        loop {
            if done(self) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            self.next_event((deadline - now).min(Duration::from_millis(50)))
                .await;
        }
    }
}
