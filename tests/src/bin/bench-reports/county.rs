//! The county: every township built, registered in `townships` and
//! projected once into the server's own database in a temp data dir.

use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use qunjian_server::{db, townships};
use qunjian_shared::schema::Date;
use rusqlite::Connection;
use samod::DocumentId;

use crate::Args;
use crate::build::{self, Built, Spec};
use crate::projection::{self, Phases};
use crate::rng::Rng;

/// Threads building documents while the main thread projects them.
const BUILDERS: usize = 2;

pub struct County {
    pub conn: Connection,
    /// The township whose projection is timed again (the first).
    pub measured_code: String,
    pub measured: Built,
    pub townships: usize,
    /// Each distinct document's first projection, taken while the builder
    /// threads were still working.
    pub initial: Vec<Phases>,
    /// Build time per township (per builder thread).
    pub build_times: Vec<Duration>,
    pub findings: usize,
    pub conflicts: usize,
    pub wall: Duration,
}

pub fn build_county(dir: &Path, args: &Args, today: Date) -> anyhow::Result<County> {
    let start = std::time::Instant::now();
    let conn = qunjian_server::schema::open(dir)?;
    let all = build::county(args.townships, args.history);
    let specs = &all[..args.distinct.min(all.len())];
    let mut ids = Rng(0xd0c1_d5ee_d000_0001);
    for s in &all {
        let bytes: Vec<u8> = (0..16).map(|_| ids.below(256) as u8).collect();
        let doc_id = DocumentId::try_from(bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
        townships::insert(&conn, &s.code, &s.name, s.kind.as_str(), &doc_id)?;
    }

    let next = Mutex::new(0usize);
    let (tx, rx) = mpsc::sync_channel::<anyhow::Result<(usize, Built)>>(1);
    std::thread::scope(|scope| -> anyhow::Result<County> {
        for _ in 0..BUILDERS.min(specs.len()) {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let i = {
                        let Ok(mut n) = next.lock() else { return };
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(spec) = specs.get(i) else { return };
                    let built =
                        build::build(spec).with_context(|| format!("building {}", spec.code));
                    let failed = built.is_err();
                    if tx.send(built.map(|b| (i, b))).is_err() || failed {
                        return;
                    }
                }
            });
        }
        drop(tx);

        let mut measured = None;
        let mut initial = Vec::new();
        let mut build_times = Vec::new();
        let (mut findings, mut conflicts) = (0, 0);
        for received in rx {
            let (i, built) = received?;
            let spec: &Spec = &specs[i];
            let (phases, copy) = projection::project(&conn, &spec.code, &built.doc, today)?;
            let counts = projection::Counts {
                findings: copy.findings.len(),
                conflicts: copy.conflicts.len(),
            };
            // The same rows again under every township filed from this document.
            for other in all.iter().skip(specs.len()).skip(i).step_by(specs.len()) {
                let mut p = copy.clone();
                p.township = other.code.clone();
                p.doc.meta.township_code = other.code.clone();
                p.doc.meta.township_name = other.name.clone();
                p.doc.meta.township_kind = other.kind;
                unique_credit_codes(&mut p, &other.code);
                qunjian_server::projection::write::replace(
                    &conn,
                    &p,
                    &qunjian_server::clock::now(),
                )?;
            }
            println!(
                "  {} {}: built in {:.1} s ({} changes), projected in {:.0} ms \
                 ({} findings, {} conflicts)",
                spec.code,
                spec.name,
                built.elapsed.as_secs_f64(),
                built.changes,
                crate::stats::ms(phases.total()),
                counts.findings,
                counts.conflicts,
            );
            let copies = all
                .iter()
                .skip(specs.len())
                .skip(i)
                .step_by(specs.len())
                .count();
            findings += counts.findings * (1 + copies);
            conflicts += counts.conflicts * (1 + copies);
            initial.push(phases);
            build_times.push(built.elapsed);
            if i == 0 {
                measured = Some(built);
            }
        }
        let measured = measured.context("the first township was not built")?;
        Ok(County {
            conn,
            measured_code: specs[0].code.clone(),
            townships: all.len(),
            measured,
            initial,
            build_times,
            findings,
            conflicts,
            wall: start.elapsed(),
        })
    })
}

/// Copies keep their units' credit codes distinct across townships (a
/// county has few duplicates; `quality` lists every one): two characters
/// of the code's serial part are replaced by the township's last two digits.
fn unique_credit_codes(p: &mut qunjian_server::projection::Projected, code: &str) {
    let tag = &code[code.len().saturating_sub(2)..];
    for unit in p.doc.units.values_mut() {
        if let Some(c) = &mut unit.credit_code
            && c.len() == 18
            && c.is_ascii()
            && tag.is_ascii()
        {
            *c = format!("{}{tag}{}", &c[..8], &c[10..]);
        }
    }
}

/// Rows per projection table and the database's size.
pub struct Sizes {
    pub rows: Vec<(&'static str, i64)>,
    pub file_bytes: u64,
    pub pages_bytes: i64,
}

pub fn sizes(conn: &Connection, dir: &Path) -> anyhow::Result<Sizes> {
    let mut rows = Vec::new();
    let tables = qunjian_server::projection::write::TABLES;
    for t in tables.iter().chain(&["p_state"]) {
        let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))?;
        rows.push((*t, n));
    }
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let file_bytes = std::fs::metadata(db::db_path(dir))?.len();
    Ok(Sizes {
        rows,
        file_bytes,
        pages_bytes: pages * page_size,
    })
}
