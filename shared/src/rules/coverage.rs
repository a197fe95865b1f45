//! Formation and staffing rates (组建率, 配备率) against the county's targets.
//!
//! A rate is kept as its two counts, never only as a fraction: the county's
//! figure is the sum of the townships' counts divided once ([`sum_rates`]),
//! not an average of their rates, which would weigh a township of three
//! enterprises like one of three hundred.

use serde::{Deserialize, Serialize};

use super::as_of::{FormedOn, counts_on};
use super::config::Rules;
use super::federation_chair::federation_chair;
use super::required_org::RequiredOrg;
use super::requirement::requirements;
use super::target_id::TargetId;
use crate::schema::{Date, Gender, Person, Role, TownshipOrgs, Unit, UnitKind, WomenOrgForm};

/// One target's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// Which target.
    pub target: TargetId,
    /// Its Chinese label, with the county's numbers.
    pub label_zh: String,
    /// The denominator: units that must have the organization (for
    /// staffing rates, the organizations; for women among reserve cadres,
    /// the reserve cadres).
    pub required: u32,
    /// The numerator: of those, the ones that meet it.
    pub formed: u32,
    /// `formed / required`, 0..=1; `None` when nothing is required.
    pub rate: Option<f64>,
    /// The county's target, 0..=1.
    pub target_rate: f64,
    /// Whether the rate reaches the target; `None` when nothing is required.
    pub met: Option<bool>,
}

impl Rate {
    /// A rate from its counts.
    pub fn new(
        target: TargetId,
        label_zh: impl Into<String>,
        required: u32,
        formed: u32,
        target_rate: f64,
    ) -> Rate {
        let rate = (required > 0).then(|| f64::from(formed) / f64::from(required));
        // Compared as counts, with a little slack, so 17 of 20 meets 85 %
        // whatever the last bit of 0.85 in binary happens to be.
        let met =
            (required > 0).then(|| f64::from(formed) + 1e-9 >= target_rate * f64::from(required));
        Rate {
            target,
            label_zh: label_zh.into(),
            required,
            formed,
            rate,
            target_rate,
            met,
        }
    }
}

/// Every target computable from units and people, in [`TargetId::ALL`]
/// order, over the units that count on `as_of` (not archived, already
/// opened). A target with nothing required is still listed, with
/// `rate: None`.
///
/// - union targets: enterprises by employees (any union counts, joint or
///   independent; an enterprise with no employee count is in "all" only);
/// - league, 妇女之家, 两新 women's organizations, 妇委会: the units where
///   [`requirements`] asks for it, and of those the ones that meet it;
/// - full-time 妇联 chair: the township itself, from its own organizations
///   (`orgs`), 1/1 or 0/1 ([`federation_chair`]); units' 妇联 do not count;
/// - 妇代会 chairs on the two committees: villages whose formed women's
///   organization is a 妇代会, and of those the ones whose chair is recorded
///   as sitting on the village two committees;
/// - women among reserve cadres: of the people (not archived) holding the
///   后备干部 role, the women; a gender not recorded is not a woman.
pub fn coverage(
    units: &[Unit],
    people: &[Person],
    orgs: &TownshipOrgs,
    rules: &Rules,
    as_of: Date,
) -> Vec<Rate> {
    let live: Vec<&Unit> = units.iter().filter(|u| counts_on(u, as_of)).collect();
    let reqs: Vec<_> = live
        .iter()
        .flat_map(|u| requirements(u, rules, as_of))
        .collect();
    let t = &rules.thresholds;

    let enterprises = || live.iter().filter(|u| u.kind == UnitKind::Enterprise);
    let unions_from = |min: Option<u32>| {
        let among: Vec<_> = enterprises()
            .filter(|u| min.is_none_or(|m| u.employees.is_some_and(|n| n >= m)))
            .collect();
        let formed = among.iter().filter(|u| u.union.formed_on(as_of)).count();
        (among.len(), formed)
    };
    let required_of = |orgs: &[RequiredOrg]| {
        let of: Vec<_> = reqs.iter().filter(|r| orgs.contains(&r.org)).collect();
        let met = of.iter().filter(|r| r.met).count();
        (of.len(), met)
    };

    TargetId::ALL
        .iter()
        .map(|&id| {
            let (required, formed) = match id {
                TargetId::UnionLarge => unions_from(Some(t.large_enterprise_employees)),
                TargetId::UnionMedium => unions_from(Some(t.medium_enterprise_employees)),
                TargetId::UnionAll => unions_from(None),
                TargetId::League => required_of(&[RequiredOrg::League]),
                TargetId::WomensHome => required_of(&[RequiredOrg::WomensHome]),
                TargetId::WomenOrgLiangxin => {
                    required_of(&[RequiredOrg::WomenWorkCommittee, RequiredOrg::WomenLiaison])
                }
                TargetId::WomensCommittee => required_of(&[RequiredOrg::WomensCommittee]),
                TargetId::FederationChair => federation_chair(orgs, as_of),
                TargetId::CongressChair => congress_chairs(&live, as_of),
                TargetId::WomenReserveCadres => women_reserve_cadres(people),
            };
            Rate::new(
                id,
                id.label_for(rules),
                count(required),
                count(formed),
                id.goal(rules).fraction(),
            )
        })
        .collect()
}

/// Villages whose formed women's organization is a 妇代会 on `as_of`, and
/// of those the ones whose chair is recorded as sitting on the village two
/// committees.
///
/// Only a yes counts: a chair nobody has asked about (`None`) is not known
/// to sit on them, so the target is met on what is recorded, and the gap
/// shows until someone records it. Whether she sits on them has no date:
/// the value is today's, whatever `as_of` (the 妇代会 itself is dated).
/// Only villages: the 妇代会 is the village form (a community's or an
/// enterprise's 妇代会, if someone records one, is not what the target
/// speaks of).
fn congress_chairs(live: &[&Unit], as_of: Date) -> (usize, usize) {
    let congresses: Vec<_> = live
        .iter()
        .filter(|u| u.kind == UnitKind::Village)
        .filter(|u| u.women_org.form == Some(WomenOrgForm::Congress))
        .filter(|u| u.women_org.formed_on(as_of))
        .collect();
    let on = congresses
        .iter()
        .filter(|u| u.women_org.chair_on_committees == Some(true))
        .count();
    (congresses.len(), on)
}

/// Reserve cadres (后备干部) not archived, and of those the women.
///
/// - People have no dates, so `as_of` does not apply: the figure is the
///   roster as it stands. A past `as_of` gives today's roster, not the
///   one of that day.
/// - A person counts by her own record, whatever her unit: the reserve is
///   the township's, and a cadre whose village merged away is still in it
///   until her record is archived (archiving is how someone leaves it).
/// - Gender unknown counts in the denominator and not as a woman: she is a
///   reserve cadre either way, and leaving her out would let a township
///   reach 20 % by not recording genders. The rate is a floor that rises
///   as genders are filled in.
fn women_reserve_cadres(people: &[Person]) -> (usize, usize) {
    let reserve: Vec<_> = people
        .iter()
        .filter(|p| !p.archived && p.roles.contains(&Role::ReserveCadre))
        .collect();
    let women = reserve
        .iter()
        .filter(|p| p.gender == Some(Gender::Female))
        .count();
    (reserve.len(), women)
}

/// Rates of several townships added up into one per target, in
/// [`TargetId::ALL`] order: counts summed, the rate divided once. The label
/// and target come from the first rate of each target.
pub fn sum_rates<'a>(rates: impl IntoIterator<Item = &'a Rate>) -> Vec<Rate> {
    let rates: Vec<&Rate> = rates.into_iter().collect();
    TargetId::ALL
        .iter()
        .filter_map(|&id| {
            let of: Vec<&&Rate> = rates.iter().filter(|r| r.target == id).collect();
            let first = of.first()?;
            let required = of.iter().map(|r| r.required).sum();
            let formed = of.iter().map(|r| r.formed).sum();
            Some(Rate::new(
                id,
                first.label_zh.clone(),
                required,
                formed,
                first.target_rate,
            ))
        })
        .collect()
}

/// A count as `u32`: a township has far fewer than four billion units.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
