//! The organizations a unit can be required to have.

use crate::string_enum;

string_enum! {
    /// An organization a rule can require of a unit. Finer than
    /// [`OrgKind`](crate::schema::OrgKind): a 两新 organization's women's
    /// organization is required as a 妇工委 or a 联络员 depending on its
    /// female staff, and the union's 女职工委员会 is a requirement of its own.
    RequiredOrg {
        Union = "union" "工会",
        FemaleWorkersCommittee = "female_workers_committee" "女职工委员会",
        League = "league" "团组织",
        WomenWorkCommittee = "women_work_committee" "妇女工作委员会",
        WomenLiaison = "women_liaison" "妇女工作联络员",
        WomensCommittee = "womens_committee" "妇委会",
        WomensHome = "womens_home" "妇女之家",
    }
}

impl RequiredOrg {
    /// The organization of the unit that meets this requirement: a
    /// 女职工委员会 is the union's, every women's form is the women's
    /// organization.
    pub fn org_kind(self) -> crate::schema::OrgKind {
        use crate::schema::OrgKind;
        match self {
            RequiredOrg::Union | RequiredOrg::FemaleWorkersCommittee => OrgKind::Union,
            RequiredOrg::League => OrgKind::League,
            RequiredOrg::WomenWorkCommittee
            | RequiredOrg::WomenLiaison
            | RequiredOrg::WomensCommittee => OrgKind::Women,
            RequiredOrg::WomensHome => OrgKind::WomensHome,
        }
    }
}
