//! Upgrading older documents to the current shape (`meta.schema`).
//!
//! Devices migrate on open, offline, each on its own. Two rules make that
//! safe: a migration is idempotent (it checks before it writes, and the
//! version check stops it running twice), and it only writes scalars into
//! maps that already exist. Two devices that migrate the same document
//! concurrently then write equal values to the same keys, which Automerge
//! merges into one result; a new map created on both would instead be two
//! maps, one hiding the other. A version that needs a new container must
//! create it from one place (the server) before devices use it.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{Automerge, AutomergeError, ObjType, ROOT, ReadDoc, Value};

use crate::meta::TownshipMeta;

/// One step from `from` to `from + 1`.
pub struct Migration {
    /// The version this migration upgrades.
    pub from: u64,
    /// What it does, for the commit message.
    pub description: &'static str,
    /// The change itself; must be idempotent and write only scalars.
    pub apply: fn(&mut Transaction<'_>) -> Result<(), AutomergeError>,
}

pub mod containers;
mod signed_integers;

/// The migrations of this code base, one per version step.
pub const MIGRATIONS: &[Migration] = &[Migration {
    from: 1,
    description: "整数改存为有符号整数（JavaScript 读作普通数字）",
    apply: signed_integers::apply,
}];

/// Why a document could not be migrated.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The document has no readable meta.
    #[error(transparent)]
    Meta(Box<crate::MetaError>),
    /// The document is newer than this code.
    #[error(
        "the document is schema {found}, newer than this program's {supported}: update the app"
    )]
    TooNew {
        /// The document's version.
        found: u64,
        /// What this code knows.
        supported: u64,
    },
    /// No migration from this version exists.
    #[error("no migration from schema {0}")]
    Missing(u64),
    /// Automerge refused a write.
    #[error("automerge: {0}")]
    Automerge(Box<AutomergeError>),
}

// Boxed: these are large, and a migration error travels up through every
// client call's `Result`.
impl From<crate::MetaError> for MigrateError {
    fn from(e: crate::MetaError) -> Self {
        MigrateError::Meta(Box::new(e))
    }
}

impl From<AutomergeError> for MigrateError {
    fn from(e: AutomergeError) -> Self {
        MigrateError::Automerge(Box::new(e))
    }
}

/// Bring `doc` to `target` with `migrations`, one transaction per step.
/// Returns the versions migrated from (empty when nothing was to do).
pub fn migrate(
    doc: &mut Automerge,
    migrations: &[Migration],
    target: u64,
) -> Result<Vec<u64>, MigrateError> {
    let mut done = Vec::new();
    loop {
        let current = TownshipMeta::read(doc)?.schema;
        if current == target {
            return Ok(done);
        }
        if current > target {
            return Err(MigrateError::TooNew {
                found: current,
                supported: target,
            });
        }
        let step = migrations
            .iter()
            .find(|m| m.from == current)
            .ok_or(MigrateError::Missing(current))?;
        doc.transact_with::<_, _, AutomergeError, _>(
            |_| {
                CommitOptions::default().with_message(format!(
                    "迁移 schema {} → {}: {}",
                    step.from,
                    step.from + 1,
                    step.description
                ))
            },
            |tx| {
                (step.apply)(tx)?;
                let meta = match tx.get(ROOT, "meta")? {
                    Some((Value::Object(ObjType::Map), id)) => id,
                    _ => return Err(AutomergeError::InvalidObjId("meta".into())),
                };
                tx.put(
                    &meta,
                    "schema",
                    crate::schema::integer::scalar(step.from + 1),
                )?;
                Ok(())
            },
        )
        .map_err(|f| f.error)?;
        done.push(current);
    }
}
