//! `qunjian honor …`: honors (荣誉) awarded to a unit or a person.

use anyhow::bail;
use clap::Subcommand;
use qunjian_client::Township;
use qunjian_client::schema::{Honor, HonorLevel, HonorTitle, Person, Unit};

use crate::records::{
    IdArg, ListArgs, ShowArgs, archive, entered, enum_value, fetch, force, listed, person_name,
    print_list, print_show, record_id, today, unit_name, year,
};

/// Honors.
#[derive(Subcommand)]
pub enum HonorCommand {
    /// Add an honor for a unit or a person; prints its id.
    Add {
        /// 称号 (title): womens_civilized_post 巾帼文明岗, march_eighth_red_banner 三八红旗手,
        /// most_beautiful_family 最美家庭, five_good_family 五好文明家庭,
        /// youth_civilization_unit 青年文明号, may_fourth_red_banner 五四红旗团委,
        /// womens_merit_model 巾帼建功标兵, double_learning_woman 双学双比女能手.
        #[arg(long)]
        title: String,
        /// 级别 (level): county 县级, city 市级, province 省级, national 国家级.
        #[arg(long)]
        level: String,
        /// 年度 (year).
        #[arg(long)]
        year: String,
        /// 获奖单位 (the unit honored: id or prefix).
        #[arg(long, required_unless_present = "person", conflicts_with = "person")]
        unit: Option<String>,
        /// 获奖个人 (the person honored: id or prefix).
        #[arg(long)]
        person: Option<String>,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// List honors (not archived unless --all).
    List(ListArgs),
    /// Show one honor.
    Show(ShowArgs),
    /// Change fields of an honor: only the flags given are changed. Giving
    /// --unit clears the person and --person the unit (one recipient).
    Update {
        /// 荣誉编号 (the honor's id, or a unique prefix of it).
        id: String,
        /// 称号 (title), as for `honor add`.
        #[arg(long)]
        title: Option<String>,
        /// 级别 (level), as for `honor add`.
        #[arg(long)]
        level: Option<String>,
        /// 年度 (year).
        #[arg(long)]
        year: Option<String>,
        /// 获奖单位 (the unit honored: id or prefix).
        #[arg(long, conflicts_with = "person")]
        unit: Option<String>,
        /// 获奖个人 (the person honored: id or prefix).
        #[arg(long)]
        person: Option<String>,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// Archive an honor (kept in the ledger, hidden from lists).
    Archive(IdArg),
    /// Restore an archived honor.
    Restore(IdArg),
}

impl HonorCommand {
    /// Whether the command only reads.
    pub fn is_read(&self) -> bool {
        matches!(self, HonorCommand::List(_) | HonorCommand::Show(_))
    }
}

/// Run an honor command. An edit returns what to print once it is saved.
pub fn run(township: &Township, command: HonorCommand) -> anyhow::Result<Option<String>> {
    match command {
        HonorCommand::Add {
            title,
            level,
            year: y,
            unit,
            person,
            force: f,
        } => {
            let (recipient_unit, recipient_person) = match (unit, person) {
                (Some(u), None) => (Some(record_id::<Unit>(township, &u)?), None),
                (None, Some(p)) => (None, Some(record_id::<Person>(township, &p)?)),
                _ => bail!("请用 --unit 或 --person 给出获奖单位或个人，只给一个 (one recipient)"),
            };
            let honor = Honor {
                title: enum_value::<HonorTitle>(&title, "--title")?,
                level: enum_value::<HonorLevel>(&level, "--level")?,
                year: year(&y, "--year")?,
                recipient_unit,
                recipient_person,
                archived: false,
            };
            Ok(Some(entered(township.add_checked(
                &honor,
                today(),
                force(f),
            ))?))
        }
        HonorCommand::List(ListArgs { json, all }) => print_list(
            &listed::<Honor>(township, all),
            json,
            &["年度", "称号", "级别", "获得者"],
            |h| {
                vec![
                    h.year.to_string(),
                    h.title.label().to_string(),
                    h.level.label().to_string(),
                    recipient(township, h),
                ]
            },
        ),
        HonorCommand::Show(args) => print_show::<Honor>(township, args, |h| {
            vec![
                ("称号", h.title.label().to_string()),
                ("级别", h.level.label().to_string()),
                ("年度", h.year.to_string()),
                ("获得者", recipient(township, h)),
            ]
        }),
        HonorCommand::Update {
            id,
            title,
            level,
            year: y,
            unit,
            person,
            force: f,
        } => {
            let (id, mut honor) = fetch::<Honor>(township, &id)?;
            if let Some(title) = title {
                honor.title = enum_value::<HonorTitle>(&title, "--title")?;
            }
            if let Some(level) = level {
                honor.level = enum_value::<HonorLevel>(&level, "--level")?;
            }
            if let Some(y) = y {
                honor.year = year(&y, "--year")?;
            }
            if let Some(u) = unit {
                honor.recipient_unit = Some(record_id::<Unit>(township, &u)?);
                honor.recipient_person = None;
            }
            if let Some(p) = person {
                honor.recipient_person = Some(record_id::<Person>(township, &p)?);
                honor.recipient_unit = None;
            }
            let saved =
                entered(township.update_checked::<Honor>(&id, today(), force(f), |h| *h = honor))?;
            Ok(Some(format!("已修改荣誉「{}」 {id}", saved.title.label())))
        }
        HonorCommand::Archive(IdArg { id }) => archive::<Honor>(township, &id, true).map(Some),
        HonorCommand::Restore(IdArg { id }) => archive::<Honor>(township, &id, false).map(Some),
    }
}

/// Who was honored, by name.
fn recipient(township: &Township, h: &Honor) -> String {
    match (&h.recipient_unit, &h.recipient_person) {
        (Some(u), _) => unit_name(township, u),
        (None, Some(p)) => person_name(township, p),
        (None, None) => String::new(),
    }
}
