//! The township app in headless Chromium: start `qunjian app` on a replica,
//! open it in a browser at 1366×768 in Chinese, evaluate JavaScript in the
//! page, and wait on what the page shows. Every wait polls with a deadline.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use chromiumoxide::Page;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::emulation::SetLocaleOverrideParams;
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::page::ScreenshotParams;
use futures::StreamExt;
use serde_json::Value;

use super::qunjian_command;

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Every wait is on a condition; this only bounds it. Coming back online
/// can take a dialer backoff (at most 15 s) after a sync attempt that was
/// still waiting offline (10 s): on a loaded 2-core CI machine 30 s is too
/// close to that.
pub const WAIT: Duration = Duration::from_secs(60);

/// The app process, stopped when the test ends.
pub struct AppProcess(pub Child);

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl AppProcess {
    /// Stop it as Ctrl-C would, and wait until it has ended.
    pub fn stop(mut self) -> std::process::ExitStatus {
        // SIGINT by the `kill` command: the tests need no libc binding.
        let _ = std::process::Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        self.0.wait().expect("wait for the app")
    }
}

/// Start `qunjian app` on `replica` with `env` (e.g. `QUNJIAN_TOKEN`),
/// and read the address (with its secret) it prints.
pub fn start_app_with(replica: &Path, env: &[(&str, &str)]) -> (AppProcess, String) {
    let mut child = qunjian_command(
        replica,
        env,
        &[
            "app",
            "--listen",
            "127.0.0.1:0",
            "--no-open",
            "--sync-every",
            "2",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit())
    .spawn()
    .expect("start qunjian app");
    let stdout = child.stdout.take().expect("app stdout");
    let mut lines = BufReader::new(stdout);
    let mut line = String::new();
    lines
        .read_line(&mut line)
        .expect("read the app's first line");
    // Read the rest too: a closed pipe would end the app at its next line.
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("the app printed no address: {line:?}"))
        .to_string();
    (AppProcess(child), url)
}

/// [`start_app_with`] and nothing more.
pub fn start_app(replica: &Path) -> (AppProcess, String) {
    start_app_with(replica, &[])
}

/// A headless Chromium at 1366×768 in Chinese, closed when dropped.
pub struct Chromium {
    pub browser: Browser,
    events: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
}

impl Chromium {
    pub async fn launch() -> Chromium {
        assert!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: install Debian's `chromium` (and `fonts-wqy-microhei`), as .ci/run does"
        );
        let profile = tempfile::tempdir().expect("browser profile");
        let config = BrowserConfig::builder()
            .chrome_executable(CHROMIUM)
            .no_sandbox()
            .new_headless_mode()
            .user_data_dir(profile.path())
            // Dates in inputs and the page's own words as a Chinese PC shows them.
            .arg("--lang=zh-CN")
            .env("LANG", "zh_CN.UTF-8")
            .env("LANGUAGE", "zh_CN")
            .window_size(1366, 768)
            .viewport(Viewport {
                width: 1366,
                height: 768,
                device_scale_factor: Some(1.0),
                emulating_mobile: false,
                is_landscape: true,
                has_touch: false,
            })
            .build()
            .expect("browser config");
        let (browser, mut handler) = Browser::launch(config).await.expect("launch chromium");
        let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
        Chromium {
            browser,
            events,
            _profile: profile,
        }
    }

    /// A new tab at `url`, in the zh-CN locale (dates in inputs as a
    /// Chinese PC shows them: a headless browser ignores `--lang`).
    pub async fn open(&self, url: &str) -> Page {
        let page = self
            .browser
            .new_page("about:blank")
            .await
            .expect("open a tab");
        page.execute(SetLocaleOverrideParams {
            locale: Some("zh_CN".into()),
        })
        .await
        .expect("set the locale");
        page.goto(url).await.expect("open the app");
        page
    }

    /// Close the browser and wait for it.
    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.events.abort();
    }
}

/// Evaluate `js` in the page, as JSON.
pub async fn js(page: &Page, js: &str) -> Value {
    page.evaluate(js)
        .await
        .unwrap_or_else(|e| panic!("evaluate {js}: {e}"))
        .into_value::<Value>()
        .unwrap_or(Value::Null)
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => false,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
        _ => true,
    }
}

/// Poll `expr` until it is truthy; its value.
pub async fn until(page: &Page, what: &str, expr: &str) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let v = js(page, expr).await;
        if truthy(&v) {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "not within {WAIT:?}: {what} ({expr} = {v})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Go to `hash` and wait until the page says it shows `ready` (a JS
/// expression).
pub async fn goto(page: &Page, hash: &str, ready: &str) -> Value {
    js(
        page,
        &format!("location.hash = {}", serde_json::json!(hash)),
    )
    .await;
    until(page, &format!("{hash}: {ready}"), ready).await
}

/// The app's first start, as a cadre does it: the county server's address
/// and the device's token in the first-start form, then the overview.
pub async fn first_start(page: &Page, server: &str, token: &str) {
    until(
        page,
        "the first-start form",
        "!!document.getElementById('setup-server')",
    )
    .await;
    js(
        page,
        &format!(
            "(() => {{ document.getElementById('setup-server').value = {}; \
             document.getElementById('setup-token').value = {}; \
             document.getElementById('setup-form').requestSubmit(); return true; }})()",
            serde_json::json!(server),
            serde_json::json!(token),
        ),
    )
    .await;
    until(
        page,
        "the overview after first start",
        "!!document.getElementById('gaps-count')",
    )
    .await;
}

/// Fill the form `#form` (elements by name) and submit it. A value of a
/// checkbox group (`set` fields) is a comma-separated list of the values
/// to check.
pub async fn submit_form(page: &Page, form: &str, fields: &[(&str, &str)]) {
    let fields: Vec<Value> = fields
        .iter()
        .map(|(k, v)| serde_json::json!([k, v]))
        .collect();
    let script = format!(
        "(() => {{ const f = document.getElementById({form}); \
         for (const [k, v] of {fields}) {{ \
           const els = f.querySelectorAll(`[name=\"${{CSS.escape(k)}}\"]`); \
           if (els.length && els[0].type === 'checkbox') {{ const want = v.split(','); for (const e of els) e.checked = want.includes(e.value); }} \
           else f.elements[k].value = v; \
         }} f.requestSubmit(); return true; }})()",
        form = serde_json::json!(form),
        fields = Value::Array(fields),
    );
    js(page, &script).await;
}

/// A PNG of what the page shows now, into `dir/name`.
pub async fn screenshot(page: &Page, dir: &Path, name: &str) {
    let png = page
        .screenshot(ScreenshotParams::builder().build())
        .await
        .expect("screenshot");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}

/// Copy the named screenshots to `$QUNJIAN_APP_SCREENSHOTS` if set (that
/// is how docs/ gets its pictures).
pub fn keep_screenshots(dir: &Path, names: &[&str]) {
    if let Ok(to) = std::env::var("QUNJIAN_APP_SCREENSHOTS") {
        for name in names {
            std::fs::copy(dir.join(name), Path::new(&to).join(name)).expect("copy screenshot");
        }
    }
}
