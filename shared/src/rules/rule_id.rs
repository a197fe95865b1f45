//! The rules that require organizations, each with the seed it comes from.

use super::config::Rules;
use crate::string_enum;

string_enum! {
    /// A rule of DOMAIN.md that requires an organization of a unit.
    RuleId {
        UnionEmployees = "union_employees" "职工达到规定人数的企业应独立建立工会",
        FemaleWorkersCommittee = "female_workers_committee" "建立工会的同时建立女职工委员会",
        LeagueYouth = "league_youth" "有党组织且青年达到规定人数的两新组织应建立团组织",
        WomenWorkCommittee = "women_work_committee" "女性固定职工达到规定人数的两新组织应建立妇女工作委员会",
        WomenLiaison = "women_liaison" "有女性固定职工的两新组织应设妇女工作联络员",
        WomensCommittee = "womens_committee" "机关和事业单位应建立妇委会",
        WomensHome = "womens_home" "村和社区应建立妇女之家",
    }
}

impl RuleId {
    /// The source documents the rule comes from, by their numbers in
    /// docs/DOMAIN.md ("来源").
    pub fn seeds(self) -> &'static str {
        match self {
            RuleId::UnionEmployees | RuleId::FemaleWorkersCommittee => "000",
            RuleId::LeagueYouth | RuleId::WomensCommittee => "000, 003",
            RuleId::WomenWorkCommittee | RuleId::WomenLiaison => "004",
            RuleId::WomensHome => "001, 003",
        }
    }

    /// The rule in Chinese with this county's numbers, e.g.
    /// `职工 25 人以上的企业应独立建立工会, 开业 12 个月内建会`.
    pub fn describe(self, rules: &Rules) -> String {
        let t = &rules.thresholds;
        match self {
            RuleId::UnionEmployees => format!(
                "职工 {} 人以上的企业应独立建立工会, 开业 {} 个月内建会",
                t.union_employees, t.union_deadline_months
            ),
            RuleId::LeagueYouth => format!(
                "有党组织且 28 岁以下青年 {} 人以上的两新组织应建立团组织",
                t.league_youth
            ),
            RuleId::WomenWorkCommittee => format!(
                "女性固定职工 {} 人以上的两新组织应建立妇女工作委员会",
                t.work_committee_female_staff
            ),
            RuleId::WomenLiaison => format!(
                "女性固定职工 {}–{} 人的两新组织应设妇女工作联络员",
                t.liaison_female_staff,
                t.work_committee_female_staff.saturating_sub(1)
            ),
            other => other.label().to_string(),
        }
    }
}
