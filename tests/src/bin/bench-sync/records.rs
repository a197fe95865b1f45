//! The records the load clients write, made through the same typed edit
//! functions (`qunjian_shared::edit`) and with the same commit messages as
//! `Township::add` / `update` / `nominate` / `record_step`, one transaction
//! per call, on a bare Automerge document.
//!
//! Two workloads: a device's offline edits for the fan-in (one unit added,
//! then more added or updated), and a whole township of realistic size for
//! the cold start, scaled from `bench-document` (per unit: 6 people, 4
//! nominations with 1-6 steps each, 20 activities). The record generators
//! are `bench-document`'s (`crate::generate`).

use anyhow::anyhow;
use automerge::transaction::{CommitOptions, Transaction};
use automerge::{ActorId, Automerge, Change, ChangeHash};
use qunjian_client::schema::{Record, Unit, UnitKind};
use qunjian_shared::edit::{self, EditError};

use crate::generate::{gen_activities, gen_nominations, gen_people, gen_units};
use crate::vocab::name;

pub use crate::rng::Rng;

/// A generator from any seed, spread so nearby seeds differ (a zero state
/// would stay zero).
pub fn seeded(seed: u64) -> Rng {
    Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
}

/// Sorted heads, for comparing two documents' states.
pub fn sorted_heads(doc: &Automerge) -> Vec<ChangeHash> {
    let mut heads = doc.get_heads();
    heads.sort();
    heads
}

/// A deterministic actor id for a simulated device.
pub fn actor(kind: u8, a: usize, b: usize) -> ActorId {
    let mut bytes = [0u8; 16];
    bytes[0] = 0xbe;
    bytes[1] = kind;
    bytes[2..10].copy_from_slice(&(a as u64).to_be_bytes());
    bytes[10..16].copy_from_slice(&(b as u64).to_be_bytes()[2..]);
    ActorId::from(bytes)
}

/// One transaction with a commit message, as the typed client API makes it.
pub fn transact<R>(
    doc: &mut Automerge,
    message: String,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<R, EditError>,
) -> anyhow::Result<R> {
    doc.transact_with(|_| CommitOptions::default().with_message(message), f)
        .map(|s| s.result)
        .map_err(|f| anyhow!("edit failed: {}", f.error))
}

/// `Township::add`.
pub fn add<R: Record>(doc: &mut Automerge, record: &R) -> anyhow::Result<String> {
    transact(doc, format!("添加{}", R::NAME_ZH), |tx| {
        edit::add(tx, record)
    })
}

/// `Township::update`.
pub fn update<R: Record>(
    doc: &mut Automerge,
    id: &str,
    f: impl FnOnce(&mut R),
) -> anyhow::Result<R> {
    transact(doc, format!("修改{} {id}", R::NAME_ZH), |tx| {
        edit::update(tx, id, f)
    })
}

/// A device's `m` offline edits on top of `base`, as changes: the first adds
/// a unit, then about one in four adds another and the rest update one of
/// the device's own units (a few fields each, as a form would).
pub fn device_changes(
    base: &Automerge,
    actor: ActorId,
    m: usize,
    seed: u64,
) -> anyhow::Result<Vec<Change>> {
    let mut doc = base.fork().with_actor(actor);
    let base_heads = doc.get_heads();
    let mut rng = seeded(seed);
    let mut own: Vec<String> = Vec::new();
    for k in 0..m {
        if own.is_empty() || rng.below(4) == 0 {
            let unit = random_unit(&mut rng)?;
            own.push(add(&mut doc, &unit)?);
        } else {
            let id = own[rng.below(own.len())].clone();
            let n = 5 + rng.below(900) as u32;
            let chair = name(&mut rng);
            let field = rng.below(3);
            update::<Unit>(&mut doc, &id, |u| match field {
                0 => {
                    u.employees = Some(n);
                    u.female_staff = Some(n * 2 / 5);
                }
                1 => {
                    u.union.formed = true;
                    u.union.chair = Some(chair);
                }
                _ => {
                    u.women_org.formed = true;
                    u.women_org.chair = Some(chair);
                    u.youth = Some(k as u32);
                }
            })?;
        }
    }
    Ok(doc.get_changes(&base_heads))
}

/// One unit of a random kind, weighted as in `bench-document`'s township.
pub fn random_unit(rng: &mut Rng) -> anyhow::Result<Unit> {
    let mut one = seeded(rng.next());
    let mut units = gen_units(&mut one, 1)?;
    // gen_units makes at least one of each kind; pick one by the weights.
    let pick = rng.below(500);
    let kind = match pick {
        0..28 => 0,
        28..40 => 1,
        40..420 => 2,
        420..460 => 3,
        460..478 => 4,
        478..496 => 5,
        _ => 6,
    };
    Ok(units.swap_remove(kind.min(units.len() - 1)))
}

/// How big a realistic township is, and how it was built.
pub struct Built {
    pub doc: Automerge,
    /// Transactions (= changes) made, and records written.
    pub transactions: usize,
    pub records: usize,
}

/// A township of realistic size on top of `base`: `units` units and, per
/// unit, 6 people, 4 nominations (with their steps) and 20 activities, one
/// transaction per record or step, as `bench-document --build api`.
pub fn realistic_township(base: &Automerge, units: usize, seed: u64) -> anyhow::Result<Built> {
    let mut doc = base.fork().with_actor(actor(2, seed as usize, 0));
    let mut rng = seeded(seed);
    let mut transactions = 0;

    let unit_list = gen_units(&mut rng, units)?;
    let mut unit_ids = Vec::with_capacity(unit_list.len());
    for u in &unit_list {
        unit_ids.push(add(&mut doc, u)?);
        transactions += 1;
    }
    let parks: Vec<String> = unit_list
        .iter()
        .zip(&unit_ids)
        .filter(|(u, _)| u.kind == UnitKind::Park)
        .map(|(_, id)| id.clone())
        .collect();
    for (u, id) in unit_list.iter().zip(&unit_ids) {
        if u.kind == UnitKind::Enterprise && !parks.is_empty() && rng.below(3) == 0 {
            let park = parks[rng.below(parks.len())].clone();
            update::<Unit>(&mut doc, id, |u| u.parent = Some(park))?;
            transactions += 1;
        }
    }

    let people = gen_people(&mut rng, &unit_ids, units * 6)?;
    let mut person_ids = Vec::with_capacity(people.len());
    for p in &people {
        person_ids.push(add(&mut doc, p)?);
        transactions += 1;
    }

    let plans = gen_nominations(
        &mut rng,
        &unit_list,
        &unit_ids,
        &people,
        &person_ids,
        units * 4,
    )?;
    for p in &plans {
        let message = format!(
            "推优: {}推荐 {} ({})",
            p.organization.label(),
            p.person,
            p.year
        );
        let id = transact(&mut doc, message, |tx| {
            edit::nominate(tx, &p.person, p.organization, &p.unit, p.year, p.direct)
        })?;
        transactions += 1;
        for step in &p.steps {
            let message = format!("推优 {id}: 记录「{}」", step.name().label());
            transact(&mut doc, message, |tx| edit::record_step(tx, &id, step))?;
            transactions += 1;
        }
    }

    let activities = gen_activities(&mut rng, &unit_list, &unit_ids, units * 20)?;
    for a in &activities {
        add(&mut doc, a)?;
        transactions += 1;
    }
    Ok(Built {
        doc,
        transactions,
        records: unit_list.len() + people.len() + plans.len() + activities.len(),
    })
}

/// Whether the document holds the unit `id`.
pub fn has_unit(doc: &Automerge, id: &str) -> bool {
    matches!(edit::get::<Unit, _>(doc, id), Ok(Some(_)))
}
