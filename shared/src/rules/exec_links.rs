//! 执委挂钩: each county women's executive linked to `linked_min..=linked_max`
//! 两新 women's committees, visiting each at least `visits_per_year` times
//! a year (seed 004), computed over the links and visits of every township.
//!
//! An executive is one person across townships by her name (see
//! `schema::ExecLink`). What counts, on `as_of`:
//! - a link: in force on `as_of` (not archived, begun, not ended);
//! - an executive's links: her links in force, in every township; she is
//!   in range when their number is within the rule's bounds. Executives
//!   listed in the rules with no link are out of range (0);
//! - a link's visits: visits to its unit in its township, by a cadre of her
//!   name, in `as_of`'s year up to `as_of`, while the link was in force;
//! - a committee: a 两新 unit counting on `as_of` whose formed women's
//!   organization is a 妇女工作委员会 founded by `as_of`; with no link in
//!   force it is "unlinked".

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::as_of::counts_on;
use super::config::VisitRule;
use crate::schema::{Date, ExecLink, Formed, Unit, WomenOrgForm, same_name};

/// A link as the county holds it: in which township.
#[derive(Debug, Clone, Copy)]
pub struct LinkIn<'a> {
    /// The township's code.
    pub township: &'a str,
    /// The link's id.
    pub id: &'a str,
    /// The link.
    pub link: &'a ExecLink,
}

/// A visit as the county holds it.
#[derive(Debug, Clone, Copy)]
pub struct VisitIn<'a> {
    /// The township's code.
    pub township: &'a str,
    /// The unit visited.
    pub unit: &'a str,
    /// Who visited (a name).
    pub cadre: &'a str,
    /// When.
    pub date: Date,
}

/// A unit as the county holds it.
#[derive(Debug, Clone, Copy)]
pub struct UnitIn<'a> {
    /// The township's code.
    pub township: &'a str,
    /// The unit's id.
    pub id: &'a str,
    /// The unit.
    pub unit: &'a Unit,
}

/// One link in force, against the visit rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkFigure {
    /// The township's code.
    pub township: String,
    /// The link's id.
    pub id: String,
    /// The executive's name, trimmed.
    pub executive: String,
    /// The unit (id).
    pub unit: String,
    /// When the link began.
    pub since: Date,
    /// Visits counted for it this year.
    pub visits: u32,
    /// Whether they reach the rule's number.
    pub met: bool,
}

/// One executive, against the link rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecutiveFigure {
    /// Her name, trimmed.
    pub name: String,
    /// Whether the county's rules list her.
    pub listed: bool,
    /// Her links in force, all townships.
    pub links: u32,
    /// Whether that number is within the rule's bounds.
    pub in_range: bool,
    /// Of her links, those with too few visits this year.
    pub short: u32,
}

/// A committee with no executive linked to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unlinked {
    /// The township's code.
    pub township: String,
    /// The unit (id).
    pub unit: String,
}

/// The rule's figures for the county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecLinkFigures {
    /// Links in force, by township, executive and unit.
    pub links: Vec<LinkFigure>,
    /// Executives, by name.
    pub executives: Vec<ExecutiveFigure>,
    /// Committees no executive is linked to, by township and unit.
    pub unlinked: Vec<Unlinked>,
}

/// Whether `unit` has a 两新 women's committee on `as_of`, the kind of
/// organization executives are linked to.
pub fn has_committee(unit: &Unit, as_of: Date) -> bool {
    let w = &unit.women_org;
    counts_on(unit, as_of)
        && unit.kind.is_liangxin()
        && w.form == Some(WomenOrgForm::WorkCommittee)
        && w.is_formed()
        && w.established.is_none_or(|d| d <= as_of)
}

/// The figures on `as_of`.
pub fn exec_link_figures(
    links: &[LinkIn<'_>],
    visits: &[VisitIn<'_>],
    units: &[UnitIn<'_>],
    rule: &VisitRule,
    as_of: Date,
) -> ExecLinkFigures {
    let year_start = Date::ymd(as_of.year(), 1, 1).unwrap_or(as_of);
    let need = rule.visits_per_year;
    let mut out_links: Vec<LinkFigure> = links
        .iter()
        .filter(|l| l.link.in_force_on(as_of) && !l.link.executive.trim().is_empty())
        .map(|l| {
            let visits = visits
                .iter()
                .filter(|v| {
                    v.township == l.township
                        && v.unit == l.link.unit
                        && same_name(v.cadre, &l.link.executive)
                        && year_start <= v.date
                        && v.date <= as_of
                        && l.link.in_force_on(v.date)
                })
                .count();
            let visits = u32::try_from(visits).unwrap_or(u32::MAX);
            LinkFigure {
                township: l.township.to_string(),
                id: l.id.to_string(),
                executive: l.link.executive.trim().to_string(),
                unit: l.link.unit.clone(),
                since: l.link.since,
                visits,
                met: visits >= need,
            }
        })
        .collect();
    out_links.sort_by(|a, b| {
        (&a.township, &a.executive, &a.unit, &a.id).cmp(&(
            &b.township,
            &b.executive,
            &b.unit,
            &b.id,
        ))
    });

    let listed: BTreeSet<&str> = rule
        .executives
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    let mut per: BTreeMap<&str, (u32, u32)> = listed.iter().map(|n| (*n, (0, 0))).collect();
    for l in &out_links {
        let e = per.entry(l.executive.as_str()).or_default();
        e.0 += 1;
        e.1 += u32::from(!l.met);
    }
    let executives = per
        .into_iter()
        .map(|(name, (n, short))| ExecutiveFigure {
            name: name.to_string(),
            listed: listed.contains(name),
            links: n,
            in_range: rule.linked_min <= n && n <= rule.linked_max,
            short,
        })
        .collect();

    let linked: BTreeSet<(&str, &str)> = out_links
        .iter()
        .map(|l| (l.township.as_str(), l.unit.as_str()))
        .collect();
    let mut unlinked: Vec<Unlinked> = units
        .iter()
        .filter(|u| has_committee(u.unit, as_of) && !linked.contains(&(u.township, u.id)))
        .map(|u| Unlinked {
            township: u.township.to_string(),
            unit: u.id.to_string(),
        })
        .collect();
    unlinked.sort_by(|a, b| (&a.township, &a.unit).cmp(&(&b.township, &b.unit)));

    ExecLinkFigures {
        links: out_links,
        executives,
        unlinked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::UnitKind;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn link(who: &str, unit: &str, since: &str, until: Option<&str>) -> ExecLink {
        ExecLink {
            executive: who.into(),
            unit: unit.into(),
            since: d(since),
            until: until.map(d),
            notes: None,
            archived: false,
        }
    }

    fn committee(name: &str) -> Unit {
        let mut u = Unit::new(name, UnitKind::Enterprise);
        u.women_org.formed = true;
        u.women_org.form = Some(WomenOrgForm::WorkCommittee);
        u.women_org.established = Some(d("2020-03-08"));
        u
    }

    #[test]
    fn counts_links_across_townships_visits_in_the_year_and_unlinked_committees() {
        let rule = VisitRule {
            executives: vec!["王敏".into(), " 刘芳".into()],
            ..VisitRule::default()
        };
        let as_of = d("2026-06-30");
        let ls = [
            link("刘芳", "a", "2025-01-01", None),
            link(" 刘芳 ", "b", "2026-03-01", None),
            // Ended before as_of: not counted.
            link("刘芳", "c", "2025-01-01", Some("2026-02-01")),
            link("陈静", "a", "2026-01-01", None),
            link("陈静", "x", "2026-01-01", None),
            link("陈静", "y", "2026-01-01", None),
            link("陈静", "z", "2026-01-01", None),
        ];
        let links: Vec<LinkIn> = [("101", "l1"), ("102", "l2"), ("101", "l3")]
            .iter()
            .chain(&[("101", "l4"), ("101", "l5"), ("101", "l6"), ("101", "l7")])
            .zip(&ls)
            .map(|((t, id), link)| LinkIn {
                township: t,
                id,
                link,
            })
            .collect();
        let v = |township, unit, cadre, date: &str| VisitIn {
            township,
            unit,
            cadre,
            date: d(date),
        };
        let visits = [
            v("101", "a", "刘芳", "2026-02-01"),
            v("101", "a", "刘芳 ", "2026-05-01"),
            // Last year, after as_of, another township's unit "a", another cadre:
            v("101", "a", "刘芳", "2025-12-01"),
            v("101", "a", "刘芳", "2026-07-01"),
            v("102", "a", "刘芳", "2026-04-01"),
            v("101", "a", "县妇联", "2026-04-01"),
            // Before the link to b began, then one while it held.
            v("102", "b", "刘芳", "2026-02-01"),
            v("102", "b", "刘芳", "2026-04-01"),
        ];
        let (ua, ub, uq) = (committee("甲"), committee("乙"), committee("丙"));
        let units = [
            UnitIn {
                township: "101",
                id: "a",
                unit: &ua,
            },
            UnitIn {
                township: "102",
                id: "b",
                unit: &ub,
            },
            UnitIn {
                township: "102",
                id: "q",
                unit: &uq,
            },
        ];
        let f = exec_link_figures(&links, &visits, &units, &rule, as_of);

        let got: Vec<(&str, &str, &str, u32, bool)> = f
            .links
            .iter()
            .map(|l| {
                (
                    l.township.as_str(),
                    l.executive.as_str(),
                    l.unit.as_str(),
                    l.visits,
                    l.met,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("101", "刘芳", "a", 2, true),
                ("101", "陈静", "a", 0, false),
                ("101", "陈静", "x", 0, false),
                ("101", "陈静", "y", 0, false),
                ("101", "陈静", "z", 0, false),
                ("102", "刘芳", "b", 1, false),
            ]
        );
        let got: Vec<(&str, bool, u32, bool, u32)> = f
            .executives
            .iter()
            .map(|e| (e.name.as_str(), e.listed, e.links, e.in_range, e.short))
            .collect();
        assert_eq!(
            got,
            vec![
                ("刘芳", true, 2, true, 1),
                ("王敏", true, 0, false, 0),
                ("陈静", false, 4, false, 4),
            ]
        );
        assert_eq!(
            f.unlinked,
            vec![Unlinked {
                township: "102".into(),
                unit: "q".into()
            }]
        );
    }

    #[test]
    fn an_archived_or_unnamed_link_counts_for_nothing() {
        let mut archived = link("刘芳", "a", "2025-01-01", None);
        archived.archived = true;
        let unnamed = link("  ", "a", "2025-01-01", None);
        let ua = committee("甲");
        let f = exec_link_figures(
            &[
                LinkIn {
                    township: "101",
                    id: "1",
                    link: &archived,
                },
                LinkIn {
                    township: "101",
                    id: "2",
                    link: &unnamed,
                },
            ],
            &[],
            &[UnitIn {
                township: "101",
                id: "a",
                unit: &ua,
            }],
            &VisitRule::default(),
            d("2026-06-30"),
        );
        assert!(f.links.is_empty() && f.executives.is_empty());
        assert_eq!(f.unlinked.len(), 1);
    }
}
