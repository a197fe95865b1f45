//! Dates after today: a unit that has not opened yet, an organization
//! founded tomorrow, a 推优 step or activity or visit not yet held.
//!
//! A date in the future is almost always a typo (2052 for 2025, month and
//! day swapped) and it would count toward a year's figures too early.
//! `today` is passed in, so the rule is pure: the device uses its own date,
//! the server its own, a test a fixed one. Today itself is not the future.

use super::finding::{Finding, FindingRule};
use super::names::{self, Subject};
use crate::schema::{
    Activity, Date, ExecLink, Nomination, Record, StepName, Steps, TownshipDocument, Unit, Visit,
};

/// Every recorded date later than `today`.
pub(super) fn check(doc: &TownshipDocument, today: Date) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut flag =
        |map, id: &str, field: &str, s: &Subject, what_zh: &str, what_en: &str, d: Date| {
            if d > today {
                out.push(Finding::new(
                    map,
                    id,
                    field,
                    FindingRule::FutureDate,
                    format!("{}的{what_zh} {d} 晚于今天（{today}），请核对", s.zh),
                    format!("{}: {what_en} {d} is after today ({today})", s.en),
                ));
            }
        };

    for (id, u) in &doc.units {
        let s = names::unit(id, u);
        let dates = [
            ("opened", u.opened, "成立/开业日期", "opening date"),
            (
                "party_org.established",
                u.party_org.established,
                "党组织成立日期",
                "party organization's founding date",
            ),
            (
                "union.established",
                u.union.established,
                "工会成立日期",
                "union's founding date",
            ),
            (
                "league.established",
                u.league.established,
                "团组织成立日期",
                "league organization's founding date",
            ),
            (
                "women_org.established",
                u.women_org.established,
                "妇女组织成立日期",
                "women's organization's founding date",
            ),
            (
                "womens_home.established",
                u.womens_home.established,
                "妇女之家建成日期",
                "women's home's opening date",
            ),
        ];
        for (field, d, zh, en) in dates {
            if let Some(d) = d {
                flag(Unit::MAP, id, field, &s, zh, en, d);
            }
        }
    }

    for (id, n) in &doc.nominations {
        let s = names::nomination(doc, n);
        for (step, d) in step_dates(&n.steps) {
            let field = format!("steps.{}.date", step.as_str());
            let zh = format!("「{}」日期", step.label());
            let en = format!("{} date", names::step_en(step));
            flag(Nomination::MAP, id, &field, &s, &zh, &en, d);
        }
    }

    for (id, a) in &doc.activities {
        flag(
            Activity::MAP,
            id,
            "date",
            &names::activity(id, a),
            "活动日期",
            "date",
            a.date,
        );
    }

    for (id, v) in &doc.visits {
        flag(
            Visit::MAP,
            id,
            "date",
            &names::visit(doc, v),
            "走访日期",
            "date",
            v.date,
        );
    }

    for (id, l) in &doc.exec_links {
        let s = names::exec_link(doc, l);
        flag(
            ExecLink::MAP,
            id,
            "since",
            &s,
            "挂钩日期",
            "link date",
            l.since,
        );
        if let Some(until) = l.until {
            flag(
                ExecLink::MAP,
                id,
                "until",
                &s,
                "结束日期",
                "end date",
                until,
            );
        }
    }
    out
}

/// The date of each recorded step, in step order.
fn step_dates(steps: &Steps) -> Vec<(StepName, Date)> {
    [
        (StepName::Assembly, steps.assembly.as_ref().map(|s| s.date)),
        (
            StepName::Inspection,
            steps.inspection.as_ref().map(|s| s.date),
        ),
        (StepName::Approval, steps.approval.as_ref().map(|s| s.date)),
        (
            StepName::UpperReview,
            steps.upper_review.as_ref().map(|s| s.date),
        ),
        (
            StepName::Recommended,
            steps.recommended.as_ref().map(|s| s.date),
        ),
        (
            StepName::PartyDecision,
            steps.party_decision.as_ref().map(|s| s.date),
        ),
    ]
    .into_iter()
    .filter_map(|(name, d)| d.map(|d| (name, d)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{self, date, today};
    use super::*;
    use crate::schema::{ActivityKind, PartyDecision, PartyDecisionStep, Person, UnitKind};

    #[test]
    fn the_clean_document_has_no_future_dates_and_today_is_not_future() {
        assert_eq!(check(&fixture::clean(), today()), vec![]);
    }

    #[test]
    fn unit_and_organization_dates_after_today_are_flagged() {
        let mut doc = fixture::empty();
        let mut u = Unit::new("某某纸业", UnitKind::Enterprise);
        u.opened = Some(date("2052-01-01"));
        u.party_org.established = Some(date("2025-07-01"));
        u.union.established = Some(date("2025-07-01"));
        u.league.established = Some(date("2025-07-01"));
        u.women_org.established = Some(date("2025-07-01"));
        u.womens_home.established = Some(date("2025-07-01"));
        doc.units.insert("e".into(), u);
        let got = check(&doc, today());
        let fields: Vec<&str> = got.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "opened",
                "party_org.established",
                "union.established",
                "league.established",
                "women_org.established",
                "womens_home.established"
            ]
        );
        assert!(got.iter().all(|f| f.rule == FindingRule::FutureDate));
        assert_eq!(
            got[0],
            Finding::new(
                "units",
                "e",
                "opened",
                FindingRule::FutureDate,
                "单位「某某纸业」的成立/开业日期 2052-01-01 晚于今天（2025-06-30），请核对",
                "Unit \"某某纸业\": opening date 2052-01-01 is after today (2025-06-30)"
            )
        );
        assert_eq!(
            got[2].message_zh,
            "单位「某某纸业」的工会成立日期 2025-07-01 晚于今天（2025-06-30），请核对"
        );
    }

    #[test]
    fn step_activity_and_visit_dates_after_today_are_flagged() {
        let mut doc = fixture::empty();
        doc.people.insert("p".into(), Person::new("李娟"));
        let mut n = fixture::nomination("p", "u");
        n.direct = true;
        n.steps.party_decision = Some(PartyDecisionStep {
            date: date("2025-12-01"),
            decision: PartyDecision::Activist,
        });
        doc.nominations.insert("n1".into(), n);
        doc.activities.insert(
            "a1".into(),
            Activity::new(ActivityKind::Volunteer, "敬老志愿服务", date("2025-07-01")),
        );
        doc.visits
            .insert("v1".into(), fixture::visit("王书记", "u", "2026-06-30"));
        assert_eq!(
            check(&doc, today()),
            vec![
                Finding::new(
                    "nominations",
                    "n1",
                    "steps.party_decision.date",
                    FindingRule::FutureDate,
                    "推优记录（李娟，2025 年，妇女组织）的「党组织决定」日期 2025-12-01 晚于今天（2025-06-30），请核对",
                    "Nomination of \"李娟\" (2025, by the women's organization): party decision date 2025-12-01 is after today (2025-06-30)"
                ),
                Finding::new(
                    "activities",
                    "a1",
                    "date",
                    FindingRule::FutureDate,
                    "活动「敬老志愿服务」（2025-07-01）的活动日期 2025-07-01 晚于今天（2025-06-30），请核对",
                    "Activity \"敬老志愿服务\" (2025-07-01): date 2025-07-01 is after today (2025-06-30)"
                ),
                Finding::new(
                    "visits",
                    "v1",
                    "date",
                    FindingRule::FutureDate,
                    "走访记录（王书记 → 单位编号 u，2026-06-30）的走访日期 2026-06-30 晚于今天（2025-06-30），请核对",
                    "Visit (王书记 to unit u, 2026-06-30): date 2026-06-30 is after today (2025-06-30)"
                ),
            ]
        );
    }
}
