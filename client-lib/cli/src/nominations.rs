//! `qunjian nominate`, `qunjian step` and `qunjian nomination …`: 推优,
//! a mass organization recommending one of its members to the Party, step
//! by step in order.

use clap::{Args, Subcommand};
use qunjian_client::Township;
use qunjian_client::schema::{
    ApprovalStep, AssemblyStep, InspectionStep, Nomination, PartyDecision, PartyDecisionStep,
    Person, RecommendedStep, RecommendingOrg, ReviewDecision, Step, StepName, Unit,
    UpperReviewStep,
};

use crate::records::{
    IdArg, ShowArgs, archive, count, date, entered, enum_value, force, listed, person_name,
    print_list, print_show, record_id, today, unit_name, year,
};

/// `qunjian nominate`: start a 推优.
#[derive(Args)]
pub struct Nominate {
    /// 被推荐人 (the person's id or a unique prefix).
    #[arg(long)]
    person: String,
    /// 推荐组织 (recommending organization): union 工会, league 团组织, women 妇女组织.
    #[arg(long)]
    org: String,
    /// 推荐单位 (the unit whose organization recommends: id or prefix).
    #[arg(long)]
    unit: String,
    /// 年度 (year).
    #[arg(long)]
    year: String,
    /// 上级组织直接推荐 (recommended directly by the upper organization:
    /// starts at the upper review; for league secretaries and women's directors and above).
    #[arg(long)]
    direct: bool,
    /// 照样录入 (enter it even if the checks refuse it, e.g. a direct
    /// nomination of someone whose post does not allow it; `check` lists it).
    #[arg(long)]
    force: bool,
}

/// `qunjian step <nomination> <step>`: one step of a 推优, with its fields.
#[derive(Args)]
pub struct StepArgs {
    /// 推优编号 (the nomination's id or a unique prefix).
    nomination: String,
    #[command(subcommand)]
    step: StepCommand,
}

/// The six steps, in order; each needs the one before (a direct
/// nomination starts at upper-review).
#[derive(Subcommand)]
pub enum StepCommand {
    /// 1. 民主推荐(大会) (members' assembly).
    #[command(alias = "民主推荐", alias = "大会")]
    Assembly {
        #[command(flatten)]
        on: On,
        /// 到会人数 (attendance).
        #[arg(long)]
        attendance: Option<String>,
        /// 赞成票 (votes for).
        #[arg(long)]
        votes_for: Option<String>,
    },
    /// 2. 考察 (inspection).
    #[command(alias = "考察")]
    Inspection {
        #[command(flatten)]
        on: On,
        /// 考察人 (inspector).
        #[arg(long)]
        inspector: Option<String>,
        /// 考察材料摘要 (summary of the written inspection).
        #[arg(long)]
        summary: Option<String>,
    },
    /// 3. 审批 (approval).
    #[command(alias = "审批")]
    Approval {
        #[command(flatten)]
        on: On,
        /// 推荐理由 (reason).
        #[arg(long)]
        reason: Option<String>,
    },
    /// 4. 上级审核 (upper-level review).
    #[command(alias = "upper_review", alias = "上级审核")]
    UpperReview {
        #[command(flatten)]
        on: On,
        /// 审核结论 (decision): approved 同意, returned 退回.
        #[arg(long)]
        decision: String,
        /// 审核组织 (reviewing organization).
        #[arg(long)]
        organization: Option<String>,
        /// 意见 (comment).
        #[arg(long)]
        comment: Option<String>,
    },
    /// 5. 推荐 (recommended to the party organization).
    #[command(alias = "推荐")]
    Recommended {
        #[command(flatten)]
        on: On,
        /// 接收推荐的党组织 (the party organization recommended to).
        #[arg(long)]
        party_organization: Option<String>,
    },
    /// 6. 党组织决定 (party decision).
    #[command(alias = "party_decision", alias = "党组织决定")]
    PartyDecision {
        #[command(flatten)]
        on: On,
        /// 决定 (decision): development_target 列为发展对象, activist 列为入党积极分子,
        /// keep_cultivating 继续培养.
        #[arg(long)]
        decision: String,
    },
}

/// What every step has: its date, and --force.
#[derive(Args)]
pub struct On {
    /// 日期 (date) YYYY-MM-DD.
    #[arg(long)]
    date: String,
    /// 强制记录 (record it even if dated before the step it follows or
    /// after today; `check` lists it). A missing step is never forced.
    #[arg(long)]
    force: bool,
}

/// 推优 records.
#[derive(Subcommand)]
pub enum NominationCommand {
    /// List nominations (not archived unless --all), with the step each has reached.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// 包括已归档 (include archived ones).
        #[arg(long)]
        all: bool,
        /// 年度 (only this year).
        #[arg(long)]
        year: Option<String>,
    },
    /// Show one nomination and its steps.
    Show(ShowArgs),
    /// Archive a nomination (kept in the ledger, hidden from lists).
    Archive(IdArg),
    /// Restore an archived nomination.
    Restore(IdArg),
}

impl NominationCommand {
    /// Whether the command only reads.
    pub fn is_read(&self) -> bool {
        matches!(
            self,
            NominationCommand::List { .. } | NominationCommand::Show(_)
        )
    }
}

/// Run `nominate`: prints the new nomination's id.
pub fn nominate(township: &Township, a: Nominate) -> anyhow::Result<String> {
    let person = record_id::<Person>(township, &a.person)?;
    let unit = record_id::<Unit>(township, &a.unit)?;
    let org = enum_value::<RecommendingOrg>(&a.org, "--org")?;
    let year = year(&a.year, "--year")?;
    entered(township.nominate_checked(&person, org, &unit, year, a.direct, today(), force(a.force)))
}

/// Run `step`: record one step, refused when the step before is missing.
pub fn step(township: &Township, a: StepArgs) -> anyhow::Result<String> {
    let id = record_id::<Nomination>(township, &a.nomination)?;
    let text = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let counted = |v: Option<String>, flag: &str| v.map(|v| count(&v, flag)).transpose();
    let (step, on) = match a.step {
        StepCommand::Assembly {
            on,
            attendance,
            votes_for,
        } => {
            let attendance = counted(attendance, "--attendance")?;
            let votes_for = counted(votes_for, "--votes-for")?;
            let date = date(&on.date, "--date")?;
            let step = Step::Assembly(AssemblyStep {
                date,
                attendance,
                votes_for,
            });
            (step, on)
        }
        StepCommand::Inspection {
            on,
            inspector,
            summary,
        } => (
            Step::Inspection(InspectionStep {
                date: date(&on.date, "--date")?,
                inspector: text(inspector),
                summary: text(summary),
            }),
            on,
        ),
        StepCommand::Approval { on, reason } => (
            Step::Approval(ApprovalStep {
                date: date(&on.date, "--date")?,
                reason: text(reason),
            }),
            on,
        ),
        StepCommand::UpperReview {
            on,
            decision,
            organization,
            comment,
        } => (
            Step::UpperReview(UpperReviewStep {
                date: date(&on.date, "--date")?,
                organization: text(organization),
                decision: enum_value::<ReviewDecision>(&decision, "--decision")?,
                comment: text(comment),
            }),
            on,
        ),
        StepCommand::Recommended {
            on,
            party_organization,
        } => (
            Step::Recommended(RecommendedStep {
                date: date(&on.date, "--date")?,
                party_organization: text(party_organization),
            }),
            on,
        ),
        StepCommand::PartyDecision { on, decision } => (
            Step::PartyDecision(PartyDecisionStep {
                date: date(&on.date, "--date")?,
                decision: enum_value::<PartyDecision>(&decision, "--decision")?,
            }),
            on,
        ),
    };
    let name = step.name();
    entered(township.record_step_checked(&id, step, today(), force(on.force)))?;
    Ok(format!("已记录推优 {id} 的「{}」", name.label()))
}

/// Run a `nomination` command.
pub fn run(township: &Township, command: NominationCommand) -> anyhow::Result<Option<String>> {
    match command {
        NominationCommand::List {
            json,
            all,
            year: only,
        } => {
            let only = only.map(|y| year(&y, "--year")).transpose()?;
            let nominations: Vec<(String, Nomination)> = listed::<Nomination>(township, all)
                .into_iter()
                .filter(|(_, n)| only.is_none_or(|y| n.year == y))
                .collect();
            print_list(
                &nominations,
                json,
                &["被推荐人", "推荐组织", "单位", "年度", "进度", "方式"],
                |n| {
                    vec![
                        person_name(township, &n.person),
                        n.organization.label().to_string(),
                        unit_name(township, &n.unit),
                        n.year.to_string(),
                        progress(n),
                        way(n).to_string(),
                    ]
                },
            )
        }
        NominationCommand::Show(args) => print_show::<Nomination>(township, args, |n| {
            let mut rows = vec![
                (
                    "被推荐人",
                    format!("{} ({})", person_name(township, &n.person), n.person),
                ),
                ("推荐组织", n.organization.label().to_string()),
                (
                    "单位",
                    format!("{} ({})", unit_name(township, &n.unit), n.unit),
                ),
                ("年度", n.year.to_string()),
                ("方式", way(n).to_string()),
                ("进度", progress(n)),
            ];
            for s in StepName::ALL {
                if s.skipped_when_direct() && n.direct {
                    continue;
                }
                let recorded = n
                    .steps
                    .date(*s)
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "未记录".to_string());
                rows.push((s.label(), recorded));
            }
            rows
        }),
        NominationCommand::Archive(IdArg { id }) => {
            archive::<Nomination>(township, &id, true).map(Some)
        }
        NominationCommand::Restore(IdArg { id }) => {
            archive::<Nomination>(township, &id, false).map(Some)
        }
    }
}

/// How the nomination went up, in Chinese.
fn way(n: &Nomination) -> &'static str {
    if n.direct {
        "直接推荐"
    } else {
        "逐级推荐"
    }
}

/// The furthest step reached, in Chinese.
fn progress(n: &Nomination) -> String {
    n.steps
        .latest()
        .map(|s| s.label().to_string())
        .unwrap_or_else(|| "未开始".to_string())
}
