//! 推优 steps recorded without the step before them, or dated before it.
//!
//! Steps are separate keys in the document so two offline devices can each
//! record one; nothing in the CRDT can stop step 4 arriving before step 3.
//! DOMAIN.md's rule is that such a step is kept, not dropped, and flagged:
//! this is the flag. A `direct` nomination (by the upper organization)
//! starts at 上级审核, which [`Nomination::steps_out_of_order`] accounts for.

use super::finding::{Finding, FindingRule};
use super::names;
use crate::schema::{Nomination, Record, TownshipDocument};

/// One finding per step whose predecessor is missing or dated later,
/// naming both steps.
pub(super) fn check(doc: &TownshipDocument) -> Vec<Finding> {
    let mut out = Vec::new();
    for (id, n) in &doc.nominations {
        let s = names::nomination(doc, n);
        for (step, date, before, before_date) in n.steps_dated_before_previous() {
            out.push(Finding::new(
                Nomination::MAP,
                id,
                format!("steps.{}.date", step.as_str()),
                FindingRule::StepDateBeforePrevious,
                format!(
                    "{}的「{}」日期 {date} 早于前一步「{}」的日期 {before_date}，请核对日期",
                    s.zh,
                    step.label(),
                    before.label()
                ),
                format!(
                    "{}: the {} date {date} is before the {} date {before_date}",
                    s.en,
                    names::step_en(step),
                    names::step_en(before)
                ),
            ));
        }
        for (step, before) in n.steps_out_of_order() {
            out.push(Finding::new(
                Nomination::MAP,
                id,
                format!("steps.{}", step.as_str()),
                FindingRule::StepOutOfOrder,
                format!(
                    "{}已记录「{}」，但缺少前一步「{}」",
                    s.zh,
                    step.label(),
                    before.label()
                ),
                format!(
                    "{} has the {} step recorded but not the step before it, {}",
                    s.en,
                    names::step_en(step),
                    names::step_en(before)
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
    use crate::schema::{
        ApprovalStep, AssemblyStep, Person, RecommendedStep, ReviewDecision, UpperReviewStep,
    };

    fn review() -> UpperReviewStep {
        UpperReviewStep {
            date: date("2025-05-01"),
            organization: Some("镇妇联".into()),
            decision: ReviewDecision::Approved,
            comment: None,
        }
    }

    #[test]
    fn the_clean_document_has_its_steps_in_order() {
        assert_eq!(check(&fixture::clean()), vec![]);
    }

    #[test]
    fn each_step_without_its_predecessor_is_flagged_naming_both() {
        let mut doc = fixture::empty();
        doc.people.insert("p".into(), Person::new("李娟"));
        let mut n = fixture::nomination("p", "u");
        n.steps.assembly = Some(AssemblyStep {
            date: date("2025-03-01"),
            attendance: None,
            votes_for: None,
        });
        // Inspection missing: approval is out of order; review follows approval.
        n.steps.approval = Some(ApprovalStep {
            date: date("2025-04-01"),
            reason: None,
        });
        n.steps.upper_review = Some(review());
        doc.nominations.insert("n1".into(), n);
        assert_eq!(
            check(&doc),
            vec![Finding::new(
                "nominations",
                "n1",
                "steps.approval",
                FindingRule::StepOutOfOrder,
                "推优记录（李娟，2025 年，妇女组织）已记录「审批」，但缺少前一步「考察」",
                "Nomination of \"李娟\" (2025, by the women's organization) has the approval step \
                 recorded but not the step before it, inspection"
            )]
        );
    }

    #[test]
    fn a_step_dated_before_the_step_it_follows_is_flagged() {
        let mut doc = fixture::empty();
        doc.people.insert("p".into(), Person::new("李娟"));
        let mut n = fixture::nomination("p", "u");
        n.steps.assembly = Some(AssemblyStep {
            date: date("2025-03-01"),
            attendance: None,
            votes_for: None,
        });
        n.steps.inspection = Some(crate::schema::InspectionStep {
            date: date("2025-02-01"),
            inspector: None,
            summary: None,
        });
        // The same day as the step before is fine.
        n.steps.approval = Some(ApprovalStep {
            date: date("2025-02-01"),
            reason: None,
        });
        doc.nominations.insert("n1".into(), n);
        assert_eq!(
            check(&doc),
            vec![Finding::new(
                "nominations",
                "n1",
                "steps.inspection.date",
                FindingRule::StepDateBeforePrevious,
                "推优记录（李娟，2025 年，妇女组织）的「考察」日期 2025-02-01 早于前一步「民主推荐(大会)」的日期 2025-03-01，请核对日期",
                "Nomination of \"李娟\" (2025, by the women's organization): the inspection date \
                 2025-02-01 is before the members' assembly date 2025-03-01"
            )]
        );
    }

    #[test]
    fn a_direct_nomination_starts_at_upper_review() {
        let mut doc = fixture::empty();
        let mut direct = fixture::nomination("p", "u");
        direct.direct = true;
        direct.steps.upper_review = Some(review());
        doc.nominations.insert("d".into(), direct.clone());
        // The same steps without `direct`: the review lacks its approval,
        // and a recommendation recorded alone lacks the review.
        let mut not_direct = direct;
        not_direct.direct = false;
        not_direct.steps.upper_review = None;
        not_direct.steps.recommended = Some(RecommendedStep {
            date: date("2025-05-10"),
            party_organization: None,
        });
        doc.nominations.insert("e".into(), not_direct);
        let got = check(&doc);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].record.id, "e");
        assert_eq!(got[0].field, "steps.recommended");
        assert_eq!(
            got[0].message_zh,
            "推优记录（人员编号 p，2025 年，妇女组织）已记录「推荐」，但缺少前一步「上级审核」"
        );
    }
}
