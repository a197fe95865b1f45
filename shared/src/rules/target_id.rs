//! The rates a county is measured on that can be computed from its units
//! and people.

use super::config::{Percent, Rules};
use crate::string_enum;

string_enum! {
    /// A formation or staffing target of DOMAIN.md. The stored value is the
    /// key of its rate in the rules file's `[targets]`.
    TargetId {
        UnionLarge = "union_formation_100" "大型企业工会组建率",
        UnionMedium = "union_formation_50" "中型以上企业工会组建率",
        UnionAll = "union_formation_all" "企业工会组建率",
        League = "league_formation" "符合条件的两新组织团组织组建率",
        WomensHome = "womens_home_formation" "村(社区)妇女之家组建率",
        WomenOrgLiangxin = "women_org_liangxin_formation" "两新组织妇女组织组建率",
        WomensCommittee = "womens_committee_formation" "机关事业单位妇委会组建率",
        FederationChair = "federation_chair_full_time" "专职妇联主席配备率",
        CongressChair = "congress_chair_on_committees" "村妇代会主任进村两委比例",
        WomenReserveCadres = "women_reserve_cadres" "后备干部中女性比例",
    }
}

impl TargetId {
    /// The target rate this county set.
    pub fn goal(self, rules: &Rules) -> Percent {
        let t = &rules.targets;
        match self {
            TargetId::UnionLarge => t.union_formation_100,
            TargetId::UnionMedium => t.union_formation_50,
            TargetId::UnionAll => t.union_formation_all,
            TargetId::League => t.league_formation,
            TargetId::WomensHome => t.womens_home_formation,
            TargetId::WomenOrgLiangxin => t.women_org_liangxin_formation,
            TargetId::WomensCommittee => t.womens_committee_formation,
            TargetId::FederationChair => t.federation_chair_full_time,
            TargetId::CongressChair => t.congress_chair_on_committees,
            TargetId::WomenReserveCadres => t.women_reserve_cadres,
        }
    }

    /// The Chinese label with this county's numbers where the target has
    /// them, e.g. `职工 100 人以上企业工会组建率`.
    pub fn label_for(self, rules: &Rules) -> String {
        let t = &rules.thresholds;
        match self {
            TargetId::UnionLarge => {
                format!("职工 {} 人以上企业工会组建率", t.large_enterprise_employees)
            }
            TargetId::UnionMedium => {
                format!(
                    "职工 {} 人以上企业工会组建率",
                    t.medium_enterprise_employees
                )
            }
            other => other.label().to_string(),
        }
    }
}
