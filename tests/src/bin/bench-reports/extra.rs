//! The records `bench-document` does not generate: honors and guidance
//! visits, in plausible numbers.

use qunjian_shared::schema::{Honor, HonorLevel, HonorTitle, Unit, Visit, WomenOrgForm};

use crate::rng::Rng;
use crate::vocab::{date, name};

/// Honors per township.
const HONORS: usize = 150;

/// About 150 honors, 2021–2026, mostly county level, half to units.
pub fn gen_honors(
    rng: &mut Rng,
    unit_ids: &[String],
    person_ids: &[String],
) -> anyhow::Result<Vec<Honor>> {
    let unit_titles = [
        HonorTitle::WomensCivilizedPost,
        HonorTitle::YouthCivilizationUnit,
        HonorTitle::MayFourthRedBanner,
    ];
    let person_titles = [
        HonorTitle::MarchEighthRedBanner,
        HonorTitle::MostBeautifulFamily,
        HonorTitle::FiveGoodFamily,
        HonorTitle::WomensMeritModel,
        HonorTitle::DoubleLearningWoman,
    ];
    let mut out = Vec::with_capacity(HONORS);
    for _ in 0..HONORS {
        let to_unit = rng.below(2) == 0;
        let level = match rng.below(20) {
            0..=11 => HonorLevel::County,
            12..=16 => HonorLevel::City,
            17..=18 => HonorLevel::Province,
            _ => HonorLevel::National,
        };
        out.push(Honor {
            title: if to_unit {
                unit_titles[rng.below(unit_titles.len())]
            } else {
                person_titles[rng.below(person_titles.len())]
            },
            level,
            year: 2021 + rng.below(6) as u16,
            recipient_unit: to_unit.then(|| unit_ids[rng.below(unit_ids.len())].clone()),
            recipient_person: (!to_unit).then(|| person_ids[rng.below(person_ids.len())].clone()),
            archived: false,
        });
    }
    Ok(out)
}

/// Visits by the township's six linked women's executives: 0–4 a year to
/// each 两新 organization with a 妇女工作委员会 in 2024–2026 (2026 dated
/// up to October, before the benchmark's "today"), plus about 100 visits to
/// other units.
pub fn gen_visits(
    rng: &mut Rng,
    units: &[Unit],
    unit_ids: &[String],
) -> anyhow::Result<Vec<Visit>> {
    let cadres: Vec<String> = (0..6).map(|_| name(rng)).collect();
    let purposes = [
        "指导妇工委规范化建设",
        "了解女职工权益保障情况",
        "宣传妇女儿童相关政策",
        "协调解决巾帼文明岗创建困难",
    ];
    let mut out = Vec::new();
    let visit = |rng: &mut Rng, unit: &str, year: i32| -> anyhow::Result<Visit> {
        let d = date(year, 1 + rng.below(10) as u32, 1 + rng.below(28) as u32)?;
        Ok(Visit {
            cadre: cadres[rng.below(cadres.len())].clone(),
            unit: unit.to_string(),
            date: d,
            purpose: Some(purposes[rng.below(purposes.len())].to_string()),
            notes: (rng.below(2) == 0).then(|| "已走访并填写记录表。".to_string()),
            archived: false,
        })
    };
    for (u, id) in units.iter().zip(unit_ids) {
        let linked = u.kind.is_liangxin() && u.women_org.form == Some(WomenOrgForm::WorkCommittee);
        if linked {
            for year in 2024..=2026 {
                for _ in 0..rng.below(5) {
                    out.push(visit(rng, id, year)?);
                }
            }
        }
    }
    for _ in 0..100 {
        let year = 2024 + rng.below(3) as i32;
        let unit = &unit_ids[rng.below(unit_ids.len())];
        out.push(visit(rng, unit, year)?);
    }
    // Dates spread over the years in order, as a ledger fills up.
    out.sort_by_key(|v| v.date);
    Ok(out)
}
