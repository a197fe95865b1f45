//! The reports: how long each took to compute from the projection's
//! tables, by report name (a workbook of every report counts each).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReportLabel {
    report: &'static str,
}

type Seconds = Family<ReportLabel, Histogram, fn() -> Histogram>;

fn seconds() -> Histogram {
    // 1 ms … about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The reports' figures.
#[derive(Debug, Clone)]
pub struct Reports {
    seconds: Seconds,
}

impl Reports {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let r = Reports {
            seconds: Family::new_with_constructor(seconds as fn() -> Histogram),
        };
        registry.register_with_unit(
            "report",
            "Time to compute a report from the report tables, by report",
            Unit::Seconds,
            r.seconds.clone(),
        );
        r
    }

    /// Report `name` was computed in `took`.
    pub fn computed(&self, name: &'static str, took: Duration) {
        self.seconds
            .get_or_create(&ReportLabel { report: name })
            .observe(took.as_secs_f64());
    }
}
