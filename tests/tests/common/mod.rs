//! Real county servers for the end-to-end tests: the `county-server` binary
//! (the server's own CLI) started as a process on a loopback port with a
//! temporary data directory, killed or stopped as a test needs.

#![allow(dead_code)]

pub mod broken_disk;
pub mod browser;
pub mod cbor;
mod cli;
mod logged_server;
mod wait;
pub mod ws;

// Not every test binary runs the command lines.
#[allow(unused_imports)]
pub use cli::*;
pub use wait::*;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use qunjian_client::Replica;
use qunjian_shared::api::{DocumentSnapshot, TownshipInfo};

/// The address in the server's first line (`... http://127.0.0.1:PORT`).
pub fn listening_address(line: &str) -> SocketAddr {
    line.trim()
        .rsplit("http://")
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("server did not print its address, printed {line:?}"))
}

/// Put `value` at units/<unit>/<field>, creating the unit's map if needed.
pub fn set_unit_field(doc: &qunjian_client::Township, unit: &str, field: &str, value: &str) {
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ROOT, ReadDoc, Value};
    doc.transact(&format!("set {unit}.{field}"), |tx| {
        let units = match tx.get(ROOT, "units")? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => tx.put_object(ROOT, "units", ObjType::Map)?,
        };
        let unit_obj = match tx.get(&units, unit)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => tx.put_object(&units, unit, ObjType::Map)?,
        };
        tx.put(&unit_obj, field, value)
    })
    .expect("transact");
}

/// SIGTERM to a server process, and its exit status (within 30 s).
pub fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -TERM failed");
    exit_within(child, Duration::from_secs(30))
        .unwrap_or_else(|| panic!("server did not exit within 30s of SIGTERM"))
}

/// The process's exit status once it has exited, polled (blocking) for at
/// most `within`; `None` if it still runs.
pub fn exit_within(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("wait for the process") {
            return Some(status);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The server binary built from this package.
pub const SERVER_BIN: &str = env!("CARGO_BIN_EXE_county-server");

/// A free port on 127.0.0.1, for a server that must come up on a known
/// address later (a replica dials it before it exists).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

/// A county server process.
pub struct ServerProcess {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its data directory.
    pub data_dir: PathBuf,
}

impl ServerProcess {
    /// Start `serve` on `data_dir` at 127.0.0.1:`port` (0 = any) and wait
    /// for it to say where it listens.
    pub fn start(data_dir: &Path, port: u16) -> ServerProcess {
        Self::start_with(data_dir, port, &[])
    }

    /// [`start`](Self::start) with more `serve` flags (limits, rules).
    pub fn start_with(data_dir: &Path, port: u16, flags: &[&str]) -> ServerProcess {
        let mut child = Command::new(SERVER_BIN)
            .args(["serve", "--data-dir"])
            .arg(data_dir)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(flags)
            .env(
                "RUST_LOG",
                std::env::var("SERVER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start county-server");
        let stdout = child.stdout.take().expect("server stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the server's first line");
        let addr = listening_address(&line);
        ServerProcess {
            child,
            addr,
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// The server's process id (for /proc/<pid>/status).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The county-admin token the first start wrote to `<data-dir>/admin-token`.
    pub fn admin_token(&self) -> String {
        admin_token(&self.data_dir)
    }

    /// The WebSocket sync URL.
    pub fn sync_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    /// The HTTP base URL.
    pub fn http(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill(mut self) {
        self.child.kill().expect("kill server");
        self.child.wait().expect("reap server");
    }

    /// SIGTERM, and the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        terminate(&mut self.child)
    }

    /// `GET /api/townships/{code}/document`, as the county admin.
    pub async fn document(&self, code: &str) -> DocumentSnapshot {
        get_json_as(
            &format!("{}/api/townships/{code}/document", self.http()),
            &self.admin_token(),
        )
        .await
    }

    /// `GET /api/townships`, as the county admin.
    pub async fn townships(&self) -> Vec<TownshipInfo> {
        get_json_as(
            &format!("{}/api/townships", self.http()),
            &self.admin_token(),
        )
        .await
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET a URL without a token (`/healthz`) and parse its JSON body,
/// failing the test on a non-2xx status.
pub async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> T {
    let response = reqwest::get(url).await.expect("GET");
    parse_json(url, response).await
}

/// GET a URL with a token and parse its JSON body, failing the test on a
/// non-2xx status.
pub async fn get_json_as<T: serde::de::DeserializeOwned>(url: &str, token: &str) -> T {
    parse_json(url, get_as(url, token).await).await
}

/// GET a URL presenting `token` as a bearer token.
pub async fn get_as(url: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

async fn parse_json<T: serde::de::DeserializeOwned>(url: &str, response: reqwest::Response) -> T {
    let status = response.status();
    let body = response.text().await.expect("body");
    assert!(status.is_success(), "GET {url}: {status} {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: bad JSON {e}: {body}"))
}

/// Run `township add` and return the document URL it printed.
pub fn add_township(data_dir: &Path, code: &str, name: &str) -> String {
    let out = township_add(data_dir, code, name);
    assert!(
        out.status.success(),
        "township add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(url.starts_with("automerge:"), "unexpected output {url:?}");
    url
}

/// Run `township add` and return its raw output.
pub fn township_add(data_dir: &Path, code: &str, name: &str) -> std::process::Output {
    Command::new(SERVER_BIN)
        .args([
            "township",
            "add",
            "--code",
            code,
            "--name",
            name,
            "--kind",
            "zhen",
            "--data-dir",
        ])
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run township add")
}

/// A temporary directory for one test, with a data dir and replica files.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("server-data")
    }

    pub fn replica_file(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.db"))
    }
}

/// The county-admin token a first start wrote to `<data-dir>/admin-token`.
pub fn admin_token(data_dir: &Path) -> String {
    std::fs::read_to_string(qunjian_server::auth::tokens::admin_token_path(data_dir))
        .expect("the first start writes admin-token")
        .trim()
        .to_string()
}

/// A new token straight in the data directory's database (as `token
/// create` does): `role` is county-admin, county-viewer or township.
pub fn token(data_dir: &Path, role: &str, township: Option<&str>) -> String {
    let role = qunjian_server::auth::Role::parse(role, township).expect("role");
    let conn = qunjian_server::schema::open(data_dir).expect("open db");
    qunjian_server::auth::tokens::create(
        &conn,
        role,
        None,
        qunjian_server::auth::tokens::ActedBy::CommandLine,
    )
    .expect("create token")
    .token
}

/// A device token for township `code` (which must have been added).
pub fn township_token(data_dir: &Path, code: &str) -> String {
    token(data_dir, "township", Some(code))
}

/// Open a device's replica with `token`, connect it and fetch the township
/// document; waits until synced.
pub async fn connected_replica(path: &Path, sync_url: &str, doc_url: &str, token: &str) -> Replica {
    let replica = Replica::open_with_token(path, token)
        .await
        .expect("open replica");
    replica.connect(sync_url).expect("connect");
    replica
        .wait_synced(doc_url, Duration::from_secs(20))
        .await
        .expect("first sync");
    replica
}

/// Logs to the test output when RUST_LOG is set.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Wait (bounded by `timeout`) until every replica and the server hold the
/// same heads; `server_heads` reads the server's copy, `pause` spaces the
/// reads (tests under an `/api` rate limit need it longer).
pub async fn converge_with(
    server_heads: impl AsyncFn() -> Vec<String>,
    url: &str,
    replicas: &[&Replica],
    timeout: Duration,
    pause: Duration,
) -> Vec<String> {
    eventually_every(timeout, pause, "replicas and server converge", async || {
        for r in replicas {
            r.wait_synced(url, timeout).await.expect("replica syncs");
        }
        let mut heads = Vec::new();
        for r in replicas {
            heads.push(r.township(url).await.expect("doc").heads());
        }
        let server = server_heads().await;
        if heads.iter().all(|h| *h == server) {
            Ok(server)
        } else {
            Err(format!("replicas {heads:?}, server {server:?}"))
        }
    })
    .await
}

/// The heads the township's projected rows were written from, if they were
/// written and the last read did not fail.
pub fn projected_heads(data_dir: &Path, code: &str) -> Option<String> {
    use rusqlite::{OpenFlags, OptionalExtension};
    let conn = rusqlite::Connection::open_with_flags(
        data_dir.join("qunjian.db"),
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .ok()?;
    conn.busy_timeout(Duration::from_secs(5)).ok()?;
    conn.query_row(
        "SELECT heads FROM p_state WHERE township = ?1 AND error IS NULL",
        [code],
        |r| r.get::<_, Option<String>>(0),
    )
    .optional()
    .ok()
    .flatten()
    .flatten()
}
