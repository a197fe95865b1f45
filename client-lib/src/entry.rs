//! Checked entry: add, update and record a 推优 step the way a person at a
//! form does it — refused with what to fix, unless forced.
//!
//! The checks are `qunjian_shared::validation::entry`'s, run inside the
//! edit's own transaction over the document as it stands, so nothing can
//! change between the check and the write. A forced entry is written as
//! given, and `validate` lists its problems until someone fixes them.

use qunjian_shared::edit;
use qunjian_shared::schema::{Date, Step, TownshipDocument};
use qunjian_shared::validation::{
    EntryProblems, EntryRecord, Finding, entry_problems, step_entry_problems,
};

use crate::{ClientError, Township};

/// Whether an entry with problems is written anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Force {
    /// Refuse an entry with problems ([`ClientError::EntryRefused`]).
    No,
    /// Write it anyway: the person has checked the paper and it is so.
    Yes,
}

pub(crate) fn refuse_unless_forced(
    problems: Vec<Finding>,
    force: Force,
) -> Result<(), ClientError> {
    if problems.is_empty() || force == Force::Yes {
        Ok(())
    } else {
        Err(EntryProblems(problems).into())
    }
}

impl Township {
    /// What entering `record` would bring that is wrong as of `today`,
    /// without writing anything: under `id` for an update, as a new record
    /// when `id` is `None`. For a form that shows problems as they are typed.
    pub fn entry_problems<R: EntryRecord>(
        &self,
        id: Option<&str>,
        record: &R,
        today: Date,
    ) -> Result<Vec<Finding>, ClientError> {
        let (doc, unreadable) = self.document()?;
        Ok(entry_problems(&doc, &unreadable, id, record, today))
    }

    /// [`add`](Self::add), refusing a record with problems (see
    /// [`entry_problems`](Self::entry_problems)) unless `force`.
    pub fn add_checked<R: EntryRecord>(
        &self,
        record: &R,
        today: Date,
        force: Force,
    ) -> Result<String, ClientError> {
        self.transact_checked(&format!("添加{}", R::NAME_ZH), |tx| {
            let (doc, unreadable) = TownshipDocument::hydrate(tx)?;
            refuse_unless_forced(
                entry_problems(&doc, &unreadable, None, record, today),
                force,
            )?;
            Ok(edit::add(tx, record)?)
        })
    }

    /// [`update`](Self::update), refusing a change that brings problems
    /// unless `force`; problems the record already had do not refuse it.
    pub fn update_checked<R: EntryRecord>(
        &self,
        id: &str,
        today: Date,
        force: Force,
        f: impl FnOnce(&mut R),
    ) -> Result<R, ClientError> {
        self.transact_checked(&format!("修改{} {id}", R::NAME_ZH), |tx| {
            let (doc, unreadable) = TownshipDocument::hydrate(tx)?;
            let Some(mut record) = edit::get::<R, _>(tx, id)? else {
                return Err(edit::EditError::NoSuchRecord {
                    kind: R::NAME_ZH,
                    id: id.to_string(),
                }
                .into());
            };
            f(&mut record);
            refuse_unless_forced(
                entry_problems(&doc, &unreadable, Some(id), &record, today),
                force,
            )?;
            let written = record.clone();
            Ok(edit::update::<R>(tx, id, move |r| *r = written)?)
        })
    }

    /// [`record_step`](Self::record_step), refusing a step dated after
    /// `today` or before the step it follows unless `force`. A step whose
    /// predecessor is missing is refused even when forced.
    pub fn record_step_checked(
        &self,
        nomination: &str,
        step: Step,
        today: Date,
        force: Force,
    ) -> Result<(), ClientError> {
        let message = format!("推优 {nomination}: 记录「{}」", step.name().label());
        self.transact_checked(&message, |tx| {
            let (doc, unreadable) = TownshipDocument::hydrate(tx)?;
            // The order comes first: a missing step says more than a date.
            edit::record_step(tx, nomination, &step)?;
            refuse_unless_forced(
                step_entry_problems(&doc, &unreadable, nomination, &step, today),
                force,
            )
        })
    }
}
