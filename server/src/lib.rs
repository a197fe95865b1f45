//! The Qunjian county server: holds every township's Automerge document in
//! SQLite, syncs them with township devices over the automerge-repo protocol
//! (through samod) at `GET /sync`, and answers the county's questions over HTTP.
//!
//! The flow, file by file: `cli` parses and dispatches; `serve` wires the
//! samod repo, storage and HTTP together; `doc_sync` hands WebSockets to
//! samod; `change_feed` sees which documents gained changes and `watch`
//! records when; `townships` is the table of townships; `api` and `health` answer
//! HTTP; `shutdown` stops it all without losing a queued write.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod change_feed;
pub mod cli;
pub mod clock;
pub mod conn;
pub mod db;
pub mod doc_sync;
pub mod export;
pub mod http;
pub mod limits;
pub mod lock;
pub mod peers;
pub mod projection;
pub mod report_table;
pub mod reports;
pub mod schema;
pub mod serve;
pub mod shutdown;
pub mod state;
pub mod townships;
pub mod watch;

pub use serve::{RunningServer, ServeConfig, start};
