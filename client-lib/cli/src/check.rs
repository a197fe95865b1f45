//! `qunjian check` and `qunjian resolve`: what looks wrong in the ledger,
//! and settling fields two devices wrote differently.

use anyhow::Context;
use qunjian_client::Township;
use qunjian_client::schema::Date;

/// Print validation findings and conflicts (as JSON with `json`); fail
/// (exit 1) if there are any, so scripts can gate on it.
pub fn check(township: &Township, json: bool) -> anyhow::Result<()> {
    let today = Date(chrono::Local::now().date_naive());
    let findings = township.validate(today)?;
    let conflicts = township.conflicts();
    if json {
        let out = serde_json::json!({ "findings": findings, "conflicts": conflicts });
        println!("{}", serde_json::to_string_pretty(&out)?);
        if findings.is_empty() && conflicts.is_empty() {
            return Ok(());
        }
        anyhow::bail!("发现 {} 个问题, {} 处冲突", findings.len(), conflicts.len());
    }
    for f in &findings {
        println!(
            "[{}] {}/{} {}: {}",
            f.rule.label(),
            f.record.map,
            f.record.id,
            f.field,
            f.message_zh
        );
    }
    for c in &conflicts {
        let values: Vec<String> = c.values.iter().map(|v| v.value.to_string()).collect();
        println!(
            "[冲突] {}/{} {}: {}",
            c.map,
            c.id,
            c.field,
            values.join(" | ")
        );
    }
    if findings.is_empty() && conflicts.is_empty() {
        println!("没有发现问题 (no problems found)");
        return Ok(());
    }
    anyhow::bail!(
        "发现 {} 个问题, {} 处冲突 (`qunjian resolve <map> <id> <field> <value>` settles a conflict)",
        findings.len(),
        conflicts.len()
    )
}

/// Write one value over a conflicted field.
pub fn resolve(
    township: &Township,
    map: &str,
    id: &str,
    field: &str,
    value: &str,
) -> anyhow::Result<String> {
    let value: serde_json::Value = serde_json::from_str(value)
        .with_context(|| format!("'{value}' is not JSON; quote text like '\"刘芳\"'"))?;
    township.resolve(map, id, field, &value)?;
    Ok(format!("已解决 {map}/{id} {field}"))
}
