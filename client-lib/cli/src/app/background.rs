//! Syncing while the app runs: at start, every `--sync-every` seconds, and
//! soon after each edit. A server that cannot be reached is the normal
//! state of a township device, shown in the header as 离线, not an error.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use qunjian_client::ClientError;

use super::App;
use super::session::SyncResult;

/// How long one background sync may take before it counts as offline.
const SYNC_WAIT: Duration = Duration::from_secs(10);

/// Sync now and then until the app stops.
pub async fn run(app: Arc<App>) {
    loop {
        sync_now(&app).await;
        // Whichever comes first: the interval, or an edit asking for it.
        tokio::select! {
            () = tokio::time::sleep(app.sync_every) => {}
            () = app.sessions.kick.notified() => {}
        }
    }
}

/// One sync, unless one is running (then wait for it); how it went is
/// kept for the header.
pub async fn sync_now(app: &App) {
    let sessions = &app.sessions;
    let _one = sessions.syncing.lock().await;
    let Some(session) = sessions.current().await else {
        return;
    };
    let Some(server) = session.server.clone() else {
        sessions.note(|l| l.error = Some("本副本从未与县级服务器同步过，不知道服务器地址".into()));
        return;
    };
    if !session.has_token {
        sessions.note(|l| {
            l.error = Some("没有本设备的令牌：用 --token 或 QUNJIAN_TOKEN 启动一次".into())
        });
        return;
    }
    sessions.note(|l| l.running = true);
    let started = Instant::now();
    let result = session
        .replica
        .sync_once(&session.doc, &server, SYNC_WAIT, |_| {})
        .await;
    // What moved since the last sync: the summary counts only what moved
    // during this one, and the app's connection carries changes both ways
    // in between. The first sync of a run has no last sync to count from.
    let since_last = sessions.last().heads_after;
    let moved = match (&result, since_last) {
        (Ok(_), Some(heads)) => match session.replica.township(&session.doc).await {
            Ok(township) => Some(township.changes_since(&heads)),
            Err(_) => None,
        },
        _ => None,
    };
    sessions.note(|l| {
        l.running = false;
        let ended = match result {
            Ok(summary) => {
                l.at = Some(SystemTime::now());
                l.error = None;
                let mut ended = SyncResult::of(&summary);
                match moved {
                    Some(moved) => {
                        ended.sent = moved.made_here;
                        ended.received = moved.from_elsewhere;
                        l.heads_after = Some(moved.heads);
                    }
                    None => l.heads_after = Some(summary.status.local_heads.clone()),
                }
                ended
            }
            Err(e) => {
                let why = match e {
                    ClientError::SyncTimeout(_) => {
                        "连接不上县级服务器（离线），修改保存在本机，联网后自动上传".to_string()
                    }
                    e => e.to_string(),
                };
                l.error = Some(why.clone());
                SyncResult::failed(started.elapsed(), why)
            }
        };
        // Kept for the 同步 page: when, how many changes each way, how long.
        l.ended(ended);
    });
}
