//! The organizations a unit hosts: party organization, trade union, Youth
//! League, women's organization, and the 妇女之家 venue.
//!
//! Each is a map that exists from the moment its unit is created, with every
//! field optional. Creating the maps up front matters: if two offline
//! devices each created a unit's `union` map, Automerge would keep two maps
//! under one key and show only one, hiding the other device's fields. With
//! the map already there, the devices' edits are separate scalar writes
//! that merge field by field.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::lenient;

use super::Date;
use crate::string_enum;

string_enum! {
    /// 党组织形式.
    PartyOrgForm {
        Branch = "branch" "党支部",
        GeneralBranch = "general_branch" "党总支",
        Committee = "committee" "党委",
    }
}

string_enum! {
    /// 党组织年度定级.
    PartyRating {
        Excellent = "excellent" "优秀",
        Qualified = "qualified" "达标",
        Weak = "weak" "软弱涣散",
    }
}

string_enum! {
    /// 妇女组织形式.
    WomenOrgForm {
        Federation = "federation" "妇联",
        Congress = "congress" "妇代会",
        Committee = "committee" "妇委会",
        WorkCommittee = "work_committee" "妇女工作委员会",
        Liaison = "liaison" "妇女工作联络员",
    }
}

string_enum! {
    /// The organizations of 党建带群建, as a record refers to them.
    OrgKind {
        Party = "party" "党组织",
        Union = "union" "工会",
        League = "league" "团组织",
        Women = "women" "妇女组织",
        WomensHome = "womens_home" "妇女之家",
    }
}

/// 党组织. Formed when `formed` is set or a founding date is known.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct PartyOrg {
    /// Whether the organization exists.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub formed: bool,
    /// 党支部 / 党总支 / 党委.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub form: Option<PartyOrgForm>,
    /// 年度定级.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub rating: Option<PartyRating>,
    /// 成立日期.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub established: Option<Date>,
}

/// 工会 (基层工会).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Union {
    /// Whether the union exists.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub formed: bool,
    /// 成立日期.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub established: Option<Date>,
    /// 独立建会 (as opposed to a joint union of several enterprises).
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub independent: Option<bool>,
    /// 工会主席.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub chair: Option<String>,
    /// 女职工委员会 formed with it.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub female_workers_committee: Option<bool>,
}

/// 共青团组织.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct League {
    /// Whether the league organization exists.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub formed: bool,
    /// 成立日期.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub established: Option<Date>,
    /// 团组织书记.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub secretary: Option<String>,
}

/// 妇女组织.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct WomenOrg {
    /// Whether the women's organization exists.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub formed: bool,
    /// 妇联 / 妇代会 / 妇委会 / 妇工委 / 联络员.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub form: Option<WomenOrgForm>,
    /// 成立日期.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub established: Option<Date>,
    /// 主席 (or the liaison's name).
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub chair: Option<String>,
    /// 主席专职.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub chair_full_time: Option<bool>,
    /// 主任进村两委: a village 妇代会's chair sits on the village party
    /// branch committee or villagers' committee. Only asked of a 妇代会;
    /// unknown (`None`) until someone says, and an older document without
    /// the key reads as unknown.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub chair_on_committees: Option<bool>,
}

/// 妇女之家.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct WomensHome {
    /// Whether the venue exists.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub formed: bool,
    /// 建成日期.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub established: Option<Date>,
}

/// What every organization answers: does it exist?
pub trait Formed {
    /// Formed if marked so or a founding date is recorded.
    fn is_formed(&self) -> bool;
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
formed_by_flag_or_date!(PartyOrg, Union, League, WomenOrg, WomensHome);

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};

    use super::*;

    /// A women's organization written before `chair_on_committees` existed
    /// (by an older device, or by JavaScript that never heard of it) reads,
    /// with the chair's seat unknown.
    #[test]
    fn a_women_org_without_chair_on_committees_reads_as_unknown() {
        let mut doc = AutoCommit::new();
        let w = doc.put_object(ROOT, "women_org", ObjType::Map).unwrap();
        doc.put(&w, "formed", true).unwrap();
        doc.put(&w, "form", "congress").unwrap();
        doc.put(&w, "chair_full_time", false).unwrap();
        let read: WomenOrg = autosurgeon::hydrate_prop(&doc, ROOT, "women_org").unwrap();
        assert_eq!(read.form, Some(WomenOrgForm::Congress));
        assert_eq!(read.chair_on_committees, None);

        let json: WomenOrg = serde_json::from_str(r#"{"formed":true,"form":"congress"}"#).unwrap();
        assert_eq!(json.chair_on_committees, None);

        doc.put(&w, "chair_on_committees", true).unwrap();
        let read: WomenOrg = autosurgeon::hydrate_prop(&doc, ROOT, "women_org").unwrap();
        assert_eq!(read.chair_on_committees, Some(true));
    }
}
