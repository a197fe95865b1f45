//! People: members, cadres and those recommended to the Party.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use super::{integer, lenient};

use super::{Record, Set};
use crate::string_enum;

string_enum! {
    /// 性别.
    Gender {
        Female = "female" "女",
        Male = "male" "男",
    }
}

string_enum! {
    /// 政治面貌, in the order a person moves through it.
    PartyStage {
        Masses = "masses" "群众",
        Applicant = "applicant" "入党申请人",
        Activist = "activist" "入党积极分子",
        DevelopmentTarget = "development_target" "发展对象",
        Probationary = "probationary" "预备党员",
        Member = "member" "正式党员",
    }
}

string_enum! {
    /// Posts a person holds; a 推优 may skip its first steps for some of them.
    Role {
        PartySecretary = "party_secretary" "党组织书记",
        UnionChair = "union_chair" "工会主席",
        LeagueSecretary = "league_secretary" "团组织书记",
        WomensDirector = "womens_director" "妇联主席/妇女主任",
        WomensExecutive = "womens_executive" "妇联执委",
        TwoCommittees = "two_committees" "村(社区)两委成员",
        ReserveCadre = "reserve_cadre" "后备干部",
    }
}

impl Role {
    /// League secretaries and above, women's directors and above: the upper
    /// organization may recommend them directly (seed 000).
    pub fn allows_direct_nomination(self) -> bool {
        matches!(self, Role::LeagueSecretary | Role::WomensDirector)
    }
}

/// A person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Hydrate, Reconcile)]
pub struct Person {
    /// 姓名.
    #[autosurgeon(hydrate = "lenient::value")]
    pub name: String,
    /// 性别.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub gender: Option<Gender>,
    /// 出生年份.
    #[autosurgeon(
        missing = "Default::default",
        hydrate = "lenient::value",
        reconcile = "integer::reconcile"
    )]
    #[serde(default)]
    pub birth_year: Option<u16>,
    /// The unit (id) the person belongs to.
    #[autosurgeon(missing = "Default::default", hydrate = "lenient::value")]
    #[serde(default)]
    pub unit: Option<String>,
    /// 政治面貌.
    #[autosurgeon(missing = "default_stage")]
    #[serde(default = "default_stage")]
    pub party_stage: PartyStage,
    /// 职务.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub roles: Set<Role>,
    /// Archived records stay in the document; they are never deleted.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub archived: bool,
}

fn default_stage() -> PartyStage {
    PartyStage::Masses
}

impl Person {
    /// A person with only a name.
    pub fn new(name: impl Into<String>) -> Self {
        Person {
            name: name.into(),
            gender: None,
            birth_year: None,
            unit: None,
            party_stage: PartyStage::Masses,
            roles: Set::new(),
            archived: false,
        }
    }

    /// Age reached in `year`, if the birth year is known.
    pub fn age_in(&self, year: i32) -> Option<i32> {
        self.birth_year.map(|b| year - i32::from(b))
    }
}

impl Record for Person {
    const MAP: &'static str = "people";
    const NAME_ZH: &'static str = "人员";
    fn archived(&self) -> bool {
        self.archived
    }
    fn set_archived(&mut self, archived: bool) {
        self.archived = archived;
    }
}
