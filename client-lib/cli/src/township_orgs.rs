//! `qunjian township-org …`: the township's own 妇联, 团委 and 总工会 —
//! not a unit's — which the full-time 妇联 chair target counts.

use clap::{Args, Subcommand};
use qunjian_client::Township;
use qunjian_client::schema::{Date, Formed, TownshipOrgs};

use crate::records::{date, opt, set_opt, set_text, yes_no};

/// The township's own organizations.
#[derive(Subcommand)]
pub enum TownshipOrgCommand {
    /// Record fields of the township's 妇联, 团委 or 总工会: only the flags
    /// given change; an empty value ('') clears a field. Naming a chair
    /// (secretary) or a founding date marks the organization formed,
    /// unless its own flag says otherwise (`--federation 否`).
    Set(Box<TownshipOrgSet>),
    /// Show them.
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The flags of `township-org set`.
#[derive(Args)]
pub struct TownshipOrgSet {
    /// 乡镇妇联已建: 是/否.
    #[arg(long)]
    federation: Option<String>,
    /// 乡镇妇联成立日期 YYYY-MM-DD.
    #[arg(long)]
    federation_established: Option<String>,
    /// 乡镇妇联主席.
    #[arg(long)]
    federation_chair: Option<String>,
    /// 妇联主席专职: 是/否.
    #[arg(long)]
    federation_chair_full_time: Option<String>,
    /// 乡镇团委已建: 是/否.
    #[arg(long)]
    league_committee: Option<String>,
    /// 乡镇团委成立日期 YYYY-MM-DD.
    #[arg(long)]
    league_committee_established: Option<String>,
    /// 团委书记.
    #[arg(long)]
    league_committee_secretary: Option<String>,
    /// 团委书记专职: 是/否.
    #[arg(long)]
    league_committee_secretary_full_time: Option<String>,
    /// 乡镇总工会已建: 是/否.
    #[arg(long)]
    union_federation: Option<String>,
    /// 乡镇总工会成立日期 YYYY-MM-DD.
    #[arg(long)]
    union_federation_established: Option<String>,
    /// 总工会主席.
    #[arg(long)]
    union_federation_chair: Option<String>,
    /// 总工会主席专职: 是/否.
    #[arg(long)]
    union_federation_chair_full_time: Option<String>,
}

/// Run a `township-org` command; the text to print.
pub fn run(township: &Township, command: TownshipOrgCommand) -> anyhow::Result<Option<String>> {
    match command {
        TownshipOrgCommand::Set(a) => set(township, *a).map(Some),
        TownshipOrgCommand::Show { json: true } => Ok(Some(serde_json::to_string_pretty(
            &township.township_orgs()?,
        )?)),
        TownshipOrgCommand::Show { json: false } => Ok(Some(describe(&township.township_orgs()?))),
    }
}

/// One organization's flags, parsed before anything is written so a bad
/// value refuses the whole command.
struct Parsed {
    formed: Option<bool>,
    established: Option<Option<Date>>,
    leader: Option<String>,
    full_time: Option<Option<bool>>,
}

impl Parsed {
    fn new(
        formed: Option<String>,
        established: Option<String>,
        leader: Option<String>,
        full_time: Option<String>,
        (flag, leader_flag): (&str, &str),
    ) -> anyhow::Result<Parsed> {
        let formed = formed
            .map(|v| yes_no(&v, &format!("--{flag}")))
            .transpose()?;
        let mut parsed_date = None;
        if established.is_some() {
            let mut d = None;
            set_opt(&mut d, established, |v| {
                date(v, &format!("--{flag}-established"))
            })?;
            parsed_date = Some(d);
        }
        let mut parsed_full_time = None;
        if full_time.is_some() {
            let mut f = None;
            set_opt(&mut f, full_time, |v| {
                yes_no(v, &format!("--{flag}-{leader_flag}-full-time"))
            })?;
            parsed_full_time = Some(f);
        }
        Ok(Parsed {
            formed,
            established: parsed_date,
            leader,
            full_time: parsed_full_time,
        })
    }

    /// Apply to one organization's fields.
    fn apply(
        self,
        formed: &mut bool,
        established: &mut Option<Date>,
        leader: &mut Option<String>,
        full_time: &mut Option<bool>,
    ) {
        let names_someone = self.leader.as_deref().is_some_and(|l| !l.trim().is_empty());
        let dated = matches!(self.established, Some(Some(_)));
        if let Some(d) = self.established {
            *established = d;
        }
        set_text(leader, self.leader);
        if let Some(f) = self.full_time {
            *full_time = f;
        }
        match self.formed {
            Some(true) => *formed = true,
            // Not formed: its date goes too, since a date alone counts as
            // formed.
            Some(false) => {
                *formed = false;
                *established = None;
            }
            None if names_someone || dated => *formed = true,
            None => {}
        }
    }
}

fn set(township: &Township, a: TownshipOrgSet) -> anyhow::Result<String> {
    let federation = Parsed::new(
        a.federation,
        a.federation_established,
        a.federation_chair,
        a.federation_chair_full_time,
        ("federation", "chair"),
    )?;
    let league = Parsed::new(
        a.league_committee,
        a.league_committee_established,
        a.league_committee_secretary,
        a.league_committee_secretary_full_time,
        ("league-committee", "secretary"),
    )?;
    let union = Parsed::new(
        a.union_federation,
        a.union_federation_established,
        a.union_federation_chair,
        a.union_federation_chair_full_time,
        ("union-federation", "chair"),
    )?;
    let orgs = township.update_township_orgs(|o| {
        let f = &mut o.federation;
        federation.apply(
            &mut f.formed,
            &mut f.established,
            &mut f.chair,
            &mut f.chair_full_time,
        );
        let l = &mut o.league_committee;
        league.apply(
            &mut l.formed,
            &mut l.established,
            &mut l.secretary,
            &mut l.secretary_full_time,
        );
        let u = &mut o.union_federation;
        union.apply(
            &mut u.formed,
            &mut u.established,
            &mut u.chair,
            &mut u.chair_full_time,
        );
    })?;
    Ok(describe(&orgs))
}

fn describe(o: &TownshipOrgs) -> String {
    let line = |name: &str,
                formed: bool,
                established: &Option<Date>,
                role: &str,
                leader: &Option<String>,
                full_time: Option<bool>| {
        let state = if formed { "已建" } else { "未建" };
        let full_time = match full_time {
            Some(true) => "（专职）",
            Some(false) => "（兼职）",
            None => "",
        };
        let since = established
            .map(|d| format!("，成立于 {d}"))
            .unwrap_or_default();
        let leader = opt(leader);
        let leader = if leader.is_empty() {
            "未记录".to_string()
        } else {
            leader
        };
        format!("{name}: {state}{since}，{role} {leader}{full_time}\n")
    };
    let f = &o.federation;
    let l = &o.league_committee;
    let u = &o.union_federation;
    [
        line(
            "乡镇妇联",
            f.is_formed(),
            &f.established,
            "主席",
            &f.chair,
            f.chair_full_time,
        ),
        line(
            "乡镇团委",
            l.is_formed(),
            &l.established,
            "书记",
            &l.secretary,
            l.secretary_full_time,
        ),
        line(
            "乡镇总工会",
            u.is_formed(),
            &u.established,
            "主席",
            &u.chair,
            u.chair_full_time,
        ),
    ]
    .concat()
}
