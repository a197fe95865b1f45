//! Apply a ledger to a township: every row parsed and checked, each one
//! matched against the records already there (so importing the same file
//! twice adds nothing), then one transaction per sheet.
//!
//! Matching, among records that are not archived (and rows added earlier in
//! the same import):
//! - 单位: the same credit code; else the same name and kind (when the
//!   existing unit has no credit code, or the same one);
//! - 人员: the same name and birth year;
//! - 活动: the same title and date;
//! - 荣誉: the same title, level, year and recipient;
//! - 走访: the same cadre, unit and date.
//!
//! A matched record is updated with the cells the row fills in; empty cells
//! leave its fields as they are.

use qunjian_shared::edit;
use qunjian_shared::schema::{Activity, Honor, Person, Record, Set, Unit, Visit};

use super::columns::SheetKind;
use super::read::{Ledger, LedgerSheet};
use super::rows::{
    ActivityRow, HonorRow, PersonRow, VisitRow, activity_row, honor_row, person_row, this_year,
    unit_row, visit_row,
};
use super::{LedgerError, RowError};
use crate::Township;

/// A row that was (or, in a dry run, would be) added, updated or left as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    /// The sheet's name.
    pub sheet: String,
    /// The row as Excel numbers it.
    pub row: u32,
    /// The record's name (a unit's or person's name, an activity's title).
    pub name: String,
    /// The record's id; `None` for a record a dry run would add.
    pub id: Option<String>,
}

/// What an import did, or in a dry run would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// Rows added as new records.
    pub added: Vec<RowOutcome>,
    /// Rows that matched a record and changed it.
    pub updated: Vec<RowOutcome>,
    /// Rows that matched a record that already says the same.
    pub unchanged: Vec<RowOutcome>,
    /// Every error of every refused row (a row may have several).
    pub refused: Vec<RowError>,
    /// Sheets that are not a record kind, skipped.
    pub unknown_sheets: Vec<String>,
}

impl ImportReport {
    /// How many rows were refused (not errors: a row may have several).
    pub fn refused_rows(&self) -> usize {
        let mut rows: Vec<(&str, u32)> = self
            .refused
            .iter()
            .map(|e| (e.sheet.as_str(), e.row))
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows.len()
    }

    /// `新增 N，更新 M，拒绝 K`.
    pub fn summary(&self) -> String {
        format!(
            "新增 {}，更新 {}，拒绝 {}",
            self.added.len(),
            self.updated.len(),
            self.refused_rows()
        )
    }
}

/// One planned write: `id` `None` adds `record`.
struct Op<R> {
    id: Option<String>,
    placeholder: String,
    record: R,
}

/// Import `ledger` into `township`; with `dry_run` nothing is written. Rows
/// that pass are imported even when others are refused.
pub fn import(
    township: &Township,
    ledger: &Ledger,
    dry_run: bool,
) -> Result<ImportReport, LedgerError> {
    let mut report = ImportReport {
        dry_run,
        unknown_sheets: ledger.unknown_sheets.clone(),
        ..ImportReport::default()
    };
    let mut units = township.list::<Unit>();
    let mut people = township.list::<Person>();
    let mut activities = township.list::<Activity>();
    let mut honors = township.list::<Honor>();
    let mut visits = township.list::<Visit>();
    let mut pending = 0usize;
    let year = this_year();
    for sheet in &ledger.sheets {
        if !sheet.errors.is_empty() {
            report.refused.extend(sheet.errors.iter().cloned());
            continue;
        }
        let mut ctx = Ctx {
            sheet,
            report: &mut report,
            pending: &mut pending,
            links: Vec::new(),
        };
        match sheet.kind {
            SheetKind::Units => {
                let rows = ctx.parse(unit_row);
                let ops = ctx.plan(rows, &mut units, find_unit, merge_unit, |u| u.name.clone());
                apply(township, &mut ctx, ops, &mut units, dry_run)?;
            }
            SheetKind::People => {
                let rows = ctx.parse(|r| person_row(r, year));
                let mut resolved = Vec::new();
                for (row, mut p) in rows {
                    if let Some(name) = &p.unit_name {
                        match resolve_unit(&units, name) {
                            Ok(id) => p.person.unit = Some(id),
                            Err(message) => {
                                ctx.refuse(row, "unit", message);
                                continue;
                            }
                        }
                    }
                    resolved.push((row, p));
                }
                let ops = ctx.plan(resolved, &mut people, find_person, merge_person, |p| {
                    p.name.clone()
                });
                apply(township, &mut ctx, ops, &mut people, dry_run)?;
            }
            SheetKind::Activities => {
                let rows = ctx.parse(activity_row);
                let mut resolved = Vec::new();
                'rows: for (row, mut a) in rows {
                    let mut ids = Set::new();
                    for name in &a.unit_names {
                        match resolve_unit(&units, name) {
                            Ok(id) => {
                                ids.insert(id);
                            }
                            Err(message) => {
                                ctx.refuse(row, "units", message);
                                continue 'rows;
                            }
                        }
                    }
                    a.activity.units = ids;
                    resolved.push((row, a));
                }
                let ops = ctx.plan(
                    resolved,
                    &mut activities,
                    find_activity,
                    merge_activity,
                    |a| a.title.clone(),
                );
                apply(township, &mut ctx, ops, &mut activities, dry_run)?;
            }
            SheetKind::Honors => {
                let rows = ctx.parse(|r| honor_row(r, year));
                let mut resolved = Vec::new();
                for (row, mut h) in rows {
                    let recipient = match (&h.unit_name, &h.person_name) {
                        (Some(name), _) => resolve_unit(&units, name)
                            .map(|id| h.honor.recipient_unit = Some(id))
                            .map_err(|m| ("recipient_unit", m)),
                        (None, Some(name)) => resolve_person(&people, name)
                            .map(|id| h.honor.recipient_person = Some(id))
                            .map_err(|m| ("recipient_person", m)),
                        // honor_row refuses a row with neither.
                        (None, None) => Ok(()),
                    };
                    match recipient {
                        Ok(()) => resolved.push((row, h)),
                        Err((code, message)) => ctx.refuse(row, code, message),
                    }
                }
                let ops = ctx.plan(resolved, &mut honors, find_honor, merge_honor, |h| {
                    format!("{} {}", h.year, h.title.label())
                });
                apply(township, &mut ctx, ops, &mut honors, dry_run)?;
            }
            SheetKind::Visits => {
                let rows = ctx.parse(visit_row);
                let mut resolved = Vec::new();
                for (row, mut v) in rows {
                    match resolve_unit(&units, &v.unit_name) {
                        Ok(id) => {
                            v.visit.unit = id;
                            resolved.push((row, v));
                        }
                        Err(message) => ctx.refuse(row, "unit", message),
                    }
                }
                let ops = ctx.plan(resolved, &mut visits, find_visit, merge_visit, |v| {
                    format!("{} {}", v.date, v.cadre)
                });
                apply(township, &mut ctx, ops, &mut visits, dry_run)?;
            }
        }
    }
    Ok(report)
}

struct Ctx<'a> {
    sheet: &'a LedgerSheet,
    report: &'a mut ImportReport,
    pending: &'a mut usize,
    /// Outcomes that name a record this sheet adds: (added?, index in
    /// the report's list, placeholder id).
    links: Vec<(bool, usize, String)>,
}

impl Ctx<'_> {
    fn refuse(&mut self, row: u32, code: &str, message: String) {
        self.report.refused.push(RowError {
            sheet: self.sheet.name.clone(),
            row,
            column: self.sheet.kind.header(code).to_string(),
            message,
        });
    }

    /// Every row parsed; the refused ones go to the report.
    fn parse<T>(
        &mut self,
        parse: impl Fn(&super::LedgerRow) -> Result<T, Vec<RowError>>,
    ) -> Vec<(u32, T)> {
        let mut out = Vec::new();
        for row in &self.sheet.rows {
            match parse(row) {
                Ok(t) => out.push((row.row, t)),
                Err(errors) => self.report.refused.extend(errors),
            }
        }
        out
    }

    /// Match each row, and plan an add or an update; `index` learns the
    /// result so later rows of the same import match it too.
    fn plan<T, R: Record + PartialEq>(
        &mut self,
        rows: Vec<(u32, T)>,
        index: &mut Vec<(String, R)>,
        find: Find<T, R>,
        merge: fn(Option<&R>, &T) -> R,
        name: fn(&R) -> String,
    ) -> Vec<Op<R>> {
        let mut ops = Vec::new();
        for (row, t) in rows {
            match find(index, &t) {
                Some(i) => {
                    let merged = merge(Some(&index[i].1), &t);
                    let id = index[i].0.clone();
                    let outcome = RowOutcome {
                        sheet: self.sheet.name.clone(),
                        row,
                        name: name(&merged),
                        id: (!id.starts_with(PENDING)).then(|| id.clone()),
                    };
                    if merged == index[i].1 {
                        self.report.unchanged.push(outcome);
                        continue;
                    }
                    if id.starts_with(PENDING) {
                        self.links
                            .push((false, self.report.updated.len(), id.clone()));
                    }
                    self.report.updated.push(outcome);
                    index[i].1 = merged.clone();
                    match ops.iter_mut().find(|op: &&mut Op<R>| op.placeholder == id) {
                        // Two rows of one import: the later one wins.
                        Some(op) => op.record = merged,
                        None => ops.push(Op {
                            id: Some(id.clone()),
                            placeholder: id,
                            record: merged,
                        }),
                    }
                }
                None => {
                    let record = merge(None, &t);
                    *self.pending += 1;
                    let placeholder = format!("{PENDING}{}", self.pending);
                    self.links
                        .push((true, self.report.added.len(), placeholder.clone()));
                    self.report.added.push(RowOutcome {
                        sheet: self.sheet.name.clone(),
                        row,
                        name: name(&record),
                        id: None,
                    });
                    index.push((placeholder.clone(), record.clone()));
                    ops.push(Op {
                        id: None,
                        placeholder,
                        record,
                    });
                }
            }
        }
        ops
    }
}

/// Which record of the index (id, record) a row matches.
type Find<T, R> = fn(&[(String, R)], &T) -> Option<usize>;

/// Ids of records an import is about to add.
const PENDING: &str = "待新增:";

/// Write a sheet's ops in one transaction and give the new records their
/// real ids (in `index` and the report).
fn apply<R: Record>(
    township: &Township,
    ctx: &mut Ctx<'_>,
    ops: Vec<Op<R>>,
    index: &mut [(String, R)],
    dry_run: bool,
) -> Result<(), LedgerError> {
    if dry_run || ops.is_empty() {
        return Ok(());
    }
    let message = format!("导入台账：{} {} 行", ctx.sheet.name, ops.len());
    let ids = township.transact_checked(&message, |tx| {
        let mut ids = Vec::new();
        for op in &ops {
            match &op.id {
                Some(id) if !id.starts_with(PENDING) => {
                    let record = op.record.clone();
                    edit::update::<R>(tx, id, |r| *r = record)?;
                }
                _ => ids.push((op.placeholder.clone(), edit::add(tx, &op.record)?)),
            }
        }
        Ok(ids)
    })?;
    for (placeholder, id) in ids {
        for entry in index.iter_mut().filter(|(i, _)| *i == placeholder) {
            entry.0 = id.clone();
        }
        for (added, i, _) in ctx.links.iter().filter(|(_, _, p)| *p == placeholder) {
            let list = if *added {
                &mut ctx.report.added
            } else {
                &mut ctx.report.updated
            };
            if let Some(outcome) = list.get_mut(*i) {
                outcome.id = Some(id.clone());
            }
        }
    }
    Ok(())
}

/// The one unit (not archived) called `name`.
fn resolve_unit(units: &[(String, Unit)], name: &str) -> Result<String, String> {
    let found: Vec<&String> = units
        .iter()
        .filter(|(_, u)| u.name == name.trim())
        .map(|(id, _)| id)
        .collect();
    match found.as_slice() {
        [id] => Ok((*id).clone()),
        [] => Err(format!(
            "找不到名为“{name}”的单位：请先在“单位”工作表或系统中添加"
        )),
        more => Err(format!(
            "有 {} 个名为“{name}”的单位，无法确定是哪一个",
            more.len()
        )),
    }
}

/// The one person (not archived) called `name`.
fn resolve_person(people: &[(String, Person)], name: &str) -> Result<String, String> {
    let found: Vec<&String> = people
        .iter()
        .filter(|(_, p)| p.name == name.trim())
        .map(|(id, _)| id)
        .collect();
    match found.as_slice() {
        [id] => Ok((*id).clone()),
        [] => Err(format!(
            "找不到名为“{name}”的人员：请先在“人员”工作表或系统中添加"
        )),
        more => Err(format!(
            "有 {} 个名为“{name}”的人员，无法确定是哪一个：请改为按单位授予，或在系统中录入",
            more.len()
        )),
    }
}

fn find_unit(index: &[(String, Unit)], row: &Unit) -> Option<usize> {
    if let Some(code) = &row.credit_code
        && let Some(i) = index
            .iter()
            .position(|(_, u)| u.credit_code.as_ref() == Some(code))
    {
        return Some(i);
    }
    index.iter().position(|(_, u)| {
        u.name == row.name
            && u.kind == row.kind
            && (u.credit_code.is_none() || row.credit_code.is_none())
    })
}

fn merge_unit(existing: Option<&Unit>, row: &Unit) -> Unit {
    let Some(existing) = existing else {
        return row.clone();
    };
    let mut u = existing.clone();
    u.name = row.name.clone();
    u.kind = row.kind;
    u.credit_code = row.credit_code.clone().or(u.credit_code);
    u.employees = row.employees.or(u.employees);
    u.female_staff = row.female_staff.or(u.female_staff);
    u.youth = row.youth.or(u.youth);
    u.opened = row.opened.or(u.opened);
    u
}

fn find_person(index: &[(String, Person)], row: &PersonRow) -> Option<usize> {
    index
        .iter()
        .position(|(_, p)| p.name == row.person.name && p.birth_year == row.person.birth_year)
}

fn merge_person(existing: Option<&Person>, row: &PersonRow) -> Person {
    let Some(existing) = existing else {
        return row.person.clone();
    };
    let mut p = existing.clone();
    let new = &row.person;
    p.name = new.name.clone();
    p.gender = new.gender.or(p.gender);
    p.birth_year = new.birth_year.or(p.birth_year);
    p.unit = new.unit.clone().or(p.unit);
    if row.stage_given {
        p.party_stage = new.party_stage;
    }
    if row.roles_given {
        p.roles = new.roles.clone();
    }
    p
}

fn find_activity(index: &[(String, Activity)], row: &ActivityRow) -> Option<usize> {
    index
        .iter()
        .position(|(_, a)| a.title == row.activity.title && a.date == row.activity.date)
}

fn merge_activity(existing: Option<&Activity>, row: &ActivityRow) -> Activity {
    let Some(existing) = existing else {
        return row.activity.clone();
    };
    let mut a = row.activity.clone();
    if a.organizations.is_empty() {
        a.organizations = existing.organizations.clone();
    }
    if row.unit_names.is_empty() {
        a.units = existing.units.clone();
    }
    if a.notes.as_str().is_empty() {
        a.notes = existing.notes.clone();
    }
    a.archived = existing.archived;
    a
}

fn find_honor(index: &[(String, Honor)], row: &HonorRow) -> Option<usize> {
    let new = &row.honor;
    index.iter().position(|(_, h)| {
        h.title == new.title
            && h.level == new.level
            && h.year == new.year
            && h.recipient_unit == new.recipient_unit
            && h.recipient_person == new.recipient_person
    })
}

/// Everything an honor row says is what it is matched by: a match is the
/// same honor, kept as it is (archived or not).
fn merge_honor(existing: Option<&Honor>, row: &HonorRow) -> Honor {
    existing.cloned().unwrap_or_else(|| row.honor.clone())
}

fn find_visit(index: &[(String, Visit)], row: &VisitRow) -> Option<usize> {
    let new = &row.visit;
    index
        .iter()
        .position(|(_, v)| v.cadre == new.cadre && v.unit == new.unit && v.date == new.date)
}

fn merge_visit(existing: Option<&Visit>, row: &VisitRow) -> Visit {
    let Some(existing) = existing else {
        return row.visit.clone();
    };
    let mut v = existing.clone();
    v.purpose = row.visit.purpose.clone().or(v.purpose);
    v.notes = row.visit.notes.clone().or(v.notes);
    v
}
