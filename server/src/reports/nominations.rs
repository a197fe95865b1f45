//! `nominations` (推优): per township, year and recommending organization, how
//! many nominees reached each step by `as_of`, with the under-35 and women
//! shares, and the county's totals against the five-year plan's quotas.
//!
//! A nominee "reached" a step when that step is recorded, whatever came
//! before: a step recorded out of order is counted and also flagged in the
//! `out_of_order` column (and listed in `quality`), never silently dropped.

use std::collections::BTreeMap;

use qunjian_shared::rules::Rules;
use qunjian_shared::schema::{RecommendingOrg, StepName};

use super::source::{NominationRow, TownshipRef, name_of};
use super::{TOTAL_ZH, table};
use crate::report_table::{Cell, ReportTable};

/// Counts for one group of nominations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Nominations.
    pub total: i64,
    /// Reached each step, in `StepName::ALL` order.
    pub steps: [i64; 6],
    /// Party decided: development target.
    pub development_targets: i64,
    /// Under 35 in the nomination's year.
    pub under_35: i64,
    /// Women.
    pub women: i64,
    /// With a step recorded before its predecessor.
    pub out_of_order: i64,
}

impl Tally {
    /// Count `n` in.
    pub fn add(&mut self, n: &NominationRow) {
        self.total += 1;
        for (i, step) in StepName::ALL.iter().enumerate() {
            if n.steps.iter().any(|s| s == step.as_str()) {
                self.steps[i] += 1;
            }
        }
        if n.decision.as_deref() == Some("development_target") {
            self.development_targets += 1;
        }
        if n.birth_year.is_some_and(|b| n.year - b < 35) {
            self.under_35 += 1;
        }
        if n.gender.as_deref() == Some("female") {
            self.women += 1;
        }
        if n.out_of_order.is_some() {
            self.out_of_order += 1;
        }
    }

    /// Count every nomination of `other` in.
    pub fn merge(&mut self, other: &Tally) {
        self.total += other.total;
        for i in 0..6 {
            self.steps[i] += other.steps[i];
        }
        self.development_targets += other.development_targets;
        self.under_35 += other.under_35;
        self.women += other.women;
        self.out_of_order += other.out_of_order;
    }
}

/// Build the table. `organization` limits it to one recommending organization.
pub fn build(
    townships: &[TownshipRef],
    rows: &[NominationRow],
    organization: Option<RecommendingOrg>,
    rules: &Rules,
) -> ReportTable {
    let mut by_township: BTreeMap<(String, i32, String), Tally> = BTreeMap::new();
    let mut county: BTreeMap<(i32, String), Tally> = BTreeMap::new();
    for n in rows {
        if organization.is_some_and(|o| o.as_str() != n.organization) {
            continue;
        }
        by_township
            .entry((n.township.clone(), n.year, n.organization.clone()))
            .or_default()
            .add(n);
        county
            .entry((n.year, n.organization.clone()))
            .or_default()
            .add(n);
    }
    let q = &rules.nominations;
    let mut out = Vec::new();
    for ((code, year, org), t) in &by_township {
        out.push(cells(
            &name_of(townships, code),
            code,
            *year,
            &org_label(org),
            t,
            None,
        ));
    }
    let years: std::collections::BTreeSet<i32> = county.keys().map(|(y, _)| *y).collect();
    for year in years {
        let of = |org: RecommendingOrg| {
            county
                .get(&(year, org.as_str().to_string()))
                .cloned()
                .unwrap_or_default()
        };
        let (union, league, women) = (
            of(RecommendingOrg::Union),
            of(RecommendingOrg::League),
            of(RecommendingOrg::Women),
        );
        for (org, t) in [
            (RecommendingOrg::Union, &union),
            (RecommendingOrg::League, &league),
        ] {
            if t.total > 0 {
                out.push(cells(TOTAL_ZH, "", year, org.label(), t, None));
            }
        }
        if organization.is_none_or(|o| o == RecommendingOrg::Women) {
            let quota = (q.women_orgs_min, q.women_orgs_max);
            out.push(cells(TOTAL_ZH, "", year, "妇女组织", &women, Some(quota)));
        }
        if organization.is_none() {
            let mut union_league = union.clone();
            union_league.merge(&league);
            let quota = (q.union_league_min, q.union_league_max);
            out.push(cells(
                TOTAL_ZH,
                "",
                year,
                "工会+团组织",
                &union_league,
                Some(quota),
            ));
            let mut all = union_league;
            all.merge(&women);
            let quota = (q.mass_orgs_min, q.mass_orgs_max);
            out.push(cells(TOTAL_ZH, "", year, "群团组织合计", &all, Some(quota)));
        }
    }
    table("nominations", "推优入党情况", &columns(), out)
}

fn org_label(org: &str) -> String {
    RecommendingOrg::parse(org).map_or(org.to_string(), |o| o.label().to_string())
}

fn columns() -> Vec<(&'static str, &'static str)> {
    vec![
        ("township", "乡镇"),
        ("township_code", "乡镇代码"),
        ("year", "年度"),
        ("organization", "推荐组织"),
        ("nominated", "推优人数"),
        ("assembly", "民主推荐"),
        ("inspection", "考察"),
        ("approval", "审批"),
        ("upper_review", "上级审核"),
        ("recommended", "已推荐"),
        ("party_decision", "党组织已决定"),
        ("development_targets", "列为发展对象"),
        ("under_35", "35岁以下"),
        ("under_35_share", "35岁以下占比"),
        ("women", "女性"),
        ("women_share", "女性占比"),
        ("out_of_order", "步骤缺漏"),
        ("quota_min", "计划下限"),
        ("quota_max", "计划上限"),
        ("quota_met", "达到计划"),
    ]
}

fn cells(
    name: &str,
    code: &str,
    year: i32,
    org: &str,
    t: &Tally,
    quota: Option<(u32, u32)>,
) -> Vec<Cell> {
    let mut row = vec![
        Cell::Text(name.to_string()),
        Cell::Text(code.to_string()),
        Cell::Int(year.into()),
        Cell::Text(org.to_string()),
        Cell::Int(t.total),
    ];
    row.extend(t.steps.iter().map(|n| Cell::Int(*n)));
    row.extend([
        Cell::Int(t.development_targets),
        Cell::Int(t.under_35),
        Cell::percent_of(t.under_35, t.total),
        Cell::Int(t.women),
        Cell::percent_of(t.women, t.total),
        Cell::Int(t.out_of_order),
    ]);
    match quota {
        Some((min, max)) => row.extend([
            Cell::Int(min.into()),
            Cell::Int(max.into()),
            Cell::Bool(t.total >= i64::from(min)),
        ]),
        None => row.extend([Cell::Empty, Cell::Empty, Cell::Empty]),
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nomination(
        township: &str,
        org: &str,
        steps: &[&str],
        birth_year: Option<i32>,
        gender: &str,
    ) -> NominationRow {
        NominationRow {
            township: township.into(),
            year: 2026,
            organization: org.into(),
            steps: steps.iter().map(|s| s.to_string()).collect(),
            decision: steps
                .contains(&"party_decision")
                .then(|| "development_target".to_string()),
            birth_year,
            gender: Some(gender.into()),
            out_of_order: steps
                .first()
                .filter(|s| **s != "assembly")
                .map(|s| format!("{s}<assembly")),
        }
    }

    fn column(t: &ReportTable, key: &str) -> usize {
        t.columns
            .iter()
            .position(|c| c.key == key)
            .expect("column exists")
    }

    #[test]
    fn counts_each_step_shares_and_the_quota_rows() {
        let townships = [TownshipRef {
            code: "101".into(),
            name: "城关镇".into(),
        }];
        let rows = [
            // 2026 - 1995 = 31: under 35.
            nomination(
                "101",
                "women",
                &["assembly", "inspection"],
                Some(1995),
                "female",
            ),
            // 2026 - 1980 = 46.
            nomination("101", "women", &["assembly"], Some(1980), "female"),
            // Out of order: inspection without assembly.
            nomination("101", "league", &["inspection"], Some(2000), "male"),
            nomination(
                "101",
                "union",
                &[
                    "assembly",
                    "inspection",
                    "approval",
                    "upper_review",
                    "recommended",
                    "party_decision",
                ],
                None,
                "male",
            ),
        ];
        let t = build(&townships, &rows, None, &Rules::default());
        let row = |township: &str, org: &str| {
            t.rows
                .iter()
                .find(|r| r[0] == Cell::Text(township.into()) && r[3] == Cell::Text(org.into()))
                .expect("row exists")
        };
        let women = row("城关镇", "妇女组织");
        assert_eq!(women[column(&t, "nominated")], Cell::Int(2));
        assert_eq!(women[column(&t, "assembly")], Cell::Int(2));
        assert_eq!(women[column(&t, "inspection")], Cell::Int(1));
        assert_eq!(women[column(&t, "under_35")], Cell::Int(1));
        assert_eq!(women[column(&t, "women_share")], Cell::Percent(1.0));
        let league = row("城关镇", "团组织");
        assert_eq!(league[column(&t, "out_of_order")], Cell::Int(1));
        // County rows: union, league, women (quota 60–100), union+league
        // (200–300), all (300–400); 4 nominations are far below every quota.
        let all = t.rows.last().expect("total row");
        assert_eq!(all[0], Cell::Text(TOTAL_ZH.into()));
        assert_eq!(all[3], Cell::Text("群团组织合计".into()));
        assert_eq!(all[column(&t, "nominated")], Cell::Int(4));
        assert_eq!(all[column(&t, "development_targets")], Cell::Int(1));
        assert_eq!(all[column(&t, "quota_min")], Cell::Int(300));
        assert_eq!(all[column(&t, "quota_met")], Cell::Bool(false));
    }
}
