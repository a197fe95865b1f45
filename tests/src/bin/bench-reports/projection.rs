//! Timing the projection of one township the way the server's projector
//! does it: clone the document (on samod's document actor), `read::read`
//! (hydrate + validate + conflicts, on the blocking pool), then
//! `write::replace` (one SQLite transaction on the server's connection).

use std::time::{Duration, Instant};

use automerge::Automerge;
use qunjian_server::projection::{read, write};
use qunjian_shared::schema::Date;
use rusqlite::Connection;

use crate::stats::{Summary, summarize};

/// One projection, phase by phase.
#[derive(Clone, Copy, Debug, Default)]
pub struct Phases {
    pub clone: Duration,
    pub read: Duration,
    pub write: Duration,
}

impl Phases {
    pub fn total(&self) -> Duration {
        self.clone + self.read + self.write
    }
}

/// What the findings and conflicts of one projection came to.
pub struct Counts {
    pub findings: usize,
    pub conflicts: usize,
}

/// Project `doc` (filed under `code`) into `conn` once, timed.
pub fn project(
    conn: &Connection,
    code: &str,
    doc: &Automerge,
    today: Date,
) -> anyhow::Result<(Phases, read::Projected)> {
    let t = Instant::now();
    let copy = doc.clone();
    let clone = t.elapsed();
    let t = Instant::now();
    let projected = read::read(code, &copy, today)?;
    let read = t.elapsed();
    drop(copy);
    let t = Instant::now();
    write::replace(conn, &projected, &qunjian_server::clock::now())?;
    let write = t.elapsed();
    Ok((Phases { clone, read, write }, projected))
}

/// Summaries of each phase and of the total over `runs`.
pub struct PhaseSummary {
    pub clone: Summary,
    pub read: Summary,
    pub write: Summary,
    pub total: Summary,
}

pub fn summarize_phases(runs: &[Phases]) -> PhaseSummary {
    let s = |f: fn(&Phases) -> Duration| summarize(runs.iter().map(f).collect());
    PhaseSummary {
        clone: s(|p| p.clone),
        read: s(|p| p.read),
        write: s(|p| p.write),
        total: s(|p| p.total()),
    }
}

/// Where `read::read`'s time goes: the three calls it makes, timed apart.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadParts {
    pub hydrate: Duration,
    pub validate: Duration,
    pub conflicts: Duration,
    /// The raw walk for dates written without zero padding.
    pub unpadded: Duration,
}

pub fn read_parts(doc: &Automerge, today: Date) -> anyhow::Result<ReadParts> {
    use qunjian_shared::schema::TownshipDocument;
    let t = Instant::now();
    let (typed, unreadable) = TownshipDocument::hydrate(doc)?;
    let hydrate = t.elapsed();
    let t = Instant::now();
    let findings = qunjian_shared::validation::validate_with_unreadable(&typed, &unreadable, today);
    let validate = t.elapsed();
    let t = Instant::now();
    let conflicts = qunjian_shared::conflicts::conflicts(doc);
    let conflicts_time = t.elapsed();
    let t = Instant::now();
    let short = qunjian_shared::validation::spelling::unpadded(doc);
    let unpadded = t.elapsed();
    drop((findings, conflicts, short));
    Ok(ReadParts {
        hydrate,
        validate,
        conflicts: conflicts_time,
        unpadded,
    })
}
