//! Building one township document on a bare Automerge document with
//! `qunjian_shared::edit` — the same typed edits the client makes, without
//! samod and SQLite in between, so twenty townships build in minutes.
//!
//! `History::PerRecord` commits one change per record or step, as apps do
//! (the history of a real township, ≈ 22,000 changes); `History::Batched`
//! commits 250 records per change, which builds faster and differs only in
//! the length of the change history.

use std::time::{Duration, Instant};

use anyhow::Context;
use automerge::Automerge;
use automerge::transaction::{CommitOptions, Transaction};
use qunjian_shared::edit::{self, EditError};
use qunjian_shared::schema::{Activity, Person, Record, Unit, UnitKind};
use qunjian_shared::{TownshipKind, TownshipMeta};

use crate::extra::{gen_honors, gen_visits};
use crate::records::{gen_activities, gen_nominations, gen_people, gen_units};
use crate::rng::Rng;
use crate::{ACTIVITIES, NOMINATIONS, PEOPLE, UNITS};

/// Records per change in `History::Batched`.
const BATCH: usize = 250;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum History {
    PerRecord,
    Batched,
}

/// One township of the county.
pub struct Spec {
    pub code: String,
    pub name: String,
    pub kind: TownshipKind,
    pub seed: u64,
    pub history: History,
}

/// Twenty (or `n`) townships of county 330825, codes 330825101.., each with
/// its own seed; the first with `first`'s history, the others batched.
pub fn county(n: usize, first: History) -> Vec<Spec> {
    const NAMES: &[(&str, TownshipKind)] = &[
        ("城关镇", TownshipKind::Zhen),
        ("东溪乡", TownshipKind::Xiang),
        ("西岭镇", TownshipKind::Zhen),
        ("南塘乡", TownshipKind::Xiang),
        ("北山镇", TownshipKind::Zhen),
        ("龙泉街道", TownshipKind::Jiedao),
        ("石门乡", TownshipKind::Xiang),
        ("桃源镇", TownshipKind::Zhen),
        ("清水乡", TownshipKind::Xiang),
        ("凤凰镇", TownshipKind::Zhen),
        ("青山乡", TownshipKind::Xiang),
        ("白沙镇", TownshipKind::Zhen),
        ("金桥街道", TownshipKind::Jiedao),
        ("柳湾乡", TownshipKind::Xiang),
        ("梅岭镇", TownshipKind::Zhen),
        ("竹林乡", TownshipKind::Xiang),
        ("松岗镇", TownshipKind::Zhen),
        ("杏花乡", TownshipKind::Xiang),
        ("荷塘镇", TownshipKind::Zhen),
        ("新民街道", TownshipKind::Jiedao),
    ];
    (0..n)
        .map(|i| {
            let (name, kind) = NAMES[i % NAMES.len()];
            Spec {
                code: format!("330825{:03}", 101 + i),
                name: if i < NAMES.len() {
                    name.to_string()
                } else {
                    format!("{name}{}", i / NAMES.len() + 1)
                },
                kind,
                history: if i == 0 { first } else { History::Batched },
                seed: 0x51ab_1e5e_ed00_d00d ^ ((i as u64 + 1) * 0x9e37_79b9_7f4a_7c15),
            }
        })
        .collect()
}

/// What went into one document.
pub struct Built {
    pub doc: Automerge,
    pub units: usize,
    pub people: usize,
    pub nominations: usize,
    pub steps: usize,
    pub activities: usize,
    pub honors: usize,
    pub visits: usize,
    pub archived: usize,
    pub changes: usize,
    pub elapsed: Duration,
    pub save_len: usize,
    pub reload: Duration,
}

/// Build the township `spec` describes.
pub fn build(spec: &Spec) -> anyhow::Result<Built> {
    let history = spec.history;
    let start = Instant::now();
    let mut rng = Rng(spec.seed);
    let meta = TownshipMeta::new(&spec.code, &spec.name, spec.kind, "330825")?;
    let mut doc = meta.new_document()?;
    let mut w = Writer {
        doc: &mut doc,
        history,
    };

    let units = gen_units(&mut rng, UNITS)?;
    let unit_ids = w.add_all(&units)?;
    let parks: Vec<&String> = units
        .iter()
        .zip(&unit_ids)
        .filter(|(u, _)| u.kind == UnitKind::Park)
        .map(|(_, id)| id)
        .collect();
    let mut in_park = Vec::new();
    for (u, id) in units.iter().zip(&unit_ids) {
        if u.kind == UnitKind::Enterprise && rng.below(3) == 0 {
            in_park.push((id.clone(), parks[rng.below(parks.len())].clone()));
        }
    }
    w.each(&in_park, "设置所在园区", |tx, (id, park)| {
        edit::update::<Unit>(tx, id, |u| u.parent = Some(park.clone())).map(|_| ())
    })?;

    let people = gen_people(&mut rng, &unit_ids, PEOPLE)?;
    let person_ids = w.add_all(&people)?;

    let plans = gen_nominations(
        &mut rng,
        &units,
        &unit_ids,
        &people,
        &person_ids,
        NOMINATIONS,
    )?;
    let mut steps = 0;
    let mut nomination_ids = Vec::with_capacity(plans.len());
    for chunk in plans.chunks(w.chunk()) {
        let ids = w.commit("推优", |tx| {
            chunk
                .iter()
                .map(|p| edit::nominate(tx, &p.person, p.organization, &p.unit, p.year, p.direct))
                .collect::<Result<Vec<_>, _>>()
        })?;
        nomination_ids.extend(ids);
    }
    let step_list: Vec<(&String, &qunjian_shared::schema::Step)> = plans
        .iter()
        .zip(&nomination_ids)
        .flat_map(|(p, id)| p.steps.iter().map(move |s| (id, s)))
        .collect();
    // Steps in the order they were planned: each after its predecessor.
    w.each(&step_list, "记录推优步骤", |tx, (id, step)| {
        steps += 1;
        edit::record_step(tx, id, step)
    })?;

    let activities = gen_activities(&mut rng, &units, &unit_ids, ACTIVITIES)?;
    let activity_ids = w.add_all(&activities)?;

    let honors = gen_honors(&mut rng, &unit_ids, &person_ids)?;
    w.add_all(&honors)?;
    let visits = gen_visits(&mut rng, &units, &unit_ids)?;
    w.add_all(&visits)?;

    // A few records archived, as a ledger accumulates: 2 % of activities,
    // 1 % of people.
    let mut archive: Vec<(bool, String)> = Vec::new();
    for id in &activity_ids {
        if rng.below(50) == 0 {
            archive.push((true, id.clone()));
        }
    }
    for id in &person_ids {
        if rng.below(100) == 0 {
            archive.push((false, id.clone()));
        }
    }
    w.each(&archive, "归档", |tx, (activity, id)| {
        if *activity {
            edit::archive::<Activity>(tx, id, true)
        } else {
            edit::archive::<Person>(tx, id, true)
        }
    })?;

    let changes = doc.get_changes(&[]).len();
    // The server holds documents samod loaded from storage, not ones built
    // edit by edit in memory: save and load, as a restart would.
    let t = Instant::now();
    let bytes = doc.save();
    let doc = Automerge::load(&bytes).context("loading the saved document")?;
    let reload = t.elapsed();
    Ok(Built {
        doc,
        units: units.len(),
        people: people.len(),
        nominations: plans.len(),
        steps,
        activities: activities.len(),
        honors: honors.len(),
        visits: visits.len(),
        archived: archive.len(),
        changes,
        elapsed: start.elapsed(),
        save_len: bytes.len(),
        reload,
    })
}

struct Writer<'a> {
    doc: &'a mut Automerge,
    history: History,
}

impl Writer<'_> {
    fn chunk(&self) -> usize {
        match self.history {
            History::PerRecord => 1,
            History::Batched => BATCH,
        }
    }

    fn commit<R>(
        &mut self,
        message: &str,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<R, EditError>,
    ) -> anyhow::Result<R> {
        let r = self
            .doc
            .transact_with(
                |_| CommitOptions::default().with_message(message.to_string()),
                f,
            )
            .map_err(|f| f.error)
            .with_context(|| format!("edit {message}"))?;
        Ok(r.result)
    }

    fn add_all<R: Record>(&mut self, records: &[R]) -> anyhow::Result<Vec<String>> {
        let mut ids = Vec::with_capacity(records.len());
        let message = format!("添加{}", R::NAME_ZH);
        for chunk in records.chunks(self.chunk()) {
            ids.extend(self.commit(&message, |tx| {
                chunk
                    .iter()
                    .map(|r| edit::add(tx, r))
                    .collect::<Result<Vec<_>, _>>()
            })?);
        }
        Ok(ids)
    }

    fn each<T>(
        &mut self,
        items: &[T],
        message: &str,
        mut f: impl FnMut(&mut Transaction<'_>, &T) -> Result<(), EditError>,
    ) -> anyhow::Result<()> {
        for chunk in items.chunks(self.chunk()) {
            self.commit(message, |tx| chunk.iter().try_for_each(|item| f(tx, item)))?;
        }
        Ok(())
    }
}
