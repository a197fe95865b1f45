//! `qunjian link …`: county women's executives linked to the 两新 women's
//! committees of this township (执委挂钩), recorded like any record.
//!
//! `qunjian visit add --cadre <her name> --unit <the unit>` records her
//! visits; the county counts them for the link by name and unit.

use clap::Subcommand;
use qunjian_client::Township;
use qunjian_client::schema::{ExecLink, Unit};

use crate::records::{
    IdArg, ListArgs, ShowArgs, archive, date, entered, fetch, force, listed, opt, print_list,
    print_show, record_id, required, set_text, today, unit_name,
};

/// Executives' links.
#[derive(Subcommand)]
pub enum LinkCommand {
    /// Link an executive to a 两新 unit's women's committee; prints the id.
    /// A unit that is not an enterprise or social organization, or a date
    /// after today, is refused unless --force.
    Add {
        /// 县妇联执委 (her name, written the same in every township).
        #[arg(long)]
        executive: String,
        /// 挂钩单位 (the unit: id or prefix).
        #[arg(long)]
        unit: String,
        /// 挂钩日期 (since) YYYY-MM-DD.
        #[arg(long)]
        since: String,
        /// 结束日期 (until) YYYY-MM-DD, when the link has ended.
        #[arg(long)]
        until: Option<String>,
        /// 备注 (notes).
        #[arg(long)]
        notes: Option<String>,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// List links (not archived unless --all).
    List(ListArgs),
    /// Show one link.
    Show(ShowArgs),
    /// Change fields of a link: only the flags given are changed; an empty
    /// value ('') clears until or notes.
    Update {
        /// 挂钩编号 (the link's id, or a unique prefix of it).
        id: String,
        /// 县妇联执委.
        #[arg(long)]
        executive: Option<String>,
        /// 挂钩单位 (id or prefix).
        #[arg(long)]
        unit: Option<String>,
        /// 挂钩日期 YYYY-MM-DD.
        #[arg(long)]
        since: Option<String>,
        /// 结束日期 YYYY-MM-DD ('' while the link lasts).
        #[arg(long)]
        until: Option<String>,
        /// 备注.
        #[arg(long)]
        notes: Option<String>,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// Archive a link (kept in the ledger, hidden from lists).
    Archive(IdArg),
    /// Restore an archived link.
    Restore(IdArg),
}

impl LinkCommand {
    /// Whether the command only reads.
    pub fn is_read(&self) -> bool {
        matches!(self, LinkCommand::List(_) | LinkCommand::Show(_))
    }
}

/// `--until`: a date, or '' for none.
fn until(given: &str) -> anyhow::Result<Option<qunjian_client::schema::Date>> {
    if given.trim().is_empty() {
        Ok(None)
    } else {
        date(given, "--until").map(Some)
    }
}

/// Run a link command. An edit returns what to print once it is saved.
pub fn run(township: &Township, command: LinkCommand) -> anyhow::Result<Option<String>> {
    match command {
        LinkCommand::Add {
            executive,
            unit,
            since,
            until: end,
            notes,
            force: f,
        } => {
            let mut link = ExecLink {
                executive: required(&executive, "--executive", "执委姓名")?,
                unit: record_id::<Unit>(township, &unit)?,
                since: date(&since, "--since")?,
                until: match end {
                    Some(end) => until(&end)?,
                    None => None,
                },
                notes: None,
                archived: false,
            };
            set_text(&mut link.notes, notes);
            Ok(Some(entered(township.add_checked(
                &link,
                today(),
                force(f),
            ))?))
        }
        LinkCommand::List(ListArgs { json, all }) => print_list(
            &listed::<ExecLink>(township, all),
            json,
            &["执委", "挂钩单位", "挂钩日期", "结束日期"],
            |l| {
                vec![
                    l.executive.clone(),
                    unit_name(township, &l.unit),
                    l.since.to_string(),
                    opt(&l.until),
                ]
            },
        ),
        LinkCommand::Show(args) => print_show::<ExecLink>(township, args, |l| {
            vec![
                ("县妇联执委", l.executive.clone()),
                (
                    "挂钩单位",
                    format!("{} ({})", unit_name(township, &l.unit), l.unit),
                ),
                ("挂钩日期", l.since.to_string()),
                ("结束日期", opt(&l.until)),
                ("备注", opt(&l.notes)),
            ]
        }),
        LinkCommand::Update {
            id,
            executive,
            unit,
            since,
            until: end,
            notes,
            force: f,
        } => {
            let (id, mut link) = fetch::<ExecLink>(township, &id)?;
            if let Some(executive) = executive {
                link.executive = required(&executive, "--executive", "执委姓名")?;
            }
            if let Some(unit) = unit {
                link.unit = record_id::<Unit>(township, &unit)?;
            }
            if let Some(since) = since {
                link.since = date(&since, "--since")?;
            }
            if let Some(end) = end {
                link.until = until(&end)?;
            }
            set_text(&mut link.notes, notes);
            entered(township.update_checked::<ExecLink>(&id, today(), force(f), |l| *l = link))?;
            Ok(Some(format!("已修改执委挂钩 {id}")))
        }
        LinkCommand::Archive(IdArg { id }) => archive::<ExecLink>(township, &id, true).map(Some),
        LinkCommand::Restore(IdArg { id }) => archive::<ExecLink>(township, &id, false).map(Some),
    }
}
