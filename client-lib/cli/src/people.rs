//! `qunjian person …`: people (人员) — members, cadres, those recommended
//! to the Party — from the command line.

use clap::{Args, Subcommand};
use qunjian_client::Township;
use qunjian_client::schema::{Gender, PartyStage, Person, Role, Set, Unit};

use crate::records::{
    IdArg, ListArgs, ShowArgs, archive, entered, enum_value, enum_values, fetch, force, listed,
    opt, print_list, print_show, record_id, required, set_opt, today, unit_name, year,
};

/// People.
#[derive(Subcommand)]
pub enum PersonCommand {
    /// Add a person; prints the id. Refused with what to fix if a field
    /// is wrong (a birth year before 1900 or after this year), unless --force.
    Add {
        /// 姓名 (name).
        #[arg(long)]
        name: String,
        #[command(flatten)]
        fields: PersonFields,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// List people (not archived unless --all).
    List(ListArgs),
    /// Show one person.
    Show(ShowArgs),
    /// Change fields of a person: only the flags given are changed; an
    /// empty value ('') clears a field.
    Update {
        /// 人员编号 (the person's id, or a unique prefix of it).
        id: String,
        /// 姓名 (name).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: PersonFields,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// Archive a person (kept in the ledger, hidden from lists).
    Archive(IdArg),
    /// Restore an archived person.
    Restore(IdArg),
}

impl PersonCommand {
    /// Whether the command only reads.
    pub fn is_read(&self) -> bool {
        matches!(self, PersonCommand::List(_) | PersonCommand::Show(_))
    }
}

/// A person's optional fields, for `add` and `update`.
#[derive(Args)]
pub struct PersonFields {
    /// 性别 (gender): female 女, male 男.
    #[arg(long)]
    gender: Option<String>,
    /// 出生年份 (birth year), e.g. 1990.
    #[arg(long)]
    birth_year: Option<String>,
    /// 所属单位 (the unit's id or a unique prefix).
    #[arg(long)]
    unit: Option<String>,
    /// 政治面貌 (party stage): masses 群众, applicant 入党申请人, activist
    /// 入党积极分子, development_target 发展对象, probationary 预备党员, member 正式党员.
    #[arg(long)]
    party_stage: Option<String>,
    /// 职务 (roles), comma-separated, replacing those recorded: party_secretary
    /// 党组织书记, union_chair 工会主席, league_secretary 团组织书记,
    /// womens_director 妇联主席/妇女主任, womens_executive 妇联执委,
    /// two_committees 村(社区)两委成员, reserve_cadre 后备干部.
    #[arg(long)]
    roles: Option<String>,
}

impl PersonFields {
    fn apply(self, township: &Township, p: &mut Person) -> anyhow::Result<()> {
        set_opt(&mut p.gender, self.gender, |v| {
            enum_value::<Gender>(v, "--gender")
        })?;
        set_opt(&mut p.birth_year, self.birth_year, |v| {
            year(v, "--birth-year")
        })?;
        set_opt(&mut p.unit, self.unit, |v| record_id::<Unit>(township, v))?;
        if let Some(stage) = self.party_stage {
            p.party_stage = enum_value::<PartyStage>(&stage, "--party-stage")?;
        }
        if let Some(roles) = self.roles {
            p.roles = enum_values::<Role>(&roles, "--roles")?
                .into_iter()
                .collect::<Set<Role>>();
        }
        Ok(())
    }
}

/// Run a person command. An edit returns what to print once it is saved.
pub fn run(township: &Township, command: PersonCommand) -> anyhow::Result<Option<String>> {
    match command {
        PersonCommand::Add {
            name,
            fields,
            force: f,
        } => {
            let mut person = Person::new(required(&name, "--name", "姓名")?);
            fields.apply(township, &mut person)?;
            Ok(Some(entered(township.add_checked(
                &person,
                today(),
                force(f),
            ))?))
        }
        PersonCommand::List(ListArgs { json, all }) => print_list(
            &listed::<Person>(township, all),
            json,
            &["姓名", "性别", "出生年份", "政治面貌", "职务", "所属单位"],
            |p| {
                vec![
                    p.name.clone(),
                    p.gender.map(|g| g.label()).unwrap_or("").to_string(),
                    opt(&p.birth_year),
                    p.party_stage.label().to_string(),
                    roles(p),
                    p.unit
                        .as_deref()
                        .map(|u| unit_name(township, u))
                        .unwrap_or_default(),
                ]
            },
        ),
        PersonCommand::Show(args) => print_show::<Person>(township, args, |p| {
            let unit = p
                .unit
                .as_deref()
                .map(|u| format!("{} ({u})", unit_name(township, u)))
                .unwrap_or_default();
            vec![
                ("姓名", p.name.clone()),
                (
                    "性别",
                    p.gender.map(|g| g.label()).unwrap_or("").to_string(),
                ),
                ("出生年份", opt(&p.birth_year)),
                ("所属单位", unit),
                ("政治面貌", p.party_stage.label().to_string()),
                ("职务", roles(p)),
            ]
        }),
        PersonCommand::Update {
            id,
            name,
            fields,
            force: f,
        } => {
            let (id, mut person) = fetch::<Person>(township, &id)?;
            if let Some(name) = name {
                person.name = required(&name, "--name", "姓名")?;
            }
            fields.apply(township, &mut person)?;
            let saved = entered(
                township.update_checked::<Person>(&id, today(), force(f), |p| *p = person),
            )?;
            Ok(Some(format!("已修改人员「{}」 {id}", saved.name)))
        }
        PersonCommand::Archive(IdArg { id }) => archive::<Person>(township, &id, true).map(Some),
        PersonCommand::Restore(IdArg { id }) => archive::<Person>(township, &id, false).map(Some),
    }
}

/// A person's roles in Chinese, joined with 、.
fn roles(p: &Person) -> String {
    p.roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join("、")
}
