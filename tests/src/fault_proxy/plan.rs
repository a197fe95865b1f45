//! What the proxy does to a link, decided from a seeded generator so a run
//! can be repeated: how likely each fault is, and the pure choice of one
//! fault for one connection or one chunk of bytes.

use std::time::Duration;

/// How often each fault strikes while faults are on.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Seeds every connection's generator (with the connection's number).
    pub seed: u64,
    /// How long after the proxy starts faults are injected; a clean
    /// pass-through after that, so replicas can converge.
    pub faulty_for: Duration,
    /// Per mille of new connections closed at once, before any byte.
    pub refuse: u32,
    /// Per mille of connections throttled (both ways) while faults are on.
    pub throttle: u32,
    /// Slowest and fastest rate of a throttled link, in bytes per second.
    pub throttle_rate: (u32, u32),
    /// The longest a connection lives while faults are on: each is dropped
    /// at a random moment within this (sooner if a chunk fault strikes).
    pub max_life: Duration,
    /// Per mille of chunks held back before they are forwarded.
    pub delay: u32,
    /// Longest hold of a delayed chunk.
    pub max_delay: Duration,
    /// Per mille of chunks on which the link is dropped (both sides closed,
    /// the chunk not forwarded).
    pub drop: u32,
    /// Per mille of chunks cut: part forwarded, then both sides closed.
    pub cut: u32,
}

impl Plan {
    /// Faults for `faulty_for`, at rates that cut a busy sync link every
    /// second or two and slow many more.
    pub fn new(seed: u64, faulty_for: Duration) -> Plan {
        Plan {
            seed,
            faulty_for,
            refuse: 150,
            throttle: 300,
            throttle_rate: (2 * 1024, 32 * 1024),
            max_life: Duration::from_secs(3),
            delay: 200,
            max_delay: Duration::from_millis(400),
            drop: 40,
            cut: 80,
        }
    }

    /// No faults at all: a counting pass-through.
    pub fn clean() -> Plan {
        Plan {
            seed: 1,
            faulty_for: Duration::ZERO,
            refuse: 0,
            throttle: 0,
            throttle_rate: (0, 0),
            max_life: Duration::ZERO,
            delay: 0,
            max_delay: Duration::ZERO,
            drop: 0,
            cut: 0,
        }
    }

    /// How a new connection starts: refused, throttled at a rate, or not.
    pub fn on_connect(&self, rng: &mut Rng) -> OnConnect {
        if rng.per_mille(self.refuse) {
            OnConnect::Refuse
        } else if rng.per_mille(self.throttle) {
            let (low, high) = self.throttle_rate;
            let rate = low + rng.below(high.saturating_sub(low) as u64 + 1) as u32;
            OnConnect::Throttle(rate.max(1))
        } else {
            OnConnect::Pass
        }
    }

    /// When a new connection is dropped if nothing else ends it first:
    /// `None` for a plan without a lifetime.
    pub fn lifetime(&self, rng: &mut Rng) -> Option<Duration> {
        let ms = self.max_life.as_millis() as u64;
        (ms > 0).then(|| Duration::from_millis(1 + rng.below(ms)))
    }

    /// What happens to a chunk of `len` bytes (`len` > 0).
    pub fn on_chunk(&self, rng: &mut Rng, len: usize) -> Fault {
        let roll = rng.below(1000) as u32;
        if roll < self.drop {
            Fault::Drop
        } else if roll < self.drop + self.cut {
            Fault::Cut(rng.below(len as u64) as usize)
        } else if roll < self.drop + self.cut + self.delay {
            let ms = self.max_delay.as_millis().max(1) as u64;
            Fault::Delay(Duration::from_millis(1 + rng.below(ms)))
        } else {
            Fault::None
        }
    }
}

/// A new connection's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnConnect {
    Pass,
    Refuse,
    /// Forward at most this many bytes per second, each way.
    Throttle(u32),
}

/// One chunk's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    Delay(Duration),
    Drop,
    /// Forward this many bytes of the chunk (fewer than all), then close.
    Cut(usize),
}

/// xorshift64*: deterministic pseudo-random numbers without a `rand`
/// dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for connection `n` of a run seeded `seed`, spread so
    /// nearby numbers differ (a zero state would stay zero).
    pub fn for_connection(seed: u64, n: u64) -> Rng {
        Rng((seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_mul(0xBF58_476D_1CE4_E5B9) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// True `per_mille` times in a thousand.
    pub fn per_mille(&mut self, per_mille: u32) -> bool {
        (self.below(1000) as u32) < per_mille
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_faults() {
        let plan = Plan::new(7, Duration::from_secs(1));
        let run = |n| {
            let mut rng = Rng::for_connection(plan.seed, n);
            (0..200)
                .map(|_| plan.on_chunk(&mut rng, 100))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn a_cut_forwards_less_than_the_chunk_and_a_clean_plan_never_faults() {
        let plan = Plan::new(11, Duration::from_secs(1));
        let mut rng = Rng::for_connection(plan.seed, 0);
        let faults: Vec<_> = (0..5000).map(|_| plan.on_chunk(&mut rng, 10)).collect();
        assert!(faults.iter().any(|f| matches!(f, Fault::Cut(_))));
        assert!(faults.iter().any(|f| matches!(f, Fault::Drop)));
        assert!(faults.iter().any(|f| matches!(f, Fault::Delay(_))));
        assert!(
            faults
                .iter()
                .all(|f| !matches!(f, Fault::Cut(n) if *n >= 10))
        );
        let clean = Plan::clean();
        assert!(
            (0..5000).all(|_| clean.on_chunk(&mut rng, 10) == Fault::None
                && clean.on_connect(&mut rng) == OnConnect::Pass)
        );
    }
}
