//! 推优 on the township handle: start a nomination, record its steps in order.

use qunjian_shared::edit;
use qunjian_shared::schema::{RecommendingOrg, Step};

use crate::{ClientError, Township};

impl Township {
    /// Start a 推优: `organization` of `unit` recommends `person` in `year`.
    /// `direct` marks a recommendation by the upper organization, which
    /// starts at the upper review (league secretaries and women's directors
    /// and above). Refuses a person or unit that does not exist.
    pub fn nominate(
        &self,
        person: &str,
        organization: RecommendingOrg,
        unit: &str,
        year: u16,
        direct: bool,
    ) -> Result<String, ClientError> {
        let message = format!("推优: {}推荐 {person} ({year})", organization.label());
        self.transact_checked(&message, |tx| {
            Ok(edit::nominate(
                tx,
                person,
                organization,
                unit,
                year,
                direct,
            )?)
        })
    }

    /// Record one step of a nomination. Refuses a step whose predecessor is
    /// not recorded yet (unless `direct` skips it), naming the missing step.
    pub fn record_step(&self, nomination: &str, step: Step) -> Result<(), ClientError> {
        let message = format!("推优 {nomination}: 记录「{}」", step.name().label());
        self.transact_checked(&message, |tx| Ok(edit::record_step(tx, nomination, &step)?))
    }
}
