//! The Qunjian township client: a local replica of a township's Automerge
//! document in a SQLite file, kept in step with the county server in the
//! background by the automerge-repo protocol (through samod).
//!
//! Everything works offline. [`Replica::connect`] starts a dialer that
//! reconnects by itself with exponential backoff, so an app never has to
//! notice the network coming and going; [`Replica::sync_status`] and
//! [`Replica::wait_synced`] tell it whether the server holds its changes.
//!
//! ```no_run
//! # async fn demo() -> Result<(), qunjian_client::ClientError> {
//! use std::time::Duration;
//! use qunjian_client::Replica;
//!
//! let replica = Replica::open("township.db").await?;
//! replica.connect("ws://127.0.0.1:8080/sync")?;
//! let url = "automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ";
//! let township = replica.township(url).await?;
//! township.transact("记录一条备注", |tx| {
//!     use automerge::transaction::Transactable;
//!     tx.put(automerge::ROOT, "note", "城关村已建妇女之家")?;
//!     Ok(())
//! })?;
//! let status = replica.wait_synced(url, Duration::from_secs(30)).await?;
//! assert!(status.is_synced());
//! replica.close().await;
//! # Ok(()) }
//! ```

mod dialer;
mod error;
mod replica;
mod sync_status;
mod township;

pub use dialer::{Backoff, WsDialer};
pub use error::ClientError;
pub use replica::Replica;
pub use sync_status::SyncStatus;
pub use township::TownshipDoc;

/// Re-exported so apps name the same versions this crate uses.
pub use automerge;
pub use samod;
