//! Add, get, list, update and archive any kind of record: one transaction
//! each, with a commit message, around `qunjian_shared::edit`.
//!
//! Generic over [`Record`], so every kind (units, people, nominations,
//! activities, honors, visits) has the same calls:
//! `township.add(&unit)`, `township.get::<Unit>(&id)`, ...

use qunjian_shared::edit;
use qunjian_shared::schema::Record;

use crate::{ClientError, Township};

impl Township {
    /// Add a record under a new id (UUID v7, made here, so offline devices
    /// never collide) and return the id.
    pub fn add<R: Record>(&self, record: &R) -> Result<String, ClientError> {
        self.transact_checked(&format!("添加{}", R::NAME_ZH), |tx| {
            Ok(edit::add(tx, record)?)
        })
    }

    /// The record with this id, archived or not.
    pub fn get<R: Record>(&self, id: &str) -> Result<Option<R>, ClientError> {
        Ok(self.read(|doc| edit::get::<R, _>(doc, id))?)
    }

    /// Every record of this kind that is not archived, by id. Records that
    /// cannot be read are left out (see [`Township::document`] for them).
    pub fn list<R: Record>(&self) -> Vec<(String, R)> {
        self.list_all::<R>()
            .into_iter()
            .filter(|(_, r)| !r.archived())
            .collect()
    }

    /// Every record of this kind, archived ones included.
    pub fn list_all<R: Record>(&self) -> Vec<(String, R)> {
        self.read(|doc| edit::list_all::<R, _>(doc).into_iter().collect())
    }

    /// Change a record: `f` edits a copy, and only the fields it changed are
    /// written, so a concurrent edit of another field on another device
    /// merges with this one.
    pub fn update<R: Record>(&self, id: &str, f: impl FnOnce(&mut R)) -> Result<R, ClientError> {
        self.transact_checked(&format!("修改{} {id}", R::NAME_ZH), |tx| {
            Ok(edit::update(tx, id, f)?)
        })
    }

    /// Archive a record: it stays in the document (a concurrent edit on
    /// another device is not lost) and leaves [`list`](Self::list).
    pub fn archive<R: Record>(&self, id: &str) -> Result<(), ClientError> {
        self.transact_checked(&format!("归档{} {id}", R::NAME_ZH), |tx| {
            Ok(edit::archive::<R>(tx, id, true)?)
        })
    }

    /// Undo [`archive`](Self::archive).
    pub fn restore<R: Record>(&self, id: &str) -> Result<(), ClientError> {
        self.transact_checked(&format!("恢复{} {id}", R::NAME_ZH), |tx| {
            Ok(edit::archive::<R>(tx, id, false)?)
        })
    }
}
