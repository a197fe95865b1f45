//! A county's rules file, through the real server binary: a mistake stops
//! startup with the key and the line; a good file changes the targets the
//! reports measure against; the dashboard is served.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{SERVER_BIN, Scratch, exit_within};

/// Run `serve --rules <file>` and return its exit status and stderr, or
/// `None` if it kept running (and was killed) for `wait`.
fn serve_with_rules(scratch: &Scratch, rules: &str, wait: Duration) -> Option<(bool, String)> {
    let path = scratch.data_dir().with_file_name("rules.toml");
    std::fs::write(&path, rules).expect("write rules file");
    let mut child = Command::new(SERVER_BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(scratch.data_dir())
        .arg("--rules")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start county-server");
    let Some(status) = exit_within(&mut child, wait) else {
        let _ = child.kill();
        let _ = child.wait();
        return None;
    };
    let mut err = String::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            err.push_str(&line.expect("stderr line"));
            err.push('\n');
        }
    }
    Some((status.success(), err))
}

#[test]
fn each_mistake_stops_startup_naming_the_key_and_the_line() {
    let cases = [
        (
            "county_name = \"龙游县\"\n[targets]\nunion_formaton_50 = 85\n",
            ["第 3 行", "targets.union_formaton_50"],
        ),
        (
            "[targets]\n\nunion_formation_50 = \"八十五\"\n",
            ["第 3 行", "targets.union_formation_50"],
        ),
        (
            "[targets]\nunion_formation_100 = 120\n",
            ["第 2 行", "100%"],
        ),
    ];
    for (file, expected) in cases {
        let scratch = Scratch::new();
        let (ok, stderr) = serve_with_rules(&scratch, file, Duration::from_secs(30))
            .expect("a bad rules file must stop the server at startup");
        assert!(!ok, "server accepted a bad rules file:\n{file}");
        for part in expected {
            assert!(
                stderr.contains(part),
                "stderr should name {part:?} for\n{file}\nbut said:\n{stderr}"
            );
        }
    }
}

#[tokio::test]
async fn a_county_file_overrides_only_what_it_names() {
    let scratch = Scratch::new();
    common::add_township(&scratch.data_dir(), "330825101", "城关镇");
    let path = scratch.data_dir().with_file_name("rules.toml");
    std::fs::write(
        &path,
        "county_name = \"龙游县\"\n[targets]\nunion_formation_50 = 80\n",
    )
    .expect("write rules");
    let mut child = Command::new(SERVER_BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(scratch.data_dir())
        .arg("--rules")
        .arg(&path)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start county-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .unwrap_or("")
        .to_string();
    let base = format!("http://{addr}");

    let admin = common::admin_token(&scratch.data_dir());
    let report: serde_json::Value = common::get_as(&format!("{base}/api/reports/coverage"), &admin)
        .await
        .json()
        .await
        .expect("coverage JSON");
    assert_eq!(report["county"], "龙游县");
    let target = |key: &str| {
        report["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["target_key"] == key && r["township_code"] == "330825101")
            .map(|r| r["target_rate"].as_f64().expect("rate"))
            .expect("row for target")
    };
    assert!((target("union_formation_50") - 0.80).abs() < 1e-9);
    // Not named in the file: still the seed default.
    assert!((target("union_formation_100") - 0.90).abs() < 1e-9);

    let page = reqwest::get(format!("{base}/"))
        .await
        .expect("GET /")
        .text()
        .await
        .expect("page");
    assert!(page.contains("党建带群建统计"), "dashboard not served");

    let _ = child.kill();
    let _ = child.wait();
}
