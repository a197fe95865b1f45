//! What a well-formed rules file must also satisfy beyond its types: rates
//! within 0..=100 %, and every "at least" no greater than its "at most".
//!
//! The checks name keys by their dotted path in the file, so the loader can
//! point at the line; the lists below are the one place that knows which
//! keys are rates and which are ranges.

use super::config::{Percent, Rules};

/// Every rate of the rules, by dotted key.
pub(super) fn percents(r: &Rules) -> Vec<(&'static str, Percent)> {
    let t = &r.targets;
    let n = &r.nominations;
    vec![
        ("targets.union_formation_100", t.union_formation_100),
        ("targets.union_formation_50", t.union_formation_50),
        ("targets.union_formation_all", t.union_formation_all),
        ("targets.league_formation", t.league_formation),
        ("targets.womens_home_formation", t.womens_home_formation),
        (
            "targets.women_org_liangxin_formation",
            t.women_org_liangxin_formation,
        ),
        (
            "targets.womens_committee_formation",
            t.womens_committee_formation,
        ),
        (
            "targets.federation_chair_full_time",
            t.federation_chair_full_time,
        ),
        (
            "targets.congress_chair_on_committees",
            t.congress_chair_on_committees,
        ),
        ("targets.women_reserve_cadres", t.women_reserve_cadres),
        ("nominations.under_35_share_min", n.under_35_share_min),
        ("nominations.under_35_share_max", n.under_35_share_max),
        ("nominations.women_share_min", n.women_share_min),
        ("nominations.women_share_max", n.women_share_max),
    ]
}

/// Every `(min key, min, max key, max)` pair of the rules.
pub(super) fn ranges(r: &Rules) -> Vec<(&'static str, f64, &'static str, f64)> {
    let n = &r.nominations;
    let v = &r.visits;
    let pair = |lo: &'static str, a: u32, hi: &'static str, b: u32| (lo, a.into(), hi, b.into());
    vec![
        pair(
            "nominations.mass_orgs_min",
            n.mass_orgs_min,
            "nominations.mass_orgs_max",
            n.mass_orgs_max,
        ),
        pair(
            "nominations.women_orgs_min",
            n.women_orgs_min,
            "nominations.women_orgs_max",
            n.women_orgs_max,
        ),
        pair(
            "nominations.union_league_min",
            n.union_league_min,
            "nominations.union_league_max",
            n.union_league_max,
        ),
        (
            "nominations.under_35_share_min",
            n.under_35_share_min.0,
            "nominations.under_35_share_max",
            n.under_35_share_max.0,
        ),
        (
            "nominations.women_share_min",
            n.women_share_min.0,
            "nominations.women_share_max",
            n.women_share_max.0,
        ),
        pair(
            "visits.linked_min",
            v.linked_min,
            "visits.linked_max",
            v.linked_max,
        ),
    ]
}
