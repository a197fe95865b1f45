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

mod bundle;
mod check;
mod orgs;
mod raw;
mod records;

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
        /// The server's sync address.
        #[arg(
            long,
            env = "QUNJIAN_SERVER",
            default_value = "ws://127.0.0.1:8080/sync"
        )]
        server: String,
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
    /// Units (单位): add, list, archive (offline).
    Unit {
        #[command(subcommand)]
        command: records::UnitCommand,
    },
    /// Organizations (组织) of a unit: `org set <unit-id> union --established 2026-03-01` (offline).
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// People (人员): add, list (offline).
    Person {
        #[command(subcommand)]
        command: records::PersonCommand,
    },
    /// Check the document: validation findings and conflicting fields (offline).
    Check,
    /// Settle a conflicting field with one value (offline), as `check` lists it.
    Resolve {
        /// The record map: units, people, nominations, activities, honors, visits or meta.
        map: String,
        /// The record id (empty for meta).
        id: String,
        /// The field path as `check` prints it, e.g. women_org.chair.
        field: String,
        /// The value to keep, as JSON: '"刘芳"', 12, true.
        value: String,
    },
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
        tracing_subscriber::EnvFilter::new("warn,samod=error,samod_core=error")
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
            eprintln!("错误: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let needs_token = matches!(cli.command, Command::Sync { .. }) && cli.token.is_none();
    if needs_token {
        bail!("同步需要令牌：用 --token 或设置 QUNJIAN_TOKEN (sync needs this device's token)");
    }
    let tls = match &cli.ca_file {
        Some(path) => {
            let pem = std::fs::read(path)
                .with_context(|| format!("无法读取 CA 证书文件 {}", path.display()))?;
            Some(Tls::with_extra_ca_pem(&pem).with_context(|| path.display().to_string())?)
        }
        None => None,
    };
    let doc_url = match (cli.doc, &cli.command, &cli.token) {
        (Some(doc), _, _) => doc,
        // A device starts from the server's address and its token alone.
        (None, Command::Sync { server, .. }, Some(token)) => {
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
            eprintln!("本设备的乡镇文档: {doc}\n以后离线使用时请设置 QUNJIAN_DOC={doc}");
            doc
        }
        // A bundle names its document; a new replica starts from it.
        (None, Command::Bundle { command }, _) if !command.needs_doc() => String::new(),
        (None, _, _) => bail!(
            "没有指定文档：用 --doc automerge:... 或设置 QUNJIAN_DOC；或带上令牌运行一次 `qunjian sync` 查询 (no document given)"
        ),
    };
    let replica = match &cli.token {
        Some(token) => Replica::open_with_token(&cli.replica, token).await,
        None => Replica::open(&cli.replica).await,
    }
    .with_context(|| format!("replica file {}", cli.replica.display()))?;
    if let Some(tls) = tls {
        replica.trust(tls);
    }
    let result = command(&replica, &doc_url, cli.command).await;
    replica.close().await;
    result
}

async fn command(replica: &Replica, doc_url: &str, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Sync { server, timeout } => {
            replica.connect(&server)?;
            match replica
                .wait_synced(doc_url, Duration::from_secs(timeout))
                .await
            {
                Ok(status) => {
                    println!("{status}");
                    // What the county holds, for `bundle export` later; a
                    // failure here costs only a larger bundle.
                    if let Err(e) = replica.remember_server_heads(doc_url).await {
                        tracing::warn!("cannot note the server's heads for bundles: {e}");
                    }
                    Ok(())
                }
                Err(ClientError::SyncTimeout(status)) => {
                    bail!("{timeout} 秒内未完成同步 (not synced within {timeout}s): {status}")
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Bundle { command } => {
            let doc = Some(doc_url).filter(|d| !d.is_empty());
            bundle::run(replica, doc, command).await
        }
        Command::Show => {
            let township = open(replica, doc_url).await?;
            println!("{}", serde_json::to_string_pretty(&township.to_json())?);
            Ok(())
        }
        Command::Set { path, value } => raw::set(&open(replica, doc_url).await?, &path, &value),
        Command::Check => check::check(&open(replica, doc_url).await?),
        Command::Resolve {
            map,
            id,
            field,
            value,
        } => check::resolve(&open(replica, doc_url).await?, &map, &id, &field, &value),
        Command::Unit { command } => records::unit(&open(replica, doc_url).await?, command),
        Command::Org {
            command: OrgCommand::Set(args),
        } => orgs::set(&open(replica, doc_url).await?, args),
        Command::Person { command } => records::person(&open(replica, doc_url).await?, command),
    }
}

/// The township document, from the local file (or the server, when it can be reached).
async fn open(replica: &Replica, doc_url: &str) -> anyhow::Result<Township> {
    replica
        .township(doc_url)
        .await
        .context("run `qunjian sync` once while the server is reachable to fetch the document")
}
