//! 基层单位: a village, community, enterprise, social organization, agency,
//! institution or industrial park, with the organizations it hosts.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::{integer, lenient};

use super::organizations::{Formed, League, OrgKind, PartyOrg, Union, WomenOrg, WomensHome};
use super::{Date, Record};
use crate::string_enum;

string_enum! {
    /// 单位类型.
    UnitKind {
        Village = "village" "行政村",
        Community = "community" "社区",
        Enterprise = "enterprise" "非公企业",
        SocialOrg = "social_org" "社会组织",
        Agency = "agency" "机关",
        Institution = "institution" "事业单位",
        Park = "park" "工业园区",
    }
}

impl UnitKind {
    /// 两新组织: new economic and social organizations.
    pub fn is_liangxin(self) -> bool {
        matches!(self, UnitKind::Enterprise | UnitKind::SocialOrg)
    }
}

/// A unit and its organizations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Unit {
    /// 单位名称.
    #[autosurgeon(hydrate = "lenient::value")]
    pub name: String,
    /// What kind of unit.
    pub kind: UnitKind,
    /// The park an enterprise sits in (a unit id).
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub parent: Option<String>,
    /// 统一社会信用代码 (18 characters).
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub credit_code: Option<String>,
    /// 职工人数.
    #[autosurgeon(
        missing = "Default::default",
        hydrate = "lenient::value",
        reconcile = "integer::reconcile"
    )]
    #[serde(default)]
    pub employees: Option<u32>,
    /// 女性固定职工.
    #[autosurgeon(
        missing = "Default::default",
        hydrate = "lenient::value",
        reconcile = "integer::reconcile"
    )]
    #[serde(default)]
    pub female_staff: Option<u32>,
    /// 28 岁以下青年.
    #[autosurgeon(
        missing = "Default::default",
        hydrate = "lenient::value",
        reconcile = "integer::reconcile"
    )]
    #[serde(default)]
    pub youth: Option<u32>,
    /// 成立/开业日期.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub opened: Option<Date>,
    /// Archived records stay in the document; they are never deleted.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub archived: bool,
    /// 党组织.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub party_org: PartyOrg,
    /// 工会.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub union: Union,
    /// 团组织.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub league: League,
    /// 妇女组织.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub women_org: WomenOrg,
    /// 妇女之家.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub womens_home: WomensHome,
}

impl Unit {
    /// A new unit with no organizations recorded yet.
    pub fn new(name: impl Into<String>, kind: UnitKind) -> Self {
        Unit {
            name: name.into(),
            kind,
            parent: None,
            credit_code: None,
            employees: None,
            female_staff: None,
            youth: None,
            opened: None,
            archived: false,
            party_org: PartyOrg::default(),
            union: Union::default(),
            league: League::default(),
            women_org: WomenOrg::default(),
            womens_home: WomensHome::default(),
        }
    }

    /// Whether this unit has the organization.
    pub fn has(&self, org: OrgKind) -> bool {
        match org {
            OrgKind::Party => self.party_org.is_formed(),
            OrgKind::Union => self.union.is_formed(),
            OrgKind::League => self.league.is_formed(),
            OrgKind::Women => self.women_org.is_formed(),
            OrgKind::WomensHome => self.womens_home.is_formed(),
        }
    }
}

impl Record for Unit {
    const MAP: &'static str = "units";
    const NAME_ZH: &'static str = "单位";
    fn archived(&self) -> bool {
        self.archived
    }
    fn set_archived(&mut self, archived: bool) {
        self.archived = archived;
    }
}
