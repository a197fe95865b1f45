//! The projection (documents into the report tables): how long each
//! township's took, which failed, and how far behind each township's rows
//! are. The lag is read from the tables when scraped: the seconds since
//! the township's newest change arrived, while its rows do not show it yet.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use std::sync::atomic::AtomicU64;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct TownshipLabel {
    township: String,
}

type Seconds = Family<TownshipLabel, Histogram, fn() -> Histogram>;

fn seconds() -> Histogram {
    // 5 ms … about 80 s: a small township's incremental read to a large
    // one read in full on a slow machine.
    Histogram::new(exponential_buckets(0.005, 2.0, 15))
}

/// The projection's figures.
#[derive(Debug, Clone)]
pub struct Projection {
    seconds: Seconds,
    failures: Family<TownshipLabel, Counter>,
    lag: Family<TownshipLabel, Gauge<f64, AtomicU64>>,
}

impl Projection {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let p = Projection {
            seconds: Family::new_with_constructor(seconds as fn() -> Histogram),
            failures: Family::default(),
            lag: Family::default(),
        };
        registry.register_with_unit(
            "projection",
            "Time to bring a township's report rows up to its document, by township",
            Unit::Seconds,
            p.seconds.clone(),
        );
        registry.register(
            "projection_failures",
            "Projections that failed (the previous rows are kept), by township",
            p.failures.clone(),
        );
        registry.register_with_unit(
            "projection_lag",
            "Seconds since the township's newest change arrived, while its report rows do not show it yet (0 when current)",
            Unit::Seconds,
            p.lag.clone(),
        );
        p
    }

    /// `township`'s rows were rewritten; it took `took`.
    pub fn projected(&self, township: &str, took: Duration) {
        self.seconds
            .get_or_create(&label(township))
            .observe(took.as_secs_f64());
    }

    /// `township` could not be projected.
    pub fn failed(&self, township: &str) {
        self.failures.get_or_create(&label(township)).inc();
    }

    pub(super) fn set_lags(&self, lags: &[(String, f64)]) {
        for (township, seconds) in lags {
            self.lag.get_or_create(&label(township)).set(*seconds);
        }
    }
}

fn label(township: &str) -> TownshipLabel {
    TownshipLabel {
        township: township.to_string(),
    }
}
