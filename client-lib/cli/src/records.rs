//! `qunjian unit …` and `qunjian person …`: typed records from the command
//! line, for operators and scripts. Enum values are accepted as stored
//! (`village`) or in Chinese (`行政村`).

use anyhow::{Context, bail};
use clap::Subcommand;
use qunjian_client::Township;
use qunjian_client::schema::{Date, EnumValues, Gender, Person, Unit, UnitKind};

/// Units.
#[derive(Subcommand)]
pub enum UnitCommand {
    /// Add a unit; prints its id.
    Add {
        /// 单位名称.
        #[arg(long)]
        name: String,
        /// village 行政村, community 社区, enterprise 非公企业, social_org 社会组织,
        /// agency 机关, institution 事业单位, park 工业园区.
        #[arg(long)]
        kind: String,
        /// 统一社会信用代码.
        #[arg(long)]
        credit_code: Option<String>,
        /// 职工人数.
        #[arg(long)]
        employees: Option<u32>,
        /// 女性固定职工.
        #[arg(long)]
        female_staff: Option<u32>,
        /// 成立日期 YYYY-MM-DD.
        #[arg(long)]
        opened: Option<String>,
    },
    /// List units that are not archived.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Archive a unit (it stays in the ledger, hidden from lists).
    Archive {
        /// The unit's id.
        id: String,
    },
}

/// People.
#[derive(Subcommand)]
pub enum PersonCommand {
    /// Add a person; prints the id.
    Add {
        /// 姓名.
        #[arg(long)]
        name: String,
        /// female 女 / male 男.
        #[arg(long)]
        gender: Option<String>,
        /// 出生年份.
        #[arg(long)]
        birth_year: Option<u16>,
        /// The unit's id.
        #[arg(long)]
        unit: Option<String>,
    },
    /// List people who are not archived.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Run a unit command. An edit returns what to print once it is saved.
pub fn unit(township: &Township, command: UnitCommand) -> anyhow::Result<Option<String>> {
    match command {
        UnitCommand::Add {
            name,
            kind,
            credit_code,
            employees,
            female_staff,
            opened,
        } => {
            if name.trim().is_empty() {
                bail!("--name is empty: give the unit's name");
            }
            let mut unit = Unit::new(name.trim(), enum_value::<UnitKind>(&kind, "--kind")?);
            unit.credit_code = credit_code;
            unit.employees = employees;
            unit.female_staff = female_staff;
            unit.opened = opened
                .map(|d| d.parse::<Date>())
                .transpose()
                .context("--opened")?;
            Ok(Some(township.add(&unit)?))
        }
        UnitCommand::List { json } => {
            let units = township.list::<Unit>();
            if json {
                println!("{}", serde_json::to_string_pretty(&units)?);
            } else {
                println!("编号\t名称\t类型\t职工");
                for (id, u) in units {
                    let employees = u.employees.map(|n| n.to_string()).unwrap_or_default();
                    println!("{id}\t{}\t{}\t{employees}", u.name, u.kind.label());
                }
            }
            Ok(None)
        }
        UnitCommand::Archive { id } => {
            township.archive::<Unit>(&id)?;
            Ok(Some(format!("已归档 {id}")))
        }
    }
}

/// Run a person command. An edit returns what to print once it is saved.
pub fn person(township: &Township, command: PersonCommand) -> anyhow::Result<Option<String>> {
    match command {
        PersonCommand::Add {
            name,
            gender,
            birth_year,
            unit,
        } => {
            if name.trim().is_empty() {
                bail!("--name is empty: give the person's name");
            }
            let mut person = Person::new(name.trim());
            person.gender = gender
                .map(|g| enum_value::<Gender>(&g, "--gender"))
                .transpose()?;
            person.birth_year = birth_year;
            if let Some(unit) = &unit
                && township.get::<Unit>(unit)?.is_none()
            {
                bail!("--unit {unit}: no such unit; `qunjian unit list` shows the ids");
            }
            person.unit = unit;
            Ok(Some(township.add(&person)?))
        }
        PersonCommand::List { json } => {
            let people = township.list::<Person>();
            if json {
                println!("{}", serde_json::to_string_pretty(&people)?);
            } else {
                println!("编号\t姓名\t性别\t政治面貌");
                for (id, p) in people {
                    let gender = p.gender.map(|g| g.label()).unwrap_or("");
                    println!("{id}\t{}\t{gender}\t{}", p.name, p.party_stage.label());
                }
            }
            Ok(None)
        }
    }
}

/// Parse an enum from its stored code or its Chinese word.
pub fn enum_value<T: EnumValues + std::str::FromStr>(given: &str, flag: &str) -> anyhow::Result<T> {
    let given = given.trim();
    let code = T::values()
        .into_iter()
        .find(|(code, label)| *code == given || *label == given)
        .map(|(code, _)| code);
    match code.and_then(|c| c.parse().ok()) {
        Some(v) => Ok(v),
        None => {
            let allowed: Vec<String> = T::values()
                .iter()
                .map(|(c, l)| format!("{c} ({l})"))
                .collect();
            bail!(
                "{flag} '{given}' is not known: use one of {}",
                allowed.join(", ")
            )
        }
    }
}
