//! Honors awarded to units and people.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::{integer, lenient};

use super::Record;
use crate::string_enum;

string_enum! {
    /// 荣誉称号.
    HonorTitle {
        WomensCivilizedPost = "womens_civilized_post" "巾帼文明岗",
        MarchEighthRedBanner = "march_eighth_red_banner" "三八红旗手",
        MostBeautifulFamily = "most_beautiful_family" "最美家庭",
        FiveGoodFamily = "five_good_family" "五好文明家庭",
        YouthCivilizationUnit = "youth_civilization_unit" "青年文明号",
        MayFourthRedBanner = "may_fourth_red_banner" "五四红旗团委",
        WomensMeritModel = "womens_merit_model" "巾帼建功标兵",
        DoubleLearningWoman = "double_learning_woman" "双学双比女能手",
    }
}

string_enum! {
    /// 级别.
    HonorLevel {
        County = "county" "县级",
        City = "city" "市级",
        Province = "province" "省级",
        National = "national" "国家级",
    }
}

/// An honor. It goes to a unit or to a person: set exactly one of
/// `recipient_unit` and `recipient_person`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Honor {
    /// 称号.
    pub title: HonorTitle,
    /// 级别.
    pub level: HonorLevel,
    /// 年度.
    #[autosurgeon(hydrate = "lenient::value", reconcile = "integer::reconcile")]
    pub year: u16,
    /// The unit (id) honored.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub recipient_unit: Option<String>,
    /// The person (id) honored.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub recipient_person: Option<String>,
    /// Archived records stay in the document; they are never deleted.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub archived: bool,
}

impl Record for Honor {
    const MAP: &'static str = "honors";
    const NAME_ZH: &'static str = "荣誉";
    fn archived(&self) -> bool {
        self.archived
    }
    fn set_archived(&mut self, archived: bool) {
        self.archived = archived;
    }
}
