//! Input hardening (issue 11, items 8–10), through the real binary: token
//! labels without control or direction characters, refusals in the log at
//! the default level but summarized, a flood of refusals collapsed in the
//! audit table, dates in a sane range, short error bodies, and JSON for
//! every error the HTTP API sends.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use qunjian_shared::api::{ApiError, AuditEntry};
use qunjian_shared::token;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, header};

/// Bound on every wait below: a refusal summary comes after a 10 s window.
const WAIT: Duration = Duration::from_secs(40);

/// A server at the default log level (no RUST_LOG), its stderr collected.
struct LoggedServer {
    child: Child,
    http: String,
    addr: std::net::SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
}

impl LoggedServer {
    fn start(data_dir: &Path, flags: &[&str]) -> LoggedServer {
        let mut child = Command::new(SERVER_BIN)
            .args(["serve", "--data-dir"])
            .arg(data_dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(flags)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start county-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut out = BufReader::new(stdout);
        let mut first = String::new();
        out.read_line(&mut first).expect("first line");
        let addr = listening_address(&first);
        // Keep both pipes drained so the server never blocks on them.
        std::thread::spawn(move || for _ in out.lines() {});
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().expect("log lines").push(line);
            }
        });
        LoggedServer {
            child,
            http: format!("http://{addr}"),
            addr,
            lines,
        }
    }

    fn log(&self) -> Vec<String> {
        self.lines.lock().expect("log lines").clone()
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An error answer: `status`, JSON `{"error"}` with Chinese in it; the body.
async fn json_error(response: reqwest::Response, status: u16) -> (String, usize) {
    let url = response.url().clone();
    assert_eq!(response.status().as_u16(), status, "{url}");
    let text = response.text().await.expect("body");
    let body: ApiError = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{url}: error body is not JSON ({e}): {text:?}"));
    assert!(
        body.error
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{url}: message not in Chinese: {}",
        body.error
    );
    (body.error, text.len())
}

fn cli_create(data_dir: &Path, label: &str) -> std::process::Output {
    Command::new(SERVER_BIN)
        .args([
            "token",
            "create",
            "--role",
            "county-viewer",
            "--label",
            label,
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run token create")
}

#[tokio::test]
async fn labels_with_control_or_direction_characters_are_refused() {
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    let server = LoggedServer::start(&dir, &[]);
    let admin = admin_token(&dir);
    let http = reqwest::Client::new();
    for (i, bad) in ["a\nINFO forged", "a\0b", "abc\u{202E}gpj.exe", "a\rb"]
        .iter()
        .enumerate()
    {
        // An argument cannot hold NUL; the API is where one can arrive.
        if !bad.contains('\0') {
            let out = cli_create(&dir, bad);
            assert!(!out.status.success(), "CLI accepted label {bad:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("控制字符"), "CLI message: {stderr}");
        }
        let response = http
            .post(format!("{}/api/tokens", server.http))
            .bearer_auth(&admin)
            .json(&serde_json::json!({"role": "county-viewer", "label": bad}))
            .send()
            .await
            .expect("POST");
        let (message, _) = json_error(response, 400).await;
        assert!(message.contains("控制字符"), "API message {i}: {message}");
    }
    let out = cli_create(&dir, "县委组织部 张三");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let response = http
        .post(format!("{}/api/tokens", server.http))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"role": "county-viewer", "label": "城关镇平板1"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status().as_u16(), 201);
    // No log line was forged by the labels tried above.
    assert!(
        !server.log().iter().any(|l| l.starts_with("INFO forged")),
        "{:#?}",
        server.log()
    );
}

#[tokio::test]
async fn refusals_without_a_valid_token_are_logged_at_the_default_level_summarized() {
    let scratch = Scratch::new();
    let server = LoggedServer::start(&scratch.data_dir(), &[]);
    let http = reqwest::Client::new();
    let unknown = format!("{}{}", token::PREFIX, "0".repeat(64));
    for _ in 0..200 {
        let response = http
            .get(format!("{}/api/me", server.http))
            .bearer_auth(&unknown)
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status().as_u16(), 401);
    }
    let refusal_lines = |log: &[String]| {
        log.iter()
            .filter(|l| l.contains("WARN") && l.contains("refused"))
            .cloned()
            .collect::<Vec<_>>()
    };
    eventually(WAIT, "a summary of the refusals in the log", async || {
        server
            .log()
            .iter()
            .any(|l| l.contains("WARN") && l.contains("199 refused in the last"))
    })
    .await;
    let lines = refusal_lines(&server.log());
    assert!(
        lines.len() <= 3,
        "expected one line and a summary: {lines:#?}"
    );
    assert!(
        lines.iter().all(|l| l.contains("127.0.0.1")),
        "source named: {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("unknown or revoked token: 199")),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn a_flood_of_refused_sync_connections_adds_few_audit_rows_with_a_count() {
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    let server = LoggedServer::start(&dir, &["--connections-per-token=1"]);
    let admin = admin_token(&dir);
    let viewer = common::token(&dir, "county-viewer", None);
    let viewer_id = token::id(&viewer);
    // The one connection the token may have.
    let mut request = format!("ws://{}/sync", server.addr)
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {viewer}")).expect("header"),
    );
    let (_open, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("first connection");
    let http = reqwest::Client::new();
    let attempts = 300;
    for _ in 0..attempts {
        let response = http
            .get(format!("{}/sync", server.http))
            .bearer_auth(&viewer)
            .send()
            .await
            .expect("GET /sync");
        assert_eq!(response.status().as_u16(), 429);
    }
    let audit = format!("{}/api/audit?event=refused", server.http);
    let rows_of = async || -> Vec<AuditEntry> {
        get_json_as::<Vec<AuditEntry>>(&audit, &admin)
            .await
            .into_iter()
            .filter(|r| r.token_id.as_deref() == Some(viewer_id.as_str()))
            .collect()
    };
    eventually(WAIT, "the count of refusals in the audit", async || {
        rows_of()
            .await
            .iter()
            .any(|r| r.detail.as_deref().unwrap_or("").contains("×"))
    })
    .await;
    let rows = rows_of().await;
    assert!(rows.len() <= 4, "{} rows: {rows:#?}", rows.len());
    // The first refusal is there on its own, and the total of the window.
    assert!(
        rows.iter()
            .any(|r| r.detail.as_deref() == Some("sync: too many connections")),
        "{rows:#?}"
    );
    assert!(
        rows.iter().any(|r| r
            .detail
            .as_deref()
            .unwrap_or("")
            .starts_with(&format!("sync: too many connections (×{attempts} "))),
        "{rows:#?}"
    );
}

#[tokio::test]
async fn bad_dates_and_bad_requests_get_short_json_errors() {
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    let server = LoggedServer::start(&dir, &[]);
    let admin = admin_token(&dir);
    let http = reqwest::Client::new();
    let get = async |path: &str| {
        http.get(format!("{}{path}", server.http))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("GET")
    };
    for (path, param) in [
        ("/api/reports/coverage?as_of=-2026-01-01", "as_of"),
        ("/api/reports/coverage?as_of=0000-01-01", "as_of"),
        ("/api/reports/coverage?as_of=3000-01-01", "as_of"),
        ("/api/reports/coverage?year=0", "year"),
        ("/api/audit?since=-2026-01-01", "since"),
        ("/api/audit?until=0000-01-01T00:00:00Z", "until"),
    ] {
        let (message, _) = json_error(get(path).await, 400).await;
        assert!(message.contains(param), "{path}: {message}");
        assert!(message.contains("1900"), "{path}: {message}");
    }
    // A 10 KB value is not echoed back whole.
    let long = "9".repeat(10_240);
    for path in [
        format!("/api/reports/coverage?as_of={long}"),
        format!("/api/reports/coverage?year={long}"),
        format!("/api/audit?since={long}"),
        format!("/api/reports/{long}"),
        format!("/api/audit?limit={long}"),
    ] {
        let response = get(&path).await;
        let status = response.status().as_u16();
        let (_, len) = json_error(response, status).await;
        assert!((400..500).contains(&status), "{status}");
        assert!(len < 500, "{len} bytes for {}", &path[..40]);
    }
    // axum's own rejections, as JSON.
    json_error(get("/api/audit?limit=abc").await, 400).await;
    let bad_json = http
        .post(format!("{}/api/tokens", server.http))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"role\": ")
        .send()
        .await
        .expect("POST");
    json_error(bad_json, 400).await;
    let wrong_shape = http
        .post(format!("{}/api/tokens", server.http))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"role": 5}))
        .send()
        .await
        .expect("POST");
    json_error(wrong_shape, 422).await;
    let no_type = http
        .post(format!("{}/api/tokens", server.http))
        .bearer_auth(&admin)
        .body("{}")
        .send()
        .await
        .expect("POST");
    json_error(no_type, 415).await;
    json_error(get("/api/no-such-thing").await, 404).await;
    json_error(get("/no/such/page").await, 404).await;
    let wrong_method = http
        .delete(format!("{}/api/townships", server.http))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("DELETE");
    json_error(wrong_method, 405).await;
    // A plain GET of /sync with a valid token is not a WebSocket upgrade.
    json_error(get("/sync").await, 400).await;
}
