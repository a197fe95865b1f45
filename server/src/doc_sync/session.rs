//! One sync connection's socket, between the WebSocket and samod. samod
//! runs the protocol; this file does the IO the protocol leaves to the
//! server: the transport is bound to the token's peer id; each message is
//! read, judged by `policy` (with the document's township looked up here),
//! and passed on, answered, dropped or the connection closed with a log
//! line naming the peer; idle peers are pinged and dropped; a connection
//! past `--sync-rate` is read more slowly; a revoked token's connection is
//! closed. `tally` counts what arrived, `close` says why it ended.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::{SinkExt, StreamExt};
use samod::{DocumentId, PeerId, Transport};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::close::{Close, CloseCode, Closing, ReadError, fit_close_reason, read_error};
use super::frame;
use super::hold::Hold;
use super::policy::{self, Parties, Verdict};
use super::tally::Tally;
use crate::audit::{Actor, Audit, Entry, Event};
use crate::auth::{Access, Bucket, DocTownships, SessionGuard, TokenRow};
use crate::metrics::{Direction, Metrics, Reason};
use crate::peers::Seen;
use crate::state::AppState;

/// How often what a connection received is written to the audit table
/// while it stays open (it is always written when it closes).
const TALLY_EVERY: Duration = Duration::from_secs(60);

/// Messages samod may queue for the socket before it waits.
const OUTBOUND_QUEUE: usize = 64;

/// Documents one connection remembers the township of.
const DOCS_REMEMBERED: usize = 1024;

/// Run one connection until either side ends it.
pub async fn run(socket: WebSocket, state: AppState, row: TokenRow, guard: SessionGuard) {
    let peer = row.peer_id();
    let actor = row.actor();
    let limits = state.gate.limits().clone();
    let (ws_tx, ws_rx) = socket.split();
    // Fired by a revocation (through the guard) or by this connection's
    // own reader when it refuses a message.
    let cancel = guard.cancel.child_token();
    let closing = Closing::default();
    let tally = Tally::default();

    state
        .audit
        .record(Entry::new(Event::Opened).by(actor.clone()));
    tracing::info!(%peer, label = %row.label, role = %row.role, "sync connection opened");

    let (out_tx, out_rx) = futures::channel::mpsc::channel::<Vec<u8>>(OUTBOUND_QUEUE);
    let reader = Reader {
        rx: ws_rx,
        reply: out_tx.clone(),
        cancel: cancel.clone(),
        closing: closing.clone(),
        idle: limits.idle_timeout,
        inflight: state.inflight.clone(),
        held: None,
        inflight_total: limits
            .max_inflight_bytes
            .min(tokio::sync::Semaphore::MAX_PERMITS),
        budget: Budget {
            bucket: Bucket::new(limits.sync_burst, Instant::now()),
            rate: limits.sync_rate,
            burst: limits.sync_burst,
        },
        inspector: Inspector {
            role: row.role.clone(),
            label: row.label.clone(),
            actor: actor.clone(),
            parties: Parties {
                peer: peer.clone(),
                server: state.repo.peer_id().to_string(),
            },
            townships: state.doc_townships.clone(),
            docs: HashMap::new(),
            audit: state.audit.clone(),
            seen: state.seen.clone(),
            tally: tally.clone(),
            metrics: state.metrics.clone(),
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

    let sync_metrics = state.metrics.sync().clone();
    let mut ws_tx = write_loop(
        ws_tx,
        // Each message once the server's file has what it claims; pings
        // and the tally go on while one is held.
        Hold::new(state.storage.clone())
            .release(out_rx)
            .inspect(|bytes| sync_metrics.message(Direction::Out, bytes.len())),
        &cancel,
        limits.ping_interval(),
        &tally,
        &state.audit,
        &actor,
    )
    .await;
    cancel.cancel();

    let close = closing.take().unwrap_or_else(|| {
        if guard.cancel.is_cancelled() && state.gate.active_by_id(&row.id).is_none() {
            Close::new(CloseCode::Policy, "令牌已被吊销 (token revoked)")
        } else if guard.cancel.is_cancelled() {
            Close::new(CloseCode::GoingAway, "server stopping")
        } else {
            Close::new(
                CloseCode::Normal,
                "对方断开或连接中断 (closed by the peer or the network)",
            )
        }
    });
    tally.flush(&state.audit, &actor);
    let slowed = tally.throttled();
    let reason = &close.reason;
    let detail = if slowed > 0 {
        format!("{reason}；{slowed} 条消息超过限速被延后 ({slowed} messages slowed by --sync-rate)")
    } else {
        reason.clone()
    };
    let mut closed = Entry::new(Event::Closed).by(actor).detail(detail);
    closed.bytes = tally.total_bytes();
    state.audit.record(closed);
    let code = close.code.code();
    tracing::info!(%peer, label = %row.label, code, "sync connection closed: {reason}");
    // Tell the peer why, best effort: it may be gone already.
    let frame = CloseFrame {
        code,
        reason: fit_close_reason(reason).into(),
    };
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        ws_tx.send(Message::Close(Some(frame))),
    )
    .await;
    drop(guard);
}

/// samod's messages out (as `hold` releases them), pings, the periodic
/// tally, until samod drops the connection or the connection is cancelled.
async fn write_loop(
    mut ws_tx: futures::stream::SplitSink<WebSocket, Message>,
    out: impl futures::Stream<Item = Vec<u8>>,
    cancel: &CancellationToken,
    ping_every: Duration,
    tally: &Tally,
    audit: &Audit,
    actor: &Actor,
) -> futures::stream::SplitSink<WebSocket, Message> {
    let mut ping = tokio::time::interval(ping_every);
    ping.tick().await;
    let mut flush = tokio::time::interval(TALLY_EVERY);
    flush.tick().await;
    let mut out = std::pin::pin!(out);
    loop {
        tokio::select! {
            msg = out.next() => match msg {
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
            _ = flush.tick() => tally.flush(audit, actor),
        }
    }
    ws_tx
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
    /// The server's budget of received bytes in flight (`--max-inflight-mb`).
    inflight: Arc<Semaphore>,
    /// The part of it the message last handed to samod holds, until samod
    /// asks for the next one (by then it has taken that message over).
    held: Option<OwnedSemaphorePermit>,
    /// The budget's size, the most one message takes of it.
    inflight_total: usize,
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
        // samod asks for the next message: it has the last one.
        self.held = None;
        loop {
            let next = tokio::select! {
                _ = self.cancel.cancelled() => return None,
                next = tokio::time::timeout(self.idle, self.rx.next()) => next,
            };
            let message = match next {
                Err(_) => {
                    let idle = self.idle.as_secs();
                    return self.end(Close::new(
                        CloseCode::GoingAway,
                        format!("idle for {idle} s"),
                    ));
                }
                Ok(None) => return None,
                Ok(Some(Err(e))) => {
                    let text = e.to_string();
                    return match read_error(&text) {
                        ReadError::Gone => {
                            self.closing.set(Close::new(
                                CloseCode::GoingAway,
                                format!("connection lost: {text}"),
                            ));
                            None
                        }
                        ReadError::TooBig => self.end(Close::new(
                            CloseCode::TooBig,
                            format!("message too large: {text}"),
                        )),
                        ReadError::Malformed => {
                            self.end(Close::new(CloseCode::Policy, format!("bad frame: {text}")))
                        }
                    };
                }
                Ok(Some(Ok(message))) => message,
            };
            if matches!(message, Message::Binary(_)) && !self.within_budget().await {
                return None;
            }
            match message {
                Message::Binary(bytes) => {
                    self.inspector
                        .metrics
                        .sync()
                        .message(Direction::In, bytes.len());
                    let permit = self.in_flight(bytes.len()).await?;
                    match self.inspector.inspect(&bytes).await {
                        Handling::Pass => {
                            self.held = Some(permit);
                            return Some((Ok(bytes.to_vec()), self));
                        }
                        Handling::Answer(reply) => {
                            if self.reply.send(reply).await.is_err() {
                                return None;
                            }
                        }
                        Handling::Drop => {}
                        Handling::Close(close) => return self.end(close),
                    }
                }
                Message::Text(_) => {
                    return self.end(Close::new(
                        CloseCode::Policy,
                        "text frame on a sync connection",
                    ));
                }
                // Any frame shows the peer is alive; pongs answer our pings.
                Message::Ping(_) | Message::Pong(_) => continue,
                Message::Close(_) => return None,
            }
        }
    }

    /// Take `len` bytes of the server's in-flight budget for a message just
    /// read (all of it for a message larger than the whole budget); waits
    /// while other connections hold it, and meanwhile this socket is not
    /// read. `None` when the connection was cancelled meanwhile.
    async fn in_flight(&self, len: usize) -> Option<OwnedSemaphorePermit> {
        let n = u32::try_from(len.clamp(1, self.inflight_total)).unwrap_or(u32::MAX);
        tokio::select! {
            _ = self.cancel.cancelled() => None,
            permit = self.inflight.clone().acquire_many_owned(n) => permit.ok(),
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
                    let i = &self.inspector;
                    tracing::warn!(
                        peer = %i.parties.peer,
                        label = %i.label,
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

    fn end<T>(self, close: Close) -> Option<T> {
        let i = &self.inspector;
        let reason = &close.reason;
        tracing::warn!(peer = %i.parties.peer, label = %i.label, "closing sync connection: {reason}");
        if close.code != CloseCode::GoingAway {
            i.metrics.connections().refused(Reason::SyncViolation);
            i.audit.record(
                Entry::new(Event::Refused)
                    .by(i.actor.clone())
                    .detail(format!("sync: {reason}")),
            );
        }
        self.closing.set(close);
        self.cancel.cancel();
        None
    }
}

/// What the reader does with one message, `policy`'s verdict carried out.
enum Handling {
    /// Hand it to samod.
    Pass,
    /// Do not hand it on; send the peer this instead.
    Answer(Vec<u8>),
    /// Do not hand it on.
    Drop,
    /// Close the connection.
    Close(Close),
}

/// Applies the policy to each message: reads its header, looks up its
/// document's township (the one IO the policy needs), and does what the
/// verdict says to the tally, the audit and the devices seen.
struct Inspector {
    role: crate::auth::Role,
    label: String,
    actor: Actor,
    parties: Parties,
    townships: DocTownships,
    /// Each document's township as first looked up on this connection, so
    /// a sync message costs no lookup (nor, for a document that is no
    /// township's, a query) after the first.
    docs: HashMap<DocumentId, Option<String>>,
    audit: Audit,
    seen: Seen,
    tally: Tally,
    metrics: Metrics,
    joined: bool,
    /// Documents already refused to this connection, to log each once.
    refused_docs: HashSet<DocumentId>,
}

impl Inspector {
    async fn inspect(&mut self, bytes: &[u8]) -> Handling {
        let header = match frame::read(bytes) {
            Ok(header) => header,
            Err(e) => {
                return Handling::Close(policy::Violation::Undecodable(e.to_string()).close());
            }
        };
        let checked = if self.joined {
            policy::after_join(&header, &self.parties)
        } else {
            policy::join(&header, &self.parties)
        };
        if let Err(violation) = checked {
            return Handling::Close(violation.close());
        }
        self.tally.bytes(bytes.len());
        if !self.joined {
            self.joined = true;
            return Handling::Pass;
        }
        let Some(doc) = header.document.clone() else {
            return Handling::Pass;
        };
        let (township, first_time) = self.township_of(&doc).await;
        let access = self.role.document_access(township.as_deref());
        if first_time && access != Access::None {
            self.seen.note(&doc, &self.parties.peer);
        }
        match policy::judge(&header, &doc, access) {
            Verdict::Pass(None) => Handling::Pass,
            Verdict::Pass(Some(carried)) => {
                self.metrics
                    .sync()
                    .changes(township.as_deref(), carried.changes);
                self.tally.add(
                    doc,
                    township,
                    carried.changes,
                    carried.bytes,
                    carried.ignored,
                );
                Handling::Pass
            }
            Verdict::Drop => Handling::Drop,
            Verdict::Unavailable(doc) => {
                if self.refused_docs.insert(doc.clone()) {
                    self.audit
                        .record(
                            Entry::new(Event::Refused)
                                .by(self.actor.clone())
                                .detail(format!(
                                    "sync: document {doc} is not this token's (doc-unavailable)"
                                )),
                        );
                }
                Handling::Answer(frame::doc_unavailable(
                    &self.parties.server,
                    &self.parties.peer,
                    &doc,
                ))
            }
            Verdict::Close(violation) => Handling::Close(violation.close()),
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
}
