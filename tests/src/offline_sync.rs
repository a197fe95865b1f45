//! A device that was offline a long time comes back: two replicas of one
//! township, one online (straight to the server) and one offline, each make
//! many changes; then the offline one reconnects once, through a clean
//! [`FaultProxy`] that counts the bytes of that one connection. Shared by
//! the CI test (`tests/faulty_links.rs`, small) and the benchmark
//! (`bench-offline`, thousands of changes), which prints the figures.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use automerge::ChangeHash;
use qunjian_client::schema::{Unit, UnitKind};
use qunjian_client::{Backoff, Replica, Township};

use crate::fault_proxy::{Counts, FaultProxy, Plan};

/// What to run.
pub struct Setup<'a> {
    /// The county server's address (the online replica dials it directly).
    pub server: SocketAddr,
    /// The township document both replicas hold.
    pub doc_url: String,
    /// One device token each (each device has its own).
    pub online_token: String,
    pub offline_token: String,
    /// Where the replicas' files go.
    pub dir: &'a Path,
    /// Changes each side makes while apart.
    pub changes: usize,
    /// The longest any sync may take.
    pub timeout: Duration,
}

/// What happened.
pub struct Outcome {
    /// The online replica, still connected.
    pub online: Replica,
    /// The replica that was offline, connected again.
    pub offline: Replica,
    /// The units each side added, with the values they end with.
    pub online_units: Vec<(String, Unit)>,
    pub offline_units: Vec<(String, Unit)>,
    /// Bytes of the changes each side made while apart (as
    /// `Automerge::save_after` encodes them: compressed columns).
    pub online_change_bytes: usize,
    pub offline_change_bytes: usize,
    /// How much each side's `Automerge::save()` grew with its changes.
    pub online_grew: usize,
    pub offline_grew: usize,
    /// `Automerge::save()` of the merged document.
    pub doc_bytes: usize,
    /// The reconnect's traffic through the proxy (up = offline replica to
    /// server), and how many connections it took.
    pub link: Counts,
    /// From `connect` until both replicas hold the same heads, synced.
    pub reconnect: Duration,
    /// Making each side's changes (at the same time), and the online
    /// side's sync of them afterwards.
    pub offline_edit_time: Duration,
    pub online_edit_time: Duration,
    pub online_sync_time: Duration,
}

/// Run the scenario; fails if anything does not sync within `timeout`.
pub async fn offline_then_reconnect(setup: Setup<'_>) -> anyhow::Result<Outcome> {
    let url = setup.doc_url.as_str();
    let proxy = FaultProxy::start(setup.server, Plan::clean())?;
    let direct = format!("ws://{}/sync", setup.server);
    let backoff = Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_secs(1),
    };
    let online = Replica::open_with_token(setup.dir.join("online.db"), &setup.online_token).await?;
    online.connect_with(&direct, backoff)?;
    let offline =
        Replica::open_with_token(setup.dir.join("offline.db"), &setup.offline_token).await?;
    offline.connect_with(&proxy.sync_url(), backoff)?;
    online.wait_synced(url, setup.timeout).await?;
    offline.wait_synced(url, setup.timeout).await?;
    offline.disconnect();

    let online_doc = online.township(url).await?;
    let offline_doc = offline.township(url).await?;
    let base = raw_heads(&offline_doc);
    let base_bytes = offline_doc.read(|d| d.save().len());
    // Both sides edit at once, each on a blocking thread (every change is
    // a transaction written to the replica's file).
    let offline_edits = timed_changes(offline_doc.clone(), "离线", setup.changes);
    let online_edits = timed_changes(online_doc.clone(), "在线", setup.changes);
    let (offline_units, offline_edit_time) = offline_edits.await??;
    let (online_units, online_edit_time) = online_edits.await??;
    let started = Instant::now();
    online.wait_synced(url, setup.timeout).await?;
    let online_sync_time = started.elapsed();
    let online_change_bytes = online_doc.read(|d| d.save_after(&base).len());
    let offline_change_bytes = offline_doc.read(|d| d.save_after(&base).len());
    let grown = |doc: &Township| doc.read(|d| d.save().len()).saturating_sub(base_bytes);
    let (online_grew, offline_grew) = (grown(&online_doc), grown(&offline_doc));

    let before = proxy.counts();
    let started = Instant::now();
    offline.connect_with(&proxy.sync_url(), backoff)?;
    let deadline = started + setup.timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        offline.wait_synced(url, left).await?;
        online.wait_synced(url, left).await?;
        if online_doc.heads() == offline_doc.heads() {
            break;
        }
        if Instant::now() >= deadline {
            bail!("the replicas did not converge within {:?}", setup.timeout);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let reconnect = started.elapsed();
    let link = proxy.counts().since(&before);
    let doc_bytes = offline_doc.read(|d| d.save().len());
    Ok(Outcome {
        online,
        offline,
        online_units,
        offline_units,
        online_change_bytes,
        offline_change_bytes,
        online_grew,
        offline_grew,
        doc_bytes,
        link,
        reconnect,
        offline_edit_time,
        online_edit_time,
        online_sync_time,
    })
}

/// The units [`make_changes`] made, and how long it took.
type Timed = (Vec<(String, Unit)>, Duration);

/// [`make_changes`] on a blocking thread, and how long it took.
fn timed_changes(
    doc: Township,
    who: &'static str,
    n: usize,
) -> tokio::task::JoinHandle<anyhow::Result<Timed>> {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let units = make_changes(&doc, who, n)?;
        Ok((units, started.elapsed()))
    })
}

fn raw_heads(doc: &Township) -> Vec<ChangeHash> {
    doc.read(|d| d.get_heads())
}

/// `n` changes, one transaction each: even ones add a unit named
/// `{who}单位{i}`, odd ones change the unit just added. The units and
/// their final values.
pub fn make_changes(doc: &Township, who: &str, n: usize) -> anyhow::Result<Vec<(String, Unit)>> {
    let mut units: Vec<(String, Unit)> = Vec::with_capacity(n / 2 + 1);
    for i in 0..n {
        if i.is_multiple_of(2) {
            let mut unit = Unit::new(format!("{who}单位{i}"), UnitKind::Enterprise);
            unit.employees = Some(i as u32);
            let id = doc.add(&unit).context("add a unit")?;
            units.push((id, unit));
        } else if let Some((id, unit)) = units.last_mut() {
            *unit = doc
                .update::<Unit>(id, |u| u.employees = Some(i as u32))
                .context("change a unit")?;
        }
    }
    Ok(units)
}
