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
use crate::schema::{Date, TownshipOrgs, Unit, UnitKind};

/// One target's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// Which target.
    pub target: TargetId,
    /// Its Chinese label, with the county's numbers.
    pub label_zh: String,
    /// Units that must have the organization (the denominator).
    pub required: u32,
    /// Of those, units that have it (the numerator).
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

/// Every target computable from units, in [`TargetId::ALL`] order, over the
/// units that count on `as_of` (not archived, already opened). A target
/// with nothing required is still listed, with `rate: None`.
///
/// - union targets: enterprises by employees (any union counts, joint or
///   independent; an enterprise with no employee count is in "all" only);
/// - league, 妇女之家, 两新 women's organizations, 妇委会: the units where
///   [`requirements`] asks for it, and of those the ones that meet it;
/// - full-time 妇联 chair: the township itself, from its own organizations
///   (`orgs`), 1/1 or 0/1 ([`federation_chair`]); units' 妇联 do not count.
pub fn coverage(units: &[Unit], orgs: &TownshipOrgs, rules: &Rules, as_of: Date) -> Vec<Rate> {
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
