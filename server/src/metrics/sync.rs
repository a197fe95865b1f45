//! Sync traffic: messages and bytes each way on the sync connections, and
//! the changes devices sent that the server took into a township's
//! document. Counted by the connection's reader (in) and writer (out), with
//! the counters looked up once, so a message costs two atomic additions.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From a device to the server.
    In,
    /// From the server to a device.
    Out,
}

impl EncodeLabelValue for Direction {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        let text = match self {
            Direction::In => "in",
            Direction::Out => "out",
        };
        EncodeLabelValue::encode(&text, encoder)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DirectionLabel {
    direction: Direction,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct TownshipLabel {
    township: String,
}

/// Sync messages, bytes and changes.
#[derive(Debug, Clone)]
pub struct Traffic {
    messages_in: Counter,
    messages_out: Counter,
    bytes_in: Counter,
    bytes_out: Counter,
    changes: Family<TownshipLabel, Counter>,
}

impl Traffic {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let messages: Family<DirectionLabel, Counter> = Family::default();
        let bytes: Family<DirectionLabel, Counter> = Family::default();
        let get = |f: &Family<DirectionLabel, Counter>, direction| {
            f.get_or_create(&DirectionLabel { direction }).clone()
        };
        let s = Traffic {
            messages_in: get(&messages, Direction::In),
            messages_out: get(&messages, Direction::Out),
            bytes_in: get(&bytes, Direction::In),
            bytes_out: get(&bytes, Direction::Out),
            changes: Family::default(),
        };
        registry.register(
            "sync_messages",
            "Sync messages (WebSocket binary frames), by direction",
            messages,
        );
        registry.register("sync_bytes", "Bytes of sync messages, by direction", bytes);
        registry.register(
            "sync_changes_received",
            "Changes devices sent that the server took into a township's document, by township; \
             a device hears they are stored only once they are on disk",
            s.changes.clone(),
        );
        s
    }

    /// A message of `bytes` bytes went `direction`.
    pub fn message(&self, direction: Direction, bytes: usize) {
        let (messages, total) = match direction {
            Direction::In => (&self.messages_in, &self.bytes_in),
            Direction::Out => (&self.messages_out, &self.bytes_out),
        };
        messages.inc();
        total.inc_by(bytes as u64);
    }

    /// A device's message carried `n` changes for `township` (a code, or
    /// `None` for a document that is no township's) that were taken.
    pub fn changes(&self, township: Option<&str>, n: u64) {
        if n == 0 {
            return;
        }
        let township = township.unwrap_or("").to_string();
        self.changes
            .get_or_create(&TownshipLabel { township })
            .inc_by(n);
    }
}
