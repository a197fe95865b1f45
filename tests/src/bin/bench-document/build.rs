//! Building the township: generated records written through the client the
//! way an app writes them (`--build api`, one transaction each) or in large
//! batches (`--build batched`), timed phase by phase.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use automerge::transaction::{CommitOptions, Transaction};
use qunjian_client::schema::{Record, Unit, UnitKind};
use qunjian_client::{Replica, Township};
use qunjian_shared::edit::{self, EditError};
use qunjian_shared::{TownshipKind, TownshipMeta};

use crate::compaction::COMPACTIONS;
use crate::records::{NominationPlan, gen_activities, gen_nominations, gen_people, gen_units};
use crate::rng::Rng;
use crate::{ACTIVITIES, NOMINATIONS, PEOPLE, UNITS};

/// Records per transaction in `--build batched`.
const BATCH: usize = 250;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BuildMode {
    Api,
    Batched,
}

impl BuildMode {
    pub fn describe(self) -> String {
        match self {
            BuildMode::Api => "api: one transaction per record/step through Township::add, \
                               nominate, record_step (not batched)"
                .to_string(),
            BuildMode::Batched => format!(
                "batched: {BATCH} records per transaction via qunjian_shared::edit inside \
                 handle().with_document(transact)"
            ),
        }
    }
}

pub struct Built {
    pub url: String,
    pub unit_ids: Vec<String>,
    pub steps: usize,
    pub transactions: usize,
    pub save_len: usize,
    pub save_time: Duration,
    pub elapsed: Duration,
    pub compactions: usize,
    pub note_chars: usize,
    pub phases: Vec<(&'static str, usize, Duration)>,
    pub close: Duration,
}

pub async fn build(db: &Path, mode: BuildMode, rng: &mut Rng) -> anyhow::Result<Built> {
    let replica = Replica::open(db)
        .await
        .with_context(|| format!("opening {}", db.display()))?;
    let meta = TownshipMeta::new("330825101", "城关镇", TownshipKind::Zhen, "330825")?;
    let handle = replica
        .repo()
        .create(meta.new_document()?)
        .await
        .context("samod stopped while creating the document")?;
    let url = handle.url().to_string();
    let township = replica.township(&url).await?;

    let compactions = COMPACTIONS.load(Ordering::Relaxed);
    let start = Instant::now();
    let mut phases = Vec::new();
    let mut transactions = 1;

    let t = Instant::now();
    let units = gen_units(rng, UNITS)?;
    let unit_ids = add_all(&township, mode, &units, &mut transactions)?;
    // Enterprises in a park: set after the parks have ids, as an app would.
    let parks: Vec<String> = units
        .iter()
        .zip(&unit_ids)
        .filter(|(u, _)| u.kind == UnitKind::Park)
        .map(|(_, id)| id.clone())
        .collect();
    let mut in_park: Vec<(String, String)> = Vec::new();
    for (u, id) in units.iter().zip(&unit_ids) {
        if u.kind == UnitKind::Enterprise && rng.below(3) == 0 {
            in_park.push((id.clone(), parks[rng.below(parks.len())].clone()));
        }
    }
    set_parents(&township, mode, &in_park, &mut transactions)?;
    phases.push(("units (+ park of enterprises)", units.len(), t.elapsed()));
    progress(&phases);

    let t = Instant::now();
    let people = gen_people(rng, &unit_ids, PEOPLE)?;
    let person_ids = add_all(&township, mode, &people, &mut transactions)?;
    phases.push(("people", people.len(), t.elapsed()));
    progress(&phases);

    let t = Instant::now();
    let plans = gen_nominations(rng, &units, &unit_ids, &people, &person_ids, NOMINATIONS)?;
    let steps = nominate_all(&township, mode, &plans, &mut transactions)?;
    phases.push(("nominations + steps", plans.len() + steps, t.elapsed()));
    progress(&phases);

    let t = Instant::now();
    let activities = gen_activities(rng, &units, &unit_ids, ACTIVITIES)?;
    let note_chars = activities
        .iter()
        .map(|a| a.notes.as_str().chars().count())
        .sum();
    add_all(&township, mode, &activities, &mut transactions)?;
    phases.push(("activities", activities.len(), t.elapsed()));
    progress(&phases);
    let elapsed = start.elapsed();
    let compactions = COMPACTIONS.load(Ordering::Relaxed) - compactions;

    let (save_len, save_time) = township.read(|doc| {
        let t = Instant::now();
        let len = doc.save().len();
        (len, t.elapsed())
    });

    let t = Instant::now();
    replica.close().await;
    let close = t.elapsed();
    Ok(Built {
        url,
        unit_ids,
        steps,
        transactions,
        save_len,
        save_time,
        elapsed,
        compactions,
        note_chars,
        phases,
        close,
    })
}

fn progress(phases: &[(&'static str, usize, Duration)]) {
    if let Some((what, n, d)) = phases.last() {
        println!("  {what}: {n} in {:.1} s", d.as_secs_f64());
    }
}

/// One transaction, committed with `message`, on the document behind `township`.
fn batch<R>(
    township: &Township,
    message: &str,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<R, EditError>,
) -> anyhow::Result<R> {
    let result = township.handle().with_document(|doc| {
        doc.transact_with(
            |_| CommitOptions::default().with_message(message.to_string()),
            f,
        )
        .map(|s| s.result)
        .map_err(|f| f.error)
    })?;
    Ok(result)
}

fn add_all<R: Record>(
    township: &Township,
    mode: BuildMode,
    records: &[R],
    transactions: &mut usize,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(records.len());
    match mode {
        BuildMode::Api => {
            for r in records {
                ids.push(township.add(r)?);
                *transactions += 1;
            }
        }
        BuildMode::Batched => {
            for chunk in records.chunks(BATCH) {
                let message = format!("批量添加{} {}", R::NAME_ZH, chunk.len());
                let chunk_ids: Vec<String> = batch(township, &message, |tx| {
                    chunk.iter().map(|r| edit::add(tx, r)).collect()
                })?;
                ids.extend(chunk_ids);
                *transactions += 1;
            }
        }
    }
    Ok(ids)
}

fn set_parents(
    township: &Township,
    mode: BuildMode,
    in_park: &[(String, String)],
    transactions: &mut usize,
) -> anyhow::Result<()> {
    match mode {
        BuildMode::Api => {
            for (id, park) in in_park {
                township.update::<Unit>(id, |u| u.parent = Some(park.clone()))?;
                *transactions += 1;
            }
        }
        BuildMode::Batched => {
            for chunk in in_park.chunks(BATCH) {
                batch(township, "批量设置所在园区", |tx| {
                    for (id, park) in chunk {
                        edit::update::<Unit>(tx, id, |u| u.parent = Some(park.clone()))?;
                    }
                    Ok(())
                })?;
                *transactions += 1;
            }
        }
    }
    Ok(())
}

/// Start every nomination and record its steps in order; returns the steps.
fn nominate_all(
    township: &Township,
    mode: BuildMode,
    plans: &[NominationPlan],
    transactions: &mut usize,
) -> anyhow::Result<usize> {
    let steps: usize = plans.iter().map(|p| p.steps.len()).sum();
    match mode {
        BuildMode::Api => {
            for p in plans {
                let id = township.nominate(&p.person, p.organization, &p.unit, p.year, p.direct)?;
                *transactions += 1;
                for step in &p.steps {
                    township.record_step(&id, step.clone())?;
                    *transactions += 1;
                }
            }
        }
        BuildMode::Batched => {
            for chunk in plans.chunks(BATCH) {
                batch(township, "批量推优", |tx| {
                    for p in chunk {
                        let id = edit::nominate(
                            tx,
                            &p.person,
                            p.organization,
                            &p.unit,
                            p.year,
                            p.direct,
                        )?;
                        for step in &p.steps {
                            edit::record_step(tx, &id, step)?;
                        }
                    }
                    Ok(())
                })?;
                *transactions += 1;
            }
        }
    }
    Ok(steps)
}
