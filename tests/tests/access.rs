//! Who may see and change what, end to end: a real county server process,
//! real replicas and raw WebSockets, every cell of the role × document ×
//! operation matrix, revocation, the per-token limits and the audit table.

mod common;

use std::time::{Duration, Instant};

use automerge::ROOT;
use automerge::transaction::Transactable;
use common::cbor::{doc_message, join_message};
use common::ws::{Ws, close_code};
use common::*;
use futures::{SinkExt, StreamExt};
use qunjian_client::{ClientError, Replica, Township};
use qunjian_shared::api::{ApiError, AuditEntry, Me, NewToken, TokenInfo, TownshipInfo};
use qunjian_shared::token;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, Response, header};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

const A: &str = "330825101";
const B: &str = "330825102";
const WAIT: Duration = Duration::from_secs(20);
/// How soon a revocation must close a live connection (the issue: "within seconds").
const REVOKED_WITHIN: Duration = Duration::from_secs(5);

/// Two townships and a token of each role; the server has started once, so
/// the admin token exists.
struct County {
    // Declared before `scratch`: the server is killed before its data
    // directory is deleted.
    server: ServerProcess,
    scratch: Scratch,
    a_url: String,
    b_url: String,
    admin: String,
    viewer: String,
    a_token: String,
}

impl County {
    fn start() -> County {
        County::start_with(&[])
    }

    /// A county whose server runs with these `serve` flags.
    fn start_with(flags: &[&str]) -> County {
        let scratch = Scratch::new();
        let dir = scratch.data_dir();
        let a_url = add_township(&dir, A, "城关镇");
        let b_url = add_township(&dir, B, "溪口镇");
        let viewer = token(&dir, "county-viewer", None);
        let a_token = township_token(&dir, A);
        let server = ServerProcess::start_with(&dir, 0, flags);
        let admin = server.admin_token();
        County {
            server,
            scratch,
            a_url,
            b_url,
            admin,
            viewer,
            a_token,
        }
    }

    fn api(&self, path: &str) -> String {
        format!("{}{path}", self.server.http())
    }

    /// A replica with `token`, connected, holding nothing yet.
    async fn replica(&self, name: &str, token: &str) -> Replica {
        let r = Replica::open_with_token(self.scratch.replica_file(name), token)
            .await
            .expect("open replica");
        r.connect(&self.server.sync_url()).expect("connect");
        r
    }
}

/// Put a text at the document's root: any change will do to see who may write.
fn put(doc: &Township, key: &str, value: &str) {
    doc.transact(&format!("set {key}"), |tx| tx.put(ROOT, key, value))
        .expect("transact");
}

/// A refusal must be `status` with a JSON `{"error"}` a cadre can read.
async fn refused(response: reqwest::Response, status: u16) -> String {
    let url = response.url().clone();
    assert_eq!(response.status().as_u16(), status, "{url}");
    let body: ApiError = response.json().await.expect("error body is JSON");
    assert!(
        body.error
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{url}: message not in Chinese: {}",
        body.error
    );
    body.error
}

async fn send(request: reqwest::RequestBuilder) -> reqwest::Response {
    request.send().await.expect("HTTP request")
}

/// Send `request` and expect it refused with `status`.
async fn deny(request: reqwest::RequestBuilder, status: u16) -> String {
    refused(send(request).await, status).await
}

/// Open `/sync` with `token` in the Authorization header.
async fn dial(url: &str, token: Option<&str>) -> Result<Ws, WsError> {
    let mut request = url.into_client_request().expect("request");
    if let Some(t) = token {
        let value = HeaderValue::from_str(&format!("Bearer {t}")).expect("header");
        request.headers_mut().insert(header::AUTHORIZATION, value);
    }
    tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request))
        .await
        .expect("the upgrade is answered")
        .map(|(ws, _)| ws)
}

/// The HTTP answer to an upgrade that must not have opened a WebSocket.
fn upgrade_refused(result: Result<Ws, WsError>, status: u16) -> Response<Option<Vec<u8>>> {
    match result {
        Err(WsError::Http(response)) => {
            assert_eq!(response.status().as_u16(), status);
            let body: ApiError = serde_json::from_slice(response.body().as_deref().unwrap_or(&[]))
                .expect("JSON error body");
            assert!(!body.error.is_empty());
            response
        }
        Ok(_) => panic!("a WebSocket was opened; expected HTTP {status}"),
        Err(e) => panic!("expected HTTP {status}, got {e}"),
    }
}

/// Join as `sender`; the server's peer id, from its `peer` answer.
async fn join(ws: &mut Ws, sender: &str) -> String {
    ws.send(Message::Binary(join_message(sender).into()))
        .await
        .expect("send join");
    let answer = tokio::time::timeout(WAIT, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Binary(b))) => return b,
                Some(Ok(_)) => continue,
                other => panic!("no answer to join: {other:?}"),
            }
        }
    })
    .await
    .expect("the server answers join");
    assert!(
        answer.windows(4).any(|w| w == b"peer"),
        "not a peer message"
    );
    // The text after the key "senderId" (short: one-byte or 0x78 length head).
    let at = answer
        .windows(8)
        .position(|w| w == b"senderId")
        .expect("senderId")
        + 8;
    let (start, len) = match answer[at] {
        h @ 0x60..=0x77 => (at + 1, usize::from(h - 0x60)),
        0x78 => (at + 2, usize::from(answer[at + 1])),
        h => panic!("unexpected CBOR head {h:#x}"),
    };
    String::from_utf8(answer[start..start + len].to_vec()).expect("utf-8")
}

/// What a client ignoring the server's read-only flag would send: an
/// Automerge sync message carrying one change (made on a document of its
/// own, so its history is valid whatever the server holds).
fn forged_change() -> Vec<u8> {
    use automerge::{AutoCommit, sync::State, sync::SyncDoc};
    let say = |d: &mut AutoCommit, s: &mut State| d.sync().generate_sync_message(s).expect("say");
    let hear =
        |d: &mut AutoCommit, s: &mut State, m| d.sync().receive_sync_message(s, m).expect("hear");
    let (mut doc, mut peer) = (AutoCommit::new(), AutoCommit::new());
    doc.put(ROOT, "forged", "伪造").expect("put");
    let (mut ours, mut theirs) = (State::new(), State::new());
    // One round trip first, so the next message carries the change itself.
    let hello = say(&mut doc, &mut ours);
    hear(&mut peer, &mut theirs, hello);
    let reply = say(&mut peer, &mut theirs);
    hear(&mut doc, &mut ours, reply);
    say(&mut doc, &mut ours).encode()
}

/// Whether the audit `rows` hold an `event` of token `id` that `matches`.
fn has(rows: &[AuditEntry], id: &str, event: &str, matches: impl Fn(&AuditEntry) -> bool) -> bool {
    rows.iter()
        .any(|r| r.token_id.as_deref() == Some(id) && r.event == event && matches(r))
}

/// Whether an audit row's detail mentions `text`.
fn says(row: &AuditEntry, text: &str) -> bool {
    row.detail.as_deref().is_some_and(|d| d.contains(text))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_reaches_exactly_its_documents_and_the_audit_says_so() {
    init_tracing();
    let c = County::start();
    let server = &c.server;

    // A township device reads and writes its own document.
    let a_dev = connected_replica(
        &c.scratch.replica_file("a"),
        &server.sync_url(),
        &c.a_url,
        &c.a_token,
    )
    .await;
    let a_doc = a_dev.township(&c.a_url).await.expect("own document");
    assert_eq!(a_doc.heads(), server.document(A).await.heads);
    put(&a_doc, "a_note", "城关镇录入");
    a_dev.wait_synced(&c.a_url, WAIT).await.expect("synced");
    assert_eq!(server.document(A).await.document["a_note"], "城关镇录入");

    // Another township's document: the server answers doc-unavailable, and
    // the connection stays up for the device's own work.
    // (Answered, not timed out: the replica waits 10 s for a silent server.)
    let asked = Instant::now();
    match a_dev.township(&c.b_url).await {
        Err(ClientError::NotFound { reason, .. }) => {
            assert_eq!(reason, "the server does not have it");
            assert!(
                asked.elapsed() < Duration::from_secs(5),
                "{:?}",
                asked.elapsed()
            );
        }
        Err(e) => panic!("expected NotFound for B's document, got {e}"),
        Ok(_) => panic!("a township device obtained another township's document"),
    }
    assert!(a_dev.is_connected());

    // The viewer reads both documents.
    let viewer = c.replica("viewer", &c.viewer).await;
    let v_a = viewer.township(&c.a_url).await.expect("viewer reads A");
    viewer.wait_synced(&c.a_url, WAIT).await.expect("synced");
    assert_eq!(v_a.to_json()["a_note"], "城关镇录入");
    viewer.township(&c.b_url).await.expect("viewer reads B");

    // The server tells the viewer's replica it is read-only: its edit stays
    // local, while others' changes still reach it.
    put(&v_a, "viewer_note", "不应到达服务器");
    put(&a_doc, "a_note_2", "第二次录入");
    eventually(WAIT, "the viewer receives A's later change", async || {
        v_a.to_json()["a_note_2"] == "第二次录入"
    })
    .await;
    // Once the viewer's connection is closed and its `closed` row is in the
    // audit, the server has handled everything the viewer sent: only then
    // does the edit's absence show that it stayed local.
    let viewer_id = token::id(&c.viewer);
    let audit_a = c.api(&format!("/api/audit?township={A}"));
    let closed = c.api("/api/audit?event=closed");
    viewer.close().await;
    let viewer_closed = eventually(
        WAIT,
        "the viewer's closed connection is audited",
        async || {
            let rows: Vec<AuditEntry> = get_json_as(&closed, &c.admin).await;
            rows.into_iter()
                .find(|r| r.token_id.as_deref() == Some(viewer_id.as_str()))
                .map(|r| r.seq)
        },
    )
    .await;
    let on_server = server.document(A).await.document;
    assert_eq!(on_server["a_note_2"], "第二次录入");
    assert!(on_server.get("viewer_note").is_none(), "{on_server}");
    assert!(a_doc.to_json().get("viewer_note").is_none());

    // A viewer client that ignores the read-only flag and sends a change
    // anyway: the server keeps the connection and drops the change.
    let mut rogue = dial(&server.sync_url(), Some(&c.viewer))
        .await
        .expect("upgrade");
    let server_peer = join(&mut rogue, &token::peer_id(&c.viewer)).await;
    let a_doc_id = c.a_url.trim_start_matches("automerge:");
    let forged = doc_message(
        "sync",
        &token::peer_id(&c.viewer),
        &server_peer,
        a_doc_id,
        forged_change(),
    );
    rogue
        .send(Message::Binary(forged.into()))
        .await
        .expect("send");
    // Closing writes what the connection sent to the audit: the row of the
    // ignored change says the server has handled the forged one.
    rogue.close(None).await.expect("close");
    eventually(WAIT, "the forged change's refusal is audited", async || {
        let rows: Vec<AuditEntry> = get_json_as(&audit_a, &c.admin).await;
        has(&rows, &viewer_id, "received", |r| {
            r.seq > viewer_closed && says(r, "read-only")
        })
    })
    .await;
    assert!(server.document(A).await.document.get("forged").is_none());

    // The county admin writes any township's document.
    let admin = c.replica("admin", &c.admin).await;
    for (code, url) in [(A, &c.a_url), (B, &c.b_url)] {
        let doc = admin.township(url).await.expect("admin reads");
        put(&doc, "admin_note", code);
        admin.wait_synced(url, WAIT).await.expect("synced");
        assert_eq!(server.document(code).await.document["admin_note"], code);
    }

    // Closing the connections writes what each received to the audit.
    a_dev.close().await;
    admin.close().await;
    let a_id = token::id(&c.a_token);
    let complete = |rows: &[AuditEntry]| {
        has(rows, &a_id, "opened", |_| true)
            && has(rows, &a_id, "closed", |r| r.bytes > 0)
            && has(rows, &a_id, "received", |r| {
                r.changes >= 2 && r.bytes > 0 && r.document.as_deref() == Some(a_doc_id)
            })
            && has(rows, &a_id, "refused", |r| says(r, "doc-unavailable"))
            && has(rows, &viewer_id, "received", |r| {
                r.changes == 0 && says(r, "read-only")
            })
    };
    let rows = eventually(WAIT, "the audit is complete", async || {
        let rows: Vec<AuditEntry> = get_json_as(&audit_a, &c.admin).await;
        if complete(&rows) { Ok(rows) } else { Err(rows) }
    })
    .await;
    assert!(rows.iter().all(|r| r.township.as_deref() == Some(A)));
    assert!(rows.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");

    let future: Vec<AuditEntry> =
        get_json_as(&format!("{audit_a}&since=2999-01-01"), &c.admin).await;
    assert!(future.is_empty());
    let bad = send(
        reqwest::Client::new()
            .get(format!("{audit_a}&since=yesterday"))
            .bearer_auth(&c.admin),
    )
    .await;
    assert!(refused(bad, 400).await.contains("yesterday"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_exactly_its_own_over_http() {
    init_tracing();
    let c = County::start();
    let http = reqwest::Client::new();
    let as_ = |token: &str, path: &str| http.get(c.api(path)).bearer_auth(token);

    // /api/me tells each token who it is.
    let base = c.server.http();
    let me = qunjian_client::me(&base, &c.a_token).await.expect("me");
    assert_eq!(
        (me.role.as_str(), me.peer_id.clone()),
        ("township", token::peer_id(&c.a_token))
    );
    assert_eq!(me.township.as_ref().map(|t| t.code.as_str()), Some(A));
    assert_eq!(me.document_url.as_deref(), Some(c.a_url.as_str()));
    for (t, role) in [(&c.viewer, "county-viewer"), (&c.admin, "county-admin")] {
        let me: Me = qunjian_client::me(&server_sync_form(&base), t)
            .await
            .expect("me");
        assert_eq!(me.role, role);
        assert_eq!(me.peer_id, token::peer_id(t));
        assert_eq!(me.token_id, token::id(t));
        assert!(me.township.is_none() && me.document_url.is_none());
    }

    // Townships: a township token sees its own only; 403 for the other.
    let codes = |list: Vec<TownshipInfo>| list.into_iter().map(|t| t.code).collect::<Vec<_>>();
    let a_sees: Vec<TownshipInfo> = get_json_as(&c.api("/api/townships"), &c.a_token).await;
    assert_eq!(codes(a_sees), [A]);
    let viewer_sees: Vec<TownshipInfo> = get_json_as(&c.api("/api/townships"), &c.viewer).await;
    assert_eq!(codes(viewer_sees), [A, B]);
    let own: TownshipInfo = get_json_as(&c.api(&format!("/api/townships/{A}")), &c.a_token).await;
    assert_eq!(own.document_url, c.a_url);
    for path in [
        format!("/api/townships/{B}"),
        format!("/api/townships/{B}/document"),
    ] {
        deny(as_(&c.a_token, &path), 403).await;
    }

    // Reports: another township's is 403, not an empty 200; without a
    // filter a township token gets its own township's rows only.
    let coverage_b = format!("/api/reports/coverage?township={B}");
    deny(as_(&c.a_token, &coverage_b), 403).await;
    let report_codes = async |token: &str| {
        let body: serde_json::Value = get_json_as(&c.api("/api/reports/coverage"), token).await;
        let rows = body["rows"].as_array().expect("rows").clone();
        rows.iter()
            .map(|r| r["township_code"].as_str().expect("code").to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    // A's rows only: no 全县合计 row, which over A alone would not be the county's.
    assert_eq!(report_codes(&c.a_token).await, [A.to_string()].into());
    assert!(report_codes(&c.viewer).await.contains(B));

    // Exports: the same scope; `?token=` serves a browser's download link.
    let csv_b = format!("/api/export/coverage.csv?township={B}");
    deny(as_(&c.a_token, &csv_b), 403).await;
    deny(
        http.get(c.api(&format!("{csv_b}&token={}", c.a_token))),
        403,
    )
    .await;
    let csv = send(http.get(c.api(&format!("/api/export/coverage.csv?token={}", c.a_token)))).await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.expect("csv");
    assert!(csv.contains("城关镇") && !csv.contains("溪口镇"), "{csv}");

    // The admin API: audit and tokens for the county admin only.
    for t in [&c.viewer, &c.a_token] {
        deny(as_(t, "/api/audit"), 403).await;
        deny(as_(t, "/api/tokens"), 403).await;
        let post = http.post(c.api("/api/tokens")).bearer_auth(t);
        deny(post.json(&serde_json::json!({"role": "county-admin"})), 403).await;
    }
    assert_eq!(send(as_(&c.admin, "/api/audit")).await.status(), 200);
    let created = send(
        http.post(c.api("/api/tokens"))
            .bearer_auth(&c.admin)
            .json(&serde_json::json!({"role": "township", "township": B, "label": "溪口平板"})),
    )
    .await;
    assert_eq!(created.status(), 201);
    let created: NewToken = created.json().await.expect("new token");
    let me = qunjian_client::me(&base, &created.token)
        .await
        .expect("the new token works");
    assert_eq!(me.label, "溪口平板");
    assert_eq!(me.township.map(|t| t.code).as_deref(), Some(B));
    let tokens: Vec<TokenInfo> = get_json_as(&c.api("/api/tokens"), &c.admin).await;
    assert!(tokens.iter().any(|t| t.id == created.info.id));

    // No token, a malformed one, an unknown one: 401 with a challenge.
    let unknown = format!("{}{}", token::PREFIX, "0".repeat(64));
    for request in [
        http.get(c.api("/api/me")),
        as_("garbage", "/api/me"),
        as_(&unknown, "/api/townships"),
    ] {
        let response = send(request).await;
        assert!(
            response.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        refused(response, 401).await;
    }
    match qunjian_client::me(&base, &unknown).await {
        Err(ClientError::Refused(r)) => assert_eq!(r.status, 401),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The sync URL, to show `me` accepts the address a device already has.
fn server_sync_form(http: &str) -> String {
    format!("{}/sync", http.replace("http://", "ws://"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_without_a_valid_token_or_with_a_borrowed_peer_id_is_refused() {
    init_tracing();
    let c = County::start();
    let url = c.server.sync_url();

    // No WebSocket without a valid token: the upgrade itself is a 401.
    let unknown = format!("{}{}", token::PREFIX, "0".repeat(64));
    let response = upgrade_refused(dial(&url, None).await, 401);
    assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
    upgrade_refused(dial(&url, Some("garbage")).await, 401);
    upgrade_refused(dial(&url, Some(&unknown)).await, 401);
    upgrade_refused(dial(&format!("{url}?token={unknown}"), None).await, 401);
    // A browser's `?token=` is as good as the header.
    let mut browser = dial(&format!("{url}?token={}", c.a_token), None)
        .await
        .expect("query token opens");
    join(&mut browser, &token::peer_id(&c.a_token)).await;
    browser.close(None).await.expect("close");

    // A valid token cannot speak as another peer: the join is refused and
    // the connection closed with a policy violation.
    let mut impostor = dial(&url, Some(&c.a_token)).await.expect("upgrade");
    impostor
        .send(Message::Binary(
            join_message(&token::peer_id(&c.viewer)).into(),
        ))
        .await
        .expect("send join");
    assert_eq!(close_code(&mut impostor, WAIT).await, Some(1008));

    // Undecodable bytes after a proper join close that connection too.
    let mut noisy = dial(&url, Some(&c.a_token)).await.expect("upgrade");
    join(&mut noisy, &token::peer_id(&c.a_token)).await;
    noisy
        .send(Message::Binary(vec![0xff, 0x00, 0x13].into()))
        .await
        .expect("send garbage");
    assert_eq!(close_code(&mut noisy, WAIT).await, Some(1008));

    // The server is none the worse: a legitimate device syncs a change.
    let device = connected_replica(&c.scratch.replica_file("a"), &url, &c.a_url, &c.a_token).await;
    put(
        &device.township(&c.a_url).await.expect("doc"),
        "after",
        "照常同步",
    );
    device.wait_synced(&c.a_url, WAIT).await.expect("synced");
    assert_eq!(c.server.document(A).await.document["after"], "照常同步");
    device.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_loses_its_connection_and_cannot_return() {
    init_tracing();
    let c = County::start();
    let url = c.server.sync_url();
    let by_cli = c.replica("cli", &c.a_token).await;
    by_cli.wait_synced(&c.a_url, WAIT).await.expect("synced");
    let http = reqwest::Client::new();
    let second: NewToken = send(
        http.post(c.api("/api/tokens"))
            .bearer_auth(&c.admin)
            .json(&serde_json::json!({"role": "township", "township": A, "label": "村口平板"})),
    )
    .await
    .json()
    .await
    .expect("second token");
    let by_api = c.replica("api", &second.token).await;
    by_api.wait_synced(&c.a_url, WAIT).await.expect("synced");

    // `token revoke` from the command line, while the server runs.
    let out = tokio::process::Command::new(SERVER_BIN)
        .args(["token", "revoke", &token::id(&c.a_token), "--data-dir"])
        .arg(c.scratch.data_dir())
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("run token revoke");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eventually(REVOKED_WITHIN, "CLI-revoked device cut", async || {
        !by_cli.is_connected()
    })
    .await;
    // Its reconnection is refused for good, not retried forever.
    eventually(WAIT, "CLI-revoked device refused", async || {
        by_cli.refused().is_some()
    })
    .await;
    assert_eq!(by_cli.refused().map(|r| r.status), Some(401));
    upgrade_refused(dial(&url, Some(&c.a_token)).await, 401);
    deny(http.get(c.api("/api/me")).bearer_auth(&c.a_token), 401).await;

    // The other device of the same township is untouched.
    assert!(by_api.is_connected());
    let doc = by_api.township(&c.a_url).await.expect("doc");
    put(&doc, "still", "仍可同步");
    by_api.wait_synced(&c.a_url, WAIT).await.expect("synced");

    // Revoking over the API, by label: only the admin may, and it bites at once.
    let revoke = |t: &str| http.delete(c.api("/api/tokens/村口平板")).bearer_auth(t);
    deny(revoke(&c.viewer), 403).await;
    let revoked: TokenInfo = send(revoke(&c.admin)).await.json().await.expect("revoked");
    assert_eq!(revoked.id, second.info.id);
    assert!(revoked.revoked_at.is_some());
    eventually(REVOKED_WITHIN, "API-revoked device cut", async || {
        !by_api.is_connected()
    })
    .await;
    eventually(WAIT, "API-revoked device refused", async || {
        by_api.refused().is_some()
    })
    .await;
    upgrade_refused(dial(&url, Some(&second.token)).await, 401);
    by_cli.close().await;
    by_api.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_per_token() {
    init_tracing();
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    let url = add_township(&dir, A, "城关镇");
    let [conn_t, idle_t, live_t, api_t] = std::array::from_fn(|_| township_token(&dir, A));
    let flags = "--connections-per-token=1 --api-rate=1 --idle-timeout=5 --max-message-mb=1";
    let server = ServerProcess::start_with(&dir, 0, &flags.split(' ').collect::<Vec<_>>());

    // Opened first and left unread until the timeout has passed: reading
    // would answer the server's pings (tungstenite pongs as it reads).
    let mut idle = dial(&server.sync_url(), Some(&idle_t))
        .await
        .expect("idle upgrade");
    let idle_since = tokio::time::Instant::now();
    // A device whose transport is read all along answers them.
    let live = connected_replica(
        &scratch.replica_file("live"),
        &server.sync_url(),
        &url,
        &live_t,
    )
    .await;

    // One connection per token: a second is 429 while the first is open.
    let mut first = dial(&server.sync_url(), Some(&conn_t))
        .await
        .expect("first upgrade");
    join(&mut first, &token::peer_id(&conn_t)).await;
    upgrade_refused(dial(&server.sync_url(), Some(&conn_t)).await, 429);

    // A message past --max-message-mb closes the connection (1009, too big).
    let big = vec![0u8; 1536 * 1024];
    let _ = tokio::time::timeout(WAIT, first.send(Message::Binary(big.into()))).await;
    assert_eq!(close_code(&mut first, WAIT).await, Some(1009));
    // Its slot is free again once it is closed.
    eventually(WAIT, "the token's slot is freed", async || {
        dial(&server.sync_url(), Some(&conn_t)).await.is_ok()
    })
    .await;

    // --api-rate 1 passes a burst of 2, then 429 with Retry-After.
    let me = format!("{}/api/me", server.http());
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..4 {
        let response = get_as(&me, &api_t).await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.to_str().expect("ascii").parse::<u64>().expect("seconds"));
            refused(response, 429).await;
        }
    }
    assert_eq!(statuses[..2], [200, 200], "{statuses:?}");
    assert!(statuses[2..].iter().all(|s| *s == 429), "{statuses:?}");
    let wait = retry_after.expect("Retry-After on a 429");
    assert!((1..=2).contains(&wait));
    // Another token has its own budget; this one refills after the wait.
    assert_eq!(get_as(&me, &live_t).await.status(), 200);
    // Not a wait for an event: the bucket refills with time, which is what is tested.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(get_as(&me, &api_t).await.status(), 200);

    // --idle-timeout 5: the unread connection is closed as going away (or
    // just ends: reading it now tries to pong on a socket already shut).
    // Not a wait for an event: the connection must stay idle past the timeout.
    tokio::time::sleep_until(idle_since + Duration::from_secs(7)).await;
    let code = close_code(&mut idle, Duration::from_secs(5)).await;
    assert!(matches!(code, Some(1001) | None), "{code:?}");
    let closed = format!("{}/api/audit?event=closed", server.http());
    let admin = admin_token(&dir);
    let idle_id = token::id(&idle_t);
    // One request a second: this server's --api-rate applies to the admin too.
    eventually_every(
        Duration::from_secs(10),
        Duration::from_secs(1),
        "the idle close is audited",
        async || {
            let rows: Vec<AuditEntry> = get_json_as(&closed, &admin).await;
            has(&rows, &idle_id, "closed", |r| says(r, "idle for 5 s"))
        },
    )
    .await;
    // The device that was read all along answered the pings and stays.
    assert!(live.is_connected());
    live.wait_synced(&url, WAIT).await.expect("still syncing");
    live.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_past_the_sync_rate_is_slowed_not_cut_off() {
    init_tracing();
    // 10 messages a second, bursts of 50.
    let c = County::start_with(&["--sync-rate=10"]);
    let peer = token::peer_id(&c.a_token);
    let mut ws = dial(&c.server.sync_url(), Some(&c.a_token))
        .await
        .expect("upgrade");
    let server_peer = join(&mut ws, &peer).await;
    // A request the session answers itself (another township's document),
    // so every message shows up as one answer.
    let hello = {
        use automerge::sync::{State, SyncDoc};
        automerge::AutoCommit::new()
            .sync()
            .generate_sync_message(&mut State::new())
            .expect("a first sync message")
            .encode()
    };
    let request = doc_message(
        "request",
        &peer,
        &server_peer,
        c.b_url.trim_start_matches("automerge:"),
        hello,
    );
    const SENT: usize = 100;
    let started = Instant::now();
    let (mut tx, mut rx) = ws.split();
    // Sent from its own task while this one reads, so neither side's
    // buffers fill.
    let sender = tokio::spawn(async move {
        for _ in 0..SENT {
            tx.send(Message::Binary(request.clone().into())).await?;
        }
        Ok::<_, WsError>(tx)
    });
    let mut answers = 0;
    tokio::time::timeout(Duration::from_secs(60), async {
        while answers < SENT {
            match rx.next().await {
                Some(Ok(Message::Binary(b))) => {
                    assert!(
                        b.windows(15).any(|w| w == b"doc-unavailable"),
                        "only doc-unavailable answers are expected"
                    );
                    answers += 1;
                }
                Some(Ok(_)) => continue,
                other => panic!("the connection ended after {answers} answers: {other:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("only {answers} of {SENT} requests answered in 60 s"));
    let elapsed = started.elapsed();
    // The first 50 pass at once; the other 50 wait for 10 a second.
    assert!(
        elapsed >= Duration::from_secs(4),
        "{SENT} messages at --sync-rate 10 took only {elapsed:?}"
    );
    let mut ws = sender
        .await
        .expect("sender task")
        .expect("every message sent")
        .reunite(rx)
        .expect("one socket");
    ws.close(None).await.expect("close");

    // The closed row says how many were held back.
    let a_id = token::id(&c.a_token);
    let closed = c.api("/api/audit?event=closed");
    eventually(WAIT, "the slowed connection is audited", async || {
        let rows: Vec<AuditEntry> = get_json_as(&closed, &c.admin).await;
        has(&rows, &a_id, "closed", |r| {
            says(r, "messages slowed by --sync-rate")
        })
    })
    .await;
}
