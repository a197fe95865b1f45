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
        #[command(flatten)]
        limits: LimitArgs,
        /// Seconds a stop (SIGTERM, Ctrl-C) waits for documents to be saved
        /// and queued writes to become durable; past it the server exits
        /// with an error naming how many writes were not stored.
        #[arg(long, default_value_t = serve::FLUSH_TIMEOUT.as_secs(), value_name = "SECONDS")]
        stop_timeout: u64,
    },
    /// Manage access tokens (令牌): create, list, revoke.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage townships (乡镇).
    Township {
        #[command(subcommand)]
        command: TownshipCommand,
    },
}

/// The `serve` flags for `Limits`; defaults in `limits.rs`.
#[derive(clap::Args)]
struct LimitArgs {
    /// Largest sync message accepted, in MiB (a township's first sync is
    /// its whole history in one message).
    #[arg(long, default_value_t = 64, env = "QUNJIAN_MAX_MESSAGE_MB")]
    max_message_mb: usize,
    /// Sync connections one token may have open at once.
    #[arg(long, default_value_t = 4, env = "QUNJIAN_CONNECTIONS_PER_TOKEN")]
    connections_per_token: usize,
    /// /api requests per second per token (bursts of twice this pass).
    #[arg(long, default_value_t = 20, env = "QUNJIAN_API_RATE")]
    api_rate: u32,
    /// Sync messages per second per connection (bursts of five times this
    /// pass); past it the server reads that connection more slowly.
    #[arg(long, default_value_t = 200, env = "QUNJIAN_SYNC_RATE")]
    sync_rate: u32,
    /// Seconds a sync connection may stay silent (pings unanswered) before it is closed.
    #[arg(long, default_value_t = 120, env = "QUNJIAN_IDLE_TIMEOUT")]
    idle_timeout: u64,
}

impl LimitArgs {
    fn limits(&self) -> anyhow::Result<crate::limits::Limits> {
        if self.max_message_mb == 0
            || self.connections_per_token == 0
            || self.api_rate == 0
            || self.sync_rate == 0
        {
            anyhow::bail!(
                "--max-message-mb、--connections-per-token、--api-rate、--sync-rate 必须大于 0 (limits must be positive)"
            );
        }
        if self.idle_timeout < 5 {
            anyhow::bail!("--idle-timeout 至少 5 秒 (at least 5 seconds)");
        }
        Ok(crate::limits::Limits {
            max_message_bytes: self.max_message_mb.saturating_mul(1024 * 1024),
            connections_per_token: self.connections_per_token,
            api_rate: f64::from(self.api_rate),
            api_burst: self.api_rate.saturating_mul(2),
            sync_rate: f64::from(self.sync_rate),
            sync_burst: self.sync_rate.saturating_mul(5),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout),
        })
    }
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (shown this once; only its hash is kept).
    Create {
        /// county-admin (everything), county-viewer (read all, reports) or
        /// township (its own township's document and reports).
        #[arg(long)]
        role: String,
        /// The township code, for --role township.
        #[arg(long)]
        township: Option<String>,
        /// What it is for, e.g. 城关镇平板1; unique among active tokens.
        #[arg(long)]
        label: Option<String>,
        /// Directory holding qunjian.db.
        #[arg(long, default_value = "./qunjian-data")]
        data_dir: PathBuf,
        /// Print JSON (token, id, peer id) instead of the token alone.
        #[arg(long)]
        json: bool,
    },
    /// List tokens: label, role, township, created, last used, revoked.
    List {
        /// Directory holding qunjian.db.
        #[arg(long, default_value = "./qunjian-data")]
        data_dir: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by label or id; a running server closes its connections within seconds.
    Revoke {
        /// The token's label or id (as `token list` shows).
        which: String,
        /// Directory holding qunjian.db.
        #[arg(long, default_value = "./qunjian-data")]
        data_dir: PathBuf,
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
            limits,
            stop_timeout,
        } => {
            let limits = limits.limits()?;
            let rules = match rules {
                Some(path) => Rules::load(&path)
                    .with_context(|| format!("规则文件 {} 有误，服务未启动", path.display()))?,
                None => Rules::default(),
            };
            let data_dir_for_note = data_dir.clone();
            let server = serve::start(serve::ServeConfig {
                data_dir,
                listen,
                rules,
                limits,
                stop_timeout: std::time::Duration::from_secs(stop_timeout),
            })
            .await?;
            // Scripts and tests read this line to learn the port.
            println!("qunjian-server listening on http://{}", server.addr);
            if let Some(token) = &server.first_admin_token {
                let path = crate::auth::tokens::admin_token_path(&data_dir_for_note);
                eprintln!(
                    "首次启动：已创建县级管理员令牌（只显示这一次，也已写入 {}，仅本用户可读）:\n  {token}\n\
                     first start: created a county-admin token (shown once; also in {})",
                    path.display(),
                    path.display()
                );
            }
            server.run_until_signal().await?;
            Ok(())
        }
        Command::Token { command } => token_command(command),
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

fn token_command(command: TokenCommand) -> anyhow::Result<()> {
    use crate::audit::{self, Entry, Event};
    use crate::auth::{Role, tokens};
    match command {
        TokenCommand::Create {
            role,
            township,
            label,
            data_dir,
            json,
        } => {
            let role = Role::parse(&role, township.as_deref())?;
            let conn = db::open(&data_dir)?;
            let created = tokens::create(&conn, role, label.as_deref())?;
            let mut entry = Entry::new(Event::TokenCreated).detail(format!(
                "{} {} ({}) by the command line",
                created.info.id, created.info.label, created.info.role
            ));
            entry.township = created.info.township.clone();
            audit::insert(&conn, &[entry])?;
            if json {
                let peer_id = qunjian_shared::token::peer_id(&created.token);
                let body = serde_json::json!({
                    "token": created.token,
                    "peer_id": peer_id,
                    "info": created.info,
                });
                println!("{}", serde_json::to_string_pretty(&body)?);
            } else {
                println!("{}", created.token);
            }
            eprintln!(
                "已创建令牌 {}（{}，{}{}）。令牌只显示这一次，请妥善保存。",
                created.info.label,
                created.info.id,
                created.info.role,
                created
                    .info
                    .township
                    .as_deref()
                    .map(|t| format!("，乡镇 {t}"))
                    .unwrap_or_default()
            );
            Ok(())
        }
        TokenCommand::List { data_dir, json } => {
            let conn = db::open(&data_dir)?;
            let rows = tokens::list(&conn)?;
            let infos: Vec<_> = rows.iter().map(tokens::TokenRow::info).collect();
            if json {
                println!("{}", serde_json::to_string_pretty(&infos)?);
            } else if infos.is_empty() {
                eprintln!("还没有令牌。`qunjian-server serve` 首次启动时会创建管理员令牌。");
            } else {
                println!("编号\t标签\t角色\t乡镇\t创建\t最后使用\t吊销");
                for t in infos {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        t.id,
                        t.label,
                        t.role,
                        t.township.as_deref().unwrap_or("-"),
                        t.created_at,
                        t.last_used_at.as_deref().unwrap_or("-"),
                        t.revoked_at.as_deref().unwrap_or("-"),
                    );
                }
            }
            Ok(())
        }
        TokenCommand::Revoke { which, data_dir } => {
            let conn = db::open(&data_dir)?;
            let revoked = tokens::revoke(&conn, &which)?;
            let mut entry = Entry::new(Event::TokenRevoked).detail(format!(
                "{} {} by the command line",
                revoked.id, revoked.label
            ));
            entry.township = revoked.role.township().map(str::to_string);
            audit::insert(&conn, &[entry])?;
            eprintln!(
                "已吊销令牌 {}（{}）。运行中的服务器会在几秒内断开它的连接。",
                revoked.label, revoked.id
            );
            Ok(())
        }
    }
}
