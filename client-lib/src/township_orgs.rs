//! The township's own 妇联, 团委 and 总工会: read them and edit them, one
//! transaction each, around `qunjian_shared::edit`.
//!
//! ```no_run
//! # fn demo(township: &qunjian_client::Township) -> Result<(), qunjian_client::ClientError> {
//! township.update_township_orgs(|o| {
//!     o.federation.formed = true;
//!     o.federation.chair = Some("张敏".into());
//!     o.federation.chair_full_time = Some(true);
//! })?;
//! assert_eq!(township.township_orgs()?.federation.chair_full_time, Some(true));
//! # Ok(()) }
//! ```

use qunjian_shared::edit;
use qunjian_shared::schema::TownshipOrgs;

use crate::{ClientError, Township};

impl Township {
    /// The township's own organizations as recorded; all unrecorded in a
    /// document made before they had a place.
    pub fn township_orgs(&self) -> Result<TownshipOrgs, ClientError> {
        Ok(self.read(edit::township_orgs)?)
    }

    /// Change the township's own organizations: `f` edits a copy, and only
    /// the fields it changed are written, so another device's concurrent
    /// edit of another field merges with this one.
    pub fn update_township_orgs(
        &self,
        f: impl FnOnce(&mut TownshipOrgs),
    ) -> Result<TownshipOrgs, ClientError> {
        self.transact_checked("修改乡镇自身群团组织", |tx| {
            Ok(edit::update_township_orgs(tx, f)?)
        })
    }
}
