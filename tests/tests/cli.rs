//! The README's session through the real binaries: the server's admin CLI
//! makes a township and a device token; the township's `qunjian` tool starts
//! from the server's address and that token alone, works offline, syncs;
//! the county reads the result with its admin token; revoking the device's
//! token stops it with a message that says what to do.

mod common;

use std::time::Duration;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_session_runs_from_a_token_alone() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let server = ServerProcess::start(&data, 0);
    let url = add_township(&data, "330825101", "城关镇");

    let made = admin_cli(
        &data,
        &[
            "token",
            "create",
            "--role",
            "township",
            "--township",
            "330825101",
            "--label",
            "城关镇平板1",
        ],
    );
    assert!(made.status.success(), "{}", text(&made.stderr));
    let token = text(&made.stdout).trim().to_string();
    assert!(token.starts_with("qjt_"), "{token}");
    assert!(text(&made.stderr).contains("只显示这一次"));

    let replica = scratch.replica_file("tablet");
    let sync_url = server.sync_url();
    let device = [("QUNJIAN_TOKEN", token.as_str())];

    // No --doc: the token tells the server which document is this device's.
    let first = qunjian(&replica, &device, &["sync", "--server", &sync_url]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stderr).contains(&url),
        "{}",
        text(&first.stderr)
    );
    assert!(text(&first.stdout).contains("已同步"));

    // Offline from here: the document comes from the local file.
    let with_doc = [
        ("QUNJIAN_TOKEN", token.as_str()),
        ("QUNJIAN_DOC", url.as_str()),
    ];
    let added = qunjian(
        &replica,
        &with_doc,
        &["unit", "add", "--name", "城关村", "--kind", "village"],
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let unit_id = text(&added.stdout).trim().to_string();
    let synced = qunjian(&replica, &with_doc, &["sync", "--server", &sync_url]);
    assert!(synced.status.success(), "{}", text(&synced.stderr));

    // The county sees it with its own token.
    let doc = server.document("330825101").await;
    assert_eq!(doc.document["units"][&unit_id]["name"], "城关村");
    let listed = admin_cli(&data, &["token", "list"]);
    let table = text(&listed.stdout);
    assert!(
        table.contains("城关镇平板1") && table.contains("admin (first start)"),
        "{table}"
    );

    // Without a token there is no sync, and the message says what is missing.
    let bare = qunjian(
        &replica,
        &[("QUNJIAN_DOC", &url)],
        &["sync", "--server", &sync_url],
    );
    assert!(!bare.status.success());
    assert!(
        text(&bare.stderr).contains("QUNJIAN_TOKEN"),
        "{}",
        text(&bare.stderr)
    );

    // A revoked token is refused at once, not retried until the timeout.
    let revoked = admin_cli(&data, &["token", "revoke", "城关镇平板1"]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    // The running server has taken the revocation in once the token gets 401.
    let me = format!("{}/api/me", server.http());
    eventually(
        Duration::from_secs(10),
        "the revoked token gets 401",
        async || get_as(&me, &token).await.status().as_u16() == 401,
    )
    .await;
    let started = std::time::Instant::now();
    let refused = qunjian(
        &replica,
        &with_doc,
        &["sync", "--server", &sync_url, "--timeout", "20"],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("拒绝"),
        "{}",
        text(&refused.stderr)
    );
    println!("refused after {:?}", started.elapsed());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "it waited for the timeout"
    );

    // Bad input to the admin CLI names what to fix.
    let wrong = admin_cli(&data, &["token", "create", "--role", "township"]);
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("--township"),
        "{}",
        text(&wrong.stderr)
    );
    let unknown = admin_cli(
        &data,
        &["token", "create", "--role", "township", "--township", "999"],
    );
    assert!(!unknown.status.success());
    assert!(
        text(&unknown.stderr).contains("999"),
        "{}",
        text(&unknown.stderr)
    );
}
