//! A finding: one thing that looks wrong in one record, said in Chinese for
//! the cadre who will fix it and in English for logs and developers.
//!
//! Findings are plain data so the same list can be shown on a device, put in
//! the county's `quality` report, or compared in a test. They are sorted by
//! record and field, so a list computed twice over the same document (on
//! the server and on a device) is the same list.

use serde::Serialize;

use crate::string_enum;

string_enum! {
    /// Which rule a finding comes from.
    FindingRule {
        MissingField = "missing_field" "缺少必填项",
        ConflictingFields = "conflicting_fields" "字段互相矛盾",
        BadCreditCode = "bad_credit_code" "统一社会信用代码有误",
        CountAboveEmployees = "count_above_employees" "人数超过职工总数",
        CountAboveParticipants = "count_above_participants" "人数超过参加总人数",
        FutureDate = "future_date" "日期晚于今天",
        StepOutOfOrder = "step_out_of_order" "推优步骤缺少前一步",
        StepDateBeforePrevious = "step_date_before_previous" "推优步骤日期早于前一步",
        ImplausibleYear = "implausible_year" "年份不合理",
        DanglingReference = "dangling_reference" "引用的记录不存在",
        Unreadable = "unreadable" "记录无法读取",
        UnpaddedDate = "unpadded_date" "日期未补零",
    }
}

/// The record a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RecordRef {
    /// The map at the document's root (`units`, `people`, `nominations`,
    /// `activities`, `honors`, `visits`).
    pub map: &'static str,
    /// The record's id in that map.
    pub id: String,
}

/// One thing that looks wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The record.
    pub record: RecordRef,
    /// Dotted path of the field inside the record (`union.established`,
    /// `steps.inspection`), or `""` for the record as a whole.
    pub field: String,
    /// The rule broken.
    pub rule: FindingRule,
    /// What is wrong, in Chinese, naming the record and the field.
    pub message_zh: String,
    /// The same in English.
    pub message_en: String,
}

impl Finding {
    /// A finding about `field` of record `id` in `map`.
    pub fn new(
        map: &'static str,
        id: &str,
        field: impl Into<String>,
        rule: FindingRule,
        message_zh: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Finding {
            record: RecordRef {
                map,
                id: id.to_string(),
            },
            field: field.into(),
            rule,
            message_zh: message_zh.into(),
            message_en: message_en.into(),
        }
    }
}

/// Put findings in their one order: map, id, field, rule (then the
/// messages, so even two findings on the same field and rule never swap).
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            a.record.map,
            &a.record.id,
            &a.field,
            a.rule,
            &a.message_zh,
            &a.message_en,
        )
            .cmp(&(
                b.record.map,
                &b.record.id,
                &b.field,
                b.rule,
                &b.message_zh,
                &b.message_en,
            ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_sort_by_map_id_field_then_rule() {
        let f = |map, id: &str, field: &str, rule| Finding::new(map, id, field, rule, "", "");
        let mut v = vec![
            f("units", "b", "", FindingRule::MissingField),
            f("people", "z", "unit", FindingRule::DanglingReference),
            f("units", "a", "opened", FindingRule::FutureDate),
            f("units", "a", "credit_code", FindingRule::BadCreditCode),
            f("units", "a", "credit_code", FindingRule::MissingField),
        ];
        sort_findings(&mut v);
        let keys: Vec<_> = v
            .iter()
            .map(|x| (x.record.map, x.record.id.as_str(), x.field.as_str(), x.rule))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("people", "z", "unit", FindingRule::DanglingReference),
                ("units", "a", "credit_code", FindingRule::MissingField),
                ("units", "a", "credit_code", FindingRule::BadCreditCode),
                ("units", "a", "opened", FindingRule::FutureDate),
                ("units", "b", "", FindingRule::MissingField),
            ]
        );
    }

    #[test]
    fn a_finding_serializes_with_the_rule_as_its_code() {
        let f = Finding::new(
            "units",
            "u1",
            "name",
            FindingRule::MissingField,
            "缺",
            "missing",
        );
        let json = serde_json::to_value(&f).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({
                "record": {"map": "units", "id": "u1"},
                "field": "name",
                "rule": "missing_field",
                "message_zh": "缺",
                "message_en": "missing",
            })
        );
    }
}
