//! Raw writes for fixes the typed calls do not cover, kept inside the
//! schema (see `qunjian_shared::edit::set`).

use qunjian_shared::edit;

use crate::{ClientError, Township};

impl Township {
    /// Put the JSON scalar `value` at `path` (`units/<id>/<field>`,
    /// `meta/<field>`), refusing a value the record would no longer read
    /// with (text where a count belongs, an unknown enum value); nothing is
    /// written then.
    pub fn set_value(&self, path: &str, value: &serde_json::Value) -> Result<(), ClientError> {
        self.transact_checked(&format!("设置 {path}"), |tx| {
            Ok(edit::set(tx, path, value)?)
        })
    }
}
