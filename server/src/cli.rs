//! The command line: parse, dispatch, turn errors into a message and an
//! exit code. Nothing else lives here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use qunjian_shared::TownshipKind;
use qunjian_shared::rules::Rules;

use crate::{admin, db, serve, townships};

#[derive(Parser)]
#[command(
    name = "qunjian-server",
    version,
    about = "群建 county server: sync township documents, report the county's figures"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the county server (sync endpoint, API).
    Serve {
        /// Directory holding qunjian.db; created if missing.
        #[arg(long, default_value = "./qunjian-data")]
        data_dir: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// The county's rules (thresholds, targets, quotas) as TOML; only the
        /// keys that differ from the defaults are needed. See docs/rules.example.toml.
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Manage townships (乡镇).
    Township {
        #[command(subcommand)]
        command: TownshipCommand,
    },
}

#[derive(Subcommand)]
enum TownshipCommand {
    /// Add a township and create its document; prints the document's URL.
    Add {
        /// Administrative code, unique in the county (e.g. 330825101).
        #[arg(long)]
        code: String,
        /// Name (e.g. 城关镇).
        #[arg(long)]
        name: String,
        /// xiang (乡), zhen (镇) or jiedao (街道).
        #[arg(long, default_value = "zhen")]
        kind: String,
        /// The county's code, recorded in the document's meta.
        #[arg(long, default_value = "")]
        county: String,
        /// Directory holding qunjian.db.
        #[arg(long, default_value = "./qunjian-data")]
        data_dir: PathBuf,
    },
    /// List the townships.
    List {
        /// Directory holding qunjian.db.
        #[arg(long, default_value = "./qunjian-data")]
        data_dir: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Run the CLI with the process's arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve { .. }) {
        default_sigpipe();
    }
    init_tracing();
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

/// Rust ignores SIGPIPE, so `qunjian-server township list | head` would
/// end in a panic inside `println!`; the admin commands stop quietly
/// instead, as `cat` does. Never for `serve`: there a peer closing its
/// socket must be an error on that socket, not the end of the server.
fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called in main before the runtime starts any thread;
    // restoring a signal's default disposition has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,samod=warn,samod_core=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            data_dir,
            listen,
            rules,
        } => {
            let rules = match rules {
                Some(path) => Rules::load(&path)
                    .with_context(|| format!("规则文件 {} 有误，服务未启动", path.display()))?,
                None => Rules::default(),
            };
            let server = serve::start(serve::ServeConfig {
                data_dir,
                listen,
                rules,
            })
            .await?;
            // Scripts and tests read this line to learn the port.
            println!("qunjian-server listening on http://{}", server.addr);
            server.run_until_signal().await;
            Ok(())
        }
        Command::Township { command } => match command {
            TownshipCommand::Add {
                code,
                name,
                kind,
                county,
                data_dir,
            } => {
                let kind: TownshipKind = kind.parse()?;
                let row = admin::add_township(&data_dir, &code, &name, kind, &county).await?;
                println!("{}", row.url());
                eprintln!("已添加乡镇 {} {} ({})", row.code, row.name, kind.label());
                Ok(())
            }
            TownshipCommand::List { data_dir, json } => {
                let conn = db::open(&data_dir)?;
                let rows = townships::list(&conn)?;
                if json {
                    let infos: Vec<_> = rows.iter().map(townships::Township::info).collect();
                    println!("{}", serde_json::to_string_pretty(&infos)?);
                } else if rows.is_empty() {
                    eprintln!(
                        "还没有乡镇。用 `qunjian-server township add --code <代码> --name <名称>` 添加。"
                    );
                } else {
                    println!("代码\t名称\t类型\t文档\t最后同步");
                    for t in rows {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            t.code,
                            t.name,
                            t.kind,
                            t.url(),
                            t.last_change_at.as_deref().unwrap_or("-")
                        );
                    }
                }
                Ok(())
            }
        },
    }
}
