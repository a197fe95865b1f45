//! The township's 应建未建 and formation rates, computed on the device from
//! its own document with the county's rules: the same shared rules code,
//! over the same typed units, as the county server's `gaps` and `coverage`
//! reports, so a township sees offline the figures the county sees.

use qunjian_shared::rules::{Rate, RequiredOrg, RuleId, Rules, coverage, requirements};
use qunjian_shared::schema::{Date, UnitKind};
use serde::Serialize;

use crate::{ClientError, Township};

/// One organization a unit must have and lacks (a row of 应建未建).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The unit's id.
    pub unit_id: String,
    /// The unit's name.
    pub unit_name: String,
    /// The unit's kind.
    pub unit_kind: UnitKind,
    /// The organization it lacks.
    pub missing: RequiredOrg,
    /// The rule that requires it.
    pub rule: RuleId,
    /// The rule in words, with the county's numbers.
    pub rule_zh: String,
    /// By when, where the rule sets a deadline.
    pub due: Option<Date>,
    /// The deadline has passed.
    pub overdue: bool,
}

impl Township {
    /// The township's 应建未建 on `as_of` under `rules`: each unit and each
    /// organization it must have but lacks. In the county report's order:
    /// overdue ones first, then by unit name (and id).
    pub fn gaps(&self, rules: &Rules, as_of: Date) -> Result<Vec<Gap>, ClientError> {
        let (doc, _) = self.document()?;
        let mut units: Vec<_> = doc.units.iter().collect();
        // The server reads its units `ORDER BY name, id` (SQLite compares
        // the UTF-8 bytes, as `str`'s ordering does).
        units.sort_by(|(a_id, a), (b_id, b)| (&a.name, a_id).cmp(&(&b.name, b_id)));
        let mut gaps = Vec::new();
        for (id, unit) in units {
            for req in requirements(unit, rules, as_of) {
                if req.met {
                    continue;
                }
                gaps.push(Gap {
                    unit_id: id.clone(),
                    unit_name: unit.name.clone(),
                    unit_kind: unit.kind,
                    missing: req.org,
                    rule: req.rule,
                    rule_zh: req.rule.describe(rules),
                    due: req.due,
                    overdue: req.overdue,
                });
            }
        }
        // Stable: within overdue and not yet, units keep their order.
        gaps.sort_by_key(|g| !g.overdue);
        Ok(gaps)
    }

    /// The township's formation and staffing rates on `as_of` against
    /// `rules`' targets, every target in the county report's order (the
    /// full-time 妇联 chair from the township's own 妇联).
    pub fn coverage(&self, rules: &Rules, as_of: Date) -> Result<Vec<Rate>, ClientError> {
        let (doc, _) = self.document()?;
        let units: Vec<_> = doc.units.into_values().collect();
        let people: Vec<_> = doc.people.into_values().collect();
        Ok(coverage(&units, &people, &doc.township_orgs, rules, as_of))
    }
}
