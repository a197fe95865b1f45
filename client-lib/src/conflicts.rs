//! Listing and settling fields where devices wrote different values
//! concurrently. Automerge keeps them all; a person decides.

use qunjian_shared::conflicts::Conflict;
use qunjian_shared::edit;

use crate::{ClientError, Township};

impl Township {
    /// Every field with more than one (different) value.
    pub fn conflicts(&self) -> Vec<Conflict> {
        self.read(qunjian_shared::conflicts::conflicts)
    }

    /// Settle one field by writing `value` over all its values: `map` and
    /// `id` name the record, `field` its dotted path, as
    /// [`conflicts`](Self::conflicts) lists them.
    pub fn resolve(
        &self,
        map: &str,
        id: &str,
        field: &str,
        value: &serde_json::Value,
    ) -> Result<(), ClientError> {
        self.transact_checked(&format!("解决冲突 {map}/{id}/{field}"), |tx| {
            Ok(edit::resolve(tx, map, id, field, value)?)
        })
    }
}
