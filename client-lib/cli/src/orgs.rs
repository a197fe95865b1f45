//! `qunjian org set …`: record a unit's organization — formed, when, who
//! leads it — which is what the county's formation figures count.

use anyhow::{Context, bail};
use clap::Args;
use qunjian_client::Township;
use qunjian_client::schema::{Date, OrgKind, PartyOrgForm, Unit, WomenOrgForm};

use crate::records::{enum_value, record_id};

/// What to record about one organization of one unit.
#[derive(Args)]
pub struct OrgSet {
    /// 单位编号 (the unit's id or a unique prefix; `qunjian unit list`).
    pub unit: String,
    /// party 党组织, union 工会, league 团组织, women 妇女组织, womens_home 妇女之家.
    pub org: String,
    /// 成立日期 YYYY-MM-DD; recording a date marks the organization formed.
    #[arg(long)]
    pub established: Option<String>,
    /// Form: for party branch/general_branch/committee; for women
    /// federation/congress/committee/work_committee/liaison (or in Chinese).
    #[arg(long)]
    pub form: Option<String>,
    /// 负责人: union chair, league secretary or women's organization chair.
    #[arg(long)]
    pub leader: Option<String>,
    /// Women's organization: the chair is full-time (专职).
    #[arg(long)]
    pub full_time: bool,
    /// Union: it has its 女职工委员会.
    #[arg(long)]
    pub female_workers_committee: bool,
    /// Record that the organization is NOT formed (undo a mistake); its
    /// founding date is cleared too, since a date alone counts as formed.
    #[arg(long, conflicts_with = "established")]
    pub not_formed: bool,
}

/// Run `org set`.
pub fn set(township: &Township, a: OrgSet) -> anyhow::Result<String> {
    let org = enum_value::<OrgKind>(&a.org, "org")?;
    let established = a
        .established
        .as_deref()
        .map(str::parse::<Date>)
        .transpose()
        .context("--established")?;
    let formed = !a.not_formed;
    let leader = a
        .leader
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty());
    match org {
        OrgKind::Party | OrgKind::Women => {}
        _ if a.form.is_some() => bail!("--form applies to party and women only"),
        _ => {}
    }
    if a.full_time && org != OrgKind::Women {
        bail!("--full-time applies to the women's organization (women) only");
    }
    if a.female_workers_committee && org != OrgKind::Union {
        bail!("--female-workers-committee applies to the union only");
    }
    let party_form = match (org, &a.form) {
        (OrgKind::Party, Some(f)) => Some(enum_value::<PartyOrgForm>(f, "--form")?),
        _ => None,
    };
    let women_form = match (org, &a.form) {
        (OrgKind::Women, Some(f)) => Some(enum_value::<WomenOrgForm>(f, "--form")?),
        _ => None,
    };
    let id = record_id::<Unit>(township, &a.unit)?;
    let unit = township.update::<Unit>(&id, |u| match org {
        OrgKind::Party => {
            u.party_org.formed = formed;
            u.party_org.established = if formed {
                established.or(u.party_org.established)
            } else {
                None
            };
            u.party_org.form = party_form.or(u.party_org.form);
        }
        OrgKind::Union => {
            u.union.formed = formed;
            u.union.established = if formed {
                established.or(u.union.established)
            } else {
                None
            };
            u.union.chair = leader.clone().or(u.union.chair.take());
            if a.female_workers_committee {
                u.union.female_workers_committee = Some(true);
            }
        }
        OrgKind::League => {
            u.league.formed = formed;
            u.league.established = if formed {
                established.or(u.league.established)
            } else {
                None
            };
            u.league.secretary = leader.clone().or(u.league.secretary.take());
        }
        OrgKind::Women => {
            u.women_org.formed = formed;
            u.women_org.established = if formed {
                established.or(u.women_org.established)
            } else {
                None
            };
            u.women_org.form = women_form.or(u.women_org.form);
            u.women_org.chair = leader.clone().or(u.women_org.chair.take());
            if a.full_time {
                u.women_org.chair_full_time = Some(true);
            }
        }
        OrgKind::WomensHome => {
            u.womens_home.formed = formed;
            u.womens_home.established = if formed {
                established.or(u.womens_home.established)
            } else {
                None
            };
        }
    })?;
    let state = if formed { "已建" } else { "未建" };
    Ok(format!("{} {}: {state}", unit.name, org.label()))
}
