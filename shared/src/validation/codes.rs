//! Units' 统一社会信用代码: checked wherever one is recorded, and required
//! of enterprises and social organizations (两新组织), which the code is
//! what identifies — the county finds duplicates and matches registers by it.
//!
//! A blank or spaces-only code counts as no code.

use super::credit_code;
use super::finding::{Finding, FindingRule};
use super::names::{self, filled_opt};
use crate::schema::{Record, TownshipDocument, Unit};

/// Missing codes of 两新 units, and codes that fail the GB 32100 check.
pub(super) fn check(doc: &TownshipDocument) -> Vec<Finding> {
    let mut out = Vec::new();
    for (id, u) in &doc.units {
        let s = names::unit(id, u);
        // The raw text is checked, so stray spaces are reported, not hidden.
        let recorded = filled_opt(&u.credit_code).and(u.credit_code.as_deref());
        let Some(code) = recorded else {
            if u.kind.is_liangxin() {
                out.push(Finding::new(
                    Unit::MAP,
                    id,
                    "credit_code",
                    FindingRule::MissingField,
                    format!("{}是{}，但没有填写统一社会信用代码", s.zh, u.kind.label()),
                    format!(
                        "{} is {} but has no unified social credit code",
                        s.en,
                        names::kind_en(u.kind)
                    ),
                ));
            }
            continue;
        };
        if let Err(e) = credit_code::check(code) {
            out.push(Finding::new(
                Unit::MAP,
                id,
                "credit_code",
                FindingRule::BadCreditCode,
                format!("{}的统一社会信用代码“{code}”有误：{}", s.zh, e.message_zh()),
                format!(
                    "{}: unified social credit code \"{code}\" is wrong: {e}",
                    s.en
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use crate::schema::UnitKind;

    #[test]
    fn the_clean_document_has_good_codes() {
        assert_eq!(check(&fixture::clean()), vec![]);
    }

    #[test]
    fn enterprises_and_social_orgs_need_a_code_others_do_not() {
        let mut doc = fixture::empty();
        doc.units
            .insert("e".into(), Unit::new("某某纸业", UnitKind::Enterprise));
        let mut blank = Unit::new("某某协会", UnitKind::SocialOrg);
        blank.credit_code = Some("   ".into());
        doc.units.insert("s".into(), blank);
        doc.units
            .insert("v".into(), Unit::new("城关村", UnitKind::Village));
        doc.units
            .insert("g".into(), Unit::new("镇政府", UnitKind::Agency));
        assert_eq!(
            check(&doc),
            vec![
                Finding::new(
                    "units",
                    "e",
                    "credit_code",
                    FindingRule::MissingField,
                    "单位「某某纸业」是非公企业，但没有填写统一社会信用代码",
                    "Unit \"某某纸业\" is a non-public enterprise but has no unified social credit code"
                ),
                Finding::new(
                    "units",
                    "s",
                    "credit_code",
                    FindingRule::MissingField,
                    "单位「某某协会」是社会组织，但没有填写统一社会信用代码",
                    "Unit \"某某协会\" is a social organization but has no unified social credit code"
                ),
            ]
        );
    }

    #[test]
    fn a_recorded_code_is_checked_whatever_the_unit() {
        let mut doc = fixture::empty();
        let mut typo = Unit::new("某某纸业", UnitKind::Enterprise);
        typo.credit_code = Some("91350100M000100Y44".into());
        doc.units.insert("e".into(), typo);
        let mut lower = Unit::new("卫生院", UnitKind::Institution);
        lower.credit_code = Some("12100000425006133d".into());
        doc.units.insert("i".into(), lower);
        assert_eq!(
            check(&doc),
            vec![
                Finding::new(
                    "units",
                    "e",
                    "credit_code",
                    FindingRule::BadCreditCode,
                    "单位「某某纸业」的统一社会信用代码“91350100M000100Y44”有误：\
                     统一社会信用代码校验位（第 18 位）应为“3”，实为“4”，有字符录入错误",
                    "Unit \"某某纸业\": unified social credit code \"91350100M000100Y44\" is wrong: \
                     the check character (18th) should be '3' but is '4': one of the 18 characters is mistyped"
                ),
                Finding::new(
                    "units",
                    "i",
                    "credit_code",
                    FindingRule::BadCreditCode,
                    "单位「卫生院」的统一社会信用代码“12100000425006133d”有误：\
                     统一社会信用代码第 18 位是小写字母“d”，请改为大写“D”",
                    "Unit \"卫生院\": unified social credit code \"12100000425006133d\" is wrong: \
                     character 18 is 'd': use upper case ('D')"
                ),
            ]
        );
    }
}
