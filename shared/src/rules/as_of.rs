//! Looking at a unit as it stood on a given day.
//!
//! Reports are asked "as of" a date (the end of last year, today), so a
//! union founded next month must not count yet, and an enterprise that opens
//! next month has no obligations yet.

use crate::schema::{Date, League, PartyOrg, Union, Unit, WomenOrg, WomensHome};

/// An organization as it stood on a day.
pub trait FormedOn {
    /// Formed on `as_of`: with a founding date, when that date is on or
    /// before `as_of`; without one, when it is marked formed.
    ///
    /// A flag without a date counts as formed on any day. Ledgers often
    /// record *that* a union exists long before anyone finds its founding
    /// papers; treating it as absent would list it as missing (应建未建) in
    /// every report until someone types a date. The cost is that a report
    /// for an earlier year may count it too early; entering the date fixes
    /// that.
    fn formed_on(&self, as_of: Date) -> bool;
}

macro_rules! formed_on_by_date_or_flag {
    ($($t:ty),+) => {$(
        impl FormedOn for $t {
            fn formed_on(&self, as_of: Date) -> bool {
                match self.established {
                    Some(d) => d <= as_of,
                    None => self.formed,
                }
            }
        }
    )+};
}
formed_on_by_date_or_flag!(PartyOrg, Union, League, WomenOrg, WomensHome);

/// Whether the unit counts on `as_of`: not archived, and opened on or
/// before that day (a unit with no opening date is taken to exist).
///
/// Archived units are out of every requirement and rate: archiving is how
/// a closed enterprise or a merged village leaves the ledger.
pub fn counts_on(unit: &Unit, as_of: Date) -> bool {
    !unit.archived && unit.opened.is_none_or(|d| d <= as_of)
}
