//! What one token or one connection may use, with defaults sized for a
//! county: a township's first sync carries its whole history in one
//! message (a few MB for a large township), a device reconnects with its old
//! socket sometimes not yet timed out, the dashboard fetches eight
//! reports at once, and a device's sync of one document is a few messages
//! per round (a fan-in of 100 devices with 200 edits each stays far under
//! the sync rate).

use std::net::IpAddr;
use std::time::Duration;

/// The server's limits; every field is a `serve` flag.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest WebSocket message accepted, in bytes.
    pub max_message_bytes: usize,
    /// Open sync connections one token may hold at once.
    pub connections_per_token: usize,
    /// `/api` requests per second per token, on average.
    pub api_rate: f64,
    /// `/api` requests one token may make at once before the rate applies.
    pub api_burst: u32,
    /// Sync messages per second one connection may send, on average. Past
    /// it the server stops reading that socket for a moment instead of
    /// closing it, so a runaway app is slowed down, not cut off.
    pub sync_rate: f64,
    /// Sync messages one connection may send at once before the rate applies.
    pub sync_burst: u32,
    /// A sync connection that sends nothing (not even a pong to the
    /// server's pings) for this long is closed.
    pub idle_timeout: Duration,
    /// Bytes of received sync messages being inspected and handed to samod
    /// at once, across all connections (`--max-inflight-mb`).
    pub max_inflight_bytes: usize,
    /// TCP connections open at once, all addresses together.
    pub max_connections: usize,
    /// TCP connections open at once from one address (a trusted proxy is
    /// exempt: it does per-client caps itself).
    pub connections_per_address: usize,
    /// How long a connection may take to send a request's headers (and how
    /// long a kept-alive connection may wait for its next request).
    pub header_timeout: Duration,
    /// How long a request may take to send its body.
    pub body_timeout: Duration,
    /// Peers whose `X-Forwarded-For` names the client (the TLS proxy).
    pub trusted_proxies: Vec<IpAddr>,
}

/// The largest sync message by default, in MiB. The largest real one is a
/// new device's first sync of a township, which carries the township's
/// whole document at most once; `bench-document`'s township (500 units,
/// 3,000 people, 22,441 changes) saves to 1.19 MB (docs/BENCHMARKS.md).
/// 16 MiB is over 13× that: room for a township that grows for years, or a
/// sync that sends changes one by one rather than compressed.
pub const DEFAULT_MAX_MESSAGE_MB: usize = 16;

/// Received sync messages in flight by default, in MiB: sixteen of the
/// largest messages at once.
pub const DEFAULT_MAX_INFLIGHT_MB: usize = 256;

/// Connections from one address by default. A township office's tablets
/// and phones usually share one NAT address, and each holds one sync
/// connection plus a few short /api ones; 64 leaves room for a large
/// office while one attacking address cannot hold more than 64 sockets.
pub const DEFAULT_CONNECTIONS_PER_ADDRESS: usize = 64;

/// File descriptors kept back from `--max-connections`'s default for what
/// is not a connection: SQLite's database, WAL and shared-memory files on
/// each of its connections, the listener, epoll, the log, samod's storage.
pub const FD_HEADROOM: usize = 256;

/// Request body limit for /api, in bytes: its JSON bodies are a few
/// hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: DEFAULT_MAX_MESSAGE_MB * 1024 * 1024,
            connections_per_token: 4,
            api_rate: 20.0,
            api_burst: 40,
            sync_rate: 200.0,
            sync_burst: 1000,
            idle_timeout: Duration::from_secs(120),
            max_inflight_bytes: DEFAULT_MAX_INFLIGHT_MB * 1024 * 1024,
            max_connections: default_max_connections(),
            connections_per_address: DEFAULT_CONNECTIONS_PER_ADDRESS,
            header_timeout: Duration::from_secs(15),
            body_timeout: Duration::from_secs(15),
            trusted_proxies: Vec::new(),
        }
    }
}

impl Limits {
    /// How often the server pings an open connection: often enough that a
    /// live peer answers well within the idle timeout, and NAT boxes on
    /// village links keep the mapping open.
    pub fn ping_interval(&self) -> Duration {
        (self.idle_timeout / 3).clamp(Duration::from_millis(100), Duration::from_secs(30))
    }
}

/// Raise the soft limit on open files to the hard one (as servers commonly
/// do) and return it; `None` if it cannot be read.
pub fn raise_fd_limit() -> Option<usize> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return None;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
    }
    usize::try_from(lim.rlim_cur).ok()
}

/// `--max-connections`'s default: the open-file limit less
/// [`FD_HEADROOM`], so the server refuses a connection before it runs out
/// of descriptors for its own files; at least 64.
pub fn default_max_connections() -> usize {
    raise_fd_limit()
        .unwrap_or(1024)
        .saturating_sub(FD_HEADROOM)
        .max(64)
}
