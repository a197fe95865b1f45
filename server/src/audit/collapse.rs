//! Repeated refusals become one row with a count. The first refusal of a
//! kind (event, token, detail) is written at once; more of the same within
//! [`WINDOW`] are only counted, and when the window ends one row says how
//! many there were in it ("sync: too many connections (×1,996 in 10 s)").
//! A flood that goes on gets one such row per window. Each token (and the
//! requests without one) has at most [`KINDS_PER_TOKEN`] kinds open at a
//! time; refusals past that are counted under one "other refusals" kind, so
//! whatever a client varies in a detail, it adds at most
//! `2 × (KINDS_PER_TOKEN + 1)` rows per window. Other events pass through.
//!
//! Plain data in, rows out, the time passed in: the writer task owns one
//! [`Collapser`] and asks it what to write.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{Entry, Event};
use crate::text::thousands;

/// How long repeats are counted before their row is written.
pub const WINDOW: Duration = Duration::from_secs(10);

/// Distinct refusal kinds counted per token at a time.
pub const KINDS_PER_TOKEN: usize = 8;

/// The detail of the kind that takes a token's refusals past the limit.
const OTHER: &str = "其他拒绝 (other refusals)";

type Key = (&'static str, Option<String>, String);

#[derive(Debug)]
struct Window {
    started: Instant,
    /// Refusals of this kind in the window, the one written at once included.
    count: u64,
    /// Whether the window's first refusal was written at once.
    first_written: bool,
    /// The latest refusal, for the summary row's token, township, peer.
    last: Option<Entry>,
}

/// The refusals being counted.
#[derive(Debug, Default)]
pub struct Collapser {
    windows: HashMap<Key, Window>,
    kinds: HashMap<Option<String>, usize>,
}

impl Collapser {
    /// What to write now for `entry`: itself, or nothing (it is counted).
    pub fn offer(&mut self, mut entry: Entry, now: Instant) -> Option<Entry> {
        if entry.event != Event::Refused {
            return Some(entry);
        }
        let token = entry.token_id.clone();
        let mut key: Key = (
            entry.event.as_str(),
            token.clone(),
            entry.detail.clone().unwrap_or_default(),
        );
        if !self.windows.contains_key(&key) {
            let kinds = self.kinds.get(&token).copied().unwrap_or(0);
            if kinds >= KINDS_PER_TOKEN {
                key.2 = OTHER.to_string();
                entry.detail = Some(OTHER.to_string());
            }
        }
        if let Some(window) = self.windows.get_mut(&key) {
            window.count += 1;
            window.last = Some(entry);
            return None;
        }
        *self.kinds.entry(token).or_insert(0) += 1;
        self.windows.insert(
            key,
            Window {
                started: now,
                count: 1,
                first_written: true,
                last: Some(entry.clone()),
            },
        );
        Some(entry)
    }

    /// The rows of windows that have ended by `now`: one per kind that was
    /// repeated. A kind that was not repeated is forgotten, so its next
    /// refusal is written at once again.
    pub fn due(&mut self, now: Instant) -> Vec<Entry> {
        self.close(|w| now.saturating_duration_since(w.started) >= WINDOW, now)
    }

    /// The rows of every window, ended or not (the server is stopping).
    pub fn drain(&mut self, now: Instant) -> Vec<Entry> {
        self.close(|_| true, now)
    }

    /// When the next window ends, if one is open.
    pub fn next_due(&self) -> Option<Instant> {
        self.windows.values().map(|w| w.started + WINDOW).min()
    }

    fn close(&mut self, ended: impl Fn(&Window) -> bool, now: Instant) -> Vec<Entry> {
        let mut rows = Vec::new();
        let keys: Vec<Key> = self
            .windows
            .iter()
            .filter(|(_, w)| ended(w))
            .map(|(k, _)| k.clone())
            .collect();
        for key in keys {
            let Some(window) = self.windows.remove(&key) else {
                continue;
            };
            let unwritten = window.count - u64::from(window.first_written);
            match window.last {
                Some(mut row) if unwritten > 0 => {
                    let secs = now
                        .saturating_duration_since(window.started)
                        .as_secs()
                        .max(1);
                    row.at = crate::clock::now();
                    row.detail = Some(format!(
                        "{} (×{} in {secs} s)",
                        key.2,
                        thousands(window.count)
                    ));
                    rows.push(row);
                    // A flood going on: keep counting it in a new window,
                    // so it is one row per window, not one at once and one
                    // after.
                    self.windows.insert(
                        key,
                        Window {
                            started: now,
                            count: 0,
                            first_written: false,
                            last: None,
                        },
                    );
                }
                _ => {
                    if let Some(n) = self.kinds.get_mut(&key.1) {
                        *n = n.saturating_sub(1);
                        if *n == 0 {
                            self.kinds.remove(&key.1);
                        }
                    }
                }
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(token: &str, detail: &str) -> Entry {
        let mut e = Entry::new(Event::Refused).detail(detail);
        e.token_id = Some(token.to_string());
        e
    }

    #[test]
    fn the_first_is_written_at_once_and_the_total_when_the_window_ends() {
        let t0 = Instant::now();
        let mut c = Collapser::default();
        let first = c.offer(refusal("t1", "sync: too many connections"), t0);
        assert_eq!(
            first.and_then(|e| e.detail).as_deref(),
            Some("sync: too many connections")
        );
        for i in 1..1_996 {
            let at = t0 + Duration::from_millis(i);
            assert!(
                c.offer(refusal("t1", "sync: too many connections"), at)
                    .is_none()
            );
        }
        assert!(c.due(t0 + Duration::from_secs(5)).is_empty());
        let rows = c.due(t0 + WINDOW);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].detail.as_deref(),
            Some("sync: too many connections (×1,996 in 10 s)")
        );
        assert_eq!(rows[0].token_id.as_deref(), Some("t1"));
    }

    #[test]
    fn a_flood_that_goes_on_is_one_row_per_window_and_a_lone_refusal_is_forgotten() {
        let t0 = Instant::now();
        let mut c = Collapser::default();
        let mut rows = 0;
        for s in 0..60u64 {
            for ms in (0..1000).step_by(10) {
                let at = t0 + Duration::from_secs(s) + Duration::from_millis(ms);
                rows += usize::from(c.offer(refusal("t1", "x"), at).is_some());
                rows += c.due(at).len();
            }
        }
        // 60 s of 100 a second: the first at once, then one per 10 s window.
        assert!((6..=7).contains(&rows), "{rows} rows");
        let end = t0 + Duration::from_secs(200);
        assert_eq!(c.due(end).len(), 1, "the last window's total");
        assert!(c.due(end + WINDOW).is_empty(), "nothing more to say");
        assert!(
            c.offer(refusal("t1", "x"), end + WINDOW).is_some(),
            "at once again"
        );
        // A lone refusal has no summary.
        assert!(c.due(end + WINDOW * 2).is_empty());
        assert!(c.next_due().is_none());
    }

    #[test]
    fn varying_details_cannot_add_more_than_a_bounded_number_of_rows() {
        let t0 = Instant::now();
        let mut c = Collapser::default();
        let mut rows = Vec::new();
        for i in 0..10_000 {
            let at = t0 + Duration::from_micros(i);
            rows.extend(c.offer(refusal("t1", &format!("api: township {i}")), at));
        }
        rows.extend(c.due(t0 + WINDOW + Duration::from_millis(500)));
        assert!(
            rows.len() <= 2 * (KINDS_PER_TOKEN + 1),
            "{} rows",
            rows.len()
        );
        let other = rows
            .iter()
            .filter_map(|r| r.detail.as_deref())
            .find(|d| d.starts_with(OTHER) && d.contains('×'));
        assert_eq!(
            other,
            Some(
                format!(
                    "{OTHER} (×{} in 10 s)",
                    thousands(10_000 - KINDS_PER_TOKEN as u64)
                )
                .as_str()
            )
        );
        // Another token has its own kinds.
        assert!(c.offer(refusal("t2", "api: township 1"), t0).is_some());
    }

    #[test]
    fn other_events_pass_and_drain_says_what_is_counted() {
        let t0 = Instant::now();
        let mut c = Collapser::default();
        assert!(c.offer(Entry::new(Event::Opened), t0).is_some());
        assert!(c.offer(Entry::new(Event::Opened), t0).is_some());
        assert!(c.offer(refusal("t1", "x"), t0).is_some());
        assert!(c.offer(refusal("t1", "x"), t0).is_none());
        let rows = c.drain(t0 + Duration::from_secs(3));
        assert_eq!(rows[0].detail.as_deref(), Some("x (×2 in 3 s)"));
    }
}
