//! How long the server's writer waits while a county-wide export is built.
//!
//! The export builds all eight reports (what `GET /api/export/all.xlsx`
//! does). Meanwhile a probe asks the writer connection for `SELECT 1` every
//! few milliseconds, standing in for a token check, an audit batch or a
//! projection. Run twice: with the reports on the writer (`Db::call`, as
//! before) and on a read connection (`Db::read`, as the server does now).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use qunjian_server::db::{Db, DbError};
use qunjian_server::reports::{self, Filters, ReportName};
use qunjian_shared::Rules;
use qunjian_shared::schema::Date;

use crate::stats::{Summary, summarize};

/// The probe's pause between writer calls.
const PROBE_EVERY: Duration = Duration::from_millis(5);
/// A bound on probes per run, whatever the export takes.
const MAX_PROBES: usize = 20_000;

/// One run: the export's time and the writer's waits during it.
pub struct Wait {
    pub export: Duration,
    pub waits: Summary,
    pub probes: usize,
}

/// Both runs: reports on the writer, then on a read connection.
pub struct WriterWait {
    pub on_writer: Wait,
    pub on_reader: Wait,
}

pub fn measure(data_dir: &std::path::Path, today: Date) -> anyhow::Result<WriterWait> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let db = qunjian_server::schema::open_db(data_dir)?;
        Ok(WriterWait {
            on_writer: run(&db, today, false).await?,
            on_reader: run(&db, today, true).await?,
        })
    })
}

async fn run(db: &Db, today: Date, on_reader: bool) -> anyhow::Result<Wait> {
    let build = move |conn: &rusqlite::Connection| -> Result<usize, DbError> {
        let f = Filters {
            township: None,
            year: None,
            organization: None,
            as_of: today,
        };
        let rules = Rules::default();
        let connected = Default::default();
        let mut rows = 0;
        for &name in ReportName::ALL {
            rows += reports::build(name, conn, &f, &rules, &connected)?
                .rows
                .len();
        }
        Ok(rows)
    };
    let done = Arc::new(AtomicBool::new(false));
    let probe = {
        let db = db.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut waits = Vec::new();
            while !done.load(Ordering::Relaxed) && waits.len() < MAX_PROBES {
                let t = Instant::now();
                db.call(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
                    .await?;
                waits.push(t.elapsed());
                tokio::time::sleep(PROBE_EVERY).await;
            }
            Ok::<_, DbError>(waits)
        })
    };
    // Let the probe start before the export takes the connection.
    tokio::time::sleep(PROBE_EVERY * 2).await;
    let t = Instant::now();
    if on_reader {
        db.read(build).await?;
    } else {
        db.call(build).await?;
    }
    let export = t.elapsed();
    done.store(true, Ordering::Relaxed);
    let waits = probe.await??;
    Ok(Wait {
        export,
        probes: waits.len(),
        waits: summarize(waits),
    })
}
