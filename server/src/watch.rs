//! Keeps `townships.last_change_at` current from the change feed, and tells
//! the projector which documents to project again.
//!
//! Changes arrive in bursts (a device coming online with a day of edits
//! sends hundreds); the time is written and the projection asked for once
//! per burst and township.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use samod::DocumentId;
use tokio::sync::{mpsc, watch};

use crate::clock;
use crate::{db::Db, townships};

/// How long changes are gathered before the times are written.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// Run until `stop` turns true or the feed closes.
pub async fn run(
    db: Db,
    mut feed: mpsc::UnboundedReceiver<DocumentId>,
    project: mpsc::UnboundedSender<DocumentId>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let first = tokio::select! {
            doc = feed.recv() => match doc { Some(doc) => doc, None => return },
            _ = stop.changed() => return,
        };
        let mut changed = HashSet::from([first]);
        let gather = async {
            while let Some(doc) = feed.recv().await {
                changed.insert(doc);
            }
        };
        let _ = tokio::time::timeout(DEBOUNCE, gather).await;
        // Told only after the time is written, so a projection of these
        // changes always ends after `last_change_at` says they arrived.
        let to_project: Vec<DocumentId> = changed.iter().cloned().collect();
        let at = clock::now();
        let written = db
            .call(move |conn| {
                // Few townships per county: reading them all is cheaper than
                // keeping a second index that the admin CLI could invalidate.
                let by_doc: HashMap<DocumentId, String> = townships::list(conn)?
                    .into_iter()
                    .map(|t| (t.document_id, t.code))
                    .collect();
                for doc in changed {
                    match by_doc.get(&doc) {
                        Some(code) => townships::touch(conn, code, &at)?,
                        None => tracing::debug!(%doc, "change to a document that is no township's"),
                    }
                }
                Ok(())
            })
            .await;
        if let Err(e) = written {
            tracing::error!("cannot record when changes arrived: {e}");
        }
        for doc in to_project {
            // The projector only stops when the server does.
            let _ = project.send(doc);
        }
    }
}
