//! The county's settings: every threshold and target of DOMAIN.md, with the
//! seed documents' values as defaults.
//!
//! Counties differ (one asks a union of enterprises with 25 employees,
//! another of 20), so nothing here is a constant in the code. Each section
//! has `#[serde(default)]`, so a county's file names only what differs and
//! every other key keeps its seed value; `deny_unknown_fields` turns a typo
//! into an error at startup instead of a default silently kept.

use serde::{Deserialize, Serialize};

/// A rate as the rules file writes it: a percentage, `85` for 85 %.
///
/// Cadres think and write in percentages; the arithmetic wants a fraction,
/// which [`Percent::fraction`] gives. Whether it lies in 0..=100 is checked
/// when the file is read ([`Rules::from_toml_str`]).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Percent(pub f64);

impl Percent {
    /// The rate as a fraction of one: `Percent(85.0).fraction() == 0.85`.
    pub fn fraction(self) -> f64 {
        self.0 / 100.0
    }
}

/// Everything the rules engine needs to know about one county.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// The county's name, for report titles (`本县` when not set).
    pub county_name: String,
    /// The county's administrative code, for report titles (empty when not set).
    pub county_code: String,
    /// Which unit must have which organization (`[thresholds]`).
    pub thresholds: Thresholds,
    /// The rates the county is measured on (`[targets]`).
    pub targets: Targets,
    /// 推优 planning figures (`[nominations]`).
    pub nominations: NominationQuotas,
    /// 挂钩联系: county women's executives and 两新 women's committees (`[visits]`).
    pub visits: VisitRule,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            county_name: "本县".to_string(),
            county_code: String::new(),
            thresholds: Thresholds::default(),
            targets: Targets::default(),
            nominations: NominationQuotas::default(),
            visits: VisitRule::default(),
        }
    }
}

/// Thresholds that decide which unit must have which organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// An enterprise with at least this many employees must have an
    /// independent union (seed 000: 25).
    pub union_employees: u32,
    /// ... and must form it within this many months of opening (seed 000: 12).
    pub union_deadline_months: u32,
    /// Whether a union is formed together with its 女职工委员会 (seed 000: yes).
    pub female_workers_committee_with_union: bool,
    /// A 两新 organization with at least this many fixed female staff must
    /// have a 妇女工作委员会 (seed 004: 30).
    pub work_committee_female_staff: u32,
    /// A 两新 organization with at least this many fixed female staff (and
    /// at least one), and fewer than `work_committee_female_staff`, must
    /// have a 妇女工作联络员 (seed 004: 1).
    pub liaison_female_staff: u32,
    /// A 两新 organization with a party organization and at least this many
    /// youth (28 or younger) must have a league organization (seeds 000, 003: 3).
    pub league_youth: u32,
    /// Employees from which an enterprise counts in the "large" union
    /// formation target (seed 000: 100).
    pub large_enterprise_employees: u32,
    /// Employees from which an enterprise counts in the "medium" union
    /// formation target (seed 000: 50).
    pub medium_enterprise_employees: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            union_employees: 25,
            union_deadline_months: 12,
            female_workers_committee_with_union: true,
            work_committee_female_staff: 30,
            liaison_female_staff: 1,
            league_youth: 3,
            large_enterprise_employees: 100,
            medium_enterprise_employees: 50,
        }
    }
}

/// The rates the county is measured on, in percent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Targets {
    /// Union formation, enterprises with ≥ `large_enterprise_employees` (seed 000: 90).
    pub union_formation_100: Percent,
    /// Union formation, enterprises with ≥ `medium_enterprise_employees` (seed 000: 85).
    pub union_formation_50: Percent,
    /// Union formation, all enterprises (seed 003: 90).
    pub union_formation_all: Percent,
    /// League formation where the league rule applies (seed 003: 100).
    pub league_formation: Percent,
    /// 妇女之家 in villages and communities (seed 003: 100).
    pub womens_home_formation: Percent,
    /// Women's organization (妇工委 or 联络员) in 两新 organizations where
    /// required (seed 000: "均要建立", 100).
    pub women_org_liangxin_formation: Percent,
    /// 妇委会 in agencies and institutions (seeds 000, 003: 100).
    pub womens_committee_formation: Percent,
    /// Full-time women's federation chairs (seed 003: 70).
    pub federation_chair_full_time: Percent,
    /// Village 妇代会 chairs on the village "two committees" (seeds 000, 004: 100).
    pub congress_chair_on_committees: Percent,
    /// Women among reserve cadres (seed 004: 20).
    pub women_reserve_cadres: Percent,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            union_formation_100: Percent(90.0),
            union_formation_50: Percent(85.0),
            union_formation_all: Percent(90.0),
            league_formation: Percent(100.0),
            womens_home_formation: Percent(100.0),
            women_org_liangxin_formation: Percent(100.0),
            womens_committee_formation: Percent(100.0),
            federation_chair_full_time: Percent(70.0),
            congress_chair_on_committees: Percent(100.0),
            women_reserve_cadres: Percent(20.0),
        }
    }
}

/// 推优 planning figures from the county's five-year plan (seed 000).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NominationQuotas {
    /// New party members a year (500).
    pub new_members_per_year: u32,
    /// Applicants per new member (3, of 3 : 2 : 1).
    pub applicants_per_new_member: u32,
    /// Activists per new member (2, of 3 : 2 : 1).
    pub activists_per_new_member: u32,
    /// Mass organizations recommend at least this many a year (300).
    pub mass_orgs_min: u32,
    /// ... and at most this many (400).
    pub mass_orgs_max: u32,
    /// Of which women's organizations, at least (60).
    pub women_orgs_min: u32,
    /// ... and at most (100).
    pub women_orgs_max: u32,
    /// Of which union and league together, at least (200).
    pub union_league_min: u32,
    /// ... and at most (300).
    pub union_league_max: u32,
    /// Share of new members under 35, at least (30 %).
    pub under_35_share_min: Percent,
    /// ... and at most (40 %).
    pub under_35_share_max: Percent,
    /// Share of women among new members, at least (20 %).
    pub women_share_min: Percent,
    /// ... and at most (25 %).
    pub women_share_max: Percent,
}

impl Default for NominationQuotas {
    fn default() -> Self {
        NominationQuotas {
            new_members_per_year: 500,
            applicants_per_new_member: 3,
            activists_per_new_member: 2,
            mass_orgs_min: 300,
            mass_orgs_max: 400,
            women_orgs_min: 60,
            women_orgs_max: 100,
            union_league_min: 200,
            union_league_max: 300,
            under_35_share_min: Percent(30.0),
            under_35_share_max: Percent(40.0),
            women_share_min: Percent(20.0),
            women_share_max: Percent(25.0),
        }
    }
}

/// 挂钩联系: each county women's executive is linked to a few 两新 women's
/// committees and visits each of them (seed 004).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VisitRule {
    /// Committees linked to one executive, at least (1).
    pub linked_min: u32,
    /// ... and at most (3).
    pub linked_max: u32,
    /// Visits a year to each linked committee, at least (2).
    pub visits_per_year: u32,
    /// The county's women's executives, by name (none listed by default).
    /// Listed, an executive with no link is reported as having too few,
    /// and apps offer these names when a link is recorded; an executive
    /// named in a link but not listed is reported all the same.
    pub executives: Vec<String>,
}

impl Default for VisitRule {
    fn default() -> Self {
        VisitRule {
            linked_min: 1,
            linked_max: 3,
            visits_per_year: 2,
            executives: Vec::new(),
        }
    }
}
