//! The command line: parse, dispatch, turn errors into a message and an
//! exit code. Nothing else lives here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use qunjian_shared::TownshipKind;
use qunjian_shared::rules::Rules;

use crate::logging::LogFormat;
use crate::{admin, county, schema, serve, townships};

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
        #[arg(long, default_value = "./qunjian-data", env = "QUNJIAN_DATA_DIR")]
        data_dir: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "QUNJIAN_LISTEN")]
        listen: SocketAddr,
        /// The county's rules (thresholds, targets, quotas) as TOML; only the
        /// keys that differ from the defaults are needed. See docs/rules.example.toml.
        #[arg(long, env = "QUNJIAN_RULES")]
        rules: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
        /// Seconds a stop (SIGTERM, Ctrl-C) waits for documents to be saved
        /// and queued writes to become durable; past it the server exits
        /// with an error naming how many writes were not stored.
        #[arg(long, default_value_t = serve::FLUSH_TIMEOUT.as_secs(), value_name = "SECONDS", env = "QUNJIAN_STOP_TIMEOUT")]
        stop_timeout: u64,
        /// A web origin (https://app.example.cn) whose pages may call the
        /// API from a browser (CORS); repeat for each, or separate with
        /// commas. None by default.
        #[arg(
            long = "allow-origin",
            value_name = "ORIGIN",
            value_delimiter = ',',
            env = "QUNJIAN_ALLOW_ORIGIN"
        )]
        allow_origin: Vec<String>,
        #[command(flatten)]
        backups: crate::backup::ScheduleArgs,
        /// Log lines as plain text, or as one JSON object per line for a log
        /// collector. Never with colour codes.
        #[arg(long, value_enum, default_value_t = LogFormat::Text, env = "QUNJIAN_LOG_FORMAT")]
        log_format: LogFormat,
        /// Also answer GET /metrics on this address, without a token and
        /// nothing else (e.g. 127.0.0.1:9464), so a scraper on this machine
        /// needs no county-admin token. Off by default; keep it on loopback.
        #[arg(long, value_name = "ADDR", env = "QUNJIAN_METRICS_LISTEN")]
        metrics_listen: Option<SocketAddr>,
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
    /// The county's name and code (县名称、代码), shown on every report and export.
    County {
        #[command(subcommand)]
        command: CountyCommand,
    },
    /// Sync by file (同步包) with townships that have no network.
    Bundle {
        #[command(subcommand)]
        command: BundleCommand,
    },
    /// Back up the database while the server runs (备份); safe while serving.
    Backup(crate::backup::commands::BackupArgs),
    /// Restore a backup into an empty data directory (恢复).
    Restore(crate::backup::commands::RestoreArgs),
    /// Check a backup: integrity, every document loads, counts (检查备份).
    Verify(crate::backup::commands::VerifyArgs),
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Apply a township's bundle (stop the server first; it loads the changes when it starts).
    Import {
        /// The bundle file a township exported.
        file: PathBuf,
        /// Directory holding qunjian.db.
        #[arg(long, default_value = "./qunjian-data", env = "QUNJIAN_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// Write a township's whole document to a bundle for its devices (safe while serving).
    Export {
        /// The township code.
        #[arg(long)]
        township: String,
        /// The bundle file to write.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// The whole document; the county always exports it whole, since it
        /// cannot know what a device holds (accepted for symmetry with `qunjian`).
        #[arg(long)]
        all: bool,
        /// Directory holding qunjian.db.
        #[arg(long, default_value = "./qunjian-data", env = "QUNJIAN_DATA_DIR")]
        data_dir: PathBuf,
    },
}

/// The `serve` flags for `Limits`; defaults in `limits.rs`.
#[derive(clap::Args)]
struct LimitArgs {
    /// Largest sync message accepted, in MiB (a township's first sync is
    /// its whole history in one message; a large township's is about 1.2 MB).
    /// A larger one closes the connection with 1009.
    #[arg(long, default_value_t = crate::limits::DEFAULT_MAX_MESSAGE_MB, env = "QUNJIAN_MAX_MESSAGE_MB")]
    max_message_mb: usize,
    /// Received sync messages being checked and handed to the document
    /// store at once, all connections together, in MiB; past it connections
    /// wait before reading their next message.
    #[arg(long, default_value_t = crate::limits::DEFAULT_MAX_INFLIGHT_MB, env = "QUNJIAN_MAX_INFLIGHT_MB")]
    max_inflight_mb: usize,
    /// Sync connections one token may have open at once.
    #[arg(long, default_value_t = 4, env = "QUNJIAN_CONNECTIONS_PER_TOKEN")]
    connections_per_token: usize,
    /// TCP connections open at once; one more is closed at once. Default:
    /// the open-file limit (raised to its hard limit) less 256 for the
    /// server's own files.
    #[arg(long, env = "QUNJIAN_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// TCP connections open at once from one IP address; one more is closed
    /// at once. Devices behind one NAT share an address, so this is sized
    /// for a township office. A --trust-proxy address is exempt (have the
    /// proxy cap per client, e.g. nginx limit_conn).
    #[arg(long, default_value_t = crate::limits::DEFAULT_CONNECTIONS_PER_ADDRESS, env = "QUNJIAN_CONNECTIONS_PER_ADDRESS")]
    connections_per_address: usize,
    /// Seconds a connection may take to send a request's headers, or to
    /// send its next request on a kept-alive connection, before it is closed.
    #[arg(long, default_value_t = 15, env = "QUNJIAN_HEADER_TIMEOUT")]
    header_timeout: u64,
    /// Seconds a request may take to send its body before it is answered 408.
    #[arg(long, default_value_t = 15, env = "QUNJIAN_BODY_TIMEOUT")]
    body_timeout: u64,
    /// The address of a reverse proxy (the TLS proxy) whose
    /// X-Forwarded-For names the client; repeat or separate with commas.
    #[arg(long, value_delimiter = ',', env = "QUNJIAN_TRUST_PROXY")]
    trust_proxy: Vec<std::net::IpAddr>,
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
            || self.max_inflight_mb == 0
            || self.connections_per_token == 0
            || self.max_connections == Some(0)
            || self.connections_per_address == 0
            || self.header_timeout == 0
            || self.body_timeout == 0
            || self.api_rate == 0
            || self.sync_rate == 0
        {
            anyhow::bail!(
                "--max-message-mb、--max-inflight-mb、--connections-per-token、--max-connections、--connections-per-address、--header-timeout、--body-timeout、--api-rate、--sync-rate 必须大于 0 (limits must be positive)"
            );
        }
        if self.idle_timeout < 5 {
            anyhow::bail!("--idle-timeout 至少 5 秒 (at least 5 seconds)");
        }
        let secs = std::time::Duration::from_secs;
        Ok(crate::limits::Limits {
            max_message_bytes: self.max_message_mb.saturating_mul(1024 * 1024),
            connections_per_token: self.connections_per_token,
            api_rate: f64::from(self.api_rate),
            api_burst: self.api_rate.saturating_mul(2),
            sync_rate: f64::from(self.sync_rate),
            sync_burst: self.sync_rate.saturating_mul(5),
            idle_timeout: secs(self.idle_timeout),
            max_inflight_bytes: self.max_inflight_mb.saturating_mul(1024 * 1024),
            max_connections: self
                .max_connections
                .unwrap_or_else(crate::limits::default_max_connections),
            connections_per_address: self.connections_per_address,
            header_timeout: secs(self.header_timeout),
            body_timeout: secs(self.body_timeout),
            trusted_proxies: self.trust_proxy.clone(),
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
        #[arg(long, default_value = "./qunjian-data", env = "QUNJIAN_DATA_DIR")]
        data_dir: PathBuf,
        /// Print JSON (token, id, peer id) instead of the token alone.
        #[arg(long)]
        json: bool,
    },
    /// List tokens: label, role, township, created, last used, revoked.
    List {
        /// Directory holding qunjian.db.
        #[arg(long, default_value = "./qunjian-data", env = "QUNJIAN_DATA_DIR")]
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
        #[arg(long, default_value = "./qunjian-data", env = "QUNJIAN_DATA_DIR")]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum CountyCommand {
    /// Name the county once (a running server shows it in the next report;
    /// it wins over the rules file's county_name and county_code).
    Set {
        /// The 6-digit administrative code (行政区划代码), e.g. 330825.
        #[arg(long)]
        code: String,
        /// The name, e.g. 龙游县.
        #[arg(long)]
        name: String,
        /// Directory holding qunjian.db.
        #[arg(long, default_value = "./qunjian-data")]
        data_dir: PathBuf,
    },
    /// Show the county's name and code in effect, and where they come from.
    Show {
        /// Directory holding qunjian.db.
        #[arg(long, default_value = "./qunjian-data")]
        data_dir: PathBuf,
        /// The rules file `serve --rules` is given, to show its name too.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Print JSON ({"code", "name"}, as GET /api/me's county).
        #[arg(long)]
        json: bool,
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
        #[arg(long, default_value = "./qunjian-data", env = "QUNJIAN_DATA_DIR")]
        data_dir: PathBuf,
    },
    /// List the townships.
    List {
        /// Directory holding qunjian.db.
        #[arg(long, default_value = "./qunjian-data", env = "QUNJIAN_DATA_DIR")]
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
    // Every command may create the database or its -wal/-shm: private.
    crate::data_dir::private_umask();
    let log_format = match &cli.command {
        Command::Serve { log_format, .. } => *log_format,
        _ => LogFormat::Text,
    };
    crate::logging::init(log_format);
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
            match log_format {
                LogFormat::Text => eprintln!("错误: {e:#}"),
                LogFormat::Json => tracing::error!("错误: {e:#}"),
            }
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

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            data_dir,
            listen,
            rules,
            limits,
            stop_timeout,
            allow_origin,
            backups,
            log_format,
            metrics_listen,
        } => {
            let limits = limits.limits()?;
            let allow_origins = crate::http::AllowedOrigins::parse(&allow_origin)?;
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
                allow_origins,
                backups: backups.schedule()?,
                metrics_listen,
            })
            .await?;
            // Scripts and tests read this line to learn the port.
            println!("qunjian-server listening on http://{}", server.addr);
            // The token itself is never printed: a service's journal would
            // keep it forever. Only where it is, and how to read it.
            if server.first_admin_token.is_some() {
                let path = crate::auth::tokens::admin_token_path(&data_dir_for_note);
                let path = path.display();
                let zh = format!(
                    "首次启动：已创建县级管理员令牌，保存在 {path}（仅本用户可读），用 `cat {path}` 查看，存好后删除该文件"
                );
                let en = format!(
                    "first start: created a county-admin token in {path} (readable by this user only); \
                     read it with `cat {path}`, store it elsewhere, then delete the file"
                );
                // A log collector reads every line of stderr as JSON.
                match log_format {
                    LogFormat::Text => eprintln!("{zh}\n{en}"),
                    LogFormat::Json => tracing::warn!("{zh} ({en})"),
                }
            }
            server.run_until_signal().await?;
            Ok(())
        }
        Command::Token { command } => token_command(command),
        Command::Backup(args) => args.run().await,
        Command::Restore(args) => args.run().await,
        Command::Verify(args) => args.run().await,
        Command::County { command } => county_command(command),
        Command::Bundle { command } => match command {
            BundleCommand::Import { file, data_dir } => {
                crate::bundle::import_file(&data_dir, &file).await
            }
            BundleCommand::Export {
                township,
                output,
                all: _,
                data_dir,
            } => crate::bundle::export_file(&data_dir, &township, &output).await,
        },
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
                let conn = schema::open(&data_dir)?;
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

fn county_command(command: CountyCommand) -> anyhow::Result<()> {
    match command {
        CountyCommand::Set {
            code,
            name,
            data_dir,
        } => {
            // Check before opening: a typo must not create a data directory.
            qunjian_shared::county::check_code(&code)?;
            qunjian_shared::county::check_name(&name)?;
            let conn = schema::open(&data_dir)?;
            let set = county::set(&conn, &code, &name)?;
            let code = set.code.as_deref().unwrap_or_default();
            eprintln!(
                "已设定县名称 {}，代码 {code}。报表、导出文件从下一次请求起显示它。",
                set.name
            );
            let towns: Vec<(String, String)> = townships::list(&conn)?
                .into_iter()
                .map(|t| (t.code, t.name))
                .collect();
            let outside = county::townships_outside(code, &towns);
            if !outside.is_empty() {
                eprintln!(
                    "注意: 这些乡镇代码不以县代码 {code} 开头，请核对: {} (these township codes do not start with the county code)",
                    outside.join("、")
                );
            }
            Ok(())
        }
        CountyCommand::Show {
            data_dir,
            rules,
            json,
        } => {
            let rules = match rules {
                Some(path) => Some(
                    Rules::load(&path)
                        .with_context(|| format!("规则文件 {} 有误", path.display()))?,
                ),
                None => None,
            };
            let conn = schema::open(&data_dir)?;
            let stored = county::stored(&conn)?;
            let in_effect =
                county::in_effect(stored.clone(), rules.as_ref().unwrap_or(&Rules::default()));
            if json {
                println!("{}", serde_json::to_string_pretty(&in_effect)?);
                return Ok(());
            }
            println!(
                "{}\t{}",
                in_effect.code.as_deref().unwrap_or("-"),
                in_effect.name
            );
            let from_rules = rules.as_ref().map(county::from_rules);
            match (&stored, &from_rules) {
                (Some(_), Some(r)) if r.name != qunjian_shared::county::UNNAMED => {
                    eprintln!("来自 `county set`（规则文件中的 {} 不起作用）", r.name)
                }
                (Some(_), _) => eprintln!("来自 `county set`"),
                (None, Some(r)) if r.name != qunjian_shared::county::UNNAMED => {
                    eprintln!("来自规则文件（`county set` 设定后以它为准）")
                }
                (None, _) => eprintln!(
                    "尚未设定，报表显示“{}”。用 `qunjian-server county set --code <6位代码> --name <县名称>` 设定。",
                    qunjian_shared::county::UNNAMED
                ),
            }
            Ok(())
        }
    }
}

fn token_command(command: TokenCommand) -> anyhow::Result<()> {
    use crate::auth::Role;
    use crate::auth::tokens::{self, ActedBy};
    match command {
        TokenCommand::Create {
            role,
            township,
            label,
            data_dir,
            json,
        } => {
            let role = Role::parse(&role, township.as_deref())?;
            let conn = schema::open(&data_dir)?;
            let created = tokens::create(&conn, role, label.as_deref(), ActedBy::CommandLine)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&created)?);
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
            let conn = schema::open(&data_dir)?;
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
            let conn = schema::open(&data_dir)?;
            let revoked = tokens::revoke(&conn, &which, ActedBy::CommandLine)?;
            eprintln!(
                "已吊销令牌 {}（{}）。运行中的服务器会在几秒内断开它的连接。",
                revoked.label, revoked.id
            );
            Ok(())
        }
    }
}
