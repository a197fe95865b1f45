//! Breaking the server's storage from the side, as a full disk would: a
//! trigger on samod's table makes every insert fail until it is dropped.
//! The server process notices nothing but the failing writes, which is
//! what the storage-failure tests need; `healthz` is how they watch it,
//! and `on_disk` reads what the file holds, from the side.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use automerge::{Automerge, ChangeHash, ReadDoc};

/// SQL that makes every write of a document fail ("disk on fire").
pub const BREAK: &str = "CREATE TRIGGER disk_on_fire BEFORE INSERT ON samod_kv
                     BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;";

/// SQL that undoes [`BREAK`].
pub const MEND: &str = "DROP TRIGGER disk_on_fire;";

/// `GET /healthz`: its status and body.
pub async fn healthz(base: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(format!("{base}/healthz"))
        .await
        .expect("GET /healthz");
    let status = response.status().as_u16();
    (status, response.json().await.expect("health JSON"))
}

/// A connection to the server's database file from the side.
pub fn side(data_dir: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(data_dir.join("qunjian.db")).expect("open db");
    conn.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    conn
}

/// Wait (at most 20 s) until `/healthz` is 503 with a write pending: the
/// server received a change and cannot store it.
pub async fn wait_for_failing_write(base: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = healthz(base).await;
        if status == 503 && body["pending_writes"].as_u64().unwrap_or(0) >= 1 {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "the server never reported a failing write: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The document id part of an `automerge:` URL (the prefix of its keys).
fn doc_id(url: &str) -> &str {
    url.strip_prefix("automerge:").expect("automerge: URL")
}

/// The server's copy of the document as its file holds it right now, read
/// from the side (committed rows only).
pub fn on_disk(conn: &rusqlite::Connection, url: &str) -> Automerge {
    let mut stmt = conn
        .prepare("SELECT value FROM samod_kv WHERE key LIKE ?1 || '/%'")
        .expect("prepare");
    let rows = stmt
        .query_map([doc_id(url)], |row| row.get::<_, Vec<u8>>(0))
        .expect("query");
    let mut doc = Automerge::new();
    for row in rows {
        doc.load_incremental(&row.expect("row"))
            .expect("a stored chunk loads");
    }
    doc
}

/// Whether `doc` holds every change named by `heads` (hex).
pub fn holds(doc: &Automerge, heads: &[String]) -> bool {
    heads.iter().all(|h| {
        let hash = ChangeHash::from_str(h).expect("hex head");
        doc.get_change_by_hash(&hash).is_some()
    })
}
