//! The questions a township app's screens ask, answered from the typed
//! records. Archived records are left out.

use std::collections::BTreeMap;

use qunjian_shared::schema::{Nomination, OrgKind, StepName, Unit, UnitKind};

use crate::Township;

impl Township {
    /// Units of one kind, by id.
    pub fn units_of_kind(&self, kind: UnitKind) -> Vec<(String, Unit)> {
        self.list::<Unit>()
            .into_iter()
            .filter(|(_, u)| u.kind == kind)
            .collect()
    }

    /// Units that have not formed `org`. Whether a unit must have it is
    /// the rules engine's question; this is the raw list.
    pub fn units_lacking(&self, org: OrgKind) -> Vec<(String, Unit)> {
        self.list::<Unit>()
            .into_iter()
            .filter(|(_, u)| !u.has(org))
            .collect()
    }

    /// The year's nominations grouped by the furthest step each has
    /// reached (`None`: started, no step yet).
    pub fn nominations_by_step(
        &self,
        year: u16,
    ) -> BTreeMap<Option<StepName>, Vec<(String, Nomination)>> {
        let mut out: BTreeMap<Option<StepName>, Vec<(String, Nomination)>> = BTreeMap::new();
        for (id, n) in self.list::<Nomination>() {
            if n.year == year {
                out.entry(n.steps.latest()).or_default().push((id, n));
            }
        }
        out
    }
}
