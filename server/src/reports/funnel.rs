//! The 推优 funnel of one year: how many nominations reached each step, per
//! recommending organization and for the groups the county's five-year plan
//! sets quotas for, with the under-35 and women shares against the plan's
//! ranges. The dashboard draws it as it comes; the counts are the
//! `nominations` report's (the same [`Tally`]), so chart and table agree.
//!
//! The quotas are the county's: drawn for the whole county only, never
//! against one township's figures.

use qunjian_shared::rules::Rules;
use qunjian_shared::schema::RecommendingOrg;
use serde::Serialize;

use super::nominations::Tally;
use super::source::NominationRow;

/// One stage of the funnel, as the `nominations` report's column names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    /// The report's column key, e.g. `assembly`.
    pub key: &'static str,
    /// Its header, e.g. `民主推荐`.
    pub label_zh: &'static str,
}

/// The stages, widest first.
pub const STAGES: [Stage; 8] = [
    Stage {
        key: "nominated",
        label_zh: "推优人数",
    },
    Stage {
        key: "assembly",
        label_zh: "民主推荐",
    },
    Stage {
        key: "inspection",
        label_zh: "考察",
    },
    Stage {
        key: "approval",
        label_zh: "审批",
    },
    Stage {
        key: "upper_review",
        label_zh: "上级审核",
    },
    Stage {
        key: "recommended",
        label_zh: "已推荐",
    },
    Stage {
        key: "party_decision",
        label_zh: "党组织已决定",
    },
    Stage {
        key: "development_targets",
        label_zh: "列为发展对象",
    },
];

/// A quota of the plan: so many nominations a year, at least and at most.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quota {
    /// At least.
    pub min: u32,
    /// At most.
    pub max: u32,
    /// Whether the nominations reach `min` (as the report's 达到计划).
    pub met: bool,
}

/// A range a share should lie in, as fractions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Range {
    /// At least.
    pub min: f64,
    /// At most.
    pub max: f64,
}

/// One organization's (or group's) funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// `union`, `league`, `women`, `union_league` or `all`.
    pub key: &'static str,
    /// `工会`, …, `工会+团组织`, `群团组织合计`.
    pub label_zh: &'static str,
    /// Reached each of [`STAGES`], in order.
    pub counts: Vec<i64>,
    /// The plan's quota for the group, county-wide only.
    pub quota: Option<Quota>,
    /// Under 35.
    pub under_35: i64,
    /// `under_35 / nominated`; `None` with no nominations.
    pub under_35_share: Option<f64>,
    /// Whether `under_35_share` lies in the plan's range.
    pub under_35_in_range: Option<bool>,
    /// Women.
    pub women: i64,
    /// `women / nominated`; `None` with no nominations.
    pub women_share: Option<f64>,
    /// Whether `women_share` lies in the plan's range.
    pub women_in_range: Option<bool>,
    /// With a step recorded before its predecessor.
    pub out_of_order: i64,
}

/// The funnel of one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Funnel {
    /// The year.
    pub year: i32,
    /// The stages every group's `counts` follow.
    pub stages: Vec<Stage>,
    /// union, league, women, then union_league and all.
    pub groups: Vec<Group>,
    /// The range the share of under-35s should lie in.
    pub under_35_range: Range,
    /// The range the share of women should lie in.
    pub women_range: Range,
}

/// The funnel of `year` from `rows` (already that year's); `county_wide`
/// says whether the county's quotas apply (no township filter).
pub fn build(rows: &[NominationRow], year: i32, county_wide: bool, rules: &Rules) -> Funnel {
    let mut by_org = [Tally::default(), Tally::default(), Tally::default()];
    for n in rows.iter().filter(|n| n.year == year) {
        if let Some(i) = RecommendingOrg::ALL
            .iter()
            .position(|o| o.as_str() == n.organization)
        {
            by_org[i].add(n);
        }
    }
    let [union, league, women] = by_org;
    let mut union_league = union.clone();
    union_league.merge(&league);
    let mut all = union_league.clone();
    all.merge(&women);
    let q = &rules.nominations;
    let quota = |min: u32, max: u32, t: &Tally| {
        county_wide.then(|| Quota {
            min,
            max,
            met: t.total >= i64::from(min),
        })
    };
    let ranges = (
        Range {
            min: q.under_35_share_min.fraction(),
            max: q.under_35_share_max.fraction(),
        },
        Range {
            min: q.women_share_min.fraction(),
            max: q.women_share_max.fraction(),
        },
    );
    let make = |key, label_zh, t: &Tally, quota| group(key, label_zh, t, quota, &ranges);
    let groups = vec![
        make("union", RecommendingOrg::Union.label(), &union, None),
        make("league", RecommendingOrg::League.label(), &league, None),
        make(
            "women",
            RecommendingOrg::Women.label(),
            &women,
            quota(q.women_orgs_min, q.women_orgs_max, &women),
        ),
        make(
            "union_league",
            "工会+团组织",
            &union_league,
            quota(q.union_league_min, q.union_league_max, &union_league),
        ),
        make(
            "all",
            "群团组织合计",
            &all,
            quota(q.mass_orgs_min, q.mass_orgs_max, &all),
        ),
    ];
    Funnel {
        year,
        stages: STAGES.to_vec(),
        groups,
        under_35_range: ranges.0,
        women_range: ranges.1,
    }
}

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn group(
    key: &'static str,
    label_zh: &'static str,
    t: &Tally,
    quota: Option<Quota>,
    (under_35, women): &(Range, Range),
) -> Group {
    let mut counts = vec![t.total];
    counts.extend(t.steps);
    counts.push(t.development_targets);
    let within = |share: Option<f64>, r: &Range| share.map(|s| s >= r.min && s <= r.max);
    let (under_35_share, women_share) = (share(t.under_35, t.total), share(t.women, t.total));
    Group {
        key,
        label_zh,
        counts,
        quota,
        under_35: t.under_35,
        under_35_share,
        under_35_in_range: within(under_35_share, under_35),
        women: t.women,
        women_share,
        women_in_range: within(women_share, women),
        out_of_order: t.out_of_order,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(org: &str, steps: &[&str], year: i32) -> NominationRow {
        NominationRow {
            township: "1".into(),
            year,
            organization: org.into(),
            steps: steps.iter().map(|s| s.to_string()).collect(),
            decision: None,
            birth_year: Some(2000),
            gender: Some("female".into()),
            out_of_order: None,
        }
    }

    #[test]
    fn counts_by_stage_with_quotas_county_wide_only() {
        let rows = [
            row("union", &["assembly", "inspection"], 2026),
            row("women", &["assembly"], 2026),
            row("women", &[], 2025),
        ];
        let f = build(&rows, 2026, true, &Rules::default());
        let all = f.groups.iter().find(|g| g.key == "all").expect("all");
        assert_eq!(all.counts, vec![2, 2, 1, 0, 0, 0, 0, 0]);
        assert_eq!(all.quota.as_ref().map(|q| (q.min, q.max)), Some((300, 400)));
        assert_eq!(all.women_share, Some(1.0));
        // Every nominee a woman: above the plan's 20–25 %.
        assert_eq!(all.women_in_range, Some(false));
        let women = f.groups.iter().find(|g| g.key == "women").expect("women");
        assert_eq!(women.counts[0], 1);
        assert_eq!((f.women_range.min, f.women_range.max), (0.2, 0.25));
        let township = build(&rows, 2026, false, &Rules::default());
        assert!(township.groups.iter().all(|g| g.quota.is_none()));
    }
}
