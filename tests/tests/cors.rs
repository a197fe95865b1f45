//! A browser app served from another origin calls the county's API: only
//! for origins the county lists with `--allow-origin`. Driven from a real
//! page of another origin in headless Chromium (the browser, not the test,
//! decides whether the page may read the answer), and by raw preflights.

mod common;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use common::browser::{Chromium, js, until};
use common::*;
use serde_json::Value;

const CODE: &str = "330101002";

/// A page of its own origin (another loopback port), as a county app is
/// served from its own site; its address.
async fn other_origin() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the app's origin");
    let addr = listener.local_addr().expect("addr");
    let app = Router::new().route(
        "/",
        get(|| async { Html("<!doctype html><title>县里的应用</title><p>app</p>") }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// What the page's `fetch(/api/me)` with the token gives: the body's label,
/// or the error the browser reports.
const CALL_ME: &str = r#"(async () => {
  try {
    const res = await fetch(window.API + '/api/me', { headers: { authorization: 'Bearer ' + window.TOKEN } });
    return 'ok:' + (await res.json()).label;
  } catch (e) { return 'refused:' + e.name; }
})()"#;

async fn preflight(server: &str, origin: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{server}/api/me"))
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .expect("preflight")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_origins_the_county_allows_read_the_api_from_a_browser() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    add_township(&data, CODE, "湖镇镇");
    let token = township_token(&data, CODE);
    let origin = other_origin().await;
    let stranger = other_origin().await;
    let server = ServerProcess::start_with(&data, free_port(), &["--allow-origin", &origin]);
    let api = server.http();

    // The preflight: allowed origin named back; another gets no CORS header.
    let allowed = preflight(&api, &origin).await;
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        origin.as_str()
    );
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(methods.contains("GET"), "{methods}");
    let refused = preflight(&api, &stranger).await;
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "{:?}",
        refused.headers()
    );

    let chromium = Chromium::launch().await;
    for (page_origin, want) in [(&origin, "ok:"), (&stranger, "refused:TypeError")] {
        let page = chromium.open(page_origin).await;
        until(
            &page,
            "the other origin's page",
            "document.title === '县里的应用'",
        )
        .await;
        js(
            &page,
            &format!(
                "window.API = {}; window.TOKEN = {};",
                Value::from(api.as_str()),
                Value::from(token.as_str())
            ),
        )
        .await;
        let got = js(&page, CALL_ME).await;
        let got = got.as_str().unwrap_or_default().to_string();
        assert!(got.starts_with(want), "{page_origin}: {got}");
        if want == "ok:" {
            assert!(got.len() > want.len(), "the token's label: {got}");
        }
    }
    chromium.close().await;

    // Without --allow-origin, no origin is allowed.
    drop(server);
    let server = ServerProcess::start(&data, free_port());
    let none = preflight(&server.http(), &origin).await;
    assert!(none.headers().get("access-control-allow-origin").is_none());

    // A bad origin stops the server from starting, naming the flag.
    let out = std::process::Command::new(SERVER_BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--allow-origin",
            "https://app.example.cn/app",
        ])
        .arg("--data-dir")
        .arg(scratch.data_dir().join("never"))
        .output()
        .expect("run serve");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--allow-origin") && err.contains("不带路径"),
        "{err}"
    );
}
