//! `qunjian sync`: sync with the county server until both sides hold the
//! same changes, with a spinner on a terminal, and a summary line at the
//! end: how many changes went each way, and how long it took.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::bail;
use indicatif::{ProgressBar, ProgressStyle};
use qunjian_client::{ClientError, Replica, RulesSource, SyncProgress};

fn stage(p: SyncProgress) -> &'static str {
    match p {
        SyncProgress::Connecting => "正在连接服务器…",
        SyncProgress::Sending => "正在发送本地修改…",
        SyncProgress::Receiving => "正在接收服务器的修改…",
        SyncProgress::Finishing => "正在获取县里的规则…",
    }
}

/// A spinner on stderr when a person watches it; nothing in a pipe or a
/// script, whose output stays plain.
fn spinner() -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    Some(bar)
}

/// Run `sync`; the text to print.
pub async fn run(
    replica: &Replica,
    doc_url: &str,
    server: &str,
    timeout: u64,
) -> anyhow::Result<Option<String>> {
    let bar = spinner();
    let result = replica
        .sync_once(doc_url, server, Duration::from_secs(timeout), |p| {
            if let Some(bar) = &bar {
                bar.set_message(stage(p));
            }
        })
        .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(summary) => {
            if let Some(e) = &summary.rules_error {
                let kept = match replica.rules().source {
                    RulesSource::County { .. } => "上次同步的县里规则",
                    RulesSource::BuiltIn => "内置默认规则",
                };
                eprintln!("警告: 未能获取县里的规则，继续使用{kept}: {e}");
            }
            Ok(Some(format!(
                "{}\n已同步：发送 {} 条修改，接收 {} 条，用时 {:.1} 秒",
                summary.status,
                summary.sent,
                summary.received,
                summary.elapsed.as_secs_f64()
            )))
        }
        Err(ClientError::SyncTimeout(status)) => {
            bail!("{timeout} 秒内未完成同步 (not synced within {timeout}s): {status}")
        }
        Err(e) => Err(e.into()),
    }
}
