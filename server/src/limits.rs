//! What one token or one connection may use, with defaults sized for a
//! county: a township's first sync carries its whole history in one
//! message (a few MB for a large township), a device reconnects with its old
//! socket sometimes not yet timed out, the dashboard fetches eight
//! reports at once, and a device's sync of one document is a few messages
//! per round (a fan-in of 100 devices with 200 edits each stays far under
//! the sync rate).

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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 64 * 1024 * 1024,
            connections_per_token: 4,
            api_rate: 20.0,
            api_burst: 40,
            sync_rate: 200.0,
            sync_burst: 1000,
            idle_timeout: Duration::from_secs(120),
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
