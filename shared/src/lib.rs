//! What both sides of Qunjian share: the township document's shape and its
//! typed edits, validation and conflicts, the county's rules, the JSON
//! bodies the server sends and clients read, and the SQLite storage that
//! samod persists documents through on the county server and on every device.
//!
//! Everything here is plain data and pure functions, with two exceptions
//! that touch files: `storage` (the SQLite file, its writer and readers)
//! and `Rules::load`, which reads the county's rules file before handing
//! the text to the pure `Rules::from_toml_str`.

#![warn(missing_docs)]

pub mod api;
pub mod bundle;
pub mod conflicts;
pub mod county;
pub mod doc_json;
pub mod edit;
pub mod field_words;
pub mod history;
pub mod meta;
pub mod migrate;
pub mod rules;
pub mod schema;
pub mod storage;
pub mod token;
pub mod validation;

pub use meta::{MetaError, SCHEMA_VERSION, TownshipKind, TownshipMeta};
pub use rules::{Rules, RulesError};
pub use storage::{
    CommitAttempt, CommitObserver, SqliteStorage, StorageError, StorageHealth, StorageOptions,
};
