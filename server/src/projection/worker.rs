//! The projector: a task that keeps the projection tables in step with the
//! documents, without ever holding up sync.
//!
//! It receives the ids of documents that gained changes (already debounced
//! by `watch`), and projects each one: a copy of the document is taken on
//! samod's document actor (a quick clone), then the slow part — hydrating,
//! validating, writing rows — runs on the blocking pool while sync goes on.
//! Documents that change again while one is being projected are simply
//! projected again afterwards; the rows always end at the latest version.

use std::collections::{BTreeSet, HashMap};

use qunjian_shared::schema::Date;
use samod::{DocumentId, Repo};
use tokio::sync::{mpsc, watch};

use super::incremental::{self, Known};
use super::{read, write};
use crate::clock;
use crate::db::{Db, DbError};
use crate::metrics;
use crate::townships::{self, Township};

/// The least time between two rounds of projection.
const MIN_REST: std::time::Duration = std::time::Duration::from_millis(500);

/// Why one township could not be projected this time.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The server is stopping.
    #[error("server is stopping")]
    Stopping,
    /// The township's document is not in storage.
    #[error("乡镇文档不在存储中 (document {0} not in storage)")]
    Missing(DocumentId),
    /// The document could not be read; its previous rows stay.
    #[error("{0}")]
    Read(#[from] read::ReadError),
    /// Reading panicked (malformed data hit a bug in a library): contained
    /// here so one bad document never takes the server down.
    #[error("读取文档时出错 (reading the document panicked): {0}")]
    Panicked(String),
    /// Writing the rows failed.
    #[error("{0}")]
    Db(#[from] DbError),
}

/// What happened to one township.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Rows rewritten.
    Projected,
    /// The rows already show this version.
    Unchanged,
}

/// Project every township now (at startup), then whatever `changed` names
/// until `stop` turns true or the channel closes.
pub async fn run(
    repo: Repo,
    db: Db,
    mut changed: mpsc::UnboundedReceiver<DocumentId>,
    mut stop: watch::Receiver<bool>,
    metrics: metrics::Projection,
) {
    // Each township as last read, so the next projection re-reads only the
    // records that changed (see `incremental`).
    let mut memory = Memory::default();
    match db.call(townships::list).await {
        Ok(all) => {
            for township in all {
                if *stop.borrow() {
                    return;
                }
                let started = std::time::Instant::now();
                let outcome = project_with(&repo, &db, &township, &mut memory).await;
                report(&township, outcome, started, &db, &metrics).await;
            }
        }
        Err(e) => tracing::error!("projection cannot list townships: {e}"),
    }
    loop {
        let first = tokio::select! {
            doc = changed.recv() => match doc { Some(doc) => doc, None => return },
            _ = stop.changed() => return,
        };
        let mut docs = BTreeSet::from([first]);
        while let Ok(doc) = changed.try_recv() {
            docs.insert(doc);
        }
        let by_doc: HashMap<DocumentId, Township> = match db.call(townships::list).await {
            Ok(all) => all
                .into_iter()
                .map(|t| (t.document_id.clone(), t))
                .collect(),
            Err(e) => {
                tracing::error!("projection cannot list townships: {e}");
                continue;
            }
        };
        let started = std::time::Instant::now();
        for doc in docs {
            if let Some(township) = by_doc.get(&doc) {
                let begun = std::time::Instant::now();
                let outcome = project_with(&repo, &db, township, &mut memory).await;
                report(township, outcome, begun, &db, &metrics).await;
            }
        }
        // Under a steady stream of edits, re-reading every township after
        // every burst would keep a core busy with projection alone. Resting
        // twice as long as the work took caps projection at a third of a
        // core; changes arriving meanwhile are merged into the next round,
        // so the figures lag the documents by a few rounds at most.
        let rest = (started.elapsed() * 2).max(MIN_REST);
        tokio::select! {
            _ = tokio::time::sleep(rest) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Log, record and count how one township's projection, begun at
/// `started`, went.
async fn report(
    township: &Township,
    outcome: Result<Outcome, ProjectError>,
    started: std::time::Instant,
    db: &Db,
    metrics: &metrics::Projection,
) {
    match outcome {
        Ok(Outcome::Projected) => {
            metrics.projected(&township.code, started.elapsed());
            tracing::debug!(code = %township.code, "projected");
        }
        Ok(Outcome::Unchanged) => {}
        Err(ProjectError::Stopping) => {}
        Err(e) => {
            metrics.failed(&township.code);
            tracing::warn!(code = %township.code, "projection failed, previous rows kept: {e}");
            let (code, message, at) = (township.code.clone(), e.to_string(), clock::now());
            let recorded = db
                .call(move |conn| write::record_failure(conn, &code, &message, &at))
                .await;
            if let Err(e) = recorded {
                tracing::error!("cannot record a projection failure: {e}");
            }
        }
    }
}

/// Townships kept as last read. A large one is about 9 MB; a county has
/// 15-25 townships, of which a few are busy at a time.
const KEPT_TOWNSHIPS: usize = 8;

/// What the projector keeps between rounds: the townships it projected
/// most recently, each as last read. Others are read in full next time.
#[derive(Default)]
pub struct Memory {
    kept: HashMap<String, (u64, Known)>,
    tick: u64,
}

impl Memory {
    fn take(&mut self, code: &str) -> Option<Known> {
        self.kept.remove(code).map(|(_, known)| known)
    }

    fn keep(&mut self, code: String, known: Known) {
        self.tick += 1;
        self.kept.insert(code, (self.tick, known));
        while self.kept.len() > KEPT_TOWNSHIPS {
            let oldest = self
                .kept
                .iter()
                .min_by_key(|(_, (tick, _))| *tick)
                .map(|(code, _)| code.clone());
            match oldest {
                Some(code) => self.kept.remove(&code),
                None => break,
            };
        }
    }
}

/// Bring one township's rows up to its document's current version, reading
/// the whole document.
pub async fn project(repo: &Repo, db: &Db, township: &Township) -> Result<Outcome, ProjectError> {
    project_with(repo, db, township, &mut Memory::default()).await
}

/// [`project`], re-reading only what changed since the version in `memory`
/// (and leaving the new one there).
pub async fn project_with(
    repo: &Repo,
    db: &Db,
    township: &Township,
    memory: &mut Memory,
) -> Result<Outcome, ProjectError> {
    let handle = repo
        .find(township.document_id.clone())
        .await
        .map_err(|_| ProjectError::Stopping)?
        .ok_or_else(|| ProjectError::Missing(township.document_id.clone()))?;
    // The clone is the only work done on the document actor.
    let doc = handle
        .with_document_async(|doc| doc.clone())
        .await
        .map_err(|_| ProjectError::Stopping)?;
    let heads = qunjian_shared::doc_json::heads_hex(&doc.get_heads()).join(",");
    let code = township.code.clone();
    let current = heads.clone();
    let unchanged = db
        .call(move |conn| {
            // A write that changes no heads (samod compacting, a device
            // re-sending what we hold) still moves `last_change_at`; say the
            // rows are current as of now, so `projected_at` keeps up with it.
            let shown = write::projected_heads(conn, &code)?;
            let same = shown.as_deref() == Some(current.as_str());
            if same {
                write::confirm(conn, &code, &clock::now())?;
            }
            Ok(same)
        })
        .await?;
    if unchanged {
        return Ok(Outcome::Unchanged);
    }
    // Reading takes a while (most of a second for a large township read in
    // full): do it off the runtime and without holding the database, so the
    // API keeps answering meanwhile.
    let code = township.code.clone();
    let known = memory.take(&code);
    let read = tokio::task::spawn_blocking(move || {
        let today = Date(chrono::Local::now().date_naive());
        let incremental = known.is_some();
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            incremental::project(&code, &doc, today, known)
        }));
        match attempt {
            Ok(result) => result,
            // Reading only the changes met something a library could not
            // handle: the full read is the one that is known to work (and
            // if it panics too, the caller reports it).
            Err(panic) if incremental => {
                tracing::warn!(
                    %code,
                    "incremental projection failed, reading in full: {}",
                    panic_message(panic)
                );
                incremental::project(&code, &doc, today, None)
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
    .await;
    let (projected, known, how) = match read {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return Err(ProjectError::Read(e)),
        Err(join) if join.is_panic() => {
            return Err(ProjectError::Panicked(panic_message(join.into_panic())));
        }
        Err(_) => return Err(ProjectError::Stopping),
    };
    tracing::debug!(code = %township.code, ?how, "read for projection");
    memory.keep(township.code.clone(), known);
    db.call(move |conn| write::replace(conn, &projected, &clock::now()))
        .await?;
    Ok(Outcome::Projected)
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use qunjian_shared::{TownshipKind, TownshipMeta};

    #[test]
    fn memory_keeps_the_townships_projected_most_recently() {
        let doc = TownshipMeta::new("330825101", "城关镇", TownshipKind::Zhen, "330825")
            .and_then(|meta| meta.new_document())
            .expect("township");
        let today = Date::ymd(2026, 11, 24).expect("date");
        let (_, known, _) = incremental::project("330825101", &doc, today, None).expect("read");
        let mut memory = Memory::default();
        for i in 0..KEPT_TOWNSHIPS {
            memory.keep(format!("t{i}"), known.clone());
        }
        // t0 is projected again (taken and kept), so t1 is now the oldest.
        let again = memory.take("t0").expect("t0 kept");
        memory.keep("t0".into(), again);
        memory.keep("new".into(), known);
        assert_eq!(memory.kept.len(), KEPT_TOWNSHIPS);
        assert!(memory.take("t1").is_none(), "the oldest was let go");
        assert!(memory.take("t0").is_some());
        assert!(memory.take("new").is_some());
    }
}
