//! `activities`: how many activities each organization held each month, how
//! many took part, how many of them women. An activity organized jointly is
//! counted under each of its organizations (that is how each organization
//! reports its own work upward), and once in the county total.

use std::collections::BTreeMap;

use qunjian_shared::schema::OrgKind;

use super::filters::Filters;
use super::source::{ActivityRow, TownshipRef, name_of};
use super::{TOTAL_ZH, table};
use crate::report_table::{Cell, ReportTable};

/// Build the table from the rows `source::activities` read.
pub fn build(townships: &[TownshipRef], rows: &[ActivityRow], f: &Filters) -> ReportTable {
    // (township code, organization, month) -> (count, participants, women)
    let mut sums: BTreeMap<(String, String, String), (i64, i64, i64)> = BTreeMap::new();
    let mut county: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
    for a in rows {
        let orgs: Vec<&str> = a
            .organizations
            .iter()
            .map(String::as_str)
            .filter(|o| f.organization.is_none_or(|want| want.as_str() == *o))
            .collect();
        for org in &orgs {
            let s = sums
                .entry((a.township.clone(), org.to_string(), a.month.clone()))
                .or_default();
            add(s, a);
            let c = county
                .entry((org.to_string(), a.month.clone()))
                .or_default();
            add(c, a);
        }
    }
    let mut out = Vec::new();
    for ((code, org, month), s) in &sums {
        out.push(row(&name_of(townships, code), code, org, month, *s));
    }
    for ((org, month), s) in &county {
        out.push(row(TOTAL_ZH, "", org, month, *s));
    }
    table(
        "activities",
        "活动开展情况",
        &[
            ("township", "乡镇"),
            ("township_code", "乡镇代码"),
            ("organization", "组织"),
            ("month", "月份"),
            ("activities", "活动次数"),
            ("participants", "参加人次"),
            ("women_participants", "其中女性"),
            ("women_share", "女性占比"),
        ],
        out,
    )
}

fn add(s: &mut (i64, i64, i64), a: &ActivityRow) {
    s.0 += a.activities;
    s.1 += a.participants;
    s.2 += a.women;
}

fn row(name: &str, code: &str, org: &str, month: &str, s: (i64, i64, i64)) -> Vec<Cell> {
    let org_label = OrgKind::parse(org).map_or(org, |o| o.label());
    vec![
        Cell::Text(name.to_string()),
        Cell::Text(code.to_string()),
        Cell::Text(org_label.to_string()),
        Cell::Text(month.to_string()),
        Cell::Int(s.0),
        Cell::Int(s.1),
        Cell::Int(s.2),
        Cell::percent_of(s.2, s.1),
    ]
}
