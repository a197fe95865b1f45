//! `qunjian unit …`: units (单位) and every field they carry, their
//! organizations included, from the command line.

use clap::{Args, Subcommand};
use qunjian_client::Township;
use qunjian_client::schema::{Formed, PartyOrgForm, PartyRating, Unit, UnitKind, WomenOrgForm};

use crate::records::{
    IdArg, ListArgs, ShowArgs, archive, count, date, entered, enum_value, fetch, force, listed,
    opt, print_list, print_show, record_id, required, set_opt, set_text, today, yes_no,
};

/// Units.
#[derive(Subcommand)]
pub enum UnitCommand {
    /// Add a unit; prints its id. Refused with what to fix if a field is
    /// wrong (a credit code's check character, female staff above
    /// employees, ...), unless --force.
    Add {
        /// 单位名称 (name).
        #[arg(long)]
        name: String,
        /// 单位类型 (kind): village 行政村, community 社区, enterprise 非公企业,
        /// social_org 社会组织, agency 机关, institution 事业单位, park 工业园区.
        #[arg(long)]
        kind: String,
        #[command(flatten)]
        fields: Box<UnitFields>,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// List units (not archived unless --all), with which organizations each has formed.
    List(ListArgs),
    /// Show one unit.
    Show(ShowArgs),
    /// Change fields of a unit: only the flags given are changed; an empty
    /// value ('') clears a field.
    Update {
        /// 单位编号 (the unit's id, or a unique prefix of it).
        id: String,
        /// 单位名称 (name).
        #[arg(long)]
        name: Option<String>,
        /// 单位类型 (kind), as for `unit add`.
        #[arg(long)]
        kind: Option<String>,
        #[command(flatten)]
        fields: Box<UnitFields>,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// Archive a unit (it stays in the ledger, hidden from lists).
    Archive(IdArg),
    /// Restore an archived unit.
    Restore(IdArg),
}

impl UnitCommand {
    /// Whether the command only reads.
    pub fn is_read(&self) -> bool {
        matches!(self, UnitCommand::List(_) | UnitCommand::Show(_))
    }
}

/// A unit's optional fields, for `add` and `update`. Yes/no values take
/// 是/否, 已建/未建 or true/false.
#[derive(Args)]
pub struct UnitFields {
    /// 所属园区 (the park's unit id or prefix, for an enterprise in a park).
    #[arg(long)]
    parent: Option<String>,
    /// 统一社会信用代码 (unified social credit code, 18 characters).
    #[arg(long)]
    credit_code: Option<String>,
    /// 职工人数 (employees).
    #[arg(long)]
    employees: Option<String>,
    /// 女性固定职工 (fixed female staff).
    #[arg(long)]
    female_staff: Option<String>,
    /// 28 岁以下青年 (youth aged 28 or under).
    #[arg(long)]
    youth: Option<String>,
    /// 成立/开业日期 (opened) YYYY-MM-DD.
    #[arg(long)]
    opened: Option<String>,
    /// 党组织已建 (party organization formed): 已建/未建.
    #[arg(long)]
    party: Option<String>,
    /// 党组织形式 (form): branch 党支部, general_branch 党总支, committee 党委.
    #[arg(long)]
    party_form: Option<String>,
    /// 党组织年度定级 (rating): excellent 优秀, qualified 达标, weak 软弱涣散.
    #[arg(long)]
    party_rating: Option<String>,
    /// 党组织成立日期 (founded) YYYY-MM-DD.
    #[arg(long)]
    party_established: Option<String>,
    /// 工会已建 (union formed): 已建/未建.
    #[arg(long)]
    union: Option<String>,
    /// 工会成立日期 (founded) YYYY-MM-DD.
    #[arg(long)]
    union_established: Option<String>,
    /// 工会主席 (union chair).
    #[arg(long)]
    union_chair: Option<String>,
    /// 独立建会 (an independent union, not a joint one): 是/否.
    #[arg(long)]
    union_independent: Option<String>,
    /// 女职工委员会 (female workers' committee formed): 是/否.
    #[arg(long)]
    union_female_workers_committee: Option<String>,
    /// 团组织已建 (league organization formed): 已建/未建.
    #[arg(long)]
    league: Option<String>,
    /// 团组织成立日期 (founded) YYYY-MM-DD.
    #[arg(long)]
    league_established: Option<String>,
    /// 团组织书记 (league secretary).
    #[arg(long)]
    league_secretary: Option<String>,
    /// 妇女组织已建 (women's organization formed): 已建/未建.
    #[arg(long)]
    women: Option<String>,
    /// 妇女组织形式 (form): federation 妇联, congress 妇代会, committee 妇委会,
    /// work_committee 妇女工作委员会, liaison 妇女工作联络员.
    #[arg(long)]
    women_form: Option<String>,
    /// 妇女组织成立日期 (founded) YYYY-MM-DD.
    #[arg(long)]
    women_established: Option<String>,
    /// 妇女组织主席 (chair, or the liaison's name).
    #[arg(long)]
    women_chair: Option<String>,
    /// 主席专职 (the chair is full-time): 是/否.
    #[arg(long)]
    women_chair_full_time: Option<String>,
    /// 妇代会主任进村两委 (the village 妇代会's chair sits on the village
    /// two committees): 是/否.
    #[arg(long)]
    women_chair_on_committees: Option<String>,
    /// 妇女之家已建 (women's home formed): 已建/未建.
    #[arg(long)]
    womens_home: Option<String>,
    /// 妇女之家建成日期 (opened) YYYY-MM-DD.
    #[arg(long)]
    womens_home_established: Option<String>,
}

impl UnitFields {
    /// Write the flags given into `u`.
    fn apply(self, township: &Township, u: &mut Unit) -> anyhow::Result<()> {
        set_opt(&mut u.parent, self.parent, |p| {
            record_id::<Unit>(township, p)
        })?;
        set_text(&mut u.credit_code, self.credit_code);
        set_opt(&mut u.employees, self.employees, |v| {
            count(v, "--employees")
        })?;
        set_opt(&mut u.female_staff, self.female_staff, |v| {
            count(v, "--female-staff")
        })?;
        set_opt(&mut u.youth, self.youth, |v| count(v, "--youth"))?;
        set_opt(&mut u.opened, self.opened, |v| date(v, "--opened"))?;

        let p = &mut u.party_org;
        formed(&mut p.formed, self.party, "--party")?;
        set_opt(&mut p.form, self.party_form, |v| {
            enum_value::<PartyOrgForm>(v, "--party-form")
        })?;
        set_opt(&mut p.rating, self.party_rating, |v| {
            enum_value::<PartyRating>(v, "--party-rating")
        })?;
        set_opt(&mut p.established, self.party_established, |v| {
            date(v, "--party-established")
        })?;

        let n = &mut u.union;
        formed(&mut n.formed, self.union, "--union")?;
        set_opt(&mut n.established, self.union_established, |v| {
            date(v, "--union-established")
        })?;
        set_text(&mut n.chair, self.union_chair);
        set_opt(&mut n.independent, self.union_independent, |v| {
            yes_no(v, "--union-independent")
        })?;
        set_opt(
            &mut n.female_workers_committee,
            self.union_female_workers_committee,
            |v| yes_no(v, "--union-female-workers-committee"),
        )?;

        let l = &mut u.league;
        formed(&mut l.formed, self.league, "--league")?;
        set_opt(&mut l.established, self.league_established, |v| {
            date(v, "--league-established")
        })?;
        set_text(&mut l.secretary, self.league_secretary);

        let w = &mut u.women_org;
        formed(&mut w.formed, self.women, "--women")?;
        set_opt(&mut w.form, self.women_form, |v| {
            enum_value::<WomenOrgForm>(v, "--women-form")
        })?;
        set_opt(&mut w.established, self.women_established, |v| {
            date(v, "--women-established")
        })?;
        set_text(&mut w.chair, self.women_chair);
        set_opt(&mut w.chair_full_time, self.women_chair_full_time, |v| {
            yes_no(v, "--women-chair-full-time")
        })?;
        set_opt(
            &mut w.chair_on_committees,
            self.women_chair_on_committees,
            |v| yes_no(v, "--women-chair-on-committees"),
        )?;

        let h = &mut u.womens_home;
        formed(&mut h.formed, self.womens_home, "--womens-home")?;
        set_opt(&mut h.established, self.womens_home_established, |v| {
            date(v, "--womens-home-established")
        })?;
        Ok(())
    }
}

/// Set a `formed` flag from 已建/未建 when given.
fn formed(target: &mut bool, given: Option<String>, flag: &str) -> anyhow::Result<()> {
    if let Some(given) = given {
        *target = yes_no(&given, flag)?;
    }
    Ok(())
}

/// 已建 or 未建, as a cadre reads a ledger.
fn state(formed: bool) -> &'static str {
    if formed { "已建" } else { "未建" }
}

/// Run a unit command. An edit returns what to print once it is saved.
pub fn run(township: &Township, command: UnitCommand) -> anyhow::Result<Option<String>> {
    match command {
        UnitCommand::Add {
            name,
            kind,
            fields,
            force: f,
        } => {
            let name = required(&name, "--name", "单位名称")?;
            let mut unit = Unit::new(name, enum_value::<UnitKind>(&kind, "--kind")?);
            fields.apply(township, &mut unit)?;
            Ok(Some(entered(township.add_checked(
                &unit,
                today(),
                force(f),
            ))?))
        }
        UnitCommand::List(ListArgs { json, all }) => print_list(
            &listed::<Unit>(township, all),
            json,
            &[
                "名称",
                "类型",
                "职工",
                "党组织",
                "工会",
                "团组织",
                "妇女组织",
                "妇女之家",
            ],
            |u| {
                vec![
                    u.name.clone(),
                    u.kind.label().to_string(),
                    opt(&u.employees),
                    state(u.party_org.is_formed()).to_string(),
                    state(u.union.is_formed()).to_string(),
                    state(u.league.is_formed()).to_string(),
                    state(u.women_org.is_formed()).to_string(),
                    state(u.womens_home.is_formed()).to_string(),
                ]
            },
        ),
        UnitCommand::Show(args) => print_show::<Unit>(township, args, |u| show(township, u)),
        UnitCommand::Update {
            id,
            name,
            kind,
            fields,
            force: f,
        } => {
            let (id, mut unit) = fetch::<Unit>(township, &id)?;
            if let Some(name) = name {
                unit.name = required(&name, "--name", "单位名称")?;
            }
            if let Some(kind) = kind {
                unit.kind = enum_value::<UnitKind>(&kind, "--kind")?;
            }
            fields.apply(township, &mut unit)?;
            let saved =
                entered(township.update_checked::<Unit>(&id, today(), force(f), |u| *u = unit))?;
            Ok(Some(format!("已修改单位「{}」 {id}", saved.name)))
        }
        UnitCommand::Archive(IdArg { id }) => archive::<Unit>(township, &id, true).map(Some),
        UnitCommand::Restore(IdArg { id }) => archive::<Unit>(township, &id, false).map(Some),
    }
}

/// A unit for reading, field by field in Chinese (`show` adds 编号 and
/// 已归档).
fn show(township: &Township, u: &Unit) -> Vec<(&'static str, String)> {
    let label = |v: Option<&'static str>| v.unwrap_or("").to_string();
    let yes = |v: Option<bool>| match v {
        Some(true) => "是".to_string(),
        Some(false) => "否".to_string(),
        None => String::new(),
    };
    let parent = u
        .parent
        .as_deref()
        .map(|p| format!("{} ({p})", crate::records::unit_name(township, p)))
        .unwrap_or_default();
    vec![
        ("名称", u.name.clone()),
        ("类型", u.kind.label().to_string()),
        ("所属园区", parent),
        ("统一社会信用代码", opt(&u.credit_code)),
        ("职工人数", opt(&u.employees)),
        ("女性固定职工", opt(&u.female_staff)),
        ("28岁以下青年", opt(&u.youth)),
        ("成立日期", opt(&u.opened)),
        ("党组织", state(u.party_org.is_formed()).to_string()),
        ("党组织形式", label(u.party_org.form.map(|f| f.label()))),
        ("党组织定级", label(u.party_org.rating.map(|r| r.label()))),
        ("党组织成立日期", opt(&u.party_org.established)),
        ("工会", state(u.union.is_formed()).to_string()),
        ("工会成立日期", opt(&u.union.established)),
        ("工会主席", opt(&u.union.chair)),
        ("独立建会", yes(u.union.independent)),
        ("女职工委员会", yes(u.union.female_workers_committee)),
        ("团组织", state(u.league.is_formed()).to_string()),
        ("团组织成立日期", opt(&u.league.established)),
        ("团组织书记", opt(&u.league.secretary)),
        ("妇女组织", state(u.women_org.is_formed()).to_string()),
        ("妇女组织形式", label(u.women_org.form.map(|f| f.label()))),
        ("妇女组织成立日期", opt(&u.women_org.established)),
        ("妇女组织主席", opt(&u.women_org.chair)),
        ("主席专职", yes(u.women_org.chair_full_time)),
        ("主任进村两委", yes(u.women_org.chair_on_committees)),
        ("妇女之家", state(u.womens_home.is_formed()).to_string()),
        ("妇女之家建成日期", opt(&u.womens_home.established)),
    ]
}
