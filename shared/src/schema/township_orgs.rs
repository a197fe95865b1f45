//! The township's own organizations: its 妇联, 团委 and 总工会, kept in
//! the root map `township_orgs` — not in any unit, since they belong to
//! the township itself (the full-time 妇联 chair target counts townships).
//!
//! ```text
//! township_orgs: { federation: {…}, league_committee: {…}, union_federation: {…} }
//! ```
//!
//! Like a unit's organizations, the three maps exist before anyone edits
//! them, with every field written (`false` or `null`), so two devices
//! filling in different fields write separate scalars that merge field by
//! field. A new document gets them from `TownshipMeta::new_document`; a
//! document made before they existed gets them on its first edit of them
//! (`edit::township_orgs`). Should two offline devices both make that first
//! edit, Automerge keeps two `township_orgs` maps under one key and shows
//! one: [`TownshipOrgs::read`] reads every copy and fills each field the
//! winning copy leaves empty from the others, so nothing recorded on either
//! device disappears, and every replica with the same changes reads the same.

use automerge::{ObjType, ROOT, Value};
use autosurgeon::{Hydrate, ReadDoc, Reconcile};
use serde::{Deserialize, Serialize};

use super::lenient;
use super::{Date, Formed};

/// The root key of the township's own organizations.
pub const TOWNSHIP_ORGS: &str = "township_orgs";

/// 乡镇妇联.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct TownshipFederation {
    /// Whether the township's 妇联 exists.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub formed: bool,
    /// 成立日期.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub established: Option<Date>,
    /// 妇联主席.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub chair: Option<String>,
    /// 主席专职: the chair is full-time (`None`: not recorded).
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub chair_full_time: Option<bool>,
}

/// 乡镇团委.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct TownshipLeagueCommittee {
    /// Whether the township's 团委 exists.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub formed: bool,
    /// 成立日期.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub established: Option<Date>,
    /// 团委书记.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub secretary: Option<String>,
    /// 书记专职.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub secretary_full_time: Option<bool>,
}

/// 乡镇总工会.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct TownshipUnionFederation {
    /// Whether the township's 总工会 exists.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub formed: bool,
    /// 成立日期.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub established: Option<Date>,
    /// 总工会主席.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub chair: Option<String>,
    /// 主席专职.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub chair_full_time: Option<bool>,
}

/// `township_orgs`: the township's own 妇联, 团委 and 总工会.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct TownshipOrgs {
    /// 乡镇妇联.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub federation: TownshipFederation,
    /// 乡镇团委.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub league_committee: TownshipLeagueCommittee,
    /// 乡镇总工会.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub union_federation: TownshipUnionFederation,
}

macro_rules! formed_by_flag_or_date {
    ($($t:ty),+) => {$(
        impl Formed for $t {
            fn is_formed(&self) -> bool {
                self.formed || self.established.is_some()
            }
        }
    )+};
}
formed_by_flag_or_date!(
    TownshipFederation,
    TownshipLeagueCommittee,
    TownshipUnionFederation
);

/// Fill what `self` leaves empty from `other`: a flag set in either stays
/// set, an unrecorded value takes the other's.
trait FillFrom {
    fn fill_from(&mut self, other: &Self);
}

impl FillFrom for TownshipFederation {
    fn fill_from(&mut self, other: &Self) {
        self.formed |= other.formed;
        fill(&mut self.established, &other.established);
        fill(&mut self.chair, &other.chair);
        fill(&mut self.chair_full_time, &other.chair_full_time);
    }
}

impl FillFrom for TownshipLeagueCommittee {
    fn fill_from(&mut self, other: &Self) {
        self.formed |= other.formed;
        fill(&mut self.established, &other.established);
        fill(&mut self.secretary, &other.secretary);
        fill(&mut self.secretary_full_time, &other.secretary_full_time);
    }
}

impl FillFrom for TownshipUnionFederation {
    fn fill_from(&mut self, other: &Self) {
        self.formed |= other.formed;
        fill(&mut self.established, &other.established);
        fill(&mut self.chair, &other.chair);
        fill(&mut self.chair_full_time, &other.chair_full_time);
    }
}

fn fill<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) {
    if mine.is_none() {
        mine.clone_from(theirs);
    }
}

impl TownshipOrgs {
    /// Read `township_orgs`, leniently: a document without it (made before
    /// it existed) reads as nothing recorded; copies made concurrently are
    /// merged (the winning copy first, see the module's note). The error
    /// says why no copy could be read, when none could.
    pub fn read<D: automerge::ReadDoc + ReadDoc>(doc: &D) -> Result<TownshipOrgs, String> {
        let copies = match automerge::ReadDoc::get_all(doc, ROOT, TOWNSHIP_ORGS) {
            Ok(copies) => copies,
            Err(e) => return Err(e.to_string()),
        };
        // `get_all` lists the values in the order whose last is the one
        // `get` shows, the same on every replica: start from it.
        let mut merged: Option<TownshipOrgs> = None;
        let mut error = None;
        for (value, obj) in copies.into_iter().rev() {
            let read = match value {
                Value::Object(ObjType::Map) => {
                    TownshipOrgs::hydrate_map(doc, &obj).map_err(|e| e.to_string())
                }
                other => Err(format!("township_orgs is {other}, not a map")),
            };
            match (read, &mut merged) {
                (Ok(copy), None) => merged = Some(copy),
                (Ok(copy), Some(m)) => m.fill_from(&copy),
                (Err(e), _) => error = error.or(Some(e)),
            }
        }
        match (merged, error) {
            (Some(m), _) => Ok(m),
            (None, Some(e)) => Err(e),
            (None, None) => Ok(TownshipOrgs::default()),
        }
    }

    /// Put the three maps, every field written (`false` / `null`), at
    /// `township_orgs` — for a new document, or a document made before
    /// they existed on its first edit of them. Writing every field now is
    /// what lets two devices' first edits of different fields merge: a
    /// field still absent would be written as `null` by one device's edit
    /// of another field, and that `null` could win over the other device's
    /// value.
    pub fn put_empty<D: autosurgeon::Doc>(doc: &mut D) -> Result<(), automerge::AutomergeError> {
        autosurgeon::reconcile_prop(doc, ROOT, TOWNSHIP_ORGS, TownshipOrgs::default()).map_err(
            |e| match e {
                autosurgeon::ReconcileError::Automerge(e) => e,
                // Only a whole-document reconcile (not a map at the root,
                // stale heads) fails otherwise.
                _ => automerge::AutomergeError::Fail,
            },
        )
    }

    fn fill_from(&mut self, other: &Self) {
        self.federation.fill_from(&other.federation);
        self.league_committee.fill_from(&other.league_committee);
        self.union_federation.fill_from(&other.union_federation);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_alone_counts_as_formed() {
        let mut f = TownshipFederation::default();
        assert!(!f.is_formed());
        f.established = Some(Date::ymd(2020, 3, 8).expect("date"));
        assert!(f.is_formed());
    }

    #[test]
    fn filling_keeps_own_values_and_takes_the_others_where_empty() {
        let mut mine = TownshipOrgs::default();
        mine.federation.chair = Some("张敏".into());
        mine.federation.chair_full_time = Some(false);
        let mut theirs = TownshipOrgs::default();
        theirs.federation.formed = true;
        theirs.federation.chair = Some("李芳".into());
        theirs.federation.chair_full_time = Some(true);
        theirs.league_committee.secretary = Some("王强".into());
        mine.fill_from(&theirs);
        assert!(mine.federation.formed);
        assert_eq!(mine.federation.chair.as_deref(), Some("张敏"));
        assert_eq!(mine.federation.chair_full_time, Some(false));
        assert_eq!(mine.league_committee.secretary.as_deref(), Some("王强"));
    }
}
