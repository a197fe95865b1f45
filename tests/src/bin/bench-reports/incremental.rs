//! Projecting again after a device's batch, the way the server's projector
//! does it now: from the version it read last, re-reading only the records
//! the batch touched (`projection::incremental`), then writing the rows.
//!
//! The batch is what a village device sends after a day offline: five
//! units renamed and two activities added, one change each.

use std::time::Instant;

use automerge::Automerge;
use qunjian_server::projection::incremental::{self, How};
use qunjian_server::projection::write;
use qunjian_shared::edit;
use qunjian_shared::schema::{Activity, ActivityKind, Date, Unit};
use rusqlite::Connection;

use crate::projection::Phases;

/// Edits in the batch.
pub const BATCH: usize = 7;

/// What the incremental projection costs and keeps.
pub struct AfterBatch {
    pub runs: Vec<Phases>,
    /// Memory the projector keeps for this township between rounds (RSS
    /// growth over 4 copies, divided by 4), in MB.
    pub kept_mb: f64,
}

/// `runs` times: a fresh batch on a copy of `doc`, then the incremental
/// projection of it from `doc`'s version, timed by phase.
pub fn time(
    conn: &Connection,
    code: &str,
    doc: &Automerge,
    today: Date,
    runs: usize,
) -> anyhow::Result<AfterBatch> {
    let (_, known, _) = incremental::project(code, doc, today, None)?;
    let before = rss_kb();
    let copies: Vec<_> = (0..4).map(|_| known.clone()).collect();
    let kept_mb = rss_kb().saturating_sub(before) as f64 / 4.0 / 1024.0;
    drop(copies);
    let units: Vec<String> = edit::list_all::<Unit, _>(doc).into_keys().take(5).collect();
    let mut out = Vec::with_capacity(runs);
    for run in 0..runs {
        let mut device = doc.fork();
        for id in &units {
            let mut tx = device.transaction();
            edit::update::<Unit>(&mut tx, id, |u| u.name = format!("{}·{run}", u.name))?;
            tx.commit();
        }
        for i in 0..BATCH - units.len() {
            let mut tx = device.transaction();
            edit::add(
                &mut tx,
                &Activity::new(ActivityKind::Study, format!("学习 {run}-{i}"), today),
            )?;
            tx.commit();
        }
        let mut server = doc.clone();
        server.merge(&mut device)?;

        let t = Instant::now();
        let copy = server.clone();
        let clone = t.elapsed();
        let t = Instant::now();
        let (projected, _, how) = incremental::project(code, &copy, today, Some(known.clone()))?;
        let read = t.elapsed();
        anyhow::ensure!(
            how == How::Records(BATCH),
            "expected {BATCH} records re-read, got {how:?}"
        );
        let t = Instant::now();
        write::replace(conn, &projected, &qunjian_server::clock::now())?;
        out.push(Phases {
            clone,
            read,
            write: t.elapsed(),
        });
    }
    Ok(AfterBatch { runs: out, kept_mb })
}

/// This process's resident memory, kB (0 where /proc cannot be read).
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}
