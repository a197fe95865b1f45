//! A small township program: records a village, its women's federation
//! chair and a 推优, then waits until the county server holds it all.
//!
//! ```sh
//! cargo run -p qunjian-client --example township -- ws://127.0.0.1:8080/sync automerge:...
//! ```
//! (the automerge: URL is the one `qunjian-server township add` printed).
//! Offline it still records everything, and says the server has not got it yet.

use std::time::Duration;

use anyhow::{Context, bail};
use qunjian_client::schema::{
    AssemblyStep, Date, Gender, OrgKind, Person, RecommendingOrg, Role, Step, Unit, UnitKind,
    WomenOrgForm,
};
use qunjian_client::{ClientError, Replica};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(server), Some(url)) = (args.next(), args.next()) else {
        bail!("usage: township <ws://server/sync> <automerge:document-url>");
    };

    let replica = Replica::open("example-township.db").await?;
    replica.connect(&server)?;
    let township = replica
        .township(&url)
        .await
        .context("fetch the township document (is the server running and the URL right?)")?;

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
