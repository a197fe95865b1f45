//! `qunjian activity …`: activities (活动) — events, trainings, study
//! sessions, competitions, volunteer work — from the command line.

use clap::{Args, Subcommand};
use qunjian_client::Township;
use qunjian_client::schema::{Activity, ActivityKind, OrgKind, Set, Unit};

use crate::records::{
    IdArg, ListArgs, ShowArgs, archive, count, date, entered, enum_value, enum_values, fetch,
    force, list, listed, print_list, print_show, record_id, required, today, unit_name,
};

/// Activities.
#[derive(Subcommand)]
pub enum ActivityCommand {
    /// Add an activity; prints its id. Refused with what to fix (women
    /// above participants, a date after today), unless --force.
    Add {
        /// 活动类型 (kind): event 活动, training 培训, study 学习, competition 竞赛, volunteer 志愿服务.
        #[arg(long)]
        kind: String,
        /// 标题 (title).
        #[arg(long)]
        title: String,
        /// 日期 (date) YYYY-MM-DD.
        #[arg(long)]
        date: String,
        #[command(flatten)]
        fields: ActivityFields,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// List activities (not archived unless --all).
    List(ListArgs),
    /// Show one activity.
    Show(ShowArgs),
    /// Change fields of an activity: only the flags given are changed.
    Update {
        /// 活动编号 (the activity's id, or a unique prefix of it).
        id: String,
        /// 活动类型 (kind), as for `activity add`.
        #[arg(long)]
        kind: Option<String>,
        /// 标题 (title).
        #[arg(long)]
        title: Option<String>,
        /// 日期 (date) YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        fields: ActivityFields,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// Archive an activity (kept in the ledger, hidden from lists).
    Archive(IdArg),
    /// Restore an archived activity.
    Restore(IdArg),
}

impl ActivityCommand {
    /// Whether the command only reads.
    pub fn is_read(&self) -> bool {
        matches!(self, ActivityCommand::List(_) | ActivityCommand::Show(_))
    }
}

/// An activity's other fields, for `add` and `update`.
#[derive(Args)]
pub struct ActivityFields {
    /// 主办组织 (organizing organizations), comma-separated, replacing those
    /// recorded: party 党组织, union 工会, league 团组织, women 妇女组织, womens_home 妇女之家.
    #[arg(long)]
    orgs: Option<String>,
    /// 参加单位 (units taking part: ids or prefixes), comma-separated, replacing those recorded.
    #[arg(long)]
    units: Option<String>,
    /// 参加人数 (participants).
    #[arg(long)]
    participants: Option<String>,
    /// 其中女性 (women among them).
    #[arg(long)]
    women_participants: Option<String>,
    /// 备注 (notes).
    #[arg(long)]
    notes: Option<String>,
}

impl ActivityFields {
    fn apply(self, township: &Township, a: &mut Activity) -> anyhow::Result<()> {
        if let Some(orgs) = self.orgs {
            a.organizations = enum_values::<OrgKind>(&orgs, "--orgs")?
                .into_iter()
                .collect::<Set<OrgKind>>();
        }
        if let Some(units) = self.units {
            a.units = list(&units)
                .iter()
                .map(|u| record_id::<Unit>(township, u))
                .collect::<anyhow::Result<Set<String>>>()?;
        }
        if let Some(n) = self.participants {
            a.participants = count(&n, "--participants")?;
        }
        if let Some(n) = self.women_participants {
            a.women_participants = count(&n, "--women-participants")?;
        }
        if let Some(notes) = self.notes {
            // A splice of the difference, so a co-author's edit merges.
            a.notes.update(notes.trim());
        }
        Ok(())
    }
}

/// Run an activity command. An edit returns what to print once it is saved.
pub fn run(township: &Township, command: ActivityCommand) -> anyhow::Result<Option<String>> {
    match command {
        ActivityCommand::Add {
            kind,
            title,
            date: on,
            fields,
            force: f,
        } => {
            let mut activity = Activity::new(
                enum_value::<ActivityKind>(&kind, "--kind")?,
                required(&title, "--title", "活动标题")?,
                date(&on, "--date")?,
            );
            fields.apply(township, &mut activity)?;
            Ok(Some(entered(township.add_checked(
                &activity,
                today(),
                force(f),
            ))?))
        }
        ActivityCommand::List(ListArgs { json, all }) => print_list(
            &listed::<Activity>(township, all),
            json,
            &["日期", "类型", "标题", "主办组织", "参加人数", "其中女性"],
            |a| {
                vec![
                    a.date.to_string(),
                    a.kind.label().to_string(),
                    a.title.clone(),
                    orgs(a),
                    a.participants.to_string(),
                    a.women_participants.to_string(),
                ]
            },
        ),
        ActivityCommand::Show(args) => print_show::<Activity>(township, args, |a| {
            let units: Vec<String> = a.units.iter().map(|u| unit_name(township, u)).collect();
            vec![
                ("标题", a.title.clone()),
                ("类型", a.kind.label().to_string()),
                ("日期", a.date.to_string()),
                ("主办组织", orgs(a)),
                ("参加单位", units.join("、")),
                ("参加人数", a.participants.to_string()),
                ("其中女性", a.women_participants.to_string()),
                ("备注", a.notes.as_str().to_string()),
            ]
        }),
        ActivityCommand::Update {
            id,
            kind,
            title,
            date: on,
            fields,
            force: f,
        } => {
            let (id, mut activity) = fetch::<Activity>(township, &id)?;
            if let Some(kind) = kind {
                activity.kind = enum_value::<ActivityKind>(&kind, "--kind")?;
            }
            if let Some(title) = title {
                activity.title = required(&title, "--title", "活动标题")?;
            }
            if let Some(on) = on {
                activity.date = date(&on, "--date")?;
            }
            fields.apply(township, &mut activity)?;
            let saved =
                entered(
                    township.update_checked::<Activity>(&id, today(), force(f), |a| *a = activity),
                )?;
            Ok(Some(format!("已修改活动「{}」 {id}", saved.title)))
        }
        ActivityCommand::Archive(IdArg { id }) => {
            archive::<Activity>(township, &id, true).map(Some)
        }
        ActivityCommand::Restore(IdArg { id }) => {
            archive::<Activity>(township, &id, false).map(Some)
        }
    }
}

/// The organizing organizations in Chinese.
fn orgs(a: &Activity) -> String {
    a.organizations
        .iter()
        .map(|o| o.label())
        .collect::<Vec<_>>()
        .join("、")
}
