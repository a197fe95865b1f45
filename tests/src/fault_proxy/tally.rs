//! What the proxy did in one run: how many of each fault it injected and
//! how many bytes it forwarded each way, for the test's output and the
//! benchmark's figures.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters shared by the proxy's connections.
#[derive(Default, Debug)]
pub struct Tally {
    pub(super) connections: AtomicU64,
    pub(super) refused: AtomicU64,
    pub(super) throttled: AtomicU64,
    pub(super) delays: AtomicU64,
    pub(super) drops: AtomicU64,
    pub(super) cuts: AtomicU64,
    pub(super) bytes_up: AtomicU64,
    pub(super) bytes_down: AtomicU64,
}

impl Tally {
    pub(super) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn snapshot(&self) -> Counts {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Counts {
            connections: get(&self.connections),
            refused: get(&self.refused),
            throttled: get(&self.throttled),
            delays: get(&self.delays),
            drops: get(&self.drops),
            cuts: get(&self.cuts),
            bytes_up: get(&self.bytes_up),
            bytes_down: get(&self.bytes_down),
        }
    }
}

/// A copy of the counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Connections accepted from clients.
    pub connections: u64,
    /// Connections closed at once, before any byte.
    pub refused: u64,
    /// Connections throttled.
    pub throttled: u64,
    /// Chunks held back.
    pub delays: u64,
    /// Links dropped between chunks.
    pub drops: u64,
    /// Links cut in the middle of a chunk.
    pub cuts: u64,
    /// Bytes forwarded from clients to the server.
    pub bytes_up: u64,
    /// Bytes forwarded from the server to clients.
    pub bytes_down: u64,
}

impl Counts {
    /// Every fault injected, of any kind.
    pub fn faults(&self) -> u64 {
        self.refused + self.throttled + self.delays + self.drops + self.cuts
    }

    /// What happened between `earlier` and this.
    pub fn since(&self, earlier: &Counts) -> Counts {
        Counts {
            connections: self.connections - earlier.connections,
            refused: self.refused - earlier.refused,
            throttled: self.throttled - earlier.throttled,
            delays: self.delays - earlier.delays,
            drops: self.drops - earlier.drops,
            cuts: self.cuts - earlier.cuts,
            bytes_up: self.bytes_up - earlier.bytes_up,
            bytes_down: self.bytes_down - earlier.bytes_down,
        }
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} connections: {} refused, {} throttled, {} delays, {} drops, {} cuts; \
             {} bytes up, {} bytes down",
            self.connections,
            self.refused,
            self.throttled,
            self.delays,
            self.drops,
            self.cuts,
            self.bytes_up,
            self.bytes_down
        )
    }
}
