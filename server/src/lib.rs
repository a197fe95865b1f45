//! The Qunjian county server: holds every township's Automerge document in
//! SQLite, syncs them with township devices over the automerge-repo protocol
//! (through samod) at `GET /sync`, and answers the county's questions over HTTP.
//!
//! The modules, from the bottom up; each imports only those above it in
//! this list (docs/design.md draws the flow):
//!
//! - `lock`, `clock`, `limits`, `shutdown`, `data_dir`, `text`: one helper
//!   each, no imports (`data_dir`: the directory's lock and file modes;
//!   `text`: what may reach a label or a log line).
//! - `logging`: the log's format (text or JSON lines) and writer.
//! - `metrics`: the one registry behind `GET /metrics`, told by the few
//!   places where things happen.
//! - `db`: connections to `<data-dir>/qunjian.db`, and nothing of its tables.
//! - `townships`, `audit`, `county`, `peers`, `report_table`, `export`: a
//!   table or a format each.
//! - `auth` (tokens, roles, the gate, share policy, refusals) and `reports`
//!   (pure builders over the projection's tables).
//! - `projection`: documents into SQL tables, on a worker.
//! - `schema`: opens the database with every table set up.
//! - `backup`: online copies of the database, checked, restored, scheduled.
//! - `change_feed`, `watch`: which documents changed, and when.
//! - `refusal_log`: refusals summarized for the log, per source address.
//! - `state`: what handlers and sessions share (`AppState`).
//! - `doc_sync`: one sync connection (socket, message policy, tally).
//! - `http`: the router, one error type, the handlers.
//! - `conn`: the accept loop (connection caps, header timeout, client
//!   address behind a trusted proxy).
//! - `serve`: starts it all, wires the tasks, stops in order.
//! - `admin`, `bundle`, `cli`: the `qunjian-server` commands (`bundle`:
//!   changes carried on a USB stick).

pub mod admin;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod bundle;
pub mod change_feed;
pub mod cli;
pub mod clock;
pub mod conn;
pub mod county;
pub mod data_dir;
pub mod db;
pub mod doc_sync;
pub mod export;
pub mod heap;
pub mod http;
pub mod limits;
pub mod lock;
pub mod logging;
pub mod metrics;
pub mod peers;
pub mod projection;
pub mod refusal_log;
pub mod report_table;
pub mod reports;
pub mod root_maps;
pub mod schema;
pub mod serve;
pub mod shutdown;
pub mod state;
pub mod text;
pub mod townships;
pub mod watch;

pub use serve::{RunningServer, ServeConfig, start};
