//! An edit's latency on the long history, with and without a compaction
//! running on the server. Device A edits at a person's pace and times each
//! edit until the server acknowledged it (durably, `wait_synced`). Device B
//! now and then sends a day's backlog of small changes at once: enough rows
//! that the server's next save of the document compacts it (more than
//! samod's 4,096 rows), i.e. runs a full `doc.save()` of the whole history.
//! The server's log says when each compaction began and ended; A's edits
//! are sorted into those whose wait overlapped a compaction, those that
//! overlapped B's backlog arriving, and the quiet rest.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use automerge::Change;
use qunjian_client::Replica;
use qunjian_client::schema::Unit;
use tokio::time::Instant;

use crate::history::small_edit;
use crate::rng::Rng;
use crate::server::{Compaction, Server};

const ACK_TIMEOUT: Duration = Duration::from_secs(300);
/// A's pace between two edits.
const PACE: Duration = Duration::from_millis(100);
/// Changes in one backlog from B: past samod's row limit by a margin.
pub const BACKLOG: usize = 4_200;
/// Quiet time before and after each backlog.
const QUIET: Duration = Duration::from_secs(5);

pub struct Edit {
    pub sent: Instant,
    pub acked: Instant,
}

pub struct Phase {
    pub edits: Vec<Edit>,
    /// When each backlog from B was sent and acknowledged.
    pub backlogs: Vec<(Instant, Instant)>,
    pub compactions: Vec<Compaction>,
}

fn overlaps(e: &Edit, from: Instant, to: Instant) -> bool {
    e.sent <= to && e.acked >= from
}

/// (quiet, during a backlog, during a compaction) latencies, sorted.
pub fn classify(p: &Phase) -> [Vec<Duration>; 3] {
    let mut out: [Vec<Duration>; 3] = Default::default();
    for e in &p.edits {
        let d = e.acked - e.sent;
        let compacting = p
            .compactions
            .iter()
            .any(|c| overlaps(e, c.start, c.end.unwrap_or(e.acked)));
        let backlog = p.backlogs.iter().any(|&(s, a)| overlaps(e, s, a));
        let slot = if compacting {
            2
        } else if backlog {
            1
        } else {
            0
        };
        out[slot].push(d);
    }
    for v in &mut out {
        v.sort();
    }
    out
}

pub async fn run(
    server: &Server,
    a: &Replica,
    b: &Replica,
    url: &str,
    units: &[String],
    cycles: usize,
) -> anyhow::Result<Phase> {
    let stop = Arc::new(AtomicBool::new(false));
    let edits: Arc<Mutex<Vec<Edit>>> = Arc::default();
    let doc_a = a.township(url).await?;
    let editing = {
        let stop = stop.clone();
        let edits = edits.clone();
        let units = units.to_vec();
        async move {
            let mut rng = Rng(0xa11c_e000_0000_0001);
            while !stop.load(Ordering::Relaxed) {
                let id = &units[rng.below(units.len())];
                let n = rng.below(5000) as u32;
                let sent = Instant::now();
                doc_a.update::<Unit>(id, move |u| u.employees = Some(n))?;
                a.wait_synced(url, ACK_TIMEOUT)
                    .await
                    .context("A's edit was not acknowledged")?;
                if let Ok(mut e) = edits.lock() {
                    e.push(Edit {
                        sent,
                        acked: Instant::now(),
                    });
                }
                tokio::time::sleep(PACE).await;
            }
            anyhow::Ok(())
        }
    };
    let backlogs = async {
        let result = backlog_cycles(server, b, url, units, cycles).await;
        stop.store(true, Ordering::Relaxed);
        result
    };
    let (edited, backlogs) = tokio::join!(editing, backlogs);
    edited?;
    let backlogs = backlogs?;
    let edits = std::mem::take(&mut *edits.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    Ok(Phase {
        edits,
        backlogs,
        compactions: server.compactions(),
    })
}

async fn backlog_cycles(
    server: &Server,
    b: &Replica,
    url: &str,
    units: &[String],
    cycles: usize,
) -> anyhow::Result<Vec<(Instant, Instant)>> {
    let doc_b = b.township(url).await?;
    let mut rng = Rng(0xb0b0_0000_0000_0001);
    let mut out = Vec::new();
    for cycle in 0..cycles {
        tokio::time::sleep(QUIET).await;
        // B's backlog, made on a copy of its document, then taken in at once.
        let changes: Vec<Change> = doc_b.handle().with_document(|d| {
            let mut fork = d.fork();
            let before = fork.get_heads();
            for i in 0..BACKLOG {
                small_edit(&mut fork, units, i, 1_700_000_000 + i as i64, &mut rng)?;
            }
            anyhow::Ok(fork.get_changes(&before))
        })?;
        let before = server.compactions().len();
        let sent = Instant::now();
        doc_b
            .handle()
            .with_document(|d| d.apply_changes(changes))
            .context("B taking in its backlog")?;
        b.wait_synced(url, ACK_TIMEOUT)
            .await
            .context("B's backlog was not acknowledged")?;
        let acked = Instant::now();
        println!(
            "  backlog {}: {BACKLOG} changes acknowledged in {:.1} s",
            cycle + 1,
            (acked - sent).as_secs_f64()
        );
        out.push((sent, acked));
        // A's next edits make the server compact; wait until it finished.
        let deadline = Instant::now() + ACK_TIMEOUT;
        loop {
            let c = server.compactions();
            if c.len() > before && c.last().is_some_and(|c| c.end.is_some()) {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "no compaction finished within {ACK_TIMEOUT:?} of backlog {}",
                cycle + 1
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    tokio::time::sleep(QUIET).await;
    Ok(out)
}
