//! Activities, trainings, study sessions, competitions and volunteer work.

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};

use super::{integer, lenient};

use super::organizations::OrgKind;
use super::{Date, Record, Set};
use crate::string_enum;

string_enum! {
    /// 活动类型.
    ActivityKind {
        Event = "event" "活动",
        Training = "training" "培训",
        Study = "study" "学习",
        Competition = "competition" "竞赛",
        Volunteer = "volunteer" "志愿服务",
    }
}

/// An activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Activity {
    /// Organizing organizations.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub organizations: Set<OrgKind>,
    /// 类型.
    pub kind: ActivityKind,
    /// 标题.
    #[autosurgeon(hydrate = "lenient::value")]
    pub title: String,
    /// 日期.
    pub date: Date,
    /// Units (ids) taking part.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub units: Set<String>,
    /// 参加人数.
    #[autosurgeon(
        missing = "Default::default",
        hydrate = "lenient::value",
        reconcile = "integer::reconcile"
    )]
    #[serde(default)]
    pub participants: u32,
    /// 其中女性.
    #[autosurgeon(
        missing = "Default::default",
        hydrate = "lenient::value",
        reconcile = "integer::reconcile"
    )]
    #[serde(default)]
    pub women_participants: u32,
    /// 备注: the one field several people write together, so Automerge Text.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(with = "text_as_string", default)]
    pub notes: Text,
    /// Archived records stay in the document; they are never deleted.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub archived: bool,
}

impl Activity {
    /// A new activity.
    pub fn new(kind: ActivityKind, title: impl Into<String>, date: Date) -> Self {
        Activity {
            organizations: Set::new(),
            kind,
            title: title.into(),
            date,
            units: Set::new(),
            participants: 0,
            women_participants: 0,
            notes: Text::default(),
            archived: false,
        }
    }
}

impl Record for Activity {
    const MAP: &'static str = "activities";
    const NAME_ZH: &'static str = "活动";
    fn archived(&self) -> bool {
        self.archived
    }
    fn set_archived(&mut self, archived: bool) {
        self.archived = archived;
    }
}

/// Text appears in JSON as a plain string.
mod text_as_string {
    use autosurgeon::Text;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Text, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        Ok(Text::with_value(String::deserialize(d)?))
    }
}
