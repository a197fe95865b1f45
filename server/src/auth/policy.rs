//! samod's share policy for the county server: each (document, peer) pair
//! gets the access the peer's token allows. The peer id is trustworthy
//! because every transport is bound to its token's peer id at the upgrade.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use samod::{DocumentId, PeerId, ShareConfig};

use super::gate::Gate;
use super::role::Access;
use crate::db::Db;
use crate::lock;
use crate::townships;

/// Which township each document belongs to; a document's township never
/// changes, so a found answer is kept for good.
#[derive(Clone)]
pub struct DocTownships {
    db: Db,
    known: Arc<RwLock<HashMap<DocumentId, String>>>,
}

impl DocTownships {
    /// Empty; filled on demand from the `townships` table.
    pub fn new(db: Db) -> Self {
        DocTownships {
            db,
            known: Arc::default(),
        }
    }

    /// The township of `doc`, or `None` for a document that is no township's.
    pub async fn of(&self, doc: &DocumentId) -> Option<String> {
        if let Some(code) = lock::read(&self.known).get(doc) {
            return Some(code.clone());
        }
        let wanted = doc.clone();
        let found = self
            .db
            .call(move |conn| townships::by_document(conn, &wanted))
            .await;
        match found {
            Ok(Some(code)) => {
                lock::write(&self.known).insert(doc.clone(), code.clone());
                Some(code)
            }
            Ok(None) => None,
            Err(e) => {
                // Unknown is the safe answer: a township token is denied.
                tracing::error!(document = %doc, "cannot look up a document's township: {e}");
                None
            }
        }
    }
}

/// What a peer may do with a document, by its token.
pub async fn access(gate: &Gate, townships: &DocTownships, doc: &DocumentId, peer: &str) -> Access {
    let Some(row) = peer
        .strip_prefix("qunjian-")
        .and_then(|id| gate.active_by_id(id))
    else {
        return Access::None;
    };
    let township = match row.role {
        // An admin's access does not depend on the document's township.
        super::Role::CountyAdmin => None,
        _ => townships.of(doc).await,
    };
    row.role.document_access(township.as_deref())
}

/// The share policy closure for `Repo::build_tokio().with_share_policy`.
/// Nothing is announced: a device asks for its document, the server never
/// offers one (announcing would send every township to every device).
pub fn share_policy(
    gate: Gate,
    townships: DocTownships,
) -> impl Fn(
    DocumentId,
    PeerId,
) -> futures::stream::Once<futures::future::BoxFuture<'static, ShareConfig>>
+ Clone
+ Send
+ 'static {
    move |doc: DocumentId, peer: PeerId| {
        let gate = gate.clone();
        let townships = townships.clone();
        let decide: futures::future::BoxFuture<'static, ShareConfig> = Box::pin(async move {
            let config = match access(&gate, &townships, &doc, peer.as_str()).await {
                Access::ReadWrite => ShareConfig::read_write(),
                Access::ReadOnly => ShareConfig::read_only(),
                Access::None => ShareConfig::none(),
            };
            config.with_announce(false)
        });
        futures::stream::once(decide)
    }
}
