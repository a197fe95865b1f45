//! The storage: how long each group commit (transaction and fsync) took,
//! how many failed, how many writes they made durable, and, read from its
//! health when scraped, the writes waiting and whether writes work at all.
//! The commit figures come from the writer thread through a
//! `CommitObserver`; the histogram's buckets span a fast SSD's fsync
//! (a fraction of a millisecond) to a busy disk's (seconds).

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use qunjian_shared::{CommitAttempt, CommitObserver, StorageHealth};

/// The storage's figures.
#[derive(Debug, Clone)]
pub struct Storage {
    commit_seconds: Histogram,
    failures: Counter,
    writes: Counter,
    pending: Gauge,
    ok: Gauge,
}

impl Storage {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let s = Storage {
            // 0.25 ms … about 8 s.
            commit_seconds: Histogram::new(exponential_buckets(0.000_25, 2.0, 16)),
            failures: Counter::default(),
            writes: Counter::default(),
            pending: Gauge::default(),
            ok: Gauge::default(),
        };
        registry.register_with_unit(
            "storage_commit",
            "Time of each successful group commit (transaction and fsync)",
            Unit::Seconds,
            s.commit_seconds.clone(),
        );
        registry.register(
            "storage_commit_failures",
            "Commit attempts that failed and will be retried (disk full, I/O error, lock held too long)",
            s.failures.clone(),
        );
        registry.register(
            "storage_writes",
            "Writes (document rows put or deleted) made durable",
            s.writes.clone(),
        );
        registry.register(
            "storage_pending_writes",
            "Writes accepted but not yet durable",
            s.pending.clone(),
        );
        registry.register(
            "storage_ok",
            "1 while writes commit, 0 while they fail and are retried (then /healthz answers 503)",
            s.ok.clone(),
        );
        s
    }

    /// What the storage's writer thread calls after each attempt.
    pub fn observer(&self) -> CommitObserver {
        let s = self.clone();
        CommitObserver::new(move |attempt| match attempt {
            CommitAttempt::Committed { writes, took } => {
                s.commit_seconds.observe(took.as_secs_f64());
                s.writes.inc_by(writes as u64);
            }
            CommitAttempt::Failed { .. } => {
                s.failures.inc();
            }
        })
    }

    pub(super) fn set_health(&self, health: &StorageHealth) {
        self.pending
            .set(i64::try_from(health.pending_writes).unwrap_or(i64::MAX));
        self.ok.set(i64::from(health.ok));
    }
}
