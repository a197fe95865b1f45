//! 推优: a mass organization recommending one of its members to the Party,
//! step by step (seed 000).
//!
//! Each step is its own key in `steps`, so two devices recording different
//! steps merge. The order is a rule checked here, not something the CRDT
//! can enforce: a step that arrives before its predecessor is kept and
//! flagged, never dropped.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::{integer, lenient};

use super::{Date, Record};
use crate::string_enum;

string_enum! {
    /// The organization that recommends.
    RecommendingOrg {
        Union = "union" "工会",
        League = "league" "团组织",
        Women = "women" "妇女组织",
    }
}

string_enum! {
    /// The steps of 推优, in order.
    StepName {
        Assembly = "assembly" "民主推荐(大会)",
        Inspection = "inspection" "考察",
        Approval = "approval" "审批",
        UpperReview = "upper_review" "上级审核",
        Recommended = "recommended" "推荐",
        PartyDecision = "party_decision" "党组织决定",
    }
}

string_enum! {
    /// 上级审核结论.
    ReviewDecision {
        Approved = "approved" "同意",
        Returned = "returned" "退回",
    }
}

string_enum! {
    /// 党组织决定.
    PartyDecision {
        DevelopmentTarget = "development_target" "列为发展对象",
        Activist = "activist" "列为入党积极分子",
        KeepCultivating = "keep_cultivating" "继续培养",
    }
}

impl StepName {
    /// The step that must be recorded before this one, if any. A `direct`
    /// nomination (by the upper organization) starts at `UpperReview`.
    pub fn predecessor(self, direct: bool) -> Option<StepName> {
        let i = StepName::ALL.iter().position(|s| *s == self)?;
        if direct && i <= 3 {
            return None;
        }
        i.checked_sub(1).map(|p| StepName::ALL[p])
    }

    /// Whether a `direct` nomination skips this step.
    pub fn skipped_when_direct(self) -> bool {
        matches!(
            self,
            StepName::Assembly | StepName::Inspection | StepName::Approval
        )
    }
}

/// 1. 大会推荐: members' assembly proposes the nominee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct AssemblyStep {
    /// 日期.
    pub date: Date,
    /// 应到/实到人数 (attendance).
    #[autosurgeon(
        missing = "Default::default",
        hydrate = "lenient::value",
        reconcile = "integer::reconcile"
    )]
    #[serde(default)]
    pub attendance: Option<u32>,
    /// 赞成票.
    #[autosurgeon(
        missing = "Default::default",
        hydrate = "lenient::value",
        reconcile = "integer::reconcile"
    )]
    #[serde(default)]
    pub votes_for: Option<u32>,
}

/// 2. 考察: the committee inspects and writes it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct InspectionStep {
    /// 日期.
    pub date: Date,
    /// 考察人.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub inspector: Option<String>,
    /// 书面考察材料摘要.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub summary: Option<String>,
}

/// 3. 审批: the committee fills in 《推荐对象审批表》.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct ApprovalStep {
    /// 日期.
    pub date: Date,
    /// 推荐理由.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub reason: Option<String>,
}

/// 4. 上级审核.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct UpperReviewStep {
    /// 日期.
    pub date: Date,
    /// 审核组织.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub organization: Option<String>,
    /// 同意 / 退回.
    pub decision: ReviewDecision,
    /// 意见.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub comment: Option<String>,
}

/// 5. 向同级党组织推荐.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct RecommendedStep {
    /// 日期.
    pub date: Date,
    /// 接收推荐的党组织.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub party_organization: Option<String>,
}

/// 6. 党组织决定.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct PartyDecisionStep {
    /// 日期.
    pub date: Date,
    /// 决定.
    pub decision: PartyDecision,
}

/// The steps recorded so far, each under its own key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Steps {
    /// Step 1.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assembly: Option<AssemblyStep>,
    /// Step 2.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspection: Option<InspectionStep>,
    /// Step 3.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalStep>,
    /// Step 4.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper_review: Option<UpperReviewStep>,
    /// Step 5.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended: Option<RecommendedStep>,
    /// Step 6.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_decision: Option<PartyDecisionStep>,
}

/// One step with its data, for recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// 1.
    Assembly(AssemblyStep),
    /// 2.
    Inspection(InspectionStep),
    /// 3.
    Approval(ApprovalStep),
    /// 4.
    UpperReview(UpperReviewStep),
    /// 5.
    Recommended(RecommendedStep),
    /// 6.
    PartyDecision(PartyDecisionStep),
}

impl Step {
    /// Which step this is.
    pub fn name(&self) -> StepName {
        match self {
            Step::Assembly(_) => StepName::Assembly,
            Step::Inspection(_) => StepName::Inspection,
            Step::Approval(_) => StepName::Approval,
            Step::UpperReview(_) => StepName::UpperReview,
            Step::Recommended(_) => StepName::Recommended,
            Step::PartyDecision(_) => StepName::PartyDecision,
        }
    }
}

impl Steps {
    /// Whether `step` is recorded.
    pub fn has(&self, step: StepName) -> bool {
        match step {
            StepName::Assembly => self.assembly.is_some(),
            StepName::Inspection => self.inspection.is_some(),
            StepName::Approval => self.approval.is_some(),
            StepName::UpperReview => self.upper_review.is_some(),
            StepName::Recommended => self.recommended.is_some(),
            StepName::PartyDecision => self.party_decision.is_some(),
        }
    }

    /// Put `step` in its slot.
    pub fn set(&mut self, step: Step) {
        match step {
            Step::Assembly(s) => self.assembly = Some(s),
            Step::Inspection(s) => self.inspection = Some(s),
            Step::Approval(s) => self.approval = Some(s),
            Step::UpperReview(s) => self.upper_review = Some(s),
            Step::Recommended(s) => self.recommended = Some(s),
            Step::PartyDecision(s) => self.party_decision = Some(s),
        }
    }

    /// The date `step` is recorded with, if it is recorded.
    pub fn date(&self, step: StepName) -> Option<Date> {
        match step {
            StepName::Assembly => self.assembly.as_ref().map(|s| s.date),
            StepName::Inspection => self.inspection.as_ref().map(|s| s.date),
            StepName::Approval => self.approval.as_ref().map(|s| s.date),
            StepName::UpperReview => self.upper_review.as_ref().map(|s| s.date),
            StepName::Recommended => self.recommended.as_ref().map(|s| s.date),
            StepName::PartyDecision => self.party_decision.as_ref().map(|s| s.date),
        }
    }

    /// The furthest step recorded.
    pub fn latest(&self) -> Option<StepName> {
        StepName::ALL.iter().rev().copied().find(|s| self.has(*s))
    }
}

/// A 推优 record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Nomination {
    /// The person recommended (a person id).
    #[autosurgeon(hydrate = "lenient::value")]
    pub person: String,
    /// Who recommends.
    pub organization: RecommendingOrg,
    /// The unit (id) whose organization recommends.
    #[autosurgeon(hydrate = "lenient::value")]
    pub unit: String,
    /// 年度.
    #[autosurgeon(hydrate = "lenient::value", reconcile = "integer::reconcile")]
    pub year: u16,
    /// Recommended directly by the upper organization (steps 1–3 skipped).
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub direct: bool,
    /// The steps recorded.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub steps: Steps,
    /// Archived records stay in the document; they are never deleted.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub archived: bool,
}

impl Nomination {
    /// Steps present without the step before them: kept, but flagged.
    pub fn steps_out_of_order(&self) -> Vec<(StepName, StepName)> {
        StepName::ALL
            .iter()
            .filter(|s| self.steps.has(**s))
            .filter_map(|s| {
                let before = s.predecessor(self.direct)?;
                (!self.steps.has(before)).then_some((*s, before))
            })
            .collect()
    }
}

impl Nomination {
    /// Steps dated before the step they follow (both recorded), with the
    /// two dates: a step cannot happen before the one it needs.
    pub fn steps_dated_before_previous(&self) -> Vec<(StepName, Date, StepName, Date)> {
        StepName::ALL
            .iter()
            .filter_map(|s| {
                let date = self.steps.date(*s)?;
                let before = s.predecessor(self.direct)?;
                let before_date = self.steps.date(before)?;
                (date < before_date).then_some((*s, date, before, before_date))
            })
            .collect()
    }
}

impl Record for Nomination {
    const MAP: &'static str = "nominations";
    const NAME_ZH: &'static str = "推优";
    fn archived(&self) -> bool {
        self.archived
    }
    fn set_archived(&mut self, archived: bool) {
        self.archived = archived;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_needs_the_one_before_unless_direct_skips_it() {
        assert_eq!(StepName::Assembly.predecessor(false), None);
        assert_eq!(
            StepName::Inspection.predecessor(false),
            Some(StepName::Assembly)
        );
        assert_eq!(
            StepName::UpperReview.predecessor(false),
            Some(StepName::Approval)
        );
        assert_eq!(StepName::UpperReview.predecessor(true), None);
        assert_eq!(
            StepName::Recommended.predecessor(true),
            Some(StepName::UpperReview)
        );
        assert_eq!(
            StepName::PartyDecision.predecessor(true),
            Some(StepName::Recommended)
        );
    }
}
