//! One sync connection, between the WebSocket and samod. samod runs the
//! protocol; this file holds what the protocol leaves to the server: the
//! transport is bound to the token's peer id; every message is read far
//! enough to refuse what the token may not send (undecodable bytes, text
//! frames, changes to another township's document) by closing the
//! connection with a log line naming the peer; idle peers are pinged and
//! dropped; a connection past `--sync-rate` is read more slowly; a revoked
//! token's connection is closed; and what arrived is tallied for the audit
//! table.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::{SinkExt, StreamExt};
use samod::{DocumentId, PeerId, Transport};
use tokio_util::sync::CancellationToken;

use super::frame::{self, Kind};
use crate::audit::{Audit, Entry, Event};
use crate::auth::{Access, Bucket, DocTownships, SessionGuard, TokenRow};
use crate::lock::lock;
use crate::state::AppState;

/// How often what a connection received is written to the audit table
/// while it stays open (it is always written when it closes).
const TALLY_EVERY: Duration = Duration::from_secs(60);

/// Messages samod may queue for the socket before it waits.
const OUTBOUND_QUEUE: usize = 64;

/// Documents one connection remembers the township of.
const DOCS_REMEMBERED: usize = 1024;

/// WebSocket close codes (RFC 6455 §7.4.1).
const GOING_AWAY: u16 = 1001;
const POLICY: u16 = 1008;
const TOO_BIG: u16 = 1009;

/// Run one connection until either side ends it.
pub async fn run(socket: WebSocket, state: AppState, row: TokenRow, guard: SessionGuard) {
    let peer = row.peer_id();
    let limits = state.gate.limits().clone();
    let (ws_tx, ws_rx) = socket.split();
    // Fired by a revocation (through the guard) or by this connection's
    // own reader when it refuses a message.
    let cancel = guard.cancel.child_token();
    let closing = Closing::default();
    let tally = Tally::default();

    state
        .audit
        .record(Entry::new(Event::Opened).by(row.actor()));
    tracing::info!(%peer, label = %row.label, role = %row.role, "sync connection opened");

    let (out_tx, out_rx) = futures::channel::mpsc::channel::<Vec<u8>>(OUTBOUND_QUEUE);
    let reader = Reader {
        rx: ws_rx,
        reply: out_tx.clone(),
        cancel: cancel.clone(),
        closing: closing.clone(),
        idle: limits.idle_timeout,
        budget: Budget {
            bucket: Bucket::new(limits.sync_burst, Instant::now()),
            rate: limits.sync_rate,
            burst: limits.sync_burst,
        },
        inspector: Inspector {
            row: row.clone(),
            peer: peer.clone(),
            townships: state.doc_townships.clone(),
            docs: HashMap::new(),
            audit: state.audit.clone(),
            seen: state.seen.clone(),
            server_peer: state.repo.peer_id().to_string(),
            tally: tally.clone(),
            joined: false,
            refused_docs: HashSet::new(),
        },
    };
    let inbound = Box::pin(futures::stream::unfold(reader, Reader::step));
    let transport =
        Transport::new(inbound, out_tx).with_expected_peer_id(PeerId::from(peer.as_str()));
    if state.acceptor.accept(transport).is_err() {
        tracing::warn!(%peer, "sync connection refused: the server is stopping");
        return;
    }

    let mut ws_tx = write_loop(
        ws_tx,
        out_rx,
        &cancel,
        limits.ping_interval(),
        &tally,
        &state.audit,
        &row,
    )
    .await;
    cancel.cancel();

    let (code, reason) = closing.take().unwrap_or_else(|| {
        if guard.cancel.is_cancelled() && state.gate.active_by_id(&row.id).is_none() {
            (POLICY, "令牌已被吊销 (token revoked)".to_string())
        } else if guard.cancel.is_cancelled() {
            (GOING_AWAY, "server stopping".to_string())
        } else {
            (
                1000,
                "对方断开或连接中断 (closed by the peer or the network)".to_string(),
            )
        }
    });
    tally.flush(&state.audit, &row);
    let slowed = tally.throttled();
    let detail = if slowed > 0 {
        format!("{reason}；{slowed} 条消息超过限速被延后 ({slowed} messages slowed by --sync-rate)")
    } else {
        reason.clone()
    };
    let mut closed = Entry::new(Event::Closed).by(row.actor()).detail(detail);
    closed.bytes = tally.total_bytes();
    state.audit.record(closed);
    tracing::info!(%peer, label = %row.label, code, "sync connection closed: {reason}");
    // Tell the peer why, best effort: it may be gone already.
    let frame = CloseFrame {
        code,
        reason: fit_close_reason(&reason).into(),
    };
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        ws_tx.send(Message::Close(Some(frame))),
    )
    .await;
    drop(guard);
}

/// A close frame's reason is at most 123 bytes (RFC 6455 §5.5); cut on a
/// character boundary so a Chinese reason stays valid UTF-8.
fn fit_close_reason(reason: &str) -> &str {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

/// samod's messages out, pings, the periodic tally, until samod drops the
/// connection or the connection is cancelled.
async fn write_loop(
    mut ws_tx: futures::stream::SplitSink<WebSocket, Message>,
    mut out_rx: futures::channel::mpsc::Receiver<Vec<u8>>,
    cancel: &CancellationToken,
    ping_every: Duration,
    tally: &Tally,
    audit: &Audit,
    row: &TokenRow,
) -> futures::stream::SplitSink<WebSocket, Message> {
    let mut ping = tokio::time::interval(ping_every);
    ping.tick().await;
    let mut flush = tokio::time::interval(TALLY_EVERY);
    flush.tick().await;
    loop {
        tokio::select! {
            msg = out_rx.next() => match msg {
                Some(bytes) => {
                    if ws_tx.send(Message::Binary(bytes.into())).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            _ = cancel.cancelled() => break,
            _ = ping.tick() => {
                if ws_tx.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
            _ = flush.tick() => tally.flush(audit, row),
        }
    }
    ws_tx
}

/// Why the server ended a connection, set once by whoever ends it.
#[derive(Clone, Default)]
struct Closing(Arc<Mutex<Option<(u16, String)>>>);

impl Closing {
    fn set(&self, code: u16, reason: String) {
        let mut slot = lock(&self.0);
        if slot.is_none() {
            *slot = Some((code, reason));
        }
    }

    fn take(&self) -> Option<(u16, String)> {
        lock(&self.0).take()
    }
}

/// The inbound half, as a stream samod reads.
struct Reader {
    rx: futures::stream::SplitStream<WebSocket>,
    /// The outbound queue samod writes to, for answers the server gives
    /// without samod.
    reply: futures::channel::mpsc::Sender<Vec<u8>>,
    cancel: CancellationToken,
    closing: Closing,
    idle: Duration,
    budget: Budget,
    inspector: Inspector,
}

/// The connection's message budget (`--sync-rate`).
struct Budget {
    bucket: Bucket,
    rate: f64,
    burst: u32,
}

impl Reader {
    /// The next message for samod, or `None` to end the connection.
    async fn step(mut self) -> Option<(Result<Vec<u8>, std::convert::Infallible>, Self)> {
        loop {
            let next = tokio::select! {
                _ = self.cancel.cancelled() => return None,
                next = tokio::time::timeout(self.idle, self.rx.next()) => next,
            };
            let message = match next {
                Err(_) => {
                    let idle = self.idle.as_secs();
                    return self.end(GOING_AWAY, format!("idle for {idle} s"));
                }
                Ok(None) => return None,
                Ok(Some(Err(e))) => {
                    let text = e.to_string();
                    return match read_error(&text) {
                        ReadError::Gone => {
                            self.closing
                                .set(GOING_AWAY, format!("connection lost: {text}"));
                            None
                        }
                        ReadError::TooBig => {
                            self.end(TOO_BIG, format!("message too large: {text}"))
                        }
                        ReadError::Malformed => self.end(POLICY, format!("bad frame: {text}")),
                    };
                }
                Ok(Some(Ok(message))) => message,
            };
            if matches!(message, Message::Binary(_)) && !self.within_budget().await {
                return None;
            }
            match message {
                Message::Binary(bytes) => match self.inspector.inspect(&bytes).await {
                    Ok(Verdict::Pass) => return Some((Ok(bytes.to_vec()), self)),
                    Ok(Verdict::Answer(reply)) => {
                        if self.reply.send(reply).await.is_err() {
                            return None;
                        }
                    }
                    Ok(Verdict::Drop) => {}
                    Err(why) => return self.end(POLICY, why),
                },
                Message::Text(_) => {
                    return self.end(POLICY, "text frame on a sync connection".to_string());
                }
                // Any frame shows the peer is alive; pongs answer our pings.
                Message::Ping(_) | Message::Pong(_) => continue,
                Message::Close(_) => return None,
            }
        }
    }

    /// Wait until the budget allows one more message; `false` when the
    /// connection was cancelled meanwhile. While this waits the socket is
    /// not read, so TCP slows the sender down; nothing is dropped.
    async fn within_budget(&mut self) -> bool {
        let Budget {
            bucket,
            rate,
            burst,
        } = &mut self.budget;
        let mut first = true;
        while let Err(wait) = bucket.take(Instant::now(), *rate, *burst) {
            if first {
                first = false;
                if self.inspector.tally.throttle() == 1 {
                    let row = &self.inspector.row;
                    tracing::warn!(
                        peer = %row.peer_id(),
                        label = %row.label,
                        "sync connection past --sync-rate ({rate}/s): reading it more slowly"
                    );
                }
            }
            tokio::select! {
                _ = self.cancel.cancelled() => return false,
                _ = tokio::time::sleep(wait) => {}
            }
        }
        true
    }

    fn end<T>(self, code: u16, reason: String) -> Option<T> {
        let row = &self.inspector.row;
        tracing::warn!(peer = %row.peer_id(), label = %row.label, "closing sync connection: {reason}");
        if code != GOING_AWAY {
            self.inspector.audit.record(
                Entry::new(Event::Refused)
                    .by(row.actor())
                    .detail(format!("sync: {reason}")),
            );
        }
        self.closing.set(code, reason);
        self.cancel.cancel();
        None
    }
}

/// What a failed read means.
#[derive(Debug, PartialEq, Eq)]
enum ReadError {
    /// The link dropped (a phone losing signal): not the peer's fault.
    Gone,
    /// Over `--max-message-mb`.
    TooBig,
    /// Bytes that are not a valid WebSocket frame.
    Malformed,
}

/// Classify a read error by its text: axum hides tungstenite's error type
/// behind its own, so the message is all there is.
fn read_error(text: &str) -> ReadError {
    const GONE: [&str; 6] = [
        "without closing handshake",
        "Connection reset",
        "Broken pipe",
        "Connection closed normally",
        "with closed connection",
        "IO error",
    ];
    if text.contains("too long") || text.contains("Space limit") {
        ReadError::TooBig
    } else if GONE.iter().any(|g| text.contains(g)) {
        ReadError::Gone
    } else {
        ReadError::Malformed
    }
}

/// Checks each message against the token.
struct Inspector {
    row: TokenRow,
    /// The token's peer id, the only sender this connection may speak as.
    peer: String,
    townships: DocTownships,
    /// Each document's township as first looked up on this connection, so
    /// a sync message costs no lookup (nor, for a document that is no
    /// township's, a query) after the first.
    docs: HashMap<DocumentId, Option<String>>,
    audit: Audit,
    seen: crate::peers::Seen,
    /// The server's own peer id, the sender of its answers.
    server_peer: String,
    tally: Tally,
    joined: bool,
    /// Documents already refused to this connection, to log each once.
    refused_docs: HashSet<DocumentId>,
}

impl Inspector {
    /// `Err` is why the connection must close.
    async fn inspect(&mut self, bytes: &[u8]) -> Result<Verdict, String> {
        let header = frame::read(bytes).map_err(|e| format!("undecodable message: {e}"))?;
        if !self.joined {
            if header.kind != Kind::Join {
                return Err(format!("first message is {:?}, not join", header.kind));
            }
            if header.sender != Some(self.peer.as_str()) {
                return Err(format!(
                    "peer id {:?} is not this token's ({})",
                    header.sender.unwrap_or(""),
                    self.peer
                ));
            }
            self.joined = true;
            self.tally.bytes(bytes.len());
            return Ok(Verdict::Pass);
        }
        self.check_after_join(&header)?;
        self.tally.bytes(bytes.len());
        let Some(doc) = header.document else {
            return Ok(Verdict::Pass);
        };
        let (township, first_time) = self.township_of(&doc).await;
        let access = self.row.role.document_access(township.as_deref());
        if first_time && access != Access::None {
            self.seen.note(&doc, &self.peer);
        }
        if !matches!(header.kind, Kind::Request | Kind::Sync) {
            // Ephemera and heads notices about a document it may not
            // touch are dropped here, before samod starts an actor for it.
            return Ok(match access {
                Access::None => Verdict::Drop,
                _ => Verdict::Pass,
            });
        }
        let data = header.data.unwrap_or_default();
        let changes = frame::changes_in(data)
            .map_err(|e| format!("undecodable sync message for document {doc}: {e}"))?;
        match access {
            Access::None if changes > 0 => Err(format!(
                "changes for document {doc}, which this token may not touch"
            )),
            Access::None => {
                // Answered here, as samod would, so that asking for
                // documents (or random ids) starts no document actor in
                // samod: it could not unload one, so each would cost memory
                // and time for the rest of the server's life.
                if self.refused_docs.insert(doc.clone()) {
                    self.audit
                        .record(
                            Entry::new(Event::Refused)
                                .by(self.row.actor())
                                .detail(format!(
                                    "sync: document {doc} is not this token's (doc-unavailable)"
                                )),
                        );
                }
                Ok(Verdict::Answer(frame::doc_unavailable(
                    &self.server_peer,
                    &self.peer,
                    &doc,
                )))
            }
            Access::ReadOnly => {
                self.tally.add(doc, township, 0, data.len(), changes);
                Ok(Verdict::Pass)
            }
            Access::ReadWrite => {
                self.tally.add(doc, township, changes, data.len(), 0);
                Ok(Verdict::Pass)
            }
        }
    }

    /// The township of `doc`, and whether this connection asks for the
    /// first time. At most `DOCS_REMEMBERED` are kept: a peer sending random
    /// ids must not grow the map without bound (past it, each is looked up).
    async fn township_of(&mut self, doc: &DocumentId) -> (Option<String>, bool) {
        if let Some(known) = self.docs.get(doc) {
            return (known.clone(), false);
        }
        let township = self.townships.of(doc).await;
        if self.docs.len() < DOCS_REMEMBERED {
            self.docs.insert(doc.clone(), township.clone());
        }
        (township, true)
    }

    /// What samod would refuse anyway, refused here so the log and the
    /// audit name the peer and the reason (samod's own line names only a
    /// connection number).
    fn check_after_join(&self, h: &frame::Header<'_>) -> Result<(), String> {
        let expected = &self.peer;
        match h.kind {
            Kind::Join | Kind::Peer => return Err(format!("{:?} after the handshake", h.kind)),
            Kind::Other => return Err("unknown message type".into()),
            _ => {}
        }
        // Only for what the peer says in its own name: ephemeral messages
        // are relayed from other peers and keep their author's senderId.
        let own_voice = matches!(
            h.kind,
            Kind::Request | Kind::Sync | Kind::DocUnavailable | Kind::Leave
        );
        if own_voice && h.sender.is_some_and(|s| s != expected.as_str()) {
            return Err(format!(
                "senderId {:?} is not this token's ({expected})",
                h.sender.unwrap_or("")
            ));
        }
        if matches!(h.kind, Kind::Request | Kind::Sync)
            && let Some(target) = h.target
            && target != self.server_peer
        {
            return Err(format!("targetId {target:?} is not this server"));
        }
        if matches!(h.kind, Kind::Request | Kind::Sync)
            && (h.document.is_none() || h.data.is_none() || h.target.is_none())
        {
            return Err(format!("{:?} without documentId, targetId or data", h.kind));
        }
        Ok(())
    }
}

/// What to do with a message that may stay on the connection.
enum Verdict {
    /// Hand it to samod.
    Pass,
    /// Do not hand it on; send the peer this instead.
    Answer(Vec<u8>),
    /// Do not hand it on.
    Drop,
}

/// What a connection received, per document, since the last flush.
#[derive(Clone, Default)]
struct Tally(Arc<Mutex<TallyInner>>);

#[derive(Default)]
struct TallyInner {
    docs: HashMap<DocumentId, DocTally>,
    total_bytes: u64,
    /// Messages that waited for the connection's `--sync-rate` budget.
    throttled: u64,
}

struct DocTally {
    township: Option<String>,
    changes: u64,
    bytes: u64,
    ignored: u64,
}

impl Tally {
    fn lock(&self) -> std::sync::MutexGuard<'_, TallyInner> {
        lock(&self.0)
    }

    fn bytes(&self, n: usize) {
        self.lock().total_bytes += n as u64;
    }

    /// Count one message held back by the rate; the count so far.
    fn throttle(&self) -> u64 {
        let mut inner = self.lock();
        inner.throttled += 1;
        inner.throttled
    }

    fn throttled(&self) -> u64 {
        self.lock().throttled
    }

    /// Every byte received on the connection (all messages, all documents).
    fn total_bytes(&self) -> u64 {
        self.lock().total_bytes
    }

    fn add(
        &self,
        doc: DocumentId,
        township: Option<String>,
        changes: u64,
        bytes: usize,
        ignored: u64,
    ) {
        let mut inner = self.lock();
        let entry = inner.docs.entry(doc).or_insert(DocTally {
            township,
            changes: 0,
            bytes: 0,
            ignored: 0,
        });
        entry.changes += changes;
        entry.bytes += bytes as u64;
        entry.ignored += ignored;
    }

    /// One `received` row per document that sent anything.
    fn flush(&self, audit: &Audit, row: &TokenRow) {
        let docs = std::mem::take(&mut self.lock().docs);
        for (doc, t) in docs {
            if t.changes == 0 && t.ignored == 0 {
                continue;
            }
            let mut entry = Entry::new(Event::Received).by(row.actor());
            entry.township = t.township;
            entry.document = Some(doc.to_string());
            entry.changes = t.changes;
            entry.bytes = t.bytes;
            if t.ignored > 0 {
                entry.detail = Some(format!(
                    "只读令牌，{} 个变更被忽略 (read-only: {} changes ignored)",
                    t.ignored, t.ignored
                ));
            }
            audit.record(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ReadError, fit_close_reason, read_error};

    #[test]
    fn a_dropped_link_is_not_a_violation_but_a_bad_frame_is() {
        // The texts tungstenite 0.26/0.27 produce, through axum's error.
        assert_eq!(
            read_error("WebSocket protocol error: Connection reset without closing handshake"),
            ReadError::Gone
        );
        assert_eq!(
            read_error("IO error: Connection reset by peer (os error 104)"),
            ReadError::Gone
        );
        assert_eq!(
            read_error("Space limit exceeded: Message too long: 1572864 > 1048576"),
            ReadError::TooBig
        );
        assert_eq!(
            read_error("WebSocket protocol error: Reserved bits are non-zero"),
            ReadError::Malformed
        );
    }

    #[test]
    fn close_reasons_fit_the_frame_and_stay_utf8() {
        let long = "令牌已被吊销".repeat(20);
        let cut = fit_close_reason(&long);
        assert!(cut.len() <= 123);
        assert!(long.starts_with(cut));
        assert_eq!(fit_close_reason("idle"), "idle");
    }
}
