//! A small township program: records a village, its women's federation
//! chair and a 推优, then waits until the county server holds it all.
//!
//! ```sh
//! QUNJIAN_TOKEN=qjt_... cargo run -p qunjian-client --example township -- ws://127.0.0.1:8080/sync
//! ```
//! The token is a township token (`qunjian-server token create --role
//! township --township <code>`), from `QUNJIAN_TOKEN` or `--token <token>`.
//! The server tells the program its township's document (`GET /api/me`);
//! an `automerge:` URL after the server address (the one `qunjian-server
//! township add` printed) is used instead, and lets it start offline.
//! Offline it still records everything, and says the server has not got it yet.

use std::time::Duration;

use anyhow::{Context, bail};
use qunjian_client::schema::{
    AssemblyStep, Date, Gender, OrgKind, Person, RecommendingOrg, Role, Step, Unit, UnitKind,
    WomenOrgForm,
};
use qunjian_client::{ClientError, Replica};

const USAGE: &str = "usage: township [--token <token>] <ws://server/sync> [automerge:document-url]\n\
     (or the token in QUNJIAN_TOKEN)";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut token = std::env::var("QUNJIAN_TOKEN").ok();
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--token" => token = Some(args.next().context(USAGE)?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => positional.push(arg),
        }
    }
    let (server, url) = match positional.as_slice() {
        [server] => (server.clone(), None),
        [server, url] => (server.clone(), Some(url.clone())),
        _ => bail!("{USAGE}"),
    };
    let Some(token) = token.filter(|t| !t.trim().is_empty()) else {
        bail!("no token: set QUNJIAN_TOKEN or pass --token\n{USAGE}");
    };

    // The replica takes the peer id the server binds to the token, and
    // presents the token on every connection.
    let replica = Replica::open_with_token("example-township.db", &token).await?;
    let url = match url {
        Some(url) => url,
        None => {
            let me = qunjian_client::me(&server, &token)
                .await
                .context("ask the server which township this token is for")?;
            me.document_url
                .with_context(|| format!("{} is a {} token, not a township's", me.label, me.role))?
        }
    };
    replica.connect(&server)?;
    let township = replica.township(&url).await.context(
        "fetch the township document (is the server running and the token the township's?)",
    )?;

    let mut village = Unit::new("城关村", UnitKind::Village);
    village.women_org.formed = true;
    village.women_org.form = Some(WomenOrgForm::Federation);
    village.women_org.chair = Some("李桂英".into());
    village.womens_home.formed = true;
    let village_id = township.add(&village)?;

    let mut member = Person::new("王丽");
    member.gender = Some(Gender::Female);
    member.birth_year = Some(1995);
    member.unit = Some(village_id.clone());
    member.roles.insert(Role::WomensExecutive);
    let member_id = township.add(&member)?;

    let nomination =
        township.nominate(&member_id, RecommendingOrg::Women, &village_id, 2026, false)?;
    let today = Date::ymd(2026, 3, 8).context("a valid date")?;
    township.record_step(
        &nomination,
        Step::Assembly(AssemblyStep {
            date: today,
            attendance: Some(42),
            votes_for: Some(39),
        }),
    )?;

    println!(
        "单位 {} 个, 人员 {} 个",
        township.list::<Unit>().len(),
        township.list::<Person>().len()
    );
    println!(
        "尚未建立工会的单位: {}",
        township.units_lacking(OrgKind::Union).len()
    );

    match replica.wait_synced(&url, Duration::from_secs(15)).await {
        Ok(status) => println!("{status}"),
        Err(ClientError::SyncTimeout(status)) => println!("已保存在本机, 稍后自动同步: {status}"),
        Err(e) => return Err(e.into()),
    }
    replica.close().await;
    Ok(())
}
