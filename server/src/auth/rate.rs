//! A token bucket: `rate` requests a second on average, bursts up to
//! `burst`. The dashboard asks for eight reports at once when it loads, so
//! a per-second count with no burst would refuse an ordinary page view.

use std::time::{Duration, Instant};

/// One caller's bucket.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(burst: u32, now: Instant) -> Self {
        Bucket {
            tokens: f64::from(burst),
            last: now,
        }
    }

    /// Take one request's worth; on refusal, how long until one is free.
    pub fn take(&mut self, now: Instant, rate: f64, burst: u32) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * rate).min(f64::from(burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else if rate > 0.0 {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / rate))
        } else {
            Err(Duration::from_secs(60))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let t0 = Instant::now();
        let mut b = Bucket::new(3, t0);
        for _ in 0..3 {
            assert!(b.take(t0, 2.0, 3).is_ok());
        }
        let wait = b.take(t0, 2.0, 3).expect_err("fourth at once is refused");
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500));
        // Half a second at 2/s refills one request, not more.
        let t1 = t0 + Duration::from_millis(500);
        assert!(b.take(t1, 2.0, 3).is_ok());
        assert!(b.take(t1, 2.0, 3).is_err());
        // A long pause refills only up to the burst.
        let t2 = t1 + Duration::from_secs(60);
        for _ in 0..3 {
            assert!(b.take(t2, 2.0, 3).is_ok());
        }
        assert!(b.take(t2, 2.0, 3).is_err());
    }
}
