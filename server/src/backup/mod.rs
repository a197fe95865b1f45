//! Backups of the county server's database: taken while it serves,
//! checked, restored, and taken on a schedule (docs/OPERATIONS.md,
//! "备份与恢复").
//!
//! Everything the server keeps is in one SQLite file, `qunjian.db`
//! (documents, townships, tokens, audit, the report tables), so a backup
//! is one consistent copy of that file made with SQLite's online backup.
//!
//! - `copy`: taking a backup (`qunjian-server backup`).
//! - `check`: is a file a usable backup (`qunjian-server verify`).
//! - `restore`: a backup into an empty data directory, and the tokens it
//!   brings back (`qunjian-server restore`).
//! - `schedule`, `rotation`, `interval`: backups inside `serve`, which to
//!   keep, how often.
//! - `counts`, `durable_file`: what a backup holds; a file that is whole
//!   or absent.
//! - `commands`: the three commands' flags and output.

pub mod check;
pub mod commands;
pub mod copy;
pub mod counts;
pub mod durable_file;
pub mod interval;
pub mod restore;
pub mod rotation;
pub mod schedule;

pub use schedule::{Schedule, ScheduleArgs};
