//! `GET /metrics` and the log's shape, against real server processes on
//! loopback: who may scrape, that the Prometheus text parses, that the
//! counters move with a real device's sync, a refused token, a report and
//! a failing disk; that `--metrics-listen` answers without a token and
//! nothing else; that `--log-format json` writes one JSON object a line;
//! and that a log that is not a terminal carries no colour codes.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::broken_disk::{BREAK, MEND, side};
use common::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const CODE: &str = "330825101";
const NAME: &str = "城关镇";
const WAIT: Duration = Duration::from_secs(20);

/// One scrape: every sample by its series (`name{labels}` as written),
/// and every family that has a `# TYPE` line.
#[derive(Debug)]
struct Scrape {
    samples: BTreeMap<String, f64>,
    families: BTreeSet<String>,
}

impl Scrape {
    /// Parse the text format, failing the test on any line that is not
    /// a comment or `series value`, or a sample whose family has no TYPE.
    fn parse(text: &str) -> Scrape {
        let mut samples = BTreeMap::new();
        let mut families = BTreeSet::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
                assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
                families.insert(name.to_string());
                continue;
            }
            if line.starts_with("# HELP ") {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').expect("series value");
            let value: f64 = value
                .parse()
                .unwrap_or_else(|_| panic!("not a number in {line:?}"));
            let name = series.split('{').next().unwrap_or(series);
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s).filter(|f| families.contains(*f)))
                .unwrap_or(name);
            assert!(families.contains(family), "no # TYPE for {line:?}");
            assert!(
                samples.insert(series.to_string(), value).is_none(),
                "twice: {line}"
            );
        }
        Scrape { samples, families }
    }

    /// A series' value; 0 when it is not there (yet).
    fn get(&self, series: &str) -> f64 {
        self.samples.get(series).copied().unwrap_or(0.0)
    }
}

/// `GET /metrics` at `base` with `token`: status, content type, body.
async fn metrics_as(base: &str, token: Option<&str>) -> (u16, String, String) {
    let mut request = reqwest::Client::new().get(format!("{base}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("GET /metrics");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, kind, response.text().await.expect("body"))
}

/// A scrape as the county admin, which must succeed.
async fn scrape(server: &ServerProcess) -> Scrape {
    let (status, kind, body) = metrics_as(&server.http(), Some(&server.admin_token())).await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    Scrape::parse(&body)
}

/// The `{"error": …}` of a refused answer.
fn error_of(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).expect("a JSON error body");
    value["error"].as_str().expect("error").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answer_the_county_admin_and_move_with_sync_refusals_and_reports() {
    init_tracing();
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, NAME);
    let device = township_token(&data, CODE);
    let metrics_port = free_port();
    let metrics_at = format!("127.0.0.1:{metrics_port}");
    let server = ServerProcess::start_with(&data, 0, &["--metrics-listen", &metrics_at]);
    let base = server.http();

    // Who may scrape on the server's port.
    let (status, _, body) = metrics_as(&base, None).await;
    assert_eq!(status, 401, "{body}");
    assert!(error_of(&body).contains("令牌"), "{body}");
    let (status, _, body) = metrics_as(&base, Some(&device)).await;
    assert_eq!(status, 403, "{body}");
    assert!(error_of(&body).contains("县级管理员"), "{body}");
    let before = scrape(&server).await;
    for family in [
        "qunjian_build_info",
        "qunjian_connections_open",
        "qunjian_sync_connections_open",
        "qunjian_refused_total",
        "qunjian_sync_messages_total",
        "qunjian_sync_bytes_total",
        "qunjian_storage_commit_seconds",
        "qunjian_storage_commit_failures_total",
        "qunjian_storage_writes_total",
        "qunjian_storage_pending_writes",
        "qunjian_storage_ok",
        "qunjian_storage_compactions_total",
        "qunjian_storage_rows_not_loadable",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_max_fds",
        "qunjian_data_dir_free_bytes",
        "qunjian_data_dir_size_bytes",
        "qunjian_database_bytes",
    ] {
        assert!(before.families.contains(family), "no {family}: {before:?}");
    }
    assert!(before.get("process_resident_memory_bytes") > 1e6);
    assert!(before.get("process_open_fds") >= 3.0);
    assert!(before.get("qunjian_data_dir_free_bytes") > 0.0);
    assert!(before.get("qunjian_data_dir_size_bytes") >= before.get("qunjian_data_dir_free_bytes"));
    assert!(before.get("qunjian_database_bytes") > 0.0);
    assert_eq!(before.get("qunjian_storage_ok"), 1.0);
    // The scrape itself is an open connection.
    assert!(before.get("qunjian_connections_open") >= 1.0);
    assert!(before.get(r#"qunjian_refused_total{reason="no_token"}"#) >= 1.0);
    assert!(before.get(r#"qunjian_refused_total{reason="forbidden"}"#) >= 1.0);

    // A sync connection with a well-formed token nobody issued: 401, and
    // counted under its reason.
    let unknown = format!("qjt_{}", "0".repeat(64));
    let mut request = server.sync_url().into_client_request().expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {unknown}").parse().expect("header"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 401);
        }
        other => panic!("expected a 401 refusal, got {:?}", other.map(|_| ())),
    }
    let unknown_token = r#"qunjian_refused_total{reason="unknown_token"}"#;
    let after_refusal = scrape(&server).await;
    assert_eq!(
        after_refusal.get(unknown_token),
        before.get(unknown_token) + 1.0
    );

    // A device syncs five edits: five changes received for its township,
    // messages both ways, durable writes, a projection.
    let replica = connected_replica(
        &scratch.replica_file("a"),
        &server.sync_url(),
        &url,
        &device,
    )
    .await;
    let connected = scrape(&server).await;
    assert_eq!(connected.get("qunjian_sync_connections_open"), 1.0);
    let doc = replica.township(&url).await.expect("doc");
    const EDITS: u32 = 5;
    for i in 0..EDITS {
        set_unit_field(&doc, &format!("u{i}"), "name", &format!("单位{i}"));
    }
    replica.wait_synced(&url, WAIT).await.expect("synced");
    let changes = format!(r#"qunjian_sync_changes_received_total{{township="{CODE}"}}"#);
    let projected = format!(r#"qunjian_projection_seconds_count{{township="{CODE}"}}"#);
    let lag = format!(r#"qunjian_projection_lag_seconds{{township="{CODE}"}}"#);
    let synced = eventually(WAIT, "the edits are counted and projected", async || {
        let now = scrape(&server).await;
        let projected_since = now.get(&projected) > connected.get(&projected);
        if now.get(&changes) == f64::from(EDITS) && projected_since && now.get(&lag) == 0.0 {
            Ok(now)
        } else {
            Err(format!(
                "changes {}, projections {}, lag {}",
                now.get(&changes),
                now.get(&projected),
                now.get(&lag)
            ))
        }
    })
    .await;
    assert!(synced.families.contains("qunjian_projection_lag_seconds"));
    for series in [
        r#"qunjian_sync_messages_total{direction="in"}"#,
        r#"qunjian_sync_messages_total{direction="out"}"#,
        r#"qunjian_sync_bytes_total{direction="in"}"#,
        r#"qunjian_sync_bytes_total{direction="out"}"#,
        "qunjian_storage_writes_total",
        "qunjian_storage_commit_seconds_count",
    ] {
        assert!(
            synced.get(series) > connected.get(series),
            "{series} did not grow: {} then {}",
            connected.get(series),
            synced.get(series)
        );
    }
    assert!(
        synced.get(r#"qunjian_sync_bytes_total{direction="in"}"#)
            > synced.get(r#"qunjian_sync_messages_total{direction="in"}"#),
        "bytes count bytes, not messages"
    );
    assert_eq!(synced.get("qunjian_storage_pending_writes"), 0.0);
    assert_eq!(synced.get("qunjian_storage_commit_failures_total"), 0.0);

    // A report, timed under its name.
    let response = get_as(
        &format!("{base}/api/reports/coverage"),
        &server.admin_token(),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let reported = scrape(&server).await;
    assert_eq!(
        reported.get(r#"qunjian_report_seconds_count{report="coverage"}"#),
        1.0
    );

    // --metrics-listen: the same figures without a token, and nothing else.
    let open = format!("http://{metrics_at}");
    let (status, kind, body) = metrics_as(&open, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let untokened = Scrape::parse(&body);
    assert_eq!(untokened.get(&changes), f64::from(EDITS));
    let response = reqwest::get(format!("{open}/api/townships"))
        .await
        .expect("GET");
    assert_eq!(response.status().as_u16(), 404);
    let response = reqwest::get(format!("{open}/sync")).await.expect("GET");
    assert_eq!(response.status().as_u16(), 404);

    replica.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_disk_shows_in_the_metrics_and_clears_when_it_recovers() {
    init_tracing();
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, NAME);
    let device = township_token(&data, CODE);
    let server = ServerProcess::start(&data, 0);
    let replica = connected_replica(
        &scratch.replica_file("a"),
        &server.sync_url(),
        &url,
        &device,
    )
    .await;

    let side = side(&data);
    side.execute_batch(BREAK).expect("break the disk");
    let doc = replica.township(&url).await.expect("doc");
    set_unit_field(&doc, "u1", "name", "写不进去");
    let failing = eventually(WAIT, "the metrics show the failing disk", async || {
        let now = scrape(&server).await;
        if now.get("qunjian_storage_ok") == 0.0
            && now.get("qunjian_storage_commit_failures_total") >= 1.0
            && now.get("qunjian_storage_pending_writes") >= 1.0
        {
            Ok(now)
        } else {
            Err(format!(
                "{:?}",
                now.samples.range("qunjian_storage".to_string()..)
            ))
        }
    })
    .await;
    assert!(failing.get("qunjian_storage_commit_failures_total") >= 1.0);

    // A device dialling in now is turned away, and counted.
    let second = township_token(&data, CODE);
    let mut request = server.sync_url().into_client_request().expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {second}").parse().expect("header"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 503);
        }
        other => panic!(
            "expected 503 while the disk fails, got {:?}",
            other.map(|_| ())
        ),
    }
    let turned_away = scrape(&server).await;
    assert_eq!(
        turned_away.get(r#"qunjian_refused_total{reason="storage_failing"}"#),
        1.0
    );

    side.execute_batch(MEND).expect("mend the disk");
    eventually(WAIT, "the metrics show the disk recovered", async || {
        let now = scrape(&server).await;
        (now.get("qunjian_storage_ok") == 1.0 && now.get("qunjian_storage_pending_writes") == 0.0)
            .then_some(())
    })
    .await;
    replica
        .wait_synced(&url, WAIT)
        .await
        .expect("synced after recovery");
    replica.close().await;
}

/// Start `serve` with `flags` and its stderr in `log` (a file: not a
/// terminal), logging at info; the address it listens on.
fn start_logged(data_dir: &Path, log: &Path, flags: &[&str]) -> (Child, String) {
    let stderr = std::fs::File::create(log).expect("create log");
    let mut child = Command::new(SERVER_BIN)
        .args(["serve", "--data-dir"])
        .arg(data_dir)
        .args(["--listen", "127.0.0.1:0"])
        .args(flags)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start county-server");
    let stdout = child.stdout.take().expect("server stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the server's first line");
    (child, listening_address(&line).to_string())
}

/// The log's lines once `wanted` says it has what the test needs.
async fn log_lines(log: &Path, what: &str, wanted: impl Fn(&str) -> bool) -> String {
    eventually(WAIT, what, async || {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if wanted(&text) { Ok(text) } else { Err(text) }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_json_writes_one_object_a_line_and_text_has_no_colour_codes() {
    let scratch = Scratch::new();

    // JSON lines.
    let json_log = scratch.replica_file("json-log");
    let (mut child, addr) = start_logged(&scratch.data_dir(), &json_log, &["--log-format", "json"]);
    // A refusal with a path a client chose, to see it cannot break a line.
    let response = reqwest::get(format!(
        "http://{addr}/api/townships/%0aINFO%20forged%1b[31m"
    ))
    .await
    .expect("GET");
    assert_eq!(response.status().as_u16(), 401);
    let text = log_lines(
        &json_log,
        "the JSON log has the refusal and the note",
        |t| t.contains("refused from 127.0.0.1") && t.contains("admin-token"),
    )
    .await;
    terminate(&mut child);
    let mut levels = BTreeSet::new();
    // Every line, the first start's note on the admin token too.
    for line in text.lines() {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(event["timestamp"].is_string(), "{line}");
        assert!(event["message"].is_string(), "{line}");
        levels.insert(event["level"].as_str().expect("level").to_string());
    }
    assert!(levels.contains("INFO") && levels.contains("WARN"), "{text}");
    assert!(
        text.contains("admin-token"),
        "the first start's note: {text}"
    );
    let listening = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .find(|e| e["message"] == "county server listening")
        .unwrap_or_else(|| panic!("no start line in {text}"));
    assert_eq!(listening["addr"], addr, "fields sit beside the message");
    assert!(!text.contains('\u{1b}'), "{text:?}");

    // Plain text to a file: no colour codes.
    let scratch = Scratch::new();
    let text_log = scratch.replica_file("text-log");
    let (mut child, addr) = start_logged(&scratch.data_dir(), &text_log, &[]);
    let response = reqwest::get(format!("http://{addr}/api/me"))
        .await
        .expect("GET");
    assert_eq!(response.status().as_u16(), 401);
    let text = log_lines(&text_log, "the text log has the refusal", |t| {
        t.contains("WARN") && t.contains("refused from 127.0.0.1")
    })
    .await;
    terminate(&mut child);
    assert!(!text.contains("\u{1b}["), "colour codes in {text:?}");
    assert!(
        text.lines()
            .any(|l| l.contains(" INFO ") && l.contains("county server listening")),
        "{text}"
    );
}
