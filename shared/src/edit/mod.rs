//! Edits of a township document, record by record, as plain functions over
//! an Automerge transaction.
//!
//! The client's `Township` handle wraps each in one transaction with a
//! commit message; property tests and the server call them on bare
//! documents. Every function writes only the record (or step, or field) it
//! is about: records are reconciled into their own maps, never the whole
//! document, so an edit costs what the record costs and concurrent edits of
//! other records and fields merge.

mod error;
mod nominations;
mod raw;
mod records;
mod resolve;
mod township_orgs;

pub use error::EditError;
pub use nominations::{nominate, record_step};
pub use raw::{set, still_readable};
pub use records::{add, archive, get, list_all, records_map, update};
pub use resolve::resolve;
pub use township_orgs::{township_orgs, update_township_orgs};
