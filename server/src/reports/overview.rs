//! 总览: the figures the dashboard's first page draws, for the county or
//! one township, as ready-made series: the rates against their targets,
//! 应建未建 by organization, the year's 推优 funnel against the quotas,
//! activities by month, and each township's gaps, rates and last contact.
//!
//! Every figure comes from the functions the reports use (`coverage`,
//! `requirements`, the nominations `Tally`, the activities rows, the
//! township contacts), so a chart can never disagree with its table; the
//! page only draws.

use chrono::{DateTime, Datelike, Utc};
use qunjian_shared::rules::{Rate, RequiredOrg, Rules, requirements, sum_rates};
use qunjian_shared::schema::Date;
use rusqlite::Connection;
use serde::Serialize;

use super::filters::Filters;
use super::funnel::{self, Funnel};
use super::source::{self, TownshipRef};
use super::sync::{self, Contact, STALE_DAYS};
use crate::db::DbError;
use crate::peers::ConnectedNow;

/// 应建未建 of one kind of organization.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapCount {
    /// The requirement's key, e.g. `union` (the gaps report's 应建组织 is its label).
    pub org: &'static str,
    /// `工会`, `女职工委员会`, …
    pub label_zh: &'static str,
    /// Units lacking it.
    pub count: i64,
    /// Of which past their deadline.
    pub overdue: i64,
}

/// Activities of one month (each activity once, however many organizations
/// held it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    /// Activities.
    pub activities: i64,
    /// Participants.
    pub participants: i64,
    /// Women among them.
    pub women: i64,
}

/// One township's line in the drill-down list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TownshipLine {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// 应建未建.
    pub gaps: i64,
    /// Of which overdue.
    pub overdue: i64,
    /// Rates that reach their target.
    pub rates_met: i64,
    /// Rates that do not.
    pub rates_missed: i64,
    /// Its contact with the county.
    pub contact: Contact,
}

/// What 总览 draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    /// The date the figures stand on.
    pub as_of: String,
    /// The year of the funnel and the months.
    pub year: i32,
    /// The township drawn, or `None` for the whole county.
    pub township: Option<Named>,
    /// The rates against their targets (the county's sums, or the township's own).
    pub rates: Vec<Rate>,
    /// Of `rates`, how many reach their target.
    pub rates_met: i64,
    /// … and how many do not.
    pub rates_missed: i64,
    /// 应建未建 in all.
    pub gaps: i64,
    /// Of which overdue.
    pub overdue: i64,
    /// 应建未建 by organization, every kind listed.
    pub gaps_by_org: Vec<GapCount>,
    /// The year's 推优, quotas county-wide only.
    pub nominations: Funnel,
    /// Activities by month of the year, up to `as_of`.
    pub activities: Vec<Month>,
    /// Activities of the year up to `as_of`.
    pub activities_total: i64,
    /// Each township covered.
    pub townships: Vec<TownshipLine>,
    /// Silent for more than this many days is "not synced".
    pub stale_days: i64,
    /// The townships not synced for more than `stale_days` (or never).
    pub stale: Vec<Contact>,
}

/// A township by code and name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Named {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// Build 总览 for `f` (its township, `as_of` and year; the organization
/// filter does not apply) as of `now`.
pub fn build(
    conn: &Connection,
    f: &Filters,
    rules: &Rules,
    connected: &ConnectedNow,
    now: DateTime<Utc>,
) -> Result<Overview, DbError> {
    let year = f.year.unwrap_or(f.as_of.year());
    let of_year = Filters {
        year: Some(year),
        organization: None,
        ..f.clone()
    };
    let townships = source::townships(conn, f)?;
    let units = source::units(conn, f)?;
    let rates = super::coverage::per_township(
        &townships,
        &units,
        &source::people(conn, f)?,
        &source::township_orgs(conn, f)?,
        f.as_of,
        rules,
    );
    let contacts = sync::contacts(conn, f, connected, now)?;

    let mut gaps_by_org: Vec<GapCount> = RequiredOrg::ALL
        .iter()
        .map(|o| GapCount {
            org: o.as_str(),
            label_zh: o.label(),
            count: 0,
            overdue: 0,
        })
        .collect();
    let mut lines = Vec::new();
    for (t, rates) in townships.iter().zip(&rates) {
        let (mut gaps, mut overdue) = (0, 0);
        for u in units.iter().filter(|u| u.township == t.code) {
            for req in requirements(&u.unit, rules, f.as_of)
                .into_iter()
                .filter(|r| !r.met)
            {
                gaps += 1;
                overdue += i64::from(req.overdue);
                if let Some(g) = gaps_by_org.iter_mut().find(|g| g.org == req.org.as_str()) {
                    g.count += 1;
                    g.overdue += i64::from(req.overdue);
                }
            }
        }
        let contact = contacts
            .iter()
            .find(|c| c.code == t.code)
            .cloned()
            .unwrap_or_else(|| never(t));
        lines.push(TownshipLine {
            code: t.code.clone(),
            name: t.name.clone(),
            gaps,
            overdue,
            rates_met: rates.iter().filter(|r| r.met == Some(true)).count() as i64,
            rates_missed: rates.iter().filter(|r| r.met == Some(false)).count() as i64,
            contact,
        });
    }
    let nominations = funnel::build(
        &source::nominations(conn, &of_year)?,
        year,
        f.township.is_none(),
        rules,
    );
    let rates = sum_rates(rates.iter().flatten());
    let activities = months(&source::activities(conn, &of_year)?, year, f.as_of);
    Ok(Overview {
        as_of: f.as_of.to_string(),
        year,
        township: f.township.as_ref().and_then(|code| {
            townships.iter().find(|t| &t.code == code).map(|t| Named {
                code: t.code.clone(),
                name: t.name.clone(),
            })
        }),
        rates_met: rates.iter().filter(|r| r.met == Some(true)).count() as i64,
        rates_missed: rates.iter().filter(|r| r.met == Some(false)).count() as i64,
        rates,
        gaps: lines.iter().map(|l| l.gaps).sum(),
        overdue: lines.iter().map(|l| l.overdue).sum(),
        gaps_by_org,
        nominations,
        activities_total: activities.iter().map(|m| m.activities).sum(),
        activities,
        stale: contacts.iter().filter(|c| c.stale).cloned().collect(),
        stale_days: STALE_DAYS,
        townships: lines,
    })
}

/// A township with no row in the contacts (added a moment ago).
fn never(t: &TownshipRef) -> Contact {
    Contact {
        code: t.code.clone(),
        name: t.name.clone(),
        last_change_at: None,
        devices_seen: 0,
        device_last_seen: None,
        connected_now: 0,
        projected_at: None,
        read_error: None,
        last_contact: None,
        days_since_contact: None,
        stale: true,
    }
}

/// Every month of `year` up to `as_of`'s (all twelve for a past year),
/// with the activities of each.
fn months(rows: &[source::ActivityRow], year: i32, as_of: Date) -> Vec<Month> {
    let last = if as_of.year() == year {
        as_of.0.month()
    } else if as_of.year() < year {
        0
    } else {
        12
    };
    (1..=last)
        .map(|m| {
            let month = format!("{year:04}-{m:02}");
            let mine = rows.iter().filter(|r| r.month == month);
            let (mut activities, mut participants, mut women) = (0, 0, 0);
            for r in mine {
                activities += r.activities;
                participants += r.participants;
                women += r.women;
            }
            Month {
                month,
                activities,
                participants,
                women,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_month_up_to_as_of_with_joint_activities_once() {
        let row = |month: &str, orgs: &[&str], n: i64| source::ActivityRow {
            township: "1".into(),
            organizations: orgs.iter().map(|s| s.to_string()).collect(),
            month: month.into(),
            activities: n,
            participants: 10 * n,
            women: n,
        };
        let rows = [
            row("2026-03", &["union", "women"], 2),
            row("2026-03", &["league"], 1),
            row("2026-05", &["union"], 4),
        ];
        let as_of: Date = "2026-06-30".parse().expect("date");
        let m = months(&rows, 2026, as_of);
        assert_eq!(m.len(), 6);
        assert_eq!((m[2].month.as_str(), m[2].activities), ("2026-03", 3));
        assert_eq!(m[4].participants, 40);
        assert_eq!(months(&rows, 2025, as_of).len(), 12);
        assert!(months(&rows, 2027, as_of).is_empty());
    }
}
