//! 推优: starting a nomination and recording its steps in order.
//!
//! The order rule is enforced where a step is recorded. Two devices can
//! still record steps out of order while apart (the CRDT cannot stop that);
//! such steps are kept and `validate` flags them.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ObjType, ReadDoc, Value};
use autosurgeon::reconcile_prop;

use super::EditError;
use super::records::{put, read, record_obj, records_map};
use crate::schema::{Nomination, Person, RecommendingOrg, Record, Step, Steps, Unit, new_id};

/// Start a 推优: `organization` of `unit` recommends `person` in `year`.
/// `direct` marks a recommendation by the upper organization, which starts
/// at the upper review. Refuses a person or unit that does not exist.
pub fn nominate(
    tx: &mut Transaction<'_>,
    person: &str,
    organization: RecommendingOrg,
    unit: &str,
    year: u16,
    direct: bool,
) -> Result<String, EditError> {
    must_exist::<Person>(tx, person)?;
    must_exist::<Unit>(tx, unit)?;
    let id = new_id();
    let nomination = Nomination {
        person: person.to_string(),
        organization,
        unit: unit.to_string(),
        year,
        direct,
        steps: Steps::default(),
        archived: false,
    };
    let map = records_map::<Nomination>(tx)?;
    put(tx, &map, &id, &nomination)?;
    Ok(id)
}

/// Record one step. Refuses a step whose predecessor is not recorded yet
/// (unless `direct` skips it), naming the missing step. Only the step's own
/// key is written, so two devices recording different steps merge.
pub fn record_step(
    tx: &mut Transaction<'_>,
    nomination: &str,
    step: &Step,
) -> Result<(), EditError> {
    let name = step.name();
    let map = records_map::<Nomination>(tx)?;
    let current: Nomination = read(tx, &map, nomination)?;
    if let Some(before) = name.predecessor(current.direct)
        && !current.steps.has(before)
    {
        return Err(EditError::StepOutOfOrder {
            step: name.label(),
            missing: before.label(),
            step_code: name.as_str(),
            missing_code: before.as_str(),
        });
    }
    let steps = steps_map(tx, &map, nomination)?;
    let key = name.as_str();
    let written = match step {
        Step::Assembly(s) => reconcile_prop(&mut *tx, &steps, key, s),
        Step::Inspection(s) => reconcile_prop(&mut *tx, &steps, key, s),
        Step::Approval(s) => reconcile_prop(&mut *tx, &steps, key, s),
        Step::UpperReview(s) => reconcile_prop(&mut *tx, &steps, key, s),
        Step::Recommended(s) => reconcile_prop(&mut *tx, &steps, key, s),
        Step::PartyDecision(s) => reconcile_prop(&mut *tx, &steps, key, s),
    };
    written.map_err(|e| EditError::Unwritable {
        id: nomination.to_string(),
        reason: e.to_string(),
    })
}

fn must_exist<R: Record>(tx: &mut Transaction<'_>, id: &str) -> Result<(), EditError> {
    let map = records_map::<R>(tx)?;
    match record_obj::<R>(tx, &map, id) {
        Ok(_) => Ok(()),
        Err(EditError::NoSuchRecord { .. }) => Err(EditError::DanglingReference {
            kind: R::NAME_ZH,
            id: id.to_string(),
        }),
        Err(other) => Err(other),
    }
}

/// The nomination's `steps` map (created with the nomination; made here
/// only for a record some other app wrote without it).
fn steps_map(tx: &mut Transaction<'_>, nominations: &ObjId, id: &str) -> Result<ObjId, EditError> {
    let record = record_obj::<Nomination>(tx, nominations, id)?;
    Ok(match tx.get(&record, "steps")? {
        Some((Value::Object(ObjType::Map), obj)) => obj,
        _ => tx.put_object(&record, "steps", ObjType::Map)?,
    })
}
