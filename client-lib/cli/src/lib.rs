//! `qunjian`: the operator's tool on a township device. It works on a
//! local replica file; `sync` talks to the county server, everything else
//! works offline. Every command is a call into `qunjian-client`, the
//! library a township app embeds; this crate only parses arguments and
//! prints. It is a library so tests build the very same tool (`main`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use qunjian_client::{ClientError, Replica, Tls, Township};

mod activities;
mod app;
mod bundle;
mod check;
mod coverage;
mod gaps;
mod honors;
mod ledger;
mod links;
mod nominations;
mod orgs;
mod people;
mod raw;
mod records;
mod rules;
mod status;
mod sync;
mod township_orgs;
mod units;
mod visits;

#[derive(Parser)]
#[command(
    name = "qunjian",
    version,
    about = "群建 township tool: a local replica that syncs with the county server"
)]
struct Cli {
    /// The local replica file.
    #[arg(
        long,
        global = true,
        env = "QUNJIAN_REPLICA",
        default_value = "./qunjian-replica.db"
    )]
    replica: PathBuf,
    /// The township document's automerge: URL (`qunjian sync` finds it
    /// from the token when this is not given).
    #[arg(long, global = true, env = "QUNJIAN_DOC")]
    doc: Option<String>,
    /// This device's token (from `qunjian-server token create`); needed to sync.
    #[arg(long, global = true, env = "QUNJIAN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// A PEM file of extra certificate authorities to trust for wss:// and
    /// https:// (a county's own CA); the system's are always trusted.
    #[arg(long, global = true, env = "QUNJIAN_CA_FILE")]
    ca_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sync with the county server until both sides hold the same changes.
    Sync {
        /// The server's sync address [default: the one this replica last
        /// synced with, else ws://127.0.0.1:8080/sync].
        #[arg(long, env = "QUNJIAN_SERVER")]
        server: Option<String>,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Print the document as JSON (offline).
    Show,
    /// Sync by file, where there is no network (docs/BUNDLES.md).
    Bundle {
        #[command(subcommand)]
        command: bundle::BundleCommand,
    },
    /// Units (单位): add, list, show, update, archive, restore (offline).
    Unit {
        #[command(subcommand)]
        command: units::UnitCommand,
    },
    /// Organizations (组织) of a unit: `org set <unit-id> union --established 2026-03-01` (offline).
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// The township's own 妇联, 团委, 总工会 (乡镇自身群团组织):
    /// `township-org set --federation-chair 张敏 --federation-chair-full-time 是` (offline).
    TownshipOrg {
        #[command(subcommand)]
        command: township_orgs::TownshipOrgCommand,
    },
    /// People (人员): add, list, show, update, archive, restore (offline).
    Person {
        #[command(subcommand)]
        command: people::PersonCommand,
    },
    /// Start a 推优 (nomination); prints its id (offline).
    Nominate(nominations::Nominate),
    /// Record a step of a 推优, in order: `step <nomination> assembly --date 2026-03-01` (offline).
    Step(nominations::StepArgs),
    /// 推优 records (nominations): list, show, archive, restore (offline).
    Nomination {
        #[command(subcommand)]
        command: nominations::NominationCommand,
    },
    /// Activities (活动): add, list, show, update, archive, restore (offline).
    Activity {
        #[command(subcommand)]
        command: activities::ActivityCommand,
    },
    /// Honors (荣誉): add, list, show, update, archive, restore (offline).
    Honor {
        #[command(subcommand)]
        command: honors::HonorCommand,
    },
    /// Visits (走访): add, list, show, update, archive, restore (offline).
    Visit {
        #[command(subcommand)]
        command: visits::VisitCommand,
    },
    /// County women's executives linked to this township's 两新 women's
    /// committees (执委挂钩): add, list, show, update, archive, restore (offline).
    Link {
        #[command(subcommand)]
        command: links::LinkCommand,
    },
    /// Check the document: validation findings and conflicting fields (offline).
    Check {
        /// Print JSON: {"findings": [...], "conflicts": [...]}.
        #[arg(long)]
        json: bool,
    },
    /// Settle a conflicting field with one value (offline), as `check` lists it.
    Resolve {
        /// The record map: units, people, nominations, activities, honors, visits,
        /// exec_links or meta.
        map: String,
        /// The record id (empty for meta).
        id: String,
        /// The field path as `check` prints it, e.g. women_org.chair.
        field: String,
        /// The value to keep, as JSON: '"刘芳"', 12, true.
        value: String,
    },
    /// Write a blank Excel ledger (台账模板) to fill in and `import` (offline).
    Template {
        /// The workbook to write.
        #[arg(short, long, default_value = "台账模板.xlsx")]
        output: PathBuf,
    },
    /// Import a filled Excel ledger (台账): rows are checked, matched to
    /// existing records and added or updated (offline). Exit code 1 if any
    /// row was refused; the others are still imported unless --dry-run.
    Import {
        /// The .xlsx file.
        file: PathBuf,
        /// Print what would be added, updated and refused; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// 应建未建: each unit's missing organizations under the county's rules (offline).
    Gaps(gaps::GapsArgs),
    /// 组建率与配备率 against the county's targets (offline).
    Coverage(coverage::CoverageArgs),
    /// Server reachable, last sync, local changes not yet on the server (offline, a short probe).
    Status(status::StatusArgs),
    /// 乡镇网页应用: a local web app over the replica, opened in the browser (docs/APP.md).
    App(app::AppArgs),
    /// Set a raw value at a path such as `units/ID/name` (offline); the value is JSON.
    Set {
        /// Keys separated by '/'; missing maps are created.
        path: String,
        /// A JSON scalar: "城关村", 42, true, null.
        value: String,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Record an organization as formed (or not), with its date, form and leader.
    Set(orgs::OrgSet),
}

/// Rust ignores SIGPIPE, so `qunjian unit list | head` would end in a
/// panic inside `println!`. A command-line tool should stop quietly when its
/// reader goes away, as `cat` does.
fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists;
    // restoring a signal's default disposition has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Run the `qunjian` command line and give its exit code.
pub fn main() -> ExitCode {
    default_sigpipe();
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("QUNJIAN_LOG").unwrap_or_else(|_| {
        // The storage writer's failed commits are reported as the command's
        // error (an edit that is not saved), once, not logged on each retry.
        tracing_subscriber::EnvFilter::new(
            "warn,samod=error,samod_core=error,qunjian_shared::storage::writer=off",
        )
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误: {}", chain_once(&e));
            ExitCode::FAILURE
        }
    }
}

/// Where `sync` goes when neither the flag, the environment nor the
/// replica names a server.
const DEFAULT_SERVER: &str = "ws://127.0.0.1:8080/sync";

async fn run(mut cli: Cli) -> anyhow::Result<()> {
    if let Command::Template { output } = &cli.command {
        return ledger::template(output);
    }
    if let Command::App(args) = cli.command {
        let tls = extra_ca(cli.ca_file.as_deref())?;
        return app::run(cli.replica, cli.token, tls, args).await;
    }
    // Flags and the environment win over what the replica remembers (the
    // app keeps the token it was set up with in the replica file).
    let remembered = Replica::remembered(&cli.replica);
    if cli.token.is_none() {
        cli.token = remembered.token.clone();
    }
    let needs_token = matches!(cli.command, Command::Sync { .. }) && cli.token.is_none();
    if needs_token {
        bail!("同步需要令牌：用 --token 或设置 QUNJIAN_TOKEN (sync needs this device's token)");
    }
    let tls = extra_ca(cli.ca_file.as_deref())?;
    if let Command::Sync { server, .. } = &mut cli.command
        && server.is_none()
    {
        *server = Some(
            remembered
                .server
                .clone()
                .unwrap_or_else(|| DEFAULT_SERVER.to_string()),
        );
    }
    let doc_url = match (cli.doc, &cli.command, &cli.token) {
        (Some(doc), _, _) => doc,
        (None, _, _) if remembered.document.is_some() => {
            remembered.document.clone().unwrap_or_default()
        }
        // A device starts from the server's address and its token alone.
        (None, Command::Sync { server, .. }, Some(token)) => {
            let server = server.as_deref().unwrap_or(DEFAULT_SERVER);
            let me = match &tls {
                Some(tls) => qunjian_client::me_trusting(server, token, tls).await?,
                None => qunjian_client::me(server, token).await?,
            };
            let Some(doc) = me.document_url else {
                bail!(
                    "令牌 {} 是 {} 角色，不属于某个乡镇：请用 --doc 指定文档 (a county token needs --doc)",
                    me.label,
                    me.role
                );
            };
            eprintln!("本设备的乡镇文档: {doc}（副本会记住它）");
            doc
        }
        // A bundle names its document; a new replica starts from it.
        (None, Command::Bundle { command }, _) if !command.needs_doc() => String::new(),
        (None, _, _) => bail!(
            "没有指定文档：用 --doc automerge:... 或设置 QUNJIAN_DOC；或带上令牌运行一次 `qunjian sync` 查询 (no document given)"
        ),
    };
    // The server answers another township's document with "unavailable",
    // which sync alone would only notice at its timeout: ask the server
    // whose the token is first, and say so at once.
    if let (Command::Sync { server, timeout }, Some(token)) = (&cli.command, &cli.token) {
        let server = server.as_deref().unwrap_or(DEFAULT_SERVER);
        let ask = async {
            match &tls {
                Some(tls) => qunjian_client::me_trusting(server, token, tls).await,
                None => qunjian_client::me(server, token).await,
            }
        };
        // Bounded: a server that does not answer is for sync to report.
        let me = tokio::time::timeout(Duration::from_secs((*timeout).min(10)), ask).await;
        // Other failures (no network, a revoked token) are for sync to report.
        if let Ok(Ok(me)) = me
            && let Some(own) = &me.document_url
            && !same_document(own, &doc_url)
        {
            bail!(
                "此令牌不能访问该乡镇文档 {doc_url}：令牌 {} 属于文档 {own}；请使用该乡镇的令牌，或用 --doc 指定令牌所属的文档 (this token cannot reach that township's document)",
                me.label
            );
        }
    }
    let replica = match &cli.token {
        Some(token) => Replica::open_with_token(&cli.replica, token).await,
        None => Replica::open(&cli.replica).await,
    }
    .map_err(|e| open_failed(&cli.replica, e))?;
    if let Some(tls) = tls {
        replica.trust(tls);
    }
    let is_read = matches!(
        cli.command,
        Command::Show
            | Command::Check { .. }
            | Command::Gaps(_)
            | Command::Coverage(_)
            | Command::Status(_)
    ) || reads_records(&cli.command);
    let result = command(&replica, &doc_url, cli.command).await;
    // An edit is done once it is durable in the file: say nothing about
    // it before, and fail at once when the file refuses it.
    let closed = replica.close_durable(SAVE_WAIT).await;
    let output = result?;
    if !is_read {
        closed?;
    }
    if let Some(output) = output {
        println!("{output}");
    }
    Ok(())
}

/// The county's own CA from `--ca-file`, if given.
fn extra_ca(ca_file: Option<&std::path::Path>) -> anyhow::Result<Option<Tls>> {
    let Some(path) = ca_file else {
        return Ok(None);
    };
    let pem =
        std::fs::read(path).with_context(|| format!("无法读取 CA 证书文件 {}", path.display()))?;
    Ok(Some(
        Tls::with_extra_ca_pem(&pem).with_context(|| path.display().to_string())?,
    ))
}

/// Whether a record command only reads (list, show): a read must not fail
/// because the replica file could not be closed durably.
fn reads_records(command: &Command) -> bool {
    match command {
        Command::Unit { command } => command.is_read(),
        Command::Person { command } => command.is_read(),
        Command::Nomination { command } => command.is_read(),
        Command::Activity { command } => command.is_read(),
        Command::Honor { command } => command.is_read(),
        Command::Visit { command } => command.is_read(),
        Command::Link { command } => command.is_read(),
        _ => false,
    }
}

/// How long an edit may take to reach the replica file.
const SAVE_WAIT: Duration = Duration::from_secs(15);

/// Run one command; an edit returns what to print once it is saved.
async fn command(
    replica: &Replica,
    doc_url: &str,
    command: Command,
) -> anyhow::Result<Option<String>> {
    match command {
        Command::Sync { server, timeout } => {
            let server = server.as_deref().unwrap_or(DEFAULT_SERVER);
            sync::run(replica, doc_url, server, timeout).await
        }
        Command::Bundle { command } => {
            let doc = Some(doc_url).filter(|d| !d.is_empty());
            bundle::run(replica, doc, command).await.map(|()| None)
        }
        Command::Show => {
            let township = open(replica, doc_url).await?;
            println!("{}", serde_json::to_string_pretty(&township.to_json())?);
            Ok(None)
        }
        Command::Set { path, value } => {
            raw::set(&open(replica, doc_url).await?, &path, &value).map(Some)
        }
        Command::Check { json } => {
            check::check(&open(replica, doc_url).await?, json).map(|()| None)
        }
        Command::Resolve {
            map,
            id,
            field,
            value,
        } => check::resolve(&open(replica, doc_url).await?, &map, &id, &field, &value).map(Some),
        Command::Unit { command } => units::run(&open(replica, doc_url).await?, command),
        Command::Org {
            command: OrgCommand::Set(args),
        } => orgs::set(&open(replica, doc_url).await?, args).map(Some),
        Command::TownshipOrg { command } => {
            township_orgs::run(&open(replica, doc_url).await?, command)
        }
        Command::Person { command } => people::run(&open(replica, doc_url).await?, command),
        Command::Nominate(args) => {
            nominations::nominate(&open(replica, doc_url).await?, args).map(Some)
        }
        Command::Step(args) => nominations::step(&open(replica, doc_url).await?, args).map(Some),
        Command::Nomination { command } => {
            nominations::run(&open(replica, doc_url).await?, command)
        }
        Command::Activity { command } => activities::run(&open(replica, doc_url).await?, command),
        Command::Honor { command } => honors::run(&open(replica, doc_url).await?, command),
        Command::Visit { command } => visits::run(&open(replica, doc_url).await?, command),
        Command::Link { command } => links::run(&open(replica, doc_url).await?, command),
        Command::Template { output } => ledger::template(&output).map(|()| None),
        // Handled in `run`: the app keeps its replica open while it runs.
        Command::App(_) => Ok(None),
        Command::Gaps(args) => gaps::run(replica, &open(replica, doc_url).await?, args).map(Some),
        Command::Coverage(args) => {
            coverage::run(replica, &open(replica, doc_url).await?, args).map(Some)
        }
        Command::Status(args) => status::run(replica, doc_url, args).await.map(Some),
        Command::Import { file, dry_run } => {
            ledger::import(&open(replica, doc_url).await?, &file, dry_run).map(|()| None)
        }
    }
}

/// Whether two automerge: URLs name the same document.
fn same_document(a: &str, b: &str) -> bool {
    let id = |u: &str| {
        u.trim()
            .parse::<qunjian_client::samod::AutomergeUrl>()
            .ok()
            .map(|u| u.document_id().clone())
    };
    match (id(a), id(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

/// An error and its causes on one line, each said once: most layers'
/// messages already end with their source's, and `{:#}` would repeat it.
fn chain_once(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for layer in e.chain() {
        let message = layer.to_string();
        if line.contains(&message) {
            continue;
        }
        // A layer may also repeat a part of what came before (a path).
        for part in message.split(": ") {
            if part.trim().is_empty() || line.contains(part) {
                continue;
            }
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(part);
        }
        // SQLite's own error under rusqlite's only restates it as a code.
        if layer.is::<rusqlite::Error>() {
            break;
        }
    }
    line
}

/// Why the replica file could not be opened, saying what to fix when it
/// is a matter of permissions.
fn open_failed(path: &std::path::Path, e: ClientError) -> anyhow::Error {
    let denied = {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        let mut denied = false;
        while let Some(c) = cause {
            if let Some(sql) = c.downcast_ref::<rusqlite::Error>() {
                denied |= matches!(
                    sql.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::PermissionDenied)
                );
            }
            if let Some(io) = c.downcast_ref::<std::io::Error>() {
                denied |= io.kind() == std::io::ErrorKind::PermissionDenied;
            }
            cause = c.source();
        }
        denied
    };
    match e {
        _ if denied => anyhow::anyhow!(
            "副本文件 {} 是只读的或当前用户没有写权限：请检查文件及其所在目录的权限 (the replica file is read-only or not writable: check its permissions)",
            path.display()
        ),
        // Names the file already.
        ClientError::Storage(_) => e.into(),
        _ => anyhow::Error::new(e).context(format!("副本文件 {}", path.display())),
    }
}

/// The township document, from the local file (or the server, when it can be reached).
async fn open(replica: &Replica, doc_url: &str) -> anyhow::Result<Township> {
    replica
        .township(doc_url)
        .await
        .context("run `qunjian sync` once while the server is reachable to fetch the document")
}
