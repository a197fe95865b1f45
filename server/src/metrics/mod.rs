//! The server's metrics, in one registry, for `GET /metrics` (Prometheus
//! text format, written by `prometheus-client`, the Prometheus project's
//! own Rust client). Each file is one subject and owns its figures;
//! `AppState` carries one [`Metrics`] and the few places where things
//! happen (the accept loop, the token gate, a sync connection's reader and
//! writer, the storage's writer thread, the projector, the report builder)
//! tell it. Figures that already exist elsewhere (storage health, sync
//! connections, projection lag, the process's memory) are read when
//! scraped instead of being counted twice.

pub mod connections;
pub mod process;
pub mod projection;
pub mod reports;
pub mod storage;
pub mod sync;

use std::sync::Arc;

use prometheus_client::registry::Registry;
use qunjian_shared::StorageHealth;

pub use connections::{Connections, Reason};
pub use process::ProcessStats;
pub use projection::Projection;
pub use reports::Reports;
pub use storage::{DiskStats, Storage};
pub use sync::{Direction, Traffic};

/// The `Content-Type` of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every metric of the server. Cloning is cheap and every clone counts
/// into the same figures.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    connections: Connections,
    sync: Traffic,
    storage: Storage,
    projection: Projection,
    reports: Reports,
    process: process::Gauges,
}

/// What is read when a scrape comes, rather than counted as it happens.
#[derive(Debug, Clone)]
pub struct Scrape {
    /// The storage's health now.
    pub storage: StorageHealth,
    /// Sync connections open now.
    pub sync_connections: usize,
    /// Seconds each township's newest change has waited for its rows
    /// (0 when they are current), by township code.
    pub projection_lag: Vec<(String, f64)>,
    /// The process's memory and descriptors; `None` where `/proc` is not.
    pub process: Option<ProcessStats>,
    /// The data directory's free space and the database's size.
    pub disk: Option<DiskStats>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every metric at zero, registered.
    pub fn new() -> Self {
        let mut root = Registry::default();
        let process = process::Gauges::register(&mut root);
        let registry = root.sub_registry_with_prefix("qunjian");
        connections::register_build_info(registry);
        let connections = Connections::register(registry);
        let sync = Traffic::register(registry);
        let storage = Storage::register(registry);
        let projection = Projection::register(registry);
        let reports = Reports::register(registry);
        Metrics(Arc::new(Inner {
            registry: root,
            connections,
            sync,
            storage,
            projection,
            reports,
            process,
        }))
    }

    /// Connections open and refused.
    pub fn connections(&self) -> &Connections {
        &self.0.connections
    }

    /// Sync messages, bytes and changes.
    pub fn sync(&self) -> &Traffic {
        &self.0.sync
    }

    /// Storage commits.
    pub fn storage(&self) -> &Storage {
        &self.0.storage
    }

    /// Projection time and lag.
    pub fn projection(&self) -> &Projection {
        &self.0.projection
    }

    /// Report time.
    pub fn reports(&self) -> &Reports {
        &self.0.reports
    }

    /// Every metric in the Prometheus text format, with `scrape`'s figures.
    pub fn encode(&self, scrape: &Scrape) -> String {
        let inner = &self.0;
        inner.storage.set_health(&scrape.storage);
        inner.connections.set_sync_open(scrape.sync_connections);
        inner.projection.set_lags(&scrape.projection_lag);
        if let Some(stats) = &scrape.process {
            inner.process.set(stats);
        }
        if let Some(disk) = &scrape.disk {
            inner.storage.set_disk(disk);
        }
        let mut out = String::with_capacity(16 * 1024);
        // Writing to a String cannot fail; an Err would be a bug in an
        // encoder, and a half answer is still better than none.
        if let Err(e) =
            prometheus_client::encoding::prometheus_text::encode(&mut out, &inner.registry)
        {
            tracing::error!("encoding metrics failed: {e}");
        }
        out
    }
}
