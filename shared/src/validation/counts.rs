//! Counts that cannot exceed their total: a unit's female staff and youth
//! are among its employees, an activity's women among its participants.
//!
//! These numbers drive the thresholds (≥ 30 female staff → 妇工委, ≥ 3
//! youth → league organization) and the women's share in reports, so a
//! figure typed into the wrong column changes what a unit is required to
//! have. A unit's pair is compared only when both numbers are recorded.

use super::finding::{Finding, FindingRule};
use super::names;
use crate::schema::{Activity, Record, TownshipDocument, Unit};

/// Female staff or youth above employees; women above participants.
pub(super) fn check(doc: &TownshipDocument) -> Vec<Finding> {
    let mut out = Vec::new();
    for (id, u) in &doc.units {
        let Some(employees) = u.employees else {
            continue;
        };
        let s = names::unit(id, u);
        let parts = [
            (
                "female_staff",
                u.female_staff,
                "女性固定职工",
                "fixed female staff",
            ),
            (
                "youth",
                u.youth,
                "青年（28 岁以下）",
                "youth aged 28 or under",
            ),
        ];
        for (field, count, zh, en) in parts {
            let Some(n) = count.filter(|n| *n > employees) else {
                continue;
            };
            out.push(Finding::new(
                Unit::MAP,
                id,
                field,
                FindingRule::CountAboveEmployees,
                format!("{}的{zh}人数 {n} 人，多于职工人数 {employees} 人", s.zh),
                format!("{}: {en} ({n}) exceed employees ({employees})", s.en),
            ));
        }
    }
    for (id, a) in &doc.activities {
        if a.women_participants > a.participants {
            let s = names::activity(id, a);
            out.push(Finding::new(
                Activity::MAP,
                id,
                "women_participants",
                FindingRule::CountAboveParticipants,
                format!(
                    "{}的女性参加人数（{}）多于参加人数（{}）",
                    s.zh, a.women_participants, a.participants
                ),
                format!(
                    "{}: women taking part ({}) exceed participants ({})",
                    s.en, a.women_participants, a.participants
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{self, date};
    use super::*;
    use crate::schema::{ActivityKind, UnitKind};

    #[test]
    fn the_clean_document_adds_up() {
        assert_eq!(check(&fixture::clean()), vec![]);
    }

    #[test]
    fn female_staff_and_youth_cannot_exceed_employees() {
        let mut doc = fixture::empty();
        let mut u = Unit::new("某某纸业", UnitKind::Enterprise);
        u.employees = Some(20);
        u.female_staff = Some(35);
        u.youth = Some(21);
        doc.units.insert("e".into(), u);
        let mut equal = Unit::new("某某电子", UnitKind::Enterprise);
        equal.employees = Some(20);
        equal.female_staff = Some(20);
        equal.youth = Some(20);
        doc.units.insert("f".into(), equal);
        let mut unknown_total = Unit::new("某某协会", UnitKind::SocialOrg);
        unknown_total.female_staff = Some(35);
        doc.units.insert("g".into(), unknown_total);
        assert_eq!(
            check(&doc),
            vec![
                Finding::new(
                    "units",
                    "e",
                    "female_staff",
                    FindingRule::CountAboveEmployees,
                    "单位「某某纸业」的女性固定职工人数 35 人，多于职工人数 20 人",
                    "Unit \"某某纸业\": fixed female staff (35) exceed employees (20)"
                ),
                Finding::new(
                    "units",
                    "e",
                    "youth",
                    FindingRule::CountAboveEmployees,
                    "单位「某某纸业」的青年（28 岁以下）人数 21 人，多于职工人数 20 人",
                    "Unit \"某某纸业\": youth aged 28 or under (21) exceed employees (20)"
                ),
            ]
        );
    }

    #[test]
    fn women_cannot_exceed_participants() {
        let mut doc = fixture::empty();
        let mut a = Activity::new(ActivityKind::Event, "三八节座谈会", date("2025-03-08"));
        a.participants = 30;
        a.women_participants = 31;
        doc.activities.insert("a1".into(), a);
        assert_eq!(
            check(&doc),
            vec![Finding::new(
                "activities",
                "a1",
                "women_participants",
                FindingRule::CountAboveParticipants,
                "活动「三八节座谈会」（2025-03-08）的女性参加人数（31）多于参加人数（30）",
                "Activity \"三八节座谈会\" (2025-03-08): women taking part (31) exceed participants (30)"
            )]
        );
    }
}
