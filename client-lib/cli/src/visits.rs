//! `qunjian visit …`: a cadre's guidance visits (挂钩联系/驻点指导) to units.

use clap::Subcommand;
use qunjian_client::Township;
use qunjian_client::schema::{Unit, Visit};

use crate::records::{
    IdArg, ListArgs, ShowArgs, archive, date, entered, fetch, force, listed, opt, print_list,
    print_show, record_id, required, set_text, today, unit_name,
};

/// Visits.
#[derive(Subcommand)]
pub enum VisitCommand {
    /// Add a visit; prints its id. A date after today is refused unless --force.
    Add {
        /// 走访人 (the visiting cadre: a name or a person id).
        #[arg(long)]
        cadre: String,
        /// 走访单位 (the unit visited: id or prefix).
        #[arg(long)]
        unit: String,
        /// 日期 (date) YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// 目的 (purpose).
        #[arg(long)]
        purpose: Option<String>,
        /// 记录 (notes).
        #[arg(long)]
        notes: Option<String>,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// List visits (not archived unless --all).
    List(ListArgs),
    /// Show one visit.
    Show(ShowArgs),
    /// Change fields of a visit: only the flags given are changed; an empty
    /// value ('') clears purpose or notes.
    Update {
        /// 走访编号 (the visit's id, or a unique prefix of it).
        id: String,
        /// 走访人 (the visiting cadre).
        #[arg(long)]
        cadre: Option<String>,
        /// 走访单位 (the unit visited: id or prefix).
        #[arg(long)]
        unit: Option<String>,
        /// 日期 (date) YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        /// 目的 (purpose).
        #[arg(long)]
        purpose: Option<String>,
        /// 记录 (notes).
        #[arg(long)]
        notes: Option<String>,
        /// 强制记录 (record it even with problems; `check` lists them).
        #[arg(long)]
        force: bool,
    },
    /// Archive a visit (kept in the ledger, hidden from lists).
    Archive(IdArg),
    /// Restore an archived visit.
    Restore(IdArg),
}

impl VisitCommand {
    /// Whether the command only reads.
    pub fn is_read(&self) -> bool {
        matches!(self, VisitCommand::List(_) | VisitCommand::Show(_))
    }
}

/// Run a visit command. An edit returns what to print once it is saved.
pub fn run(township: &Township, command: VisitCommand) -> anyhow::Result<Option<String>> {
    match command {
        VisitCommand::Add {
            cadre,
            unit,
            date: on,
            purpose,
            notes,
            force: f,
        } => {
            let mut visit = Visit {
                cadre: required(&cadre, "--cadre", "走访人")?,
                unit: record_id::<Unit>(township, &unit)?,
                date: date(&on, "--date")?,
                purpose: None,
                notes: None,
                archived: false,
            };
            set_text(&mut visit.purpose, purpose);
            set_text(&mut visit.notes, notes);
            Ok(Some(entered(township.add_checked(
                &visit,
                today(),
                force(f),
            ))?))
        }
        VisitCommand::List(ListArgs { json, all }) => print_list(
            &listed::<Visit>(township, all),
            json,
            &["日期", "走访人", "单位", "目的"],
            |v| {
                vec![
                    v.date.to_string(),
                    v.cadre.clone(),
                    unit_name(township, &v.unit),
                    opt(&v.purpose),
                ]
            },
        ),
        VisitCommand::Show(args) => print_show::<Visit>(township, args, |v| {
            vec![
                ("走访人", v.cadre.clone()),
                (
                    "单位",
                    format!("{} ({})", unit_name(township, &v.unit), v.unit),
                ),
                ("日期", v.date.to_string()),
                ("目的", opt(&v.purpose)),
                ("记录", opt(&v.notes)),
            ]
        }),
        VisitCommand::Update {
            id,
            cadre,
            unit,
            date: on,
            purpose,
            notes,
            force: f,
        } => {
            let (id, mut visit) = fetch::<Visit>(township, &id)?;
            if let Some(cadre) = cadre {
                visit.cadre = required(&cadre, "--cadre", "走访人")?;
            }
            if let Some(unit) = unit {
                visit.unit = record_id::<Unit>(township, &unit)?;
            }
            if let Some(on) = on {
                visit.date = date(&on, "--date")?;
            }
            set_text(&mut visit.purpose, purpose);
            set_text(&mut visit.notes, notes);
            entered(township.update_checked::<Visit>(&id, today(), force(f), |v| *v = visit))?;
            Ok(Some(format!("已修改走访记录 {id}")))
        }
        VisitCommand::Archive(IdArg { id }) => archive::<Visit>(township, &id, true).map(Some),
        VisitCommand::Restore(IdArg { id }) => archive::<Visit>(township, &id, false).map(Some),
    }
}
