//! Tells the server which documents just received changes, by watching
//! what samod writes to storage.
//!
//! samod stores a document only when it gained changes, and the server makes
//! no edits of its own, so every put under `<document id>/…` means a
//! device's change arrived and is now durable. Watching storage instead of
//! document handles sees every document, including ones a device asked for
//! before the server had looked at them, and cannot miss a change that
//! lands before a subscription starts.

use std::collections::HashMap;

use qunjian_shared::SqliteStorage;
use samod::DocumentId;
use samod::storage::{Storage, StorageKey};
use tokio::sync::mpsc;

/// `SqliteStorage` that reports the document of every completed put.
#[derive(Clone)]
pub struct ChangeFeed {
    inner: SqliteStorage,
    changed: mpsc::UnboundedSender<DocumentId>,
}

impl ChangeFeed {
    /// Wrap `inner`; the receiver gets a document id after each of its puts.
    pub fn new(inner: SqliteStorage) -> (Self, mpsc::UnboundedReceiver<DocumentId>) {
        let (changed, rx) = mpsc::unbounded_channel();
        (ChangeFeed { inner, changed }, rx)
    }

    fn document_of(key: &StorageKey) -> Option<DocumentId> {
        let mut parts = key.into_iter();
        let id = parts.next()?;
        match parts.next().map(String::as_str) {
            Some("incremental" | "snapshot") => id.parse().ok(),
            _ => None,
        }
    }
}

impl Storage for ChangeFeed {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        self.inner.load(key)
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        self.inner.load_range(prefix)
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        let document = Self::document_of(&key);
        let changed = self.changed.clone();
        let put = self.inner.put(key, data);
        async move {
            put.await;
            if let Some(document) = document {
                // Nobody listening only means the server is stopping.
                let _ = changed.send(document);
            }
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        self.inner.delete(key)
    }
}
