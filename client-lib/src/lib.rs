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
//! use qunjian_client::schema::{OrgKind, Unit, UnitKind};
//!
//! // A device's replica, opened with the token the county gave it; it
//! // works with no network at all.
//! let token = "qjt_…"; // from `qunjian-server token create --role township …`
//! let replica = Replica::open_with_token("township.db", token).await?;
//! // Sync in the background whenever the county server can be reached.
//! replica.connect("ws://127.0.0.1:8080/sync")?;
//! // The URL `qunjian-server township add` printed.
//! let url = "automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ";
//! let township = replica.township(url).await?;
//!
//! let mut village = Unit::new("城关村", UnitKind::Village);
//! village.womens_home.formed = true;
//! let id = township.add(&village)?;
//! township.update::<Unit>(&id, |u| u.women_org.chair = Some("李桂英".into()))?;
//! assert!(township.units_lacking(OrgKind::Union).iter().any(|(u, _)| *u == id));
//!
//! let status = replica.wait_synced(url, Duration::from_secs(30)).await?;
//! println!("{status}");
//! replica.close().await;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod bundle;
mod conflicts;
mod dialer;
mod entry;
mod error;
mod gaps;
pub mod ledger;
mod me;
mod nominations;
mod queries;
mod raw;
mod records;
mod remember;
mod replica;
mod rules_cache;
mod status;
mod sync_status;
mod sync_summary;
mod tls;
mod township;
mod township_orgs;

pub use bundle::{BundleFailure, Exported, Imported};
pub use conflicts::Writer;
pub use dialer::{Backoff, Refused, WsDialer, ws_transport};
/// A transport that shows every message to a tap; for the benchmarks, which
/// count bytes by message type (feature `bench`), not for apps.
#[cfg(feature = "bench")]
pub use dialer::{Direction, ws_transport_tapped};
pub use entry::Force;
pub use error::ClientError;
pub use gaps::Gap;
pub use me::{me, me_trusting};
pub use remember::Remembered;
pub use replica::Replica;
pub use rules_cache::{RulesInEffect, RulesSource};
pub use status::{PROBE_WAIT, Status};
pub use sync_status::SyncStatus;
pub use sync_summary::{ChangesSince, RULES_WAIT, SyncProgress, SyncSummary, changes_since};
pub use tls::Tls;
pub use township::Township;

/// Types of `qunjian-shared` that this crate's signatures name, so an app
/// needs no second dependency to match on them.
pub use qunjian_shared::api::Me;
pub use qunjian_shared::conflicts::Conflict;
pub use qunjian_shared::edit::EditError;
pub use qunjian_shared::migrate::MigrateError;
pub use qunjian_shared::rules::{Rate, RequiredOrg, RuleId, Rules, TargetId};
pub use qunjian_shared::token::TokenFormatError;
pub use qunjian_shared::validation::{EntryProblems, EntryRecord, Finding};
pub use qunjian_shared::{MetaError, StorageError};

/// The document's typed records, re-exported from `qunjian-shared`.
pub use qunjian_shared::schema;

/// The county's rules engine (thresholds, targets, requirements),
/// re-exported from `qunjian-shared`.
pub use qunjian_shared::rules;

/// Re-exported so apps name the same versions this crate uses.
pub use automerge;
pub use samod;
