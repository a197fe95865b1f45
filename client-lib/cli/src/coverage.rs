//! `qunjian coverage`: the township's formation and staffing rates offline,
//! against the county's targets as last synced — the rows the county's
//! `coverage` report shows for this township.

use clap::Args;
use qunjian_client::{Rate, Replica, Township};
use serde_json::{Value, json};

use crate::rules;

/// `qunjian coverage [--as-of DATE] [--json]`.
#[derive(Args)]
pub struct CoverageArgs {
    /// 截至日期 YYYY-MM-DD [default: today].
    #[arg(long)]
    as_of: Option<String>,
    /// Print JSON (rows with the keys of the county's /api/reports/coverage).
    #[arg(long)]
    json: bool,
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn verdict(r: &Rate) -> &'static str {
    match r.met {
        Some(true) => "达标",
        Some(false) => "未达标",
        None => "无应建单位",
    }
}

/// Run `coverage`; the text to print.
pub fn run(replica: &Replica, township: &Township, args: CoverageArgs) -> anyhow::Result<String> {
    let as_of = rules::as_of(args.as_of.as_deref())?;
    let in_effect = replica.rules();
    let rates = township.coverage(&in_effect.rules, as_of)?;
    let (doc, _) = township.document()?;
    let (name, code) = (doc.meta.township_name, doc.meta.township_code);
    if args.json {
        let rows: Vec<Value> = rates
            .iter()
            .map(|r| {
                json!({
                    "township": name,
                    "township_code": code,
                    "target": r.label_zh,
                    "target_key": r.target.as_str(),
                    "required": r.required,
                    "formed": r.formed,
                    "rate": r.rate,
                    "target_rate": r.target_rate,
                    "met": r.met,
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
    let missed = rates.iter().filter(|r| r.met == Some(false)).count();
    let mut out = format!("{}\n", rules::line(&in_effect));
    out.push_str(&format!(
        "{name} 组建率与配备率（截至 {as_of}）：{missed} 项未达标\n"
    ));
    let rows: Vec<Vec<String>> = rates
        .iter()
        .map(|r| {
            vec![
                r.label_zh.clone(),
                r.required.to_string(),
                r.formed.to_string(),
                r.rate.map_or_else(|| "-".to_string(), percent),
                percent(r.target_rate),
                verdict(r).to_string(),
            ]
        })
        .collect();
    out.push_str(&rules::table(
        &["指标", "应建", "已建", "实际", "目标", "是否达标"],
        &rows,
    ));
    Ok(out)
}
