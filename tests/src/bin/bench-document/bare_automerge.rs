//! Where edit and hydrate time goes without samod: the same saves, loads,
//! reads and typed edits on a bare Automerge document in this process, to
//! tell Automerge's share of a figure from samod's.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use automerge::transaction::CommitOptions;
use automerge::{Automerge, LoadOptions, ObjType, ROOT, ReadDoc, Value, VerificationMode};
use qunjian_client::schema::{TownshipDocument, Unit};
use qunjian_shared::edit;

use crate::EDITS;
use crate::rng::Rng;
use crate::stats::{Latencies, median};

/// The figures of the report's last section.
pub struct Diagnosis {
    pub save_len: usize,
    pub save_time: Duration,
    pub load_checked: Duration,
    pub load_unchecked: Duration,
    pub bare_update: Latencies,
    pub get_changes: Duration,
    pub hydrate_unit: Duration,
    pub get_record: Duration,
    pub get_field: Duration,
    pub hydrate_all: Duration,
    pub to_json: Duration,
}

pub fn diagnose(
    doc: &mut Automerge,
    unit_ids: &[String],
    rng: &mut Rng,
) -> anyhow::Result<Diagnosis> {
    // doc.save() is what a compaction runs (on the storage's compactor
    // thread; samod-core ran it inside the edit call before).
    let mut saves = Vec::new();
    let mut bytes = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        bytes = doc.save();
        saves.push(t.elapsed());
    }
    let mut checked = Vec::new();
    let mut unchecked = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let d = Automerge::load(&bytes).context("loading the saved document")?;
        checked.push(t.elapsed());
        drop(d);
        let t = Instant::now();
        let d = Automerge::load_with_options(
            &bytes,
            LoadOptions::new().verification_mode(VerificationMode::DontCheck),
        )
        .context("loading the saved document without hash checks")?;
        unchecked.push(t.elapsed());
        drop(d);
    }

    // Reads: one map lookup, one field, one typed record, the whole document.
    let units = match ReadDoc::get(doc, ROOT, "units")? {
        Some((Value::Object(ObjType::Map), id)) => id,
        _ => bail!("the document has no units map"),
    };
    const READS: usize = 10_000;
    let t = Instant::now();
    let mut objs = Vec::with_capacity(READS);
    for i in 0..READS {
        if let Some((_, obj)) = ReadDoc::get(doc, &units, unit_ids[i % unit_ids.len()].as_str())? {
            objs.push(obj);
        }
    }
    let get_record = t.elapsed() / READS as u32;
    let t = Instant::now();
    for obj in &objs {
        ReadDoc::get(doc, obj, "employees")?;
    }
    let get_field = t.elapsed() / objs.len().max(1) as u32;
    let t = Instant::now();
    let (_typed, _) = TownshipDocument::hydrate(&*doc)?;
    let hydrate_all = t.elapsed();
    let t = Instant::now();
    let json = qunjian_shared::doc_json::to_json(&*doc);
    let to_json = t.elapsed();
    drop(json);

    // The typed update on a bare document: autosurgeon + automerge only.
    let mut lat = Vec::with_capacity(EDITS);
    let mut get_changes = Vec::new();
    let mut hydrate_unit = Vec::new();
    for i in 0..EDITS {
        let id = &unit_ids[rng.below(unit_ids.len())];
        let n = 5 + rng.below(900) as u32;
        let heads = doc.get_heads();
        let t = Instant::now();
        doc.transact_with(
            |_| CommitOptions::default().with_message(format!("修改单位 {id}")),
            |tx| edit::update::<Unit>(tx, id, |u| u.employees = Some(n)),
        )
        .map_err(|f| f.error)?;
        lat.push(t.elapsed());
        if i % 10 == 0 {
            // What samod does after every change to find what to store.
            let t = Instant::now();
            let new = doc.get_changes(&heads);
            get_changes.push(t.elapsed());
            if new.len() != 1 {
                bail!("expected one new change, got {}", new.len());
            }
            let t = Instant::now();
            edit::get::<Unit, _>(&*doc, id)?;
            hydrate_unit.push(t.elapsed());
        }
    }
    Ok(Diagnosis {
        save_len: bytes.len(),
        save_time: median(saves),
        load_checked: median(checked),
        load_unchecked: median(unchecked),
        bare_update: Latencies::new(lat, Duration::ZERO),
        get_changes: median(get_changes),
        hydrate_unit: median(hydrate_unit),
        get_record,
        get_field,
        hydrate_all,
        to_json,
    })
}
