//! `qunjian app`: a local web app over the replica, for cadres who work in
//! a browser rather than a terminal. It listens on loopback, prints an
//! address carrying a secret (see `secret`), opens the browser there, and
//! serves static pages (`pages`) that call a small JSON API (`api`) over
//! the same library calls the command line makes. It syncs in the
//! background (`background`) while it runs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use clap::Args;
use qunjian_client::Tls;

mod api;
mod background;
mod pages;
mod secret;
mod session;

use secret::Secret;
use session::Sessions;

/// `qunjian app [--listen ADDR] [--no-open]`.
#[derive(Args)]
pub struct AppArgs {
    /// Where to listen; keep it on loopback (127.0.0.1) unless you mean
    /// other machines to reach it.
    #[arg(long, default_value = "127.0.0.1:7373")]
    listen: SocketAddr,
    /// Do not open a browser; only print the address.
    #[arg(long)]
    no_open: bool,
    /// Seconds between background syncs.
    #[arg(long, default_value_t = 30, hide = true)]
    sync_every: u64,
}

/// What every handler shares.
pub struct App {
    secret: Secret,
    sessions: Sessions,
    sync_every: Duration,
}

/// Run the app until Ctrl-C (or SIGTERM).
pub async fn run(
    replica_path: PathBuf,
    token: Option<String>,
    tls: Option<Tls>,
    args: AppArgs,
) -> anyhow::Result<()> {
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "警告: {} 不是本机回环地址，其他电脑也能访问本应用（仍需密钥） (not a loopback address)",
            args.listen
        );
    }
    let sessions = Sessions::open(replica_path, token, tls).await?;
    let app = Arc::new(App {
        secret: Secret::generate()?,
        sessions,
        sync_every: Duration::from_secs(args.sync_every.max(1)),
    });
    let router = Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            secret::guard,
        ))
        .with_state(app.clone());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("无法监听 {} (cannot listen)", args.listen))?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}/?secret={}", app.secret.as_str());
    println!("群建乡镇应用已启动，请在浏览器中打开: {url}");
    println!("按 Ctrl-C 停止。");
    if !args.no_open {
        open_browser(&url);
    }
    let syncing = tokio::spawn(background::run(app.clone()));
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown())
        .await;
    syncing.abort();
    // Edits are durable in the file before the app says it has stopped.
    app.sessions.close().await?;
    served.context("本地网页服务出错 (the web server failed)")
}

/// Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// Open `url` in the desktop's browser; if there is none, the printed
/// address is enough.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        eprintln!("无法自动打开浏览器 ({opener}: {e})，请手动打开上面的地址");
    }
}
