//! Refusals in the server log, at WARN, without a line per refusal: the
//! first refusal from a source address is logged at once; the ones after
//! it are counted, and at most one summary line per [`WINDOW`] per source
//! says how many there were and why ("1,996 refused in the last 10 s from
//! 127.0.0.1 (unknown or revoked token: 1,990, no token: 6)"). A source
//! quiet for a whole window is forgotten, so its next refusal is logged at
//! once again.
//!
//! [`RefusalLog`] is plain data with the time passed in; `AppState` owns
//! one and a task asks it each second what is due.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::text::{clip, thousands};

/// How often a source's refusals are summarized at most.
pub const WINDOW: Duration = Duration::from_secs(10);

/// Sources counted at once; past this, refusals count under "other sources"
/// so a spread of addresses cannot grow the table without bound.
const SOURCES: usize = 4096;

#[derive(Debug)]
struct Window {
    started: Instant,
    /// Refusals since the last line, by why.
    counts: BTreeMap<&'static str, u64>,
}

/// The refusals being counted, by source.
#[derive(Debug, Default)]
pub struct RefusalLog {
    sources: HashMap<Option<IpAddr>, Window>,
}

impl RefusalLog {
    /// A refusal of `why` (a short kind) from `source` at `path`: the line to
    /// log now, if this is the first from there.
    pub fn refused(
        &mut self,
        source: Option<IpAddr>,
        why: &'static str,
        detail: &str,
        path: &str,
        now: Instant,
    ) -> Option<String> {
        let source = if self.sources.len() >= SOURCES && !self.sources.contains_key(&source) {
            None
        } else {
            source
        };
        if let Some(window) = self.sources.get_mut(&source) {
            *window.counts.entry(why).or_insert(0) += 1;
            return None;
        }
        self.sources.insert(
            source,
            Window {
                started: now,
                counts: BTreeMap::new(),
            },
        );
        Some(format!(
            "refused from {}: {} {detail} (further refusals from there are summarized every {} s)",
            name(source),
            clip(path),
            WINDOW.as_secs()
        ))
    }

    /// The summary lines due at `now`.
    pub fn due(&mut self, now: Instant) -> Vec<String> {
        let mut lines = Vec::new();
        self.sources.retain(|source, window| {
            let elapsed = now.saturating_duration_since(window.started);
            if elapsed < WINDOW {
                return true;
            }
            if window.counts.is_empty() {
                return false;
            }
            let total: u64 = window.counts.values().sum();
            let why = window
                .counts
                .iter()
                .map(|(why, n)| format!("{why}: {}", thousands(*n)))
                .collect::<Vec<_>>()
                .join(", ");
            lines.push(format!(
                "{} refused in the last {} s from {} ({why})",
                thousands(total),
                elapsed.as_secs(),
                name(*source)
            ));
            window.started = now;
            window.counts.clear();
            true
        });
        lines
    }
}

fn name(source: Option<IpAddr>) -> String {
    source.map_or_else(|| "other sources".to_string(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    #[test]
    fn one_line_at_once_then_one_summary_per_window() {
        let t0 = Instant::now();
        let mut log = RefusalLog::default();
        let first = log.refused(LOCAL, "unknown or revoked token", "令牌无效", "/api/me", t0);
        assert!(first.is_some_and(|l| l.contains("127.0.0.1") && l.contains("/api/me")));
        for i in 1..1_996u64 {
            let why = if i % 333 == 0 {
                "no token"
            } else {
                "unknown or revoked token"
            };
            let at = t0 + Duration::from_millis(i);
            assert!(log.refused(LOCAL, why, "", "/api/me", at).is_none());
        }
        assert!(log.due(t0 + Duration::from_secs(9)).is_empty());
        assert_eq!(
            log.due(t0 + WINDOW),
            vec![
                "1,995 refused in the last 10 s from 127.0.0.1 \
                 (no token: 5, unknown or revoked token: 1,990)"
                    .to_string()
            ]
        );
        // Quiet for a window: forgotten, and the next is logged at once.
        assert!(log.due(t0 + WINDOW * 2).is_empty());
        assert!(
            log.refused(LOCAL, "no token", "", "/", t0 + WINDOW * 2)
                .is_some()
        );
    }

    #[test]
    fn paths_are_escaped_and_cut() {
        let mut log = RefusalLog::default();
        let path = format!("/a\nINFO forged{}", "x".repeat(10_000));
        let line = log
            .refused(None, "no token", "", &path, Instant::now())
            .expect("first");
        assert!(!line.contains('\n') && line.len() < 300, "{line}");
    }
}
