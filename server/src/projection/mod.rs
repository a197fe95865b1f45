//! The projection: every township document flattened into SQL tables the
//! reports query.
//!
//! Reports could hydrate documents on each request, but hydrating a large
//! township takes seconds; flattening once per change and answering from
//! SQL keeps every report fast and lets them filter and group with SQL.
//!
//! `read` turns one version of a document into plain data (pure);
//! `incremental` does the same from the last version read and the records
//! changed since (pure); `write`
//! replaces a township's rows with it in one transaction; `worker` decides
//! when, off the sync path; `lag` says how far the rows are behind, for
//! the metrics.

pub mod incremental;
pub mod lag;
pub mod read;
pub mod tables;
pub mod worker;
pub mod write;

#[cfg(test)]
mod incremental_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod township_orgs_tests;

pub use read::{Projected, ReadError};
pub use worker::{Outcome, ProjectError, project};
