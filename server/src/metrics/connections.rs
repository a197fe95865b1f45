//! Connections: TCP connections open (each sync connection is one too,
//! for as long as it lasts), sync connections open, and every refusal by
//! why, whether the accept loop closed a socket, the token gate said 401,
//! 403 or 429, or a sync connection was closed for breaking the protocol.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

/// Why a request or connection was refused, as the `reason` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// No token presented.
    NoToken,
    /// Not shaped like a token.
    MalformedToken,
    /// Unknown or revoked.
    UnknownToken,
    /// The token may not do this (403).
    Forbidden,
    /// Past `--api-rate` (429).
    RateLimited,
    /// All of the token's sync connections (`--connections-per-token`) in use.
    TokenConnections,
    /// `--max-connections` reached: the socket was closed at once.
    ConnectionCap,
    /// `--connections-per-address` reached: the socket was closed at once.
    AddressCap,
    /// A sync connection refused while storage writes fail (503).
    StorageFailing,
    /// A sync connection closed for what it sent (a foreign document's
    /// changes, a bad frame, a message too large).
    SyncViolation,
    /// The server could not check the token.
    Internal,
}

impl Reason {
    /// Every reason, so each series exists (at 0) from the start: an alert
    /// on `increase()` needs the series before its first refusal.
    pub const ALL: [Reason; 11] = [
        Reason::NoToken,
        Reason::MalformedToken,
        Reason::UnknownToken,
        Reason::Forbidden,
        Reason::RateLimited,
        Reason::TokenConnections,
        Reason::ConnectionCap,
        Reason::AddressCap,
        Reason::StorageFailing,
        Reason::SyncViolation,
        Reason::Internal,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NoToken => "no_token",
            Reason::MalformedToken => "malformed_token",
            Reason::UnknownToken => "unknown_token",
            Reason::Forbidden => "forbidden",
            Reason::RateLimited => "rate_limited",
            Reason::TokenConnections => "token_connections",
            Reason::ConnectionCap => "connection_cap",
            Reason::AddressCap => "address_cap",
            Reason::StorageFailing => "storage_failing",
            Reason::SyncViolation => "sync_violation",
            Reason::Internal => "internal",
        }
    }
}

impl EncodeLabelValue for Reason {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabel {
    reason: Reason,
}

/// Connections open and refused.
#[derive(Debug, Clone)]
pub struct Connections {
    open: Gauge,
    sync_open: Gauge,
    refused: Family<ReasonLabel, Counter>,
}

impl Connections {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let c = Connections {
            open: Gauge::default(),
            sync_open: Gauge::default(),
            refused: Family::default(),
        };
        registry.register(
            "connections_open",
            "TCP connections open now (an open sync connection is one of them)",
            c.open.clone(),
        );
        registry.register(
            "sync_connections_open",
            "Sync (WebSocket) connections open now",
            c.sync_open.clone(),
        );
        registry.register(
            "refused",
            "Requests and connections refused, by reason",
            c.refused.clone(),
        );
        for reason in Reason::ALL {
            let _ = c.refused.get_or_create(&ReasonLabel { reason });
        }
        c
    }

    /// A TCP connection was taken.
    pub fn opened(&self) {
        self.open.inc();
    }

    /// A TCP connection closed.
    pub fn closed(&self) {
        self.open.dec();
    }

    /// Something was refused.
    pub fn refused(&self, reason: Reason) {
        self.refused.get_or_create(&ReasonLabel { reason }).inc();
    }

    pub(super) fn set_sync_open(&self, n: usize) {
        self.sync_open.set(i64::try_from(n).unwrap_or(i64::MAX));
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Version {
    version: &'static str,
}

/// `qunjian_build_info{version="…"} 1`: which version answers, to see an
/// upgrade land.
pub(super) fn register_build_info(registry: &mut Registry) {
    registry.register(
        "build",
        "The server's version",
        Info::new(Version {
            version: env!("CARGO_PKG_VERSION"),
        }),
    );
}
