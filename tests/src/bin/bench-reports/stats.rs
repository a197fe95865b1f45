//! Medians, tails and milliseconds.

use std::time::Duration;

/// A series of timings, summarized.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub min: Duration,
    pub median: Duration,
    /// Nearest rank: with fewer than 100 runs this is the maximum.
    pub p99: Duration,
    pub max: Duration,
}

pub fn summarize(mut v: Vec<Duration>) -> Summary {
    v.sort();
    let n = v.len();
    if n == 0 {
        return Summary::default();
    }
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    };
    let rank = (n * 99).div_ceil(100).max(1);
    Summary {
        min: v[0],
        median,
        p99: v[rank - 1],
        max: v[n - 1],
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
