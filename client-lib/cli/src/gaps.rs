//! `qunjian gaps`: the township's 应建未建 offline — each unit and each
//! organization it must have but lacks, under the county's rules as last
//! synced — the rows the county's `gaps` report shows for this township.

use clap::Args;
use qunjian_client::{Replica, Township};
use serde_json::{Value, json};

use crate::rules;

/// `qunjian gaps [--as-of DATE] [--json]`.
#[derive(Args)]
pub struct GapsArgs {
    /// 截至日期 YYYY-MM-DD [default: today].
    #[arg(long)]
    as_of: Option<String>,
    /// Print JSON (rows with the keys of the county's /api/reports/gaps).
    #[arg(long)]
    json: bool,
}

/// Run `gaps`; the text to print.
pub fn run(replica: &Replica, township: &Township, args: GapsArgs) -> anyhow::Result<String> {
    let as_of = rules::as_of(args.as_of.as_deref())?;
    let in_effect = replica.rules();
    let gaps = township.gaps(&in_effect.rules, as_of)?;
    let (doc, _) = township.document()?;
    let (name, code) = (doc.meta.township_name, doc.meta.township_code);
    if args.json {
        let rows: Vec<Value> = gaps
            .iter()
            .map(|g| {
                json!({
                    "township": name,
                    "township_code": code,
                    "unit": g.unit_name,
                    "unit_id": g.unit_id,
                    "unit_kind": g.unit_kind.label(),
                    "missing": g.missing.label(),
                    "rule": g.rule_zh,
                    "due": g.due.map(|d| d.to_string()),
                    "overdue": g.overdue,
                })
            })
            .collect();
        let body = json!({
            "township": name,
            "township_code": code,
            "as_of": as_of.to_string(),
            "rules": rules::to_json(&in_effect),
            "rows": rows,
        });
        return Ok(serde_json::to_string_pretty(&body)?);
    }
    let overdue = gaps.iter().filter(|g| g.overdue).count();
    let mut out = format!("{}\n", rules::line(&in_effect));
    if gaps.is_empty() {
        out.push_str(&format!("{name} 截至 {as_of} 没有应建未建的组织"));
        return Ok(out);
    }
    out.push_str(&format!(
        "{name} 应建未建（截至 {as_of}）：{} 项，其中已逾期 {overdue} 项\n",
        gaps.len()
    ));
    let rows: Vec<Vec<String>> = gaps
        .iter()
        .map(|g| {
            vec![
                g.unit_name.clone(),
                g.unit_kind.label().to_string(),
                g.missing.label().to_string(),
                g.due.map_or_else(|| "-".to_string(), |d| d.to_string()),
                if g.overdue { "已逾期" } else { "" }.to_string(),
                g.rule_zh.clone(),
            ]
        })
        .collect();
    out.push_str(&rules::table(
        &["单位", "类型", "应建组织", "应建期限", "逾期", "依据"],
        &rows,
    ));
    Ok(out)
}
