//! A device offline for a long time comes back (issue 16, "Links that cut
//! and crawl"): two replicas of one township, one online and one offline,
//! each make N changes (one transaction each: half add a unit, half change
//! the unit just added); then the offline replica reconnects once and
//! syncs everything in that one connection. Prints the bytes that
//! connection carried each way (counted by a clean pass-through
//! `fault_proxy`) against the size of the changes made.
//!
//! Run: `cargo build --release -p qunjian-tests --bin county-server --bin
//! bench-offline && target/release/bench-offline [--changes 2000]`.
//! Figures are printed, never asserted; every wait is bounded.

#[allow(dead_code)]
#[path = "../bench-sync/server.rs"]
mod server;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::anyhow;
use clap::Parser;
use qunjian_tests::offline_sync::{Outcome, Setup, offline_then_reconnect};

const CODE: &str = "330825101";
const NAME: &str = "城关镇";

/// A wait that ran out of time (the shared `server` module reports these).
#[derive(Debug)]
pub struct Timeout(pub String);

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "timed out: {}", self.0)
    }
}

impl std::error::Error for Timeout {}

#[derive(Parser)]
#[command(about = "An offline replica's changes and the online side's, synced in one reconnect")]
struct Args {
    /// Changes each side makes while apart.
    #[arg(long, default_value_t = 2000)]
    changes: usize,
    /// The longest any one sync may take, in seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server-data");
    let url = server::township_add(&data, CODE, NAME).await?;
    let role = server::Role::parse("township", Some(CODE)).map_err(|e| anyhow!("{e}"))?;
    let mut tokens = server::create_tokens(&data, &role, "bench-offline", 2)?;
    let (online_token, offline_token) = match (tokens.pop(), tokens.pop()) {
        (Some(a), Some(b)) => (a, b),
        _ => anyhow::bail!("two tokens were not made"),
    };
    let county = server::Server::start(server::Kind::Ours, &data).await?;
    let replicas = dir.path().join("replicas");
    std::fs::create_dir_all(&replicas)?;
    let outcome = offline_then_reconnect(Setup {
        server: SocketAddr::from(([127, 0, 0, 1], county.port)),
        doc_url: url,
        online_token,
        offline_token,
        dir: &replicas,
        changes: args.changes,
        timeout: Duration::from_secs(args.timeout),
    })
    .await?;
    print(args.changes, &outcome);
    let Outcome {
        online, offline, ..
    } = outcome;
    online.close().await;
    offline.close().await;
    county.stop().await
}

fn print(changes: usize, o: &Outcome) {
    let ratio = |a: u64, b: usize| a as f64 / b.max(1) as f64;
    println!("bench-offline: {changes} changes on each side, then one reconnect");
    println!(
        "  edits (at once)         offline {:>8.1?}  online {:>8.1?}",
        o.offline_edit_time, o.online_edit_time
    );
    println!("  online side synced in   {:.1?}", o.online_sync_time);
    println!(
        "  changes, save_after     offline {:>9} B  online {:>9} B",
        o.offline_change_bytes, o.online_change_bytes
    );
    println!(
        "  changes, save() growth  offline {:>9} B  online {:>9} B",
        o.offline_grew, o.online_grew
    );
    println!(
        "  reconnect               {} connection(s), converged in {:.1?}",
        o.link.connections, o.reconnect
    );
    println!(
        "  bytes up (to server)    {:>9} B = {:.2} x save_after, {:.2} x save() growth",
        o.link.bytes_up,
        ratio(o.link.bytes_up, o.offline_change_bytes),
        ratio(o.link.bytes_up, o.offline_grew)
    );
    println!(
        "  bytes down (to device)  {:>9} B = {:.2} x save_after, {:.2} x save() growth",
        o.link.bytes_down,
        ratio(o.link.bytes_down, o.online_change_bytes),
        ratio(o.link.bytes_down, o.online_grew)
    );
    println!("  merged document save()  {:>9} B", o.doc_bytes);
}
