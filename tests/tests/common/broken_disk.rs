//! Breaking the server's storage from the side, as a full disk would: a
//! trigger on samod's table makes every insert fail until it is dropped.
//! The server process notices nothing but the failing writes, which is
//! what the storage-failure tests need; `healthz` is how they watch it.

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
