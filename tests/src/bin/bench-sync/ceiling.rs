//! Scenario 4, the ceiling: how fast Automerge alone merges the fan-in's
//! changes in one process, with no network and no storage.

use std::time::Duration;

use automerge::Automerge;

use crate::fanin::Workload;
use crate::records::sorted_heads;

pub struct Ceiling {
    pub changes: usize,
    /// Median of the runs: apply every device's changes to each township's base.
    pub apply: Duration,
}

impl Ceiling {
    pub fn per_second(&self) -> f64 {
        self.changes as f64 / self.apply.as_secs_f64()
    }
}

/// `apply_changes` of every device's changes (one call per device, as a
/// sync message would bring them) into a fresh copy of each township's
/// base, timed without the copying; the median of `runs`.
pub fn run(w: &Workload, runs: usize) -> anyhow::Result<Ceiling> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let mut total = Duration::ZERO;
        for (t, base) in w.bases.iter().enumerate() {
            let mut doc = Automerge::load(base)?;
            let batches = w.changes[t].clone();
            let start = std::time::Instant::now();
            for batch in batches {
                doc.apply_changes(batch)?;
            }
            total += start.elapsed();
            anyhow::ensure!(
                sorted_heads(&doc) == w.union[t],
                "township {t}: merged heads differ from the union"
            );
        }
        times.push(total);
    }
    times.sort();
    Ok(Ceiling {
        changes: w.total_changes,
        apply: times[times.len() / 2],
    })
}
