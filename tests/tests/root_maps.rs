//! A server upgraded onto a data directory made before `exec_links` and
//! `township_orgs` existed: it creates the missing root maps itself when it
//! starts (so two devices never create rival copies), a device that syncs
//! afterwards sees them, and a link the device then records reaches the
//! county.

mod common;

use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ROOT, ReadDoc};
use common::*;
use qunjian_client::schema::{Date, ExecLink, Unit, UnitKind};
use qunjian_shared::storage::SqliteStorage;
use samod::Repo;

const CODE: &str = "330825601";

/// Removes `exec_links` and `township_orgs` from the server's stored
/// document with the server stopped, so the file holds a document of the
/// older schema.
async fn make_it_old(data_dir: &std::path::Path, url: &str) {
    let storage = SqliteStorage::open(data_dir.join("qunjian.db")).expect("open the server's file");
    let repo = Repo::build_tokio()
        .with_storage(storage.clone())
        .load()
        .await;
    let id = url
        .parse::<samod::AutomergeUrl>()
        .expect("a document url")
        .document_id()
        .clone();
    let handle = repo
        .find(id)
        .await
        .expect("repo running")
        .expect("the township's document is stored");
    handle.with_document(|doc| {
        doc.transact::<_, _, AutomergeError>(|tx| {
            tx.delete(ROOT, "exec_links")?;
            tx.delete(ROOT, "township_orgs")?;
            Ok(())
        })
        .expect("remove the newer maps");
        assert!(doc.get(ROOT, "exec_links").unwrap().is_none());
    });
    repo.stop().await;
    tokio::time::timeout(Duration::from_secs(10), storage.flush())
        .await
        .expect("flushed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_document_gains_the_new_maps_when_the_server_starts() {
    let scratch = Scratch::new();
    let data = scratch.data_dir();
    let url = add_township(&data, CODE, "溪口镇");
    make_it_old(&data, &url).await;

    let server = ServerProcess::start(&data, 0);
    let doc = eventually(
        Duration::from_secs(30),
        "the server creates the maps",
        async || {
            let snapshot = server.document(CODE).await;
            let has = |name: &str| snapshot.document.get(name).is_some_and(|v| v.is_object());
            (has("exec_links") && has("township_orgs")).then_some(snapshot)
        },
    )
    .await;
    assert_eq!(doc.document["exec_links"], serde_json::json!({}));

    // A device syncs the upgraded document and records a link in it.
    let token = township_token(&data, CODE);
    let replica = connected_replica(
        &scratch.replica_file("tablet.db"),
        &server.sync_url(),
        &url,
        &token,
    )
    .await;
    let township = replica.township(&url).await.expect("township");
    assert!(
        township.read(|d| d.get(ROOT, "exec_links").ok().flatten().is_some()),
        "the device has the server's map"
    );
    let unit = township
        .add(&Unit::new("云帆科技有限公司", UnitKind::Enterprise))
        .expect("add a unit");
    let link = township
        .add(&ExecLink {
            executive: "王丽".into(),
            unit,
            since: "2026-03-01".parse::<Date>().expect("a date"),
            until: None,
            notes: None,
            archived: false,
        })
        .expect("add a link");
    replica
        .wait_synced(&url, Duration::from_secs(30))
        .await
        .expect("synced");

    let snapshot = server.document(CODE).await;
    assert_eq!(snapshot.document["exec_links"][&link]["executive"], "王丽");
    // One map: the device wrote into the server's, it did not make its own.
    let maps = township.read(|d| d.get_all(ROOT, "exec_links").map(|v| v.len()));
    assert_eq!(maps.expect("read"), 1, "rival exec_links maps");
    replica.close().await;
}
