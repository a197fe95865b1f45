//! Interop with JavaScript automerge-repo 2.5.6 (the pinned packages of
//! `tests/interop`): a JS client on our county server, our Rust replicas
//! through the reference JS sync server, JS edits made while our server
//! was down merging with Rust ones, JS clients our server refuses, and a
//! whole township written from JS the way docs/SCHEMA.md says, which the
//! county's reports read in full (and which, like every document our code
//! writes, `JSON.stringify` takes in JS: no `uint`, so no `BigInt`).
//!
//! On our server every peer holds its own token: the JS client asks
//! `/api/me` for the peer id its token is bound to and dials with
//! `?token=` (as a browser must); Rust replicas send `Authorization:
//! Bearer`. The reference JS server ignores tokens.
//!
//! Needs Node.js and `npm ci` in `tests/interop` (`.ci/run` does both).
//! The JS peers are driven over stdin/stdout, one JSON line each way (see
//! `tests/interop/client.mjs`); every wait is bounded.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value};
use common::*;
use qunjian_client::schema::{Person, Unit, UnitKind};
use qunjian_client::{Replica, Township};
use qunjian_shared::{TownshipKind, TownshipMeta};
use serde_json::{Value as Json, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// Longest wait for a sync to settle, on either side.
const SYNC: Duration = Duration::from_secs(30);
/// What a JS command may take by default (it is told so, and we give it a
/// few seconds more before calling it hung).
const JS_TIMEOUT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------
// The Node side

/// `tests/interop`, with its `node_modules` installed: never skip silently.
fn interop_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("interop");
    assert!(
        dir.join("node_modules/@automerge/automerge-repo").is_dir(),
        "{} has no node_modules: run `npm ci` in tests/interop (needs Node.js 20+)",
        dir.display()
    );
    dir
}

fn node(script: &str) -> Command {
    let dir = interop_dir();
    let mut cmd = Command::new("node");
    cmd.arg(dir.join(script))
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    cmd
}

fn spawn(mut cmd: Command, what: &str) -> Child {
    cmd.spawn().unwrap_or_else(|e| {
        panic!("cannot start {what} with `node` ({e}): install Node.js 20+ and run `npm ci` in tests/interop")
    })
}

/// Read one line of a child's stdout, or fail the test after `limit`.
async fn next_line(
    lines: &mut Lines<BufReader<ChildStdout>>,
    limit: Duration,
    what: &str,
) -> String {
    match tokio::time::timeout(limit, lines.next_line()).await {
        Ok(Ok(Some(line))) => line,
        Ok(Ok(None)) => panic!("{what}: stdout closed (the process died; its stderr is above)"),
        Ok(Err(e)) => panic!("{what}: reading stdout: {e}"),
        Err(_) => panic!("{what}: no answer within {limit:?}"),
    }
}

/// Wait for a child to exit, at most `limit`.
async fn exit_status(child: &mut Child, limit: Duration, what: &str) -> std::process::ExitStatus {
    tokio::time::timeout(limit, child.wait())
        .await
        .unwrap_or_else(|_| panic!("{what} did not exit within {limit:?}"))
        .unwrap_or_else(|e| panic!("{what}: wait: {e}"))
}

/// `node sync-server.mjs`: the reference JS sync server.
struct JsSyncServer {
    child: Child,
    port: u16,
}

impl JsSyncServer {
    async fn start(dir: &Path) -> JsSyncServer {
        let mut cmd = node("sync-server.mjs");
        cmd.args(["--port", "0", "--dir"]).arg(dir);
        let mut child = spawn(cmd, "sync-server.mjs");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = next_line(&mut lines, Duration::from_secs(20), "sync-server.mjs").await;
        let port = line
            .strip_prefix("listening on ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("sync-server.mjs printed {line:?}, not `listening on <port>`")
            });
        JsSyncServer { child, port }
    }

    /// The URL a peer dials: the server accepts WebSockets on any path, and
    /// the root is the usual one.
    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// SIGTERM: it must stop by itself, and exit 0.
    async fn terminate(mut self) {
        let pid = self.child.id().expect("pid").to_string();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM {pid} failed");
        let status = exit_status(&mut self.child, Duration::from_secs(10), "sync-server.mjs").await;
        assert!(
            status.success(),
            "sync-server.mjs exited with {status} on SIGTERM"
        );
    }
}

/// `node client.mjs`: a JS automerge-repo client, one command at a time.
struct JsClient {
    name: &'static str,
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

/// `node client.mjs` for `ws_url`, presenting `token` if given, keeping
/// its documents in `storage` (a directory) if given, in memory otherwise.
fn client_command(ws_url: &str, token: Option<&str>, storage: Option<&Path>) -> Command {
    let mut cmd = node("client.mjs");
    cmd.args(["--url", ws_url, "--retry-ms", "300"])
        .args(["--timeout-ms", &JS_TIMEOUT.as_millis().to_string()])
        .args(["--max-seconds", "150"]);
    if let Some(token) = token {
        cmd.args(["--token", token]);
    }
    if let Some(dir) = storage {
        cmd.arg("--dir").arg(dir);
    }
    cmd
}

impl JsClient {
    /// A client of `ws_url` (see [`client_command`]).
    fn start(
        name: &'static str,
        ws_url: &str,
        token: Option<&str>,
        storage: Option<&Path>,
    ) -> JsClient {
        JsClient::spawn(name, client_command(ws_url, token, storage))
    }

    /// A client from a prepared `client.mjs` command.
    fn spawn(name: &'static str, cmd: Command) -> JsClient {
        let mut child = spawn(cmd, "client.mjs");
        let stdin = child.stdin.take().expect("stdin");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        JsClient {
            name,
            child,
            stdin,
            lines,
        }
    }

    /// Send one command; its reply, or the test fails with the JS error.
    async fn call(&mut self, command: Json) -> Json {
        let reply = self.try_call(command.clone()).await;
        assert_eq!(
            reply["ok"],
            json!(true),
            "JS client {}: {command} failed: {}",
            self.name,
            reply["error"]
        );
        reply
    }

    /// Send one command and return its reply, failed or not.
    async fn try_call(&mut self, command: Json) -> Json {
        let what = format!("JS client {} on {command}", self.name);
        let mut line = command.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .unwrap_or_else(|e| {
                panic!("{what}: write: {e} (the process died; its stderr is above)")
            });
        self.stdin.flush().await.expect("flush stdin");
        let timeout = command["timeout_ms"]
            .as_u64()
            .map_or(JS_TIMEOUT, Duration::from_millis);
        let line = next_line(&mut self.lines, timeout + Duration::from_secs(5), &what).await;
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {line}"))
    }

    /// Flush its storage and exit 0.
    async fn exit(mut self) {
        self.stdin
            .write_all(b"{\"cmd\":\"exit\"}\n")
            .await
            .expect("send exit");
        let what = format!("JS client {}", self.name);
        let status = exit_status(&mut self.child, Duration::from_secs(10), &what).await;
        assert!(status.success(), "{what} exited with {status}");
    }
}

// ---------------------------------------------------------------------------
// The Rust side

/// How a value sits in the raw document: "str", "uint", "int", "text", ...
fn stored_kind(township: &Township, path: &[&str]) -> String {
    township.read(|doc| {
        let mut obj = automerge::ROOT;
        for (i, key) in path.iter().enumerate() {
            let (value, id): (Value<'_>, ObjId) = doc
                .get(&obj, *key)
                .expect("read")
                .unwrap_or_else(|| panic!("nothing at {}", path[..=i].join(".")));
            if i + 1 == path.len() {
                return match value {
                    Value::Object(ObjType::Text) => "text".to_string(),
                    Value::Object(other) => format!("{other:?}"),
                    Value::Scalar(s) => match s.as_ref() {
                        ScalarValue::Str(_) => "str".to_string(),
                        ScalarValue::Uint(_) => "uint".to_string(),
                        ScalarValue::Int(_) => "int".to_string(),
                        ScalarValue::F64(_) => "f64".to_string(),
                        ScalarValue::Boolean(_) => "boolean".to_string(),
                        ScalarValue::Null => "null".to_string(),
                        other => format!("{other:?}"),
                    },
                };
            }
            obj = id;
        }
        unreachable!("empty path")
    })
}

/// The files under `dir` and their sizes, for failure messages.
fn files_with_sizes(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.metadata() {
                Ok(m) if m.is_dir() => todo.push(path),
                Ok(m) => out.push((
                    path.strip_prefix(dir)
                        .unwrap_or(&path)
                        .display()
                        .to_string(),
                    m.len(),
                )),
                Err(_) => {}
            }
        }
    }
    out.sort();
    out
}

/// Every record of the document reads, typed.
fn assert_all_readable(township: &Township) {
    let (_, unreadable) = township.document().expect("hydrate");
    assert!(unreadable.is_empty(), "unreadable records: {unreadable:?}");
}

fn unit_of(township: &Township, id: &str) -> Option<Unit> {
    township.get::<Unit>(id).expect("read a unit")
}

// ---------------------------------------------------------------------------
// a. A JS client on our county server

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_js_client_reads_and_writes_a_township_on_our_server() {
    interop_dir();
    init_tracing();
    let scratch = Scratch::new();
    let code = "330825401";
    let url = add_township(&scratch.data_dir(), code, "城关镇");
    // One token per device, both of the township.
    let rust_token = township_token(&scratch.data_dir(), code);
    let js_token = township_token(&scratch.data_dir(), code);
    let server = ServerProcess::start(&scratch.data_dir(), 0);

    // Our client records a village.
    let replica = connected_replica(
        &scratch.replica_file("rust"),
        &server.sync_url(),
        &url,
        &rust_token,
    )
    .await;
    let township = replica.township(&url).await.expect("township");
    let mut village = Unit::new("城关村", UnitKind::Village);
    village.employees = Some(12);
    let village_id = township.add(&village).expect("add village");
    replica.wait_synced(&url, SYNC).await.expect("rust synced");

    // The JS client finds the document by its URL and reads the village.
    let mut js = JsClient::start("a", &server.sync_url(), Some(&js_token), None);
    let status = js.call(json!({"cmd": "status"})).await;
    assert_eq!(
        status["peer_id"],
        json!(qunjian_shared::token::peer_id(&js_token)),
        "the JS client takes the peer id /api/me names"
    );
    let found = js.call(json!({"cmd": "find", "url": url})).await;
    assert_eq!(found["doc"]["meta"]["township_code"], json!(code));
    assert_eq!(
        found["doc"]["meta"]["schema"],
        json!(qunjian_shared::SCHEMA_VERSION)
    );
    let seen = &found["doc"]["units"][&village_id];
    assert_eq!(seen["name"], json!("城关村"), "{found}");
    assert_eq!(seen["kind"], json!("village"));
    assert_eq!(seen["employees"], json!(12));
    assert_eq!(seen["women_org"]["chair"], Json::Null);

    // It edits the village with the library's defaults (a plain string is a
    // Text object, a plain number a signed int) ...
    let women_org = |key: &str| json!(["units", village_id, "women_org", key]);
    for (path, value) in [
        (women_org("chair"), json!("李桂英")),
        (women_org("formed"), json!(true)),
        (women_org("established"), json!("2016-09-20")),
        (women_org("form"), json!("federation")),
        (json!(["units", village_id, "employees"]), json!(35)),
    ] {
        js.call(json!({"cmd": "set", "url": url, "path": path, "value": value, "style": "plain"}))
            .await;
    }
    // ... and adds an enterprise the canonical way (ImmutableString, plain
    // numbers), with one count the way schema 1 asked (`new Uint`), which
    // still reads.
    let added = js
        .call(json!({
            "cmd": "add_unit", "url": url, "style": "canonical",
            "name": "某纸业公司", "kind": "enterprise",
            "fields": {"employees": 120, "female_staff": 45, "credit_code": "91330825MA2DGX1X2W",
                       "opened": "2012-05-20"},
        }))
        .await;
    let js_unit_id = added["id"].as_str().expect("unit id").to_string();
    js.call(
        json!({"cmd": "set", "url": url, "path": ["units", js_unit_id, "youth"],
                   "value": 18, "style": "uint"}),
    )
    .await;
    js.call(json!({"cmd": "wait_synced", "url": url})).await;

    // Our client reads both through the typed API.
    let enterprise = eventually(SYNC, "the JS unit reaches the Rust replica", async || {
        unit_of(&township, &js_unit_id).filter(|u| u.youth.is_some())
    })
    .await;
    assert_eq!(enterprise.name, "某纸业公司");
    assert_eq!(enterprise.kind, UnitKind::Enterprise);
    assert_eq!(enterprise.employees, Some(120));
    assert_eq!(enterprise.female_staff, Some(45));
    assert_eq!(enterprise.youth, Some(18));
    assert_eq!(
        enterprise.credit_code.as_deref(),
        Some("91330825MA2DGX1X2W")
    );
    assert_eq!(enterprise.opened, Some("2012-05-20".parse().expect("date")));
    assert!(!enterprise.union.formed && !enterprise.womens_home.formed);
    let edited = eventually(SYNC, "the JS edit reaches the Rust replica", async || {
        unit_of(&township, &village_id).filter(|u| u.employees == Some(35))
    })
    .await;
    assert_eq!(edited.women_org.chair.as_deref(), Some("李桂英"));
    assert!(edited.women_org.formed);
    assert_eq!(
        edited.women_org.established,
        Some("2016-09-20".parse().expect("date"))
    );
    assert_eq!(edited.name, "城关村", "untouched fields stay");
    let listed = township.list::<Unit>();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().any(|(id, _)| *id == js_unit_id));
    assert_all_readable(&township);

    // What each style stored, as docs/SCHEMA.md says.
    let at = |unit: &str, field: &str| stored_kind(&township, &["units", unit, field]);
    assert_eq!(at(&js_unit_id, "name"), "str");
    assert_eq!(at(&js_unit_id, "kind"), "str");
    assert_eq!(at(&js_unit_id, "employees"), "int");
    assert_eq!(at(&js_unit_id, "youth"), "uint");
    assert_eq!(at(&js_unit_id, "opened"), "str");
    assert_eq!(at(&village_id, "employees"), "int");
    assert_eq!(
        stored_kind(&township, &["units", &village_id, "women_org", "chair"]),
        "text"
    );

    // And the way back: a Rust edit of the JS unit reaches the JS client.
    township
        .update::<Unit>(&js_unit_id, |u| u.union.formed = true)
        .expect("update");
    js.call(json!({"cmd": "wait", "url": url,
                   "path": ["units", js_unit_id, "union", "formed"], "equals": true}))
        .await;

    // The server's copy holds it all.
    let snapshot = server.document(code).await;
    let units = &snapshot.document["units"];
    assert_eq!(units[&village_id]["women_org"]["chair"], json!("李桂英"));
    assert_eq!(units[&js_unit_id]["name"], json!("某纸业公司"));
    js.exit().await;
    replica.close().await;
}

// ---------------------------------------------------------------------------
// b. Rust replicas through the reference JS sync server

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_replicas_sync_through_the_js_sync_server() {
    interop_dir();
    init_tracing();
    let scratch = Scratch::new();
    let store = scratch.data_dir().join("js-sync-server");
    let js_server = JsSyncServer::start(&store).await;
    let ws = js_server.url();
    // Made-up tokens: the replicas send them, the reference server ignores
    // them.
    let token = |n: u8| qunjian_shared::token::from_random(&[n; 32]);

    // A creates the township document and records a unit and a person.
    let a = Replica::open_with_token(scratch.replica_file("a"), &token(1))
        .await
        .expect("open a");
    a.connect(&ws).expect("connect a");
    let meta =
        TownshipMeta::new("330825402", "湖镇镇", TownshipKind::Zhen, "330825").expect("meta");
    let handle = a
        .repo()
        .create(meta.new_document().expect("new document"))
        .await
        .expect("create");
    let url = handle.url().to_string();
    let ta = a.township(&url).await.expect("township a");
    let mut unit = Unit::new("湖镇村", UnitKind::Village);
    unit.womens_home.formed = true;
    let unit_id = ta.add(&unit).expect("add unit");
    let mut person = Person::new("周敏");
    person.unit = Some(unit_id.clone());
    person.birth_year = Some(1990);
    let person_id = ta.add(&person).expect("add person");
    a.wait_synced(&url, SYNC)
        .await
        .expect("a synced with the JS server");

    // B fetches it by URL from the JS server and reads it typed.
    let b = connected_replica(&scratch.replica_file("b"), &ws, &url, &token(2)).await;
    let tb = b.township(&url).await.expect("township b");
    assert_eq!(unit_of(&tb, &unit_id), Some(unit.clone()));
    assert_eq!(tb.get::<Person>(&person_id).expect("read"), Some(person));
    assert_eq!(tb.read(TownshipMeta::read).expect("meta"), meta);
    assert_all_readable(&tb);

    // B edits; A sees it.
    tb.update::<Unit>(&unit_id, |u| {
        u.league.formed = true;
        u.league.secretary = Some("王磊".into());
    })
    .expect("update on b");
    let new_id = tb
        .add(&Unit::new("湖镇社区", UnitKind::Community))
        .expect("add on b");
    b.wait_synced(&url, SYNC).await.expect("b synced");
    let seen = eventually(SYNC, "B's edit reaches A", async || {
        unit_of(&ta, &unit_id).filter(|u| u.league.formed)
    })
    .await;
    assert_eq!(seen.league.secretary.as_deref(), Some("王磊"));
    assert!(seen.womens_home.formed, "A's own field stays");
    eventually(SYNC, "B's unit reaches A", async || unit_of(&ta, &new_id)).await;
    a.wait_synced(&url, SYNC).await.expect("a synced");
    assert_eq!(ta.heads(), tb.heads());
    a.close().await;
    b.close().await;

    // The JS server stops cleanly and kept the document on disk: a third
    // replica fetches it from a restarted server.
    js_server.terminate().await;
    let js_server = JsSyncServer::start(&store).await;
    let c = connected_replica(
        &scratch.replica_file("c"),
        &js_server.url(),
        &url,
        &token(3),
    )
    .await;
    let tc = c.township(&url).await.expect("township c");
    assert_eq!(tc.list::<Unit>().len(), 2);
    assert!(unit_of(&tc, &unit_id).is_some_and(|u| u.league.formed));
    c.close().await;
    js_server.terminate().await;
}

// ---------------------------------------------------------------------------
// c. Offline JS edits while our server is down merge with Rust edits

/// Two JS clients, both with local storage:
/// - `alive` stays running through the outage: it edits while its socket is
///   down and reconnects by itself (the adapter retries every 300 ms);
/// - `restarted` exits while online, is started again on its storage while
///   the server is down, edits offline, and connects once the server is up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_edits_made_while_our_server_was_down_merge_with_rust_edits() {
    interop_dir();
    init_tracing();
    let scratch = Scratch::new();
    let code = "330825403";
    let port = free_port();
    let url = add_township(&scratch.data_dir(), code, "詹家镇");
    let rust_token = township_token(&scratch.data_dir(), code);
    let alive_token = township_token(&scratch.data_dir(), code);
    let restarted_token = township_token(&scratch.data_dir(), code);
    let server = ServerProcess::start(&scratch.data_dir(), port);
    let sync_url = server.sync_url();

    let replica =
        connected_replica(&scratch.replica_file("rust"), &sync_url, &url, &rust_token).await;
    let township = replica.township(&url).await.expect("township");
    let unit_id = township
        .add(&Unit::new("詹家村", UnitKind::Village))
        .expect("add");
    replica.wait_synced(&url, SYNC).await.expect("rust synced");

    // Both JS clients sync once.
    let alive_dir = scratch.data_dir().join("js-alive");
    let restarted_dir = scratch.data_dir().join("js-restarted");
    let mut alive = JsClient::start("alive", &sync_url, Some(&alive_token), Some(&alive_dir));
    let mut restarted = JsClient::start(
        "restarted",
        &sync_url,
        Some(&restarted_token),
        Some(&restarted_dir),
    );
    for js in [&mut alive, &mut restarted] {
        js.call(json!({"cmd": "find", "url": url})).await;
        js.call(json!({"cmd": "wait", "url": url,
                       "path": ["units", unit_id, "name"], "equals": "詹家村"}))
            .await;
        js.call(json!({"cmd": "wait_synced", "url": url})).await;
    }
    restarted.exit().await;

    // The server goes away without a word.
    server.kill();

    // Offline edits on every side, each to different fields.
    let set = |path: Json, value: Json, style: &str| json!({"cmd": "set", "url": url, "path": path, "value": value, "style": style});
    alive
        .call(set(
            json!(["units", unit_id, "women_org", "chair"]),
            json!("王芳"),
            "canonical",
        ))
        .await;
    let alive_unit = alive
        .call(json!({"cmd": "add_unit", "url": url, "style": "plain",
                     "name": "詹家社区", "kind": "community", "fields": {"employees": 8}}))
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    alive.call(json!({"cmd": "flush"})).await;

    // Started while the server is down: /api/me cannot answer, so it derives
    // its token's peer id itself.
    let mut restarted = JsClient::start(
        "restarted",
        &sync_url,
        Some(&restarted_token),
        Some(&restarted_dir),
    );
    let loaded = restarted
        .call(json!({"cmd": "find", "url": url, "timeout_ms": 10_000}))
        .await;
    assert_eq!(
        loaded["doc"]["units"][&unit_id]["name"],
        json!("詹家村"),
        "the restarted JS client loads the document from its storage: {loaded}\nits files: {:?}",
        files_with_sizes(&restarted_dir)
    );
    restarted
        .call(set(
            json!(["units", unit_id, "union", "chair"]),
            json!("赵建国"),
            "canonical",
        ))
        .await;
    restarted
        .call(set(
            json!(["units", unit_id, "youth"]),
            json!(6),
            "canonical",
        ))
        .await;
    restarted.call(json!({"cmd": "flush"})).await;

    township
        .update::<Unit>(&unit_id, |u| {
            u.league.formed = true;
            u.league.secretary = Some("陈丽".into());
        })
        .expect("rust offline edit");
    let rust_person = township.add(&Person::new("詹小红")).expect("add person");
    assert!(
        replica
            .wait_synced(&url, Duration::from_millis(200))
            .await
            .is_err()
    );

    // The server comes back on the same port and data; everyone reconnects
    // by themselves.
    let server = ServerProcess::start(&scratch.data_dir(), port);
    replica
        .wait_synced(&url, SYNC)
        .await
        .expect("rust synced again");
    alive.call(json!({"cmd": "wait_synced", "url": url})).await;
    restarted
        .call(json!({"cmd": "wait_synced", "url": url}))
        .await;

    // Rust sees the JS edits ...
    let merged = eventually(SYNC, "the JS edits reach the Rust replica", async || {
        unit_of(&township, &unit_id)
            .filter(|u| u.women_org.chair.is_some() && u.union.chair.is_some())
    })
    .await;
    assert_eq!(merged.women_org.chair.as_deref(), Some("王芳"));
    assert_eq!(merged.union.chair.as_deref(), Some("赵建国"));
    assert_eq!(merged.youth, Some(6));
    assert_eq!(merged.league.secretary.as_deref(), Some("陈丽"));
    let community = eventually(
        SYNC,
        "the offline JS unit reaches the Rust replica",
        async || unit_of(&township, &alive_unit),
    )
    .await;
    assert_eq!(community.kind, UnitKind::Community);
    assert_eq!(community.employees, Some(8));
    assert_all_readable(&township);
    assert!(
        township.conflicts().is_empty(),
        "different fields do not conflict"
    );

    // ... and each JS client sees the Rust edits and the other's.
    for js in [&mut alive, &mut restarted] {
        for (path, value) in [
            (
                json!(["units", unit_id, "league", "secretary"]),
                json!("陈丽"),
            ),
            (
                json!(["units", unit_id, "women_org", "chair"]),
                json!("王芳"),
            ),
            (json!(["units", unit_id, "union", "chair"]), json!("赵建国")),
            (json!(["people", rust_person, "name"]), json!("詹小红")),
            (json!(["units", alive_unit, "name"]), json!("詹家社区")),
        ] {
            js.call(json!({"cmd": "wait", "url": url, "path": path, "equals": value}))
                .await;
        }
    }

    // The server's copy holds everything, and all replicas agree on heads.
    let snapshot = server.document(code).await;
    let unit = &snapshot.document["units"][&unit_id];
    assert_eq!(unit["women_org"]["chair"], json!("王芳"));
    assert_eq!(unit["union"]["chair"], json!("赵建国"));
    assert_eq!(unit["league"]["secretary"], json!("陈丽"));
    assert_eq!(unit["youth"], json!(6));
    assert_eq!(
        snapshot.document["units"][&alive_unit]["kind"],
        json!("community")
    );
    assert_eq!(
        snapshot.document["people"][&rust_person]["name"],
        json!("詹小红")
    );
    replica.wait_synced(&url, SYNC).await.expect("rust synced");
    assert_eq!(
        snapshot.heads,
        township.heads(),
        "server and Rust replica agree"
    );
    alive.exit().await;
    restarted.exit().await;
    replica.close().await;
}

// ---------------------------------------------------------------------------
// d. Our server refuses JS clients without a valid token, and keeps a
//    township's document from another township's device

/// Poll a JS client's status until its last connection error is the
/// server's 401; it must never have had a peer.
async fn assert_refused(js: &mut JsClient) {
    let what = format!("JS client {} refused with 401", js.name);
    eventually(Duration::from_secs(15), &what, async || {
        let status = js.call(json!({"cmd": "status"})).await;
        assert_eq!(
            status["peers"],
            json!([]),
            "JS client {} got a connection: {status}",
            js.name
        );
        let refused = status["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("401"));
        if refused { Ok(()) } else { Err(status) }
    })
    .await;
    // It keeps retrying and keeps being refused.
    let waited = js
        .try_call(json!({"cmd": "wait_connected", "timeout_ms": 1500}))
        .await;
    assert_eq!(
        waited["ok"],
        json!(false),
        "JS client {} connected: {waited}",
        js.name
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_server_refuses_js_clients_without_a_valid_token_and_keeps_townships_apart() {
    interop_dir();
    init_tracing();
    let scratch = Scratch::new();
    let (code_a, code_b) = ("330825404", "330825405");
    let url_a = add_township(&scratch.data_dir(), code_a, "白沙镇");
    let url_b = add_township(&scratch.data_dir(), code_b, "黄坛口乡");
    let token_a = township_token(&scratch.data_dir(), code_a);
    let server = ServerProcess::start(&scratch.data_dir(), 0);
    let sync_url = server.sync_url();

    // No token: the upgrade is refused, again and again.
    let mut anonymous = JsClient::start("anonymous", &sync_url, None, None);
    assert_refused(&mut anonymous).await;
    let found = anonymous
        .try_call(json!({"cmd": "find", "url": url_a, "timeout_ms": 3000}))
        .await;
    assert_eq!(found["ok"], json!(false), "{found}");
    anonymous.exit().await;

    // A well-formed token the server never issued: /api/me refuses it, and
    // the client says so and stops ...
    let unknown = qunjian_shared::token::from_random(&[0x5a; 32]);
    let mut child = spawn(
        client_command(&sync_url, Some(&unknown), None),
        "client.mjs",
    );
    let status = exit_status(&mut child, Duration::from_secs(15), "client.mjs").await;
    assert_eq!(
        status.code(),
        Some(4),
        "client.mjs with an unknown token exits 4 (its stderr is above)"
    );
    // ... and presented on /sync anyway (with the peer id it would have),
    // the upgrade is refused.
    let mut cmd = client_command(&sync_url, Some(&unknown), None);
    cmd.args(["--peer-id", &qunjian_shared::token::peer_id(&unknown)]);
    let mut impostor = JsClient::spawn("unknown token", cmd);
    assert_refused(&mut impostor).await;
    impostor.exit().await;

    // A township A device reads and writes A's document, and B's is
    // unavailable to it.
    let mut js = JsClient::start("township A", &sync_url, Some(&token_a), None);
    let found = js.call(json!({"cmd": "find", "url": url_a})).await;
    assert_eq!(found["doc"]["meta"]["township_code"], json!(code_a));
    let refused = js
        .try_call(json!({"cmd": "find", "url": url_b, "timeout_ms": 10_000}))
        .await;
    assert_eq!(
        refused["ok"],
        json!(false),
        "B's document reached A: {refused}"
    );
    let error = refused["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("unavailable"),
        "not doc-unavailable: {error}"
    );
    // Its own document still syncs.
    let added = js
        .call(
            json!({"cmd": "add_unit", "url": url_a, "style": "canonical",
                     "name": "白沙村", "kind": "village"}),
        )
        .await;
    let unit_id = added["id"].as_str().expect("unit id").to_string();
    js.call(json!({"cmd": "wait_synced", "url": url_a})).await;
    let snapshot = server.document(code_a).await;
    assert_eq!(
        snapshot.document["units"][&unit_id]["name"],
        json!("白沙村")
    );
    let other = server.document(code_b).await;
    assert_eq!(
        other.document["units"],
        json!({}),
        "B's document is untouched"
    );
    js.exit().await;
}

// ---------------------------------------------------------------------------
// e. A JS client is told its change is on our server only once it is on the
//    server's disk

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_js_client_hears_synced_only_once_the_server_has_stored_its_change() {
    use common::broken_disk::{BREAK, MEND, holds, on_disk, side, wait_for_failing_write};
    interop_dir();
    init_tracing();
    let scratch = Scratch::new();
    let code = "330825406";
    let url = add_township(&scratch.data_dir(), code, "湖镇镇");
    let token = township_token(&scratch.data_dir(), code);
    let server = ServerProcess::start(&scratch.data_dir(), 0);
    let mut js = JsClient::start("a", &server.sync_url(), Some(&token), None);
    js.call(json!({"cmd": "find", "url": url})).await;
    js.call(json!({"cmd": "wait_synced", "url": url})).await;

    // The disk fails; the JS client records a village.
    let side = side(&scratch.data_dir());
    side.execute_batch(BREAK).expect("break the disk");
    let added = js
        .call(json!({"cmd": "add_unit", "url": url, "name": "存不下村", "kind": "village", "style": "canonical"}))
        .await;
    let unit = added["id"].as_str().expect("unit id").to_string();
    let now = js.call(json!({"cmd": "doc", "url": url})).await;
    let ours: Vec<String> = now["hex_heads"]
        .as_array()
        .expect("heads")
        .iter()
        .map(|h| h.as_str().expect("hex").to_string())
        .collect();
    // The server received it (it is trying to write it) ...
    wait_for_failing_write(&server.http()).await;
    // ... and does not tell the client it has it.
    let waited = js
        .try_call(json!({"cmd": "wait_synced", "url": url, "timeout_ms": 3000}))
        .await;
    assert_eq!(
        waited["ok"],
        json!(false),
        "synced while unstored: {waited}"
    );
    assert!(!holds(&on_disk(&side, &url), &ours));

    // The disk mends: the write lands, and only then is it acknowledged.
    side.execute_batch(MEND).expect("mend the disk");
    let synced = js.call(json!({"cmd": "wait_synced", "url": url})).await;
    assert_eq!(synced["heads"], now["heads"]);
    assert!(holds(&on_disk(&side, &url), &ours));
    let stored = server.document(code).await.document;
    assert_eq!(stored["units"][&unit]["name"], "存不下村");
    js.exit().await;
}

// ---------------------------------------------------------------------------
// e. A JavaScript app written by docs/SCHEMA.md

/// Every value of the document that is an Automerge `uint`, as dotted paths.
fn unsigned_values(township: &Township) -> Vec<String> {
    township.read(|doc| {
        let mut out = Vec::new();
        let mut todo: Vec<(ObjId, String)> = vec![(automerge::ROOT, String::new())];
        while let Some((obj, path)) = todo.pop() {
            for key in doc.keys(&obj).collect::<Vec<_>>() {
                let here = format!("{path}.{key}");
                match doc.get(&obj, key.as_str()).expect("read") {
                    Some((Value::Object(ObjType::Map), id)) => todo.push((id, here)),
                    Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Uint(_)) => {
                        out.push(here)
                    }
                    _ => {}
                }
            }
        }
        out
    })
}

/// The rows of report `name` for township `code`, as the county's admin sees them.
async fn report_rows(server: &ServerProcess, name: &str, code: &str, more: &str) -> Vec<Json> {
    let url = format!("{}/api/reports/{name}?township={code}{more}", server.http());
    let table: Json = get_json_as(&url, &server.admin_token()).await;
    table["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: no rows in {table}"))
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_js_app_writing_by_schema_md_makes_every_record_readable_by_the_county() {
    interop_dir();
    init_tracing();
    let scratch = Scratch::new();
    let code = "330825102";
    let url = add_township(&scratch.data_dir(), code, "城关镇");
    let rust_token = township_token(&scratch.data_dir(), code);
    let js_token = township_token(&scratch.data_dir(), code);
    let server = ServerProcess::start(&scratch.data_dir(), 0);

    // Our client writes numbers first ...
    let replica = connected_replica(
        &scratch.replica_file("rust"),
        &server.sync_url(),
        &url,
        &rust_token,
    )
    .await;
    let township = replica.township(&url).await.expect("township");
    let mut rust_unit = Unit::new("西门村", UnitKind::Village);
    rust_unit.employees = Some(9);
    rust_unit.youth = Some(3);
    let rust_unit_id = township.add(&rust_unit).expect("add");
    replica.wait_synced(&url, SYNC).await.expect("rust synced");

    // ... and the JS app's first line works on them: no BigInt anywhere.
    let mut js = JsClient::start("app", &server.sync_url(), Some(&js_token), None);
    js.call(json!({"cmd": "find", "url": url})).await;
    js.call(json!({"cmd": "wait", "url": url,
                   "path": ["units", rust_unit_id, "employees"], "equals": 9}))
        .await;
    let text = js.call(json!({"cmd": "stringify", "url": url})).await;
    let seen: Json = serde_json::from_str(text["text"].as_str().expect("text")).expect("JSON");
    assert_eq!(
        seen["meta"]["schema"],
        json!(qunjian_shared::SCHEMA_VERSION)
    );
    assert_eq!(seen["units"][&rust_unit_id]["employees"], json!(9));
    assert_eq!(seen["units"][&rust_unit_id]["name"], json!("西门村"));

    // The JS app writes a whole township the way SCHEMA.md says.
    let written = js.call(json!({"cmd": "write_township", "url": url})).await;
    let ids = written["ids"].clone();
    let id = |path: &[&str]| -> String {
        let mut v = &ids;
        for k in path {
            v = &v[*k];
        }
        v.as_str()
            .unwrap_or_else(|| panic!("no id {path:?} in {ids}"))
            .to_string()
    };
    js.call(json!({"cmd": "wait_synced", "url": url})).await;
    let text = js.call(json!({"cmd": "stringify", "url": url})).await;
    assert!(
        text["text"]
            .as_str()
            .is_some_and(|t| t.contains("衢龙机械有限公司"))
    );

    // Our client reads every record, typed, with the values written.
    let doc = eventually(
        SYNC,
        "the JS township reaches the Rust replica",
        async || {
            let (doc, _) = township.document().expect("hydrate");
            (doc.visits.len() == 1 && doc.nominations.values().any(|n| n.steps.approval.is_some()))
                .then_some(doc)
        },
    )
    .await;
    assert_all_readable(&township);
    assert_eq!(doc.units.len(), 8, "a unit of each kind and ours");
    let enterprise = &doc.units[&id(&["units", "enterprise"])];
    assert_eq!(enterprise.employees, Some(120));
    assert_eq!(enterprise.parent, Some(id(&["units", "park"])));
    assert!(enterprise.union.formed && enterprise.union.female_workers_committee == Some(true));
    assert_eq!(doc.units[&id(&["units", "community"])].employees, Some(15));
    assert!(doc.units[&id(&["units", "community"])].union.formed);
    let nomination = &doc.nominations[&id(&["nomination"])];
    assert_eq!(nomination.year, 2025);
    assert_eq!(
        nomination.steps.assembly.as_ref().and_then(|s| s.votes_for),
        Some(33)
    );
    assert_eq!(doc.people[&id(&["chair"])].roles.len(), 2);
    assert_eq!(doc.activities[&id(&["activity"])].women_participants, 32);
    assert_eq!(doc.honors[&id(&["honor"])].year, 2024);
    // Stored as SCHEMA.md says: scalars, ints, Text only for notes.
    let enterprise_id = id(&["units", "enterprise"]);
    let activity_id = id(&["activity"]);
    let nomination_id = id(&["nomination"]);
    for (path, kind) in [
        (vec!["units", &enterprise_id, "name"], "str"),
        (vec!["units", &enterprise_id, "opened"], "str"),
        (vec!["units", &enterprise_id, "employees"], "int"),
        (vec!["units", &enterprise_id, "union", "chair"], "str"),
        (
            vec![
                "nominations",
                &nomination_id,
                "steps",
                "assembly",
                "attendance",
            ],
            "int",
        ),
        (vec!["activities", &activity_id, "notes"], "text"),
        (vec!["activities", &activity_id, "units"], "Map"),
    ] {
        assert_eq!(stored_kind(&township, &path), kind, "{}", path.join("."));
    }
    assert_eq!(unsigned_values(&township), Vec::<String>::new());

    // The county's reports read it all.
    let admin = server.admin_token();
    let _ = &admin;
    // The JS app wrote the visit last: once the county counts it, the
    // projection holds everything.
    let enterprise_name = "衢龙机械有限公司";
    let visits = eventually(SYNC, "the server projects the JS township", async || {
        let rows = report_rows(&server, "visits", code, "&year=2025").await;
        rows.iter()
            .any(|r| r["unit"] == enterprise_name && r["visits"] == 1)
            .then_some(rows)
    })
    .await;
    assert!(
        visits.iter().any(|r| r["cadres"] == "县妇联 刘芳"),
        "{visits:#?}"
    );
    let ours = |rows: Vec<Json>| -> Vec<Json> {
        rows.into_iter()
            .filter(|r| r["township_code"] == code)
            .collect()
    };

    let coverage = ours(report_rows(&server, "coverage", code, "").await);
    let target = |key: &str| -> (Json, Json) {
        let row = coverage
            .iter()
            .find(|r| r["target_key"] == key)
            .unwrap_or_else(|| panic!("no {key} in {coverage:#?}"));
        (row["required"].clone(), row["formed"].clone())
    };
    // The enterprise (120 staff, union formed) ...
    assert_eq!(target("union_formation_100"), (json!(1), json!(1)));
    // ... three villages and communities, one 妇女之家 (JS's village) ...
    assert_eq!(target("womens_home_formation"), (json!(3), json!(1)));
    // ... and the full-time 妇联 chair counts the township's own 妇联 (not
    // recorded here), never a community's: 0 of 1.
    assert_eq!(target("federation_chair_full_time"), (json!(1), json!(0)));

    let gaps = ours(report_rows(&server, "gaps", code, "").await);
    for (unit, missing) in [
        (id(&["units", "agency"]), "妇委会"),
        (id(&["units", "institution"]), "妇委会"),
        (id(&["units", "community"]), "妇女之家"),
        (id(&["units", "social_org"]), "妇女工作联络员"),
    ] {
        assert!(
            gaps.iter()
                .any(|r| r["unit_id"] == unit.as_str() && r["missing"] == missing),
            "{unit} should miss {missing}: {gaps:#?}"
        );
    }

    let nominations = ours(report_rows(&server, "nominations", code, "&year=2025").await);
    let league = nominations
        .iter()
        .find(|r| r["organization"] == "团组织")
        .unwrap_or_else(|| panic!("no 团组织 row: {nominations:#?}"));
    for key in [
        "nominated",
        "assembly",
        "inspection",
        "approval",
        "women",
        "under_35",
    ] {
        assert_eq!(league[key], json!(1), "{key}: {league}");
    }
    assert_eq!(league["out_of_order"], json!(0));

    let activities = ours(report_rows(&server, "activities", code, "&year=2025").await);
    for org in ["工会", "妇女组织"] {
        assert!(
            activities.iter().any(|r| r["organization"] == org
                && r["participants"] == 40
                && r["women_participants"] == 32),
            "{org}: {activities:#?}"
        );
    }

    let honors = ours(report_rows(&server, "honors", code, "&year=2024").await);
    assert!(
        honors
            .iter()
            .any(|r| r["title"] == "巾帼文明岗" && r["count"] == 1),
        "{honors:#?}"
    );

    // Nothing the JS app wrote is unreadable, and nothing is in conflict.
    let quality = ours(report_rows(&server, "quality", code, "").await);
    let unreadable = qunjian_shared::validation::FindingRule::Unreadable.label();
    assert!(
        quality
            .iter()
            .all(|r| r["problem"] != unreadable && r["problem"] != "并发修改冲突"),
        "{quality:#?}"
    );
    js.exit().await;
    replica.close().await;
}
