//! 挂钩联系/驻点指导: a cadre's guidance visit to a unit.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::lenient;

use super::{Date, Record};

/// A visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Visit {
    /// The visiting cadre (a name or a person id).
    #[autosurgeon(hydrate = "lenient::value")]
    pub cadre: String,
    /// The unit (id) visited.
    #[autosurgeon(hydrate = "lenient::value")]
    pub unit: String,
    /// 日期.
    pub date: Date,
    /// 目的.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub purpose: Option<String>,
    /// 记录.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub notes: Option<String>,
    /// Archived records stay in the document; they are never deleted.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub archived: bool,
}

impl Record for Visit {
    const MAP: &'static str = "visits";
    const NAME_ZH: &'static str = "走访";
    fn archived(&self) -> bool {
        self.archived
    }
    fn set_archived(&mut self, archived: bool) {
        self.archived = archived;
    }
}
