//! A record's fields and values in a cadre's words: `union.chair` is
//! 工会 · 工会主席, `village` is 行政村, a unit id is the unit's name, the
//! `units` map is 单位. The labels are the ones the record pages use
//! (docs/SCHEMA.md's meanings); the county's 数据质量, a device's 数据检查
//! and a conflict's message all read them here, so a field is called the
//! same everywhere.

use serde_json::Value;

use crate::schema::{
    ActivityKind, EnumValues, Gender, HonorLevel, HonorTitle, PartyDecision, PartyOrgForm,
    PartyRating, PartyStage, RecommendingOrg, ReviewDecision, Role, UnitKind, WomenOrgForm,
};

/// A record map's name (`units`, `people`, …, `meta`, `township_orgs`) as
/// a cadre calls that kind of record; an unknown map shows as stored.
pub fn map_label(map: &str) -> String {
    match map {
        "units" => "单位",
        "people" => "人员",
        "nominations" => "推优记录",
        "activities" => "活动",
        "honors" => "荣誉",
        "visits" => "走访记录",
        "exec_links" => "执委挂钩",
        "meta" => "乡镇信息",
        "township_orgs" => "乡镇本级组织",
        other => return other.to_string(),
    }
    .to_string()
}

/// One dotted path segment's label, given the record map and the segment
/// before it (for the keys organizations and steps share).
fn segment(map: &str, parent: Option<&str>, key: &str) -> Option<&'static str> {
    Some(match (map, parent, key) {
        ("meta", None, "township_name") => "乡镇名称",
        ("meta", None, "township_code") => "乡镇代码",
        ("meta", None, "township_kind") => "乡镇类型",
        ("meta", None, "county_code") => "县代码",
        ("meta", None, "schema_version") => "数据格式版本",
        ("township_orgs", None, "federation") => "乡镇妇联",
        ("township_orgs", None, "league_committee") => "乡镇团委",
        ("township_orgs", None, "union_federation") => "乡镇总工会",
        ("township_orgs", Some(_), "formed") => "是否已建",
        ("township_orgs", Some(_), "established") => "成立日期",
        ("township_orgs", Some("league_committee"), "secretary") => "书记",
        ("township_orgs", Some("league_committee"), "secretary_full_time") => "书记专职",
        ("township_orgs", Some(_), "chair") => "主席",
        ("township_orgs", Some(_), "chair_full_time") => "主席专职",
        ("units", None, "name") => "单位名称",
        ("units", None, "kind") => "单位类型",
        ("units", None, "parent") => "所在园区",
        ("units", None, "credit_code") => "统一社会信用代码",
        ("units", None, "employees") => "职工人数",
        ("units", None, "female_staff") => "女性固定职工",
        ("units", None, "youth") => "28 岁以下青年",
        ("units", None, "opened") => "成立/开业日期",
        ("units", None, "party_org") => "党组织",
        ("units", None, "union") => "工会",
        ("units", None, "league") => "团组织",
        ("units", None, "women_org") => "妇女组织",
        ("units", None, "womens_home") => "妇女之家",
        ("units", Some(_), "formed") => "是否已建",
        ("units", Some("womens_home"), "established") => "建成日期",
        ("units", Some(_), "established") => "成立日期",
        ("units", Some(_), "form") => "组织形式",
        ("units", Some(_), "rating") => "年度定级",
        ("units", Some(_), "independent") => "独立建会",
        ("units", Some("union"), "chair") => "工会主席",
        ("units", Some(_), "chair") => "主席",
        ("units", Some(_), "female_workers_committee") => "女职工委员会",
        ("units", Some(_), "secretary") => "团组织书记",
        ("units", Some(_), "chair_full_time") => "主席专职",
        ("units", Some(_), "chair_on_committees") => "主任进村两委",
        ("people", None, "name") => "姓名",
        ("people", None, "gender") => "性别",
        ("people", None, "birth_year") => "出生年份",
        ("people", None, "unit") => "所在单位",
        ("people", None, "party_stage") => "政治面貌",
        ("people", None, "roles") => "职务",
        ("nominations", None, "person") => "被推荐人",
        ("nominations", None, "organization") => "推荐组织",
        ("nominations", None, "unit") => "推荐单位",
        ("nominations", None, "year") => "年度",
        ("nominations", None, "direct") => "上级直接推荐",
        ("nominations", None, "steps") => "推优步骤",
        ("nominations", Some("steps"), "assembly") => "大会推荐",
        ("nominations", Some("steps"), "inspection") => "考察",
        ("nominations", Some("steps"), "approval") => "审批",
        ("nominations", Some("steps"), "upper_review") => "上级审核",
        ("nominations", Some("steps"), "recommended") => "向同级党组织推荐",
        ("nominations", Some("steps"), "party_decision") => "党组织决定",
        ("nominations", Some(_), "date") => "日期",
        ("nominations", Some(_), "attendance") => "到会人数",
        ("nominations", Some(_), "votes_for") => "赞成票",
        ("nominations", Some(_), "inspector") => "考察人",
        ("nominations", Some(_), "summary") => "考察材料摘要",
        ("nominations", Some(_), "reason") => "推荐理由",
        ("nominations", Some(_), "organization") => "审核组织",
        ("nominations", Some(_), "decision") => "决定",
        ("nominations", Some(_), "comment") => "意见",
        ("nominations", Some(_), "party_organization") => "党组织",
        ("activities", None, "kind") => "活动类型",
        ("activities", None, "title") => "标题",
        ("activities", None, "date") => "日期",
        ("activities", None, "organizations") => "主办组织",
        ("activities", None, "units") => "参加单位",
        ("activities", None, "participants") => "参加人数",
        ("activities", None, "women_participants") => "其中女性",
        ("activities", None, "notes") => "备注",
        ("honors", None, "title") => "称号",
        ("honors", None, "level") => "级别",
        ("honors", None, "year") => "年度",
        ("honors", None, "recipient_unit") => "获奖单位",
        ("honors", None, "recipient_person") => "获奖人",
        ("visits", None, "cadre") => "走访干部",
        ("visits", None, "unit") => "走访单位",
        ("visits", None, "date") => "日期",
        ("visits", None, "purpose") => "走访事由",
        ("visits", None, "notes") => "备注",
        ("exec_links", None, "executive") => "县妇联执委",
        ("exec_links", None, "unit") => "挂钩单位",
        ("exec_links", None, "since") => "挂钩日期",
        ("exec_links", None, "until") => "结束日期",
        ("exec_links", None, "notes") => "备注",
        (_, None, "archived") => "是否归档",
        _ => return None,
    })
}

/// `union.chair` of a unit → 工会 · 工会主席; the record itself (an empty
/// path: created twice under one id) → 整条记录. A segment with no label
/// (a set member, a field newer than this program) shows as stored.
pub fn label(map: &str, field: &str) -> String {
    if field.is_empty() {
        return "整条记录".to_string();
    }
    let mut parent = None;
    let mut words = Vec::new();
    for key in field.split('.') {
        words.push(segment(map, parent, key).map_or_else(|| key.to_string(), str::to_string));
        parent = Some(key);
    }
    words.join(" · ")
}

/// The enum a field holds, as `(stored, label)` pairs.
fn enum_of(map: &str, field: &str) -> Option<Vec<(&'static str, &'static str)>> {
    let last = field.rsplit('.').next().unwrap_or(field);
    Some(match (map, field, last) {
        ("units", "kind", _) => UnitKind::values(),
        ("units", "party_org.form", _) => PartyOrgForm::values(),
        ("units", "party_org.rating", _) => PartyRating::values(),
        ("units", "women_org.form", _) => WomenOrgForm::values(),
        ("people", "gender", _) => Gender::values(),
        ("people", "party_stage", _) => PartyStage::values(),
        ("nominations", "organization", _) => RecommendingOrg::values(),
        ("nominations", "steps.upper_review.decision", _) => ReviewDecision::values(),
        ("nominations", "steps.party_decision.decision", _) => PartyDecision::values(),
        ("activities", "kind", _) => ActivityKind::values(),
        ("honors", "title", _) => HonorTitle::values(),
        ("honors", "level", _) => HonorLevel::values(),
        ("people", _, _) if field.starts_with("roles.") => Role::values(),
        _ => return None,
    })
}

/// Which record map a reference field points into.
fn reference(map: &str, field: &str) -> Option<&'static str> {
    match (map, field) {
        ("units", "parent")
        | ("people", "unit")
        | ("nominations", "unit")
        | ("honors", "recipient_unit")
        | ("visits", "unit")
        | ("exec_links", "unit") => Some("units"),
        ("nominations", "person") | ("honors", "recipient_person") => Some("people"),
        _ => None,
    }
}

/// One value as a cadre reads it; `name_of(map, id)` names a record a
/// reference points to.
pub fn shown(
    name_of: &impl Fn(&str, &str) -> Option<String>,
    map: &str,
    field: &str,
    value: &Value,
) -> String {
    match value {
        Value::Null => "（空）".to_string(),
        Value::Bool(b) => {
            let formed = field.ends_with(".formed");
            match (formed, b) {
                (true, true) => "已建",
                (true, false) => "未建",
                (false, true) => "是",
                (false, false) => "否",
            }
            .to_string()
        }
        Value::String(s) => {
            if let Some(values) = enum_of(map, field)
                && let Some((_, label)) = values.iter().find(|(v, _)| v == s)
            {
                return (*label).to_string();
            }
            let named = reference(map, field).and_then(|to| name_of(to, s));
            match named {
                Some(name) if !name.trim().is_empty() => name,
                _ if s.is_empty() => "（空）".to_string(),
                _ => s.clone(),
            }
        }
        Value::Number(n) => n.to_string(),
        // A map or list (a step recorded twice, a record created twice).
        Value::Object(_) | Value::Array(_) => "（一组内容）".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_values_read_as_words() {
        assert_eq!(label("units", "name"), "单位名称");
        assert_eq!(label("units", "union.chair"), "工会 · 工会主席");
        assert_eq!(
            label("units", "womens_home.established"),
            "妇女之家 · 建成日期"
        );
        assert_eq!(
            label("nominations", "steps.inspection.date"),
            "推优步骤 · 考察 · 日期"
        );
        assert_eq!(label("units", ""), "整条记录");
        assert_eq!(label("units", "new_field"), "new_field");

        let doc = |_: &str, id: &str| (id == "u1").then(|| "城关村".to_string());
        assert_eq!(
            shown(&doc, "units", "kind", &Value::from("village")),
            "行政村"
        );
        assert_eq!(
            shown(&doc, "units", "union.formed", &Value::Bool(true)),
            "已建"
        );
        assert_eq!(shown(&doc, "units", "name", &Value::Null), "（空）");
        assert_eq!(
            shown(&doc, "units", "name", &Value::from("城关村")),
            "城关村"
        );
        assert_eq!(shown(&doc, "people", "unit", &Value::from("u1")), "城关村");
        assert_eq!(map_label("people"), "人员");
        assert_eq!(
            label("township_orgs", "league_committee.secretary"),
            "乡镇团委 · 书记"
        );
    }
}
