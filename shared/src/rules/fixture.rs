//! Units built by hand for the rules tests.

use crate::schema::{Date, Unit, UnitKind};

/// "Today" in every rules test.
pub fn as_of() -> Date {
    date("2025-06-30")
}

/// A date from `YYYY-MM-DD`.
pub fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// An enterprise with this many employees, opened long ago, nothing formed.
pub fn enterprise(employees: u32) -> Unit {
    let mut u = Unit::new("企业", UnitKind::Enterprise);
    u.employees = Some(employees);
    u.opened = Some(date("2015-01-01"));
    u
}

/// The same with a union formed (flag only, no date).
pub fn enterprise_with_union(employees: u32) -> Unit {
    let mut u = enterprise(employees);
    u.union.formed = true;
    u
}

/// A 两新 social organization with this many fixed female staff.
pub fn social_org(female_staff: u32) -> Unit {
    let mut u = Unit::new("社会组织", UnitKind::SocialOrg);
    u.female_staff = Some(female_staff);
    u
}
