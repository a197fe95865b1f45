//! 执委挂钩: a county women's executive linked to a 两新 organization's
//! women's committee, which she guides and visits (seed 004: each trained
//! executive takes 1–3 committees and visits each at least twice a year).
//!
//! The link lives in the document of the township the committee is in, so
//! the township records it offline like any other record and the county
//! sees every link of an executive across townships. Executives are
//! county people with no record of their own in a township: one is named
//! by her name, the same name in every township (the county's rules file
//! may list the executives, and apps offer those names). A visit counts
//! for a link when it is to the link's unit, by a cadre of that name, on a
//! day the link was in force.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::{Date, Record, lenient};

/// A link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct ExecLink {
    /// 县妇联执委: her name.
    #[autosurgeon(hydrate = "lenient::value")]
    pub executive: String,
    /// The 两新 unit (id) whose women's committee she is linked to.
    #[autosurgeon(hydrate = "lenient::value")]
    pub unit: String,
    /// 挂钩日期: the day the link began.
    pub since: Date,
    /// 结束日期: the day it ended; none while it lasts.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub until: Option<Date>,
    /// 备注.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub notes: Option<String>,
    /// Archived records stay in the document; they are never deleted.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub archived: bool,
}

impl ExecLink {
    /// Whether the link is in force on `day`.
    pub fn in_force_on(&self, day: Date) -> bool {
        !self.archived && self.since <= day && self.until.is_none_or(|u| day <= u)
    }

    /// Whether the link was in force on any day from `from` to `to`.
    pub fn in_force_between(&self, from: Date, to: Date) -> bool {
        !self.archived && self.since <= to && self.until.is_none_or(|u| from <= u)
    }
}

/// A name as names are compared: spaces around it do not count, so
/// `张丽 ` written on one device and `张丽` on another are one executive.
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim() == b.trim()
}

impl Record for ExecLink {
    const MAP: &'static str = "exec_links";
    const NAME_ZH: &'static str = "执委挂钩";
    fn archived(&self) -> bool {
        self.archived
    }
    fn set_archived(&mut self, archived: bool) {
        self.archived = archived;
    }
}
