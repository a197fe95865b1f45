//! The TCP side of the HTTP server: which connections are taken and how
//! long one may dawdle. axum's `serve` neither caps connections nor gives
//! hyper a timer (so a connection that never finishes its headers is held
//! forever), so this is its accept loop with those added:
//!
//! - at most `--max-connections` open at once and `--connections-per-address`
//!   from one address (a trusted proxy is exempt); one over a cap is closed
//!   at once, with a WARN line at most every [`REFUSAL_LOG_EVERY`];
//! - hyper's header-read timeout (`--header-timeout`), which also closes a
//!   kept-alive connection that sends no next request;
//! - a connection's slot is held by its socket, so an upgraded sync
//!   connection keeps counting until it closes;
//! - when a flood has ended, freed memory is handed back to the OS.
//!
//! Each request carries `ConnectInfo<SocketAddr>` (the TCP peer) and a
//! [`ClientAddr`] (the client, through a trusted proxy's `X-Forwarded-For`).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tower_service::Service;

use crate::lock::lock;
use crate::metrics::{Connections, Reason};

/// At most one WARN line about refused connections this often.
pub const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);

/// Open connections past which a flood is assumed; once they fall back
/// under [`FLOOD_OVER`] the memory freed is handed back to the OS.
const FLOOD_MARK: usize = 512;
const FLOOD_OVER: usize = 64;

/// What the accept loop enforces.
#[derive(Debug, Clone)]
pub struct ConnLimits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Connections open at once from one address.
    pub per_address: usize,
    /// Time to send a request's headers.
    pub header_timeout: Duration,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}

impl From<&crate::limits::Limits> for ConnLimits {
    fn from(l: &crate::limits::Limits) -> Self {
        ConnLimits {
            max_connections: l.max_connections,
            per_address: l.connections_per_address,
            header_timeout: l.header_timeout,
            trusted_proxies: l.trusted_proxies.clone(),
        }
    }
}

/// The client a request came from: the TCP peer, or behind a trusted
/// proxy the last `X-Forwarded-For` hop that is not a trusted proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The client of a request from `peer` with `headers`.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    // Each proxy appends the address it got the request from; read from
    // the right, skipping our own proxies. The first hop that is not one is
    // the client; what lies left of it was written by the client itself.
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

/// Serve `app` on `listener` until `shutdown` completes, then stop taking
/// connections, tell the open ones to finish their request, and wait for
/// them (upgraded sync connections are not waited for: the caller closes them).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    metrics: Connections,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let counts = Counts::new(metrics);
    let stopping = CancellationToken::new();
    let (close_tx, close_rx) = tokio::sync::watch::channel(());
    let mut refusals = RefusalLog::default();
    let trusted: Arc<[IpAddr]> = limits.trusted_proxies.clone().into();
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    if !is_connection_error(&e) {
                        // Out of descriptors, most likely: let some close.
                        refusals.accept_error(&e);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let slot = match counts.admit(peer.ip(), &limits, &trusted) {
            Ok(slot) => slot,
            Err(over) => {
                // Closed at once: the peer reads EOF (or a reset).
                drop(stream);
                counts.metrics.refused(match over {
                    Over::Total => Reason::ConnectionCap,
                    Over::Address => Reason::AddressCap,
                });
                refusals.refused(peer, over);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Held {
            stream,
            _slot: slot,
        });
        let app = app.clone();
        let trusted = trusted.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            let client = client_addr(peer.ip(), req.headers(), &trusted);
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(ClientAddr(client));
            let mut app = app.clone();
            async move { app.call(req).await }
        });
        let header_timeout = limits.header_timeout;
        let stopping = stopping.clone();
        let close_rx = close_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let mut conn = pin!(builder.serve_connection(io, service).with_upgrades());
            tokio::select! {
                served = conn.as_mut() => {
                    if let Err(e) = served {
                        tracing::debug!(%peer, "connection ended: {e}");
                    }
                }
                _ = stopping.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(close_rx);
        });
    }
    drop(listener);
    stopping.cancel();
    drop(close_rx);
    close_tx.closed().await;
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Over {
    /// `--max-connections`.
    Total,
    /// `--connections-per-address`.
    Address,
}

/// Connections open now, in all and per address (and in the metrics).
#[derive(Clone)]
struct Counts {
    inner: Arc<Mutex<Inner>>,
    metrics: Connections,
}

#[derive(Default)]
struct Inner {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
    /// Past [`FLOOD_MARK`] since memory was last handed back.
    flooded: bool,
}

impl Counts {
    fn new(metrics: Connections) -> Self {
        Counts {
            inner: Arc::default(),
            metrics,
        }
    }

    fn admit(&self, ip: IpAddr, limits: &ConnLimits, trusted: &[IpAddr]) -> Result<Slot, Over> {
        let mut inner = lock(&self.inner);
        if inner.total >= limits.max_connections {
            return Err(Over::Total);
        }
        let exempt = trusted.contains(&ip);
        let from_here = inner.by_address.get(&ip).copied().unwrap_or(0);
        if !exempt && from_here >= limits.per_address {
            return Err(Over::Address);
        }
        inner.total += 1;
        inner.by_address.insert(ip, from_here + 1);
        if inner.total >= FLOOD_MARK {
            inner.flooded = true;
        }
        self.metrics.opened();
        Ok(Slot {
            counts: self.clone(),
            ip,
        })
    }
}

/// One open connection's place in [`Counts`], given back when it closes.
struct Slot {
    counts: Counts,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.counts.metrics.closed();
        let mut inner = lock(&self.counts.inner);
        inner.total = inner.total.saturating_sub(1);
        if let Some(n) = inner.by_address.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                inner.by_address.remove(&self.ip);
            }
        }
        if inner.flooded && inner.total < FLOOD_OVER {
            inner.flooded = false;
            drop(inner);
            give_back_memory();
        }
    }
}

/// Hand the heap the flood's connections used back to the OS: glibc's
/// malloc keeps freed memory in its arenas otherwise, and RSS stays at the
/// flood's peak.
fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let spawned = std::thread::Builder::new()
            .name("malloc-trim".into())
            .spawn(|| {
                // SAFETY: malloc_trim only walks malloc's own arenas.
                unsafe { libc::malloc_trim(0) };
            });
        if let Err(e) = spawned {
            tracing::debug!("cannot start malloc_trim: {e}");
        }
    }
}

/// A connection's socket holding its slot: the slot is freed when the
/// socket is, also after a WebSocket upgrade has taken it over.
struct Held {
    stream: TcpStream,
    _slot: Slot,
}

impl AsyncRead for Held {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Held {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Refusals and accept errors, logged at most every [`REFUSAL_LOG_EVERY`]
/// with how many there were since the last line.
#[derive(Default)]
struct RefusalLog {
    last: Option<Instant>,
    over_total: u64,
    over_address: u64,
    accept_errors: u64,
}

impl RefusalLog {
    fn refused(&mut self, peer: SocketAddr, over: Over) {
        match over {
            Over::Total => self.over_total += 1,
            Over::Address => self.over_address += 1,
        }
        if self.due() {
            tracing::warn!(
                last_from = %peer.ip(),
                over_max_connections = self.over_total,
                over_connections_per_address = self.over_address,
                "connections refused (closed at once): --max-connections or --connections-per-address reached"
            );
            self.reset();
        }
    }

    fn accept_error(&mut self, e: &io::Error) {
        self.accept_errors += 1;
        if self.due() {
            tracing::error!(
                errors = self.accept_errors,
                "cannot accept connections: {e}"
            );
            self.reset();
        }
    }

    fn due(&self) -> bool {
        self.last
            .is_none_or(|last| last.elapsed() >= REFUSAL_LOG_EVERY)
    }

    fn reset(&mut self) {
        self.last = Some(Instant::now());
        self.over_total = 0;
        self.over_address = 0;
        self.accept_errors = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().expect("header value"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.1");
        let trusted = [proxy, ip("10.0.0.2")];
        let h = headers(&["6.6.6.6, 1.2.3.4", "10.0.0.2"]);
        assert_eq!(client_addr(proxy, &h, &trusted), ip("1.2.3.4"));
        // Not from a trusted proxy: the peer, whatever the header says.
        assert_eq!(client_addr(ip("5.5.5.5"), &h, &trusted), ip("5.5.5.5"));
        // No header, or garbage in it: the proxy itself.
        assert_eq!(client_addr(proxy, &headers(&[]), &trusted), proxy);
        assert_eq!(client_addr(proxy, &headers(&["nonsense"]), &trusted), proxy);
    }

    #[test]
    fn caps_count_per_address_and_free_on_drop() {
        let limits = ConnLimits {
            max_connections: 3,
            per_address: 2,
            header_timeout: Duration::from_secs(1),
            trusted_proxies: vec![],
        };
        let counts = Counts::new(crate::metrics::Metrics::new().connections().clone());
        let a = ip("127.0.0.2");
        let first = counts.admit(a, &limits, &[]).expect("first");
        let _second = counts.admit(a, &limits, &[]).expect("second");
        assert_eq!(counts.admit(a, &limits, &[]).err(), Some(Over::Address));
        let _other = counts.admit(ip("127.0.0.3"), &limits, &[]).expect("other");
        assert_eq!(
            counts.admit(ip("127.0.0.4"), &limits, &[]).err(),
            Some(Over::Total)
        );
        drop(first);
        assert!(counts.admit(a, &limits, &[]).is_ok());
    }
}
