//! Small numbers from many: percentiles and medians of timings, and memory
//! figures read from `/proc`.

use std::time::Duration;

use crate::AIM_EDIT_P99;

/// One series of edit timings, sorted, with the `close()` that followed.
pub struct Latencies {
    sorted: Vec<Duration>,
    pub close: Duration,
    pub over_aim: usize,
    pub over_aim_total: Duration,
    pub compactions: usize,
}

impl Latencies {
    pub fn new(mut v: Vec<Duration>, close: Duration) -> Self {
        v.sort();
        let over: Vec<&Duration> = v.iter().filter(|d| **d > AIM_EDIT_P99).collect();
        Latencies {
            over_aim: over.len(),
            over_aim_total: over.into_iter().sum(),
            sorted: v,
            close,
            compactions: 0,
        }
    }
    pub fn pct(&self, p: usize) -> Duration {
        percentile(&self.sorted, p)
    }
    pub fn max(&self) -> Duration {
        self.sorted.last().copied().unwrap_or_default()
    }
}

/// Nearest-rank percentile of a sorted slice.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// The upper median (the default value of an empty list).
pub fn median<T: Ord + Copy + Default>(mut v: Vec<T>) -> T {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// A `/proc/self/status` figure in kB (`VmRSS:`, `VmHWM:`); 0 where there
/// is none.
pub fn proc_status_kb(field: &str) -> u64 {
    proc_kb("/proc/self/status", field).unwrap_or(0)
}

/// This machine's memory in kB (`MemTotal:` of `/proc/meminfo`).
pub fn mem_total_kb() -> Option<u64> {
    proc_kb("/proc/meminfo", "MemTotal:")
}

/// The number after `field` on its line of a `/proc` file.
fn proc_kb(file: &str, field: &str) -> Option<u64> {
    std::fs::read_to_string(file).ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    })
}
