//! The devices: real replicas (`qunjian_client::Replica`, a SQLite file
//! each) that connect, sync, make a handful of edits at a person's pace
//! (each timed until the server acknowledged it), and drop the connection
//! again. Every fourth session is a new install: a fresh file whose first
//! sync fetches the whole township.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, anyhow};
use qunjian_client::schema::Unit;
use qunjian_client::{Backoff, Replica};
use tokio::time::Instant;

use crate::records::gen_units;
use crate::rng::Rng;
use crate::sample::Latencies;

/// The longest a sync or an acknowledgement may take before it counts as
/// an error.
const SYNC_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest a replica may take to close.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Township {
    pub code: String,
    pub url: String,
    /// One per device.
    pub tokens: Vec<String>,
}

const BACKOFF: Backoff = Backoff {
    initial: Duration::from_millis(100),
    max: Duration::from_secs(1),
};

async fn connected(path: &Path, token: &str, ws: &str, url: &str) -> anyhow::Result<Replica> {
    let replica = Replica::open_with_token(path, token)
        .await
        .with_context(|| format!("opening {}", path.display()))?;
    replica.connect_with(ws, BACKOFF)?;
    replica
        .wait_synced(url, SYNC_TIMEOUT)
        .await
        .context("first sync")?;
    Ok(replica)
}

/// Each township's starting units, added by its first device; their ids.
pub async fn seed(
    dir: &Path,
    ws: &str,
    townships: &[Township],
    units: usize,
) -> anyhow::Result<Vec<Vec<String>>> {
    let mut ids = Vec::new();
    for (t, township) in townships.iter().enumerate() {
        let token = township.tokens.first().context("no device token")?;
        let replica =
            connected(&dir.join(format!("seed-{t}.db")), token, ws, &township.url).await?;
        let doc = replica.township(&township.url).await?;
        let mut rng = Rng(0x5eed_0000 + t as u64);
        let mut these = Vec::new();
        for unit in gen_units(&mut rng, units)? {
            these.push(doc.add(&unit)?);
        }
        replica
            .wait_synced(&township.url, SYNC_TIMEOUT)
            .await
            .context("seeding")?;
        tokio::time::timeout(CLOSE_TIMEOUT, replica.close())
            .await
            .map_err(|_| anyhow!("closing the seeding replica timed out"))?;
        ids.push(these);
    }
    Ok(ids)
}

/// One device's life for the length of the soak.
pub struct DeviceLoop {
    pub dir: PathBuf,
    pub ws: String,
    pub url: String,
    pub token: String,
    pub units: Vec<String>,
    pub seed: u64,
    pub name: String,
}

impl DeviceLoop {
    /// Sessions until `end`; edits in them until `edits_end`, after which a
    /// session only syncs and stays a while, as a device that reads.
    pub async fn run(
        self,
        edits_end: Instant,
        end: Instant,
        lat: Arc<Latencies>,
    ) -> anyhow::Result<()> {
        let mut rng = Rng(0xde71_ce00 ^ self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let devices = self.dir.join("devices");
        std::fs::create_dir_all(&devices)?;
        let mut install = 0;
        let mut session = 0u64;
        // Stagger the devices' first connections over a few seconds.
        tokio::time::sleep(Duration::from_millis(rng.below(3000) as u64)).await;
        while Instant::now() < end {
            if session > 0 && session.is_multiple_of(4) {
                // A new install: the old file goes, the next sync fetches everything.
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(
                        devices.join(format!("{}-{install}.db{suffix}", self.name)),
                    );
                }
                install += 1;
            }
            session += 1;
            let path = devices.join(format!("{}-{install}.db", self.name));
            if let Err(e) = self.session(&path, edits_end, end, &mut rng, &lat).await {
                lat.error(&format!("device {} session {session}", self.name), &e);
            }
            // Offline for a while.
            let pause = Duration::from_millis(1000 + rng.below(4000) as u64);
            tokio::time::sleep_until((Instant::now() + pause).min(end)).await;
        }
        Ok(())
    }

    async fn session(
        &self,
        path: &Path,
        edits_end: Instant,
        end: Instant,
        rng: &mut Rng,
        lat: &Latencies,
    ) -> anyhow::Result<()> {
        let replica = connected(path, &self.token, &self.ws, &self.url).await?;
        lat.sessions.fetch_add(1, Ordering::Relaxed);
        let doc = replica.township(&self.url).await?;
        let edits = 5 + rng.below(20);
        let mut result = Ok(());
        for _ in 0..edits {
            if Instant::now() >= end {
                break;
            }
            // A person's pace between two edits (or two looks, once the
            // edits have stopped).
            let pace = Duration::from_millis(300 + rng.below(1200) as u64);
            if Instant::now() >= edits_end {
                tokio::time::sleep_until((Instant::now() + pace).min(end)).await;
                continue;
            }
            let id = &self.units[rng.below(self.units.len())];
            let employees = rng.below(5000) as u32;
            let started = Instant::now();
            if let Err(e) = doc.update::<Unit>(id, move |u| u.employees = Some(employees)) {
                result = Err(e.into());
                break;
            }
            if let Err(e) = replica.wait_synced(&self.url, SYNC_TIMEOUT).await {
                result = Err(anyhow::Error::from(e).context("waiting for the acknowledgement"));
                break;
            }
            Latencies::push(&lat.edits, started.elapsed());
            tokio::time::sleep_until((Instant::now() + pace).min(end)).await;
        }
        tokio::time::timeout(CLOSE_TIMEOUT, replica.close())
            .await
            .map_err(|_| anyhow!("closing the replica timed out"))?;
        result
    }
}
