//! Issue 11, items 5–7: what anyone who can reach the port can do without a
//! token. Half-open TCP connections are closed by the header-read timeout
//! and capped per address and in all, while a device with a token keeps
//! syncing; a request that announces a body and never sends it is answered
//! 408; a sync frame over the default `--max-message-mb` is refused with
//! 1009 and audited. The flood comes from other loopback addresses
//! (127.0.0.2 and up: Linux routes all of 127/8 to lo), so the device on
//! 127.0.0.1 is not under the flood's per-address cap.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use common::*;
use futures::SinkExt;
use qunjian_shared::api::AuditEntry;
use qunjian_shared::token;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, header};

const A: &str = "330825101";
const WAIT: Duration = Duration::from_secs(20);
/// How fast a refused connection must be closed.
const AT_ONCE: Duration = Duration::from_secs(5);

/// Raise this process's soft open-file limit to its hard one: the flood
/// holds a few thousand sockets.
fn raise_fd_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        lim.rlim_cur = lim.rlim_max;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
    }
    lim.rlim_cur
}

fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// A TCP connection to `to` from address `from`.
async fn connect_from(from: IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    tokio::time::timeout(AT_ONCE, socket.connect(to))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))?
}

/// Whether the server closes `stream` (EOF or reset) within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 512];
    let read = tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    });
    read.await.is_ok()
}

/// `GET /healthz` on a new connection from `from`; the status line, or
/// what went wrong.
async fn healthz_from(from: IpAddr, to: SocketAddr) -> Result<String, String> {
    let mut stream = connect_from(from, to).await.map_err(|e| e.to_string())?;
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    tokio::time::timeout(AT_ONCE, stream.read_to_end(&mut answer))
        .await
        .map_err(|_| "no answer".to_string())?
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&answer);
    let status = text.lines().next().unwrap_or("").to_string();
    if status.contains(" 200 ") {
        Ok(status)
    } else {
        Err(format!("answered {status:?}"))
    }
}

/// The server's resident memory, in MB.
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kb / 1024.0
}

/// A device's round trip: an edit synced to the server, and `/api/me`.
async fn roundtrip(
    replica: &qunjian_client::Replica,
    url: &str,
    me: &str,
    token: &str,
    n: usize,
) -> (Duration, Duration) {
    let started = Instant::now();
    let doc = replica.township(url).await.expect("doc");
    set_unit_field(&doc, "u1", "note", &format!("edit {n}"));
    replica
        .wait_synced(url, Duration::from_secs(5))
        .await
        .expect("the edit syncs within 5 s");
    let sync = started.elapsed();
    let started = Instant::now();
    let response = tokio::time::timeout(Duration::from_secs(5), get_as(me, token))
        .await
        .expect("/api/me answers within 5 s");
    assert_eq!(response.status(), 200);
    (sync, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_open_flood_is_closed_and_a_device_keeps_syncing() {
    init_tracing();
    let fds = raise_fd_limit();
    const FLOOD: usize = 2000;
    const ADDRESSES: u8 = 4;
    assert!(fds > FLOOD as u64 + 200, "open-file limit {fds} too low");
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    let url = add_township(&dir, A, "城关镇");
    let device = township_token(&dir, A);
    let server = ServerProcess::start_with(&dir, 0, &["--header-timeout", "2"]);
    let me = format!("{}/api/me", server.http());
    let healthz = format!("{}/healthz", server.http());
    let replica = connected_replica(
        &scratch.replica_file("device"),
        &server.sync_url(),
        &url,
        &device,
    )
    .await;

    let rss_before = rss_mb(server.pid());
    let before = roundtrip(&replica, &url, &me, &device, 0).await;

    // The flood: FLOOD connections from 127.0.0.2.., half of them with a
    // partial header line, none finishing a request.
    let mut flood = Vec::with_capacity(FLOOD);
    let mut failed_connects = 0;
    for i in 0..FLOOD {
        let from = loopback(2 + (i % usize::from(ADDRESSES)) as u8);
        match connect_from(from, server.addr).await {
            Ok(mut s) => {
                if i % 2 == 0 {
                    let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x").await;
                }
                flood.push(s);
            }
            Err(_) => failed_connects += 1,
        }
    }
    let rss_during = rss_mb(server.pid());
    let during = roundtrip(&replica, &url, &me, &device, 1).await;
    let health = tokio::time::timeout(Duration::from_secs(5), reqwest::get(&healthz))
        .await
        .expect("/healthz answers during the flood")
        .expect("GET /healthz");
    assert_eq!(health.status(), 200);

    // Every flood connection is closed by the server: refused at once over
    // the per-address cap, or by the 2 s header-read timeout.
    let closing = futures::future::join_all(
        flood
            .iter_mut()
            .map(|s| closed_within(s, Duration::from_secs(30))),
    );
    let closed = tokio::time::timeout(Duration::from_secs(40), closing)
        .await
        .expect("the flood's sockets are read within 40 s");
    let open = closed.iter().filter(|c| !**c).count();
    assert_eq!(open, 0, "{open} flood connections still open after 30 s");
    drop(flood);

    let after = roundtrip(&replica, &url, &me, &device, 2).await;
    let health = reqwest::get(&healthz).await.expect("GET /healthz");
    assert_eq!(health.status(), 200);
    // Memory is handed back once the connections are gone; poll, not assert.
    let _ = poll(Duration::from_secs(3), POLL_EVERY, async || {
        rss_mb(server.pid()) <= rss_before * 1.5
    })
    .await;
    let rss_after = rss_mb(server.pid());
    println!(
        "flood of {FLOOD} half-open connections from {ADDRESSES} addresses ({failed_connects} connects failed)\n\
         device round trip (edit synced / GET /api/me): before {:?} / {:?}, during {:?} / {:?}, after {:?} / {:?}\n\
         server RSS: before {rss_before:.1} MB, during {rss_during:.1} MB, after {rss_after:.1} MB",
        before.0, before.1, during.0, during.1, after.0, after.1
    );
    replica.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_a_cap_are_closed_at_once() {
    init_tracing();
    raise_fd_limit();
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    let flags = [
        "--connections-per-address=3",
        "--max-connections=10",
        "--header-timeout=60",
    ];
    let server = ServerProcess::start_with(&dir, 0, &flags);
    let to = server.addr;
    // Three held from 127.0.0.2: the per-address cap.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from(loopback(2), to).await.expect("connect"));
    }
    let mut fourth = connect_from(loopback(2), to).await.expect("connect");
    assert!(
        closed_within(&mut fourth, AT_ONCE).await,
        "a fourth connection from 127.0.0.2 was not closed at once"
    );
    // Another address still gets in, and the three held ones still work.
    healthz_from(loopback(3), to)
        .await
        .expect("127.0.0.3 gets in");
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n\r\n");
    held[0].write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    tokio::time::timeout(AT_ONCE, held[0].read_to_end(&mut answer))
        .await
        .expect("a held connection is answered")
        .expect("read");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    held.remove(0);

    // Fill --max-connections (10) from other addresses: one more is closed.
    for (n, k) in [(4, 3), (5, 3), (6, 2)] {
        for _ in 0..k {
            held.push(connect_from(loopback(n), to).await.expect("connect"));
        }
    }
    eventually(
        WAIT,
        "a connection over --max-connections is closed",
        async || {
            let mut s = connect_from(loopback(7), to).await.ok()?;
            closed_within(&mut s, Duration::from_secs(1))
                .await
                .then_some(())
        },
    )
    .await;
    // Closing them frees the places.
    held.clear();
    eventually(WAIT, "places freed under --max-connections", async || {
        healthz_from(loopback(7), to).await
    })
    .await;
}

/// A raw HTTP request on a new connection: `head` then `body`, then wait
/// (bounded) for the answer; its status line and body, and how long it took.
async fn raw_request(
    to: SocketAddr,
    head: &str,
    body: &[u8],
    within: Duration,
) -> (String, String, Duration) {
    let mut stream = connect_from(loopback(1), to).await.expect("connect");
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let read = tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&answer);
                    // A whole answer: headers and a body of Content-Length.
                    if let Some((h, b)) = text.split_once("\r\n\r\n") {
                        let len = h
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().to_string())
                            })
                            .and_then(|v| v.parse::<usize>().ok());
                        if len.is_some_and(|len| b.len() >= len) {
                            return;
                        }
                    }
                }
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no answer within {within:?} (request held open)"
    );
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&answer).to_string();
    let (h, b) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        h.lines().next().unwrap_or("").to_string(),
        b.to_string(),
        elapsed,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_false_content_length_is_answered_within_the_body_timeout() {
    init_tracing();
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    let server = ServerProcess::start_with(&dir, 0, &["--body-timeout", "2"]);
    let admin = server.admin_token();
    let to = server.addr;
    let head = |len: usize| {
        format!(
            "POST /api/tokens HTTP/1.1\r\nHost: {to}\r\nAuthorization: Bearer {admin}\r\n\
             Content-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
        )
    };
    // Says 1,000 bytes, sends 10, waits: 408 once the 2 s are up.
    let (status, body, took) =
        raw_request(to, &head(1000), b"{\"role\": \"", Duration::from_secs(10)).await;
    println!("false Content-Length (1000, sent 10): {status} after {took:?}");
    assert!(status.contains(" 408 "), "{status} {body}");
    assert!(
        took >= Duration::from_millis(1500),
        "answered before the timeout: {took:?}"
    );
    let error: qunjian_shared::api::ApiError = serde_json::from_str(&body).expect("JSON error");
    assert!(!error.error.is_empty());
    // Says 1,000,000: over the /api body limit, refused without waiting.
    let (status, body, took) = raw_request(
        to,
        &head(1_000_000),
        b"{\"role\": \"",
        Duration::from_secs(10),
    )
    .await;
    println!("false Content-Length (1000000, sent 10): {status} after {took:?}");
    assert!(status.contains(" 413 "), "{status} {body}");
    let error: qunjian_shared::api::ApiError = serde_json::from_str(&body).expect("JSON error");
    assert!(!error.error.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_over_the_default_max_message_is_refused_and_audited() {
    init_tracing();
    let scratch = Scratch::new();
    let dir = scratch.data_dir();
    add_township(&dir, A, "城关镇");
    let device = township_token(&dir, A);
    // Default limits: the frame is 1 MiB over the default --max-message-mb.
    let server = ServerProcess::start(&dir, 0);
    let mut request = server.sync_url().into_client_request().expect("request");
    request.headers_mut().insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {device}")).expect("header"),
    );
    let (mut ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request))
        .await
        .expect("the upgrade is answered")
        .expect("upgrade");
    let max = qunjian_server::limits::DEFAULT_MAX_MESSAGE_MB * 1024 * 1024;
    let big = vec![0u8; max + 1024 * 1024];
    let _ = tokio::time::timeout(WAIT, ws.send(Message::Binary(big.into()))).await;
    let code = common::ws::close_code(&mut ws, WAIT).await;
    assert_eq!(code, Some(1009));
    let refused = format!("{}/api/audit?event=refused", server.http());
    let admin = server.admin_token();
    let id = token::id(&device);
    eventually(WAIT, "the refusal is audited", async || {
        let rows: Vec<AuditEntry> = get_json_as(&refused, &admin).await;
        rows.iter().any(|r| {
            r.token_id.as_deref() == Some(id.as_str())
                && r.detail.as_deref().is_some_and(|d| d.contains("too large"))
        })
    })
    .await;
}
