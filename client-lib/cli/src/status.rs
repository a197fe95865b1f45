//! `qunjian status`: where this device stands, offline — whether the
//! county server answers now (a probe of two seconds at most), when the
//! replica last synced, how many local changes the server is not known to
//! hold, and which rules the offline figures use.

use clap::Args;
use qunjian_client::{PROBE_WAIT, Replica};
use serde_json::json;

use crate::rules;

/// `qunjian status [--json]`.
#[derive(Args)]
pub struct StatusArgs {
    /// The server to probe [default: the one this replica last synced with].
    #[arg(long, env = "QUNJIAN_SERVER")]
    server: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn local_time(at: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(at)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Run `status`; the text to print.
pub async fn run(replica: &Replica, doc_url: &str, args: StatusArgs) -> anyhow::Result<String> {
    // Says what to do when the replica does not hold the document yet.
    crate::open(replica, doc_url).await?;
    let status = match &args.server {
        Some(server) => {
            replica
                .status_with(doc_url, Some(server), PROBE_WAIT)
                .await?
        }
        None => replica.status(doc_url).await?,
    };
    let in_effect = replica.rules();
    if args.json {
        let body = json!({
            "document": doc_url,
            "server": status.server,
            "reachable": status.reachable,
            "last_sync": status
                .last_sync
                .map(|t| chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339()),
            "server_heads_known": status.server_heads_known,
            "unsent_changes": status.unsent_changes,
            "all_sent": status.all_sent(),
            "rules": rules::to_json(&in_effect),
        });
        return Ok(serde_json::to_string_pretty(&body)?);
    }
    let server = match (&status.server, status.reachable) {
        (None, _) => "服务器: 未同步过，不知道服务器地址".to_string(),
        (Some(s), true) => format!("服务器: {s} 可以连接"),
        (Some(s), false) => format!("服务器: {s} 无法连接（离线）"),
    };
    let last = match status.last_sync {
        Some(t) => format!("上次同步: {}", local_time(t)),
        None => "上次同步: 从未同步".to_string(),
    };
    let changes = if status.all_sent() {
        "本地修改: 都已在服务器上（已同步）".to_string()
    } else if status.server_heads_known {
        format!(
            "本地修改: {} 条尚未上传到服务器（待同步），运行 `qunjian sync` 上传",
            status.unsent_changes
        )
    } else {
        format!(
            "本地修改: {} 条，不知道服务器已有哪些（待同步），运行 `qunjian sync` 上传",
            status.unsent_changes
        )
    };
    Ok([server, last, changes, rules::line(&in_effect)].join("\n"))
}
