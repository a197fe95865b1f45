//! Edit latency: typed edits timed one by one in their own open/close
//! session, paced as in an app or back-to-back, with the compactions the
//! storage ran meanwhile and the `close()` that makes them durable.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use qunjian_client::Replica;
use qunjian_client::schema::{Gender, Person, Unit};

use crate::EDITS;
use crate::compaction::COMPACTIONS;
use crate::rng::Rng;
use crate::stats::Latencies;
use crate::vocab::name;

/// Pause after opening before timing edits, so a compaction of what the
/// file held on open is not charged to the first edit.
const SETTLE: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    UpdateUnit,
    AddPerson,
}

/// One series of typed edits in its own open/close session. `pace`, when
/// given, is an untimed pause between edits, as between a person's edits in
/// an app, so samod's storage writes complete in between.
pub async fn time_edits(
    db: &Path,
    url: &str,
    unit_ids: &[String],
    rng: &mut Rng,
    kind: EditKind,
    pace: Option<Duration>,
) -> anyhow::Result<Latencies> {
    let replica = Replica::open(db).await?;
    let township = replica.township(url).await?;
    // Let a compaction of what the file held on open finish first.
    tokio::time::sleep(SETTLE).await;
    let compactions = COMPACTIONS.load(Ordering::Relaxed);
    let mut lat = Vec::with_capacity(EDITS);
    for _ in 0..EDITS {
        let unit = &unit_ids[rng.below(unit_ids.len())];
        match kind {
            EditKind::UpdateUnit => {
                let n = 5 + rng.below(900) as u32;
                let t = Instant::now();
                township.update::<Unit>(unit, |u| u.employees = Some(n))?;
                lat.push(t.elapsed());
            }
            EditKind::AddPerson => {
                let mut p = Person::new(name(rng));
                p.unit = Some(unit.clone());
                p.gender = Some(if rng.below(2) == 0 {
                    Gender::Female
                } else {
                    Gender::Male
                });
                p.birth_year = Some(1970 + rng.below(35) as u16);
                let t = Instant::now();
                township.add(&p)?;
                lat.push(t.elapsed());
            }
        }
        if let Some(pace) = pace {
            tokio::time::sleep(pace).await;
        }
    }
    let compactions = COMPACTIONS.load(Ordering::Relaxed) - compactions;
    let t = Instant::now();
    replica.close().await;
    let mut l = Latencies::new(lat, t.elapsed());
    l.compactions = compactions;
    Ok(l)
}
