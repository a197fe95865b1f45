//! What the offline figures (`gaps`, `coverage`) share: the day they are
//! drawn for, the rules in effect and the line that says whose they are,
//! and a table laid out for Chinese text on a terminal.

use anyhow::Context;
use qunjian_client::schema::Date;
use qunjian_client::{RulesInEffect, RulesSource};
use serde_json::{Value, json};

/// `--as-of`, or today.
pub fn as_of(given: Option<&str>) -> anyhow::Result<Date> {
    match given {
        Some(text) => text.trim().parse::<Date>().ok().context(format!(
            "--as-of 应为日期 YYYY-MM-DD，如 2026-06-30，实为“{text}”"
        )),
        None => Ok(Date(chrono::Local::now().date_naive())),
    }
}

/// The day rules were fetched, in the device's time zone.
fn fetched_day(at: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(at)
        .format("%Y-%m-%d")
        .to_string()
}

/// `规则: 县里下发 (2026-12-01 同步)` or `规则: 内置默认 (…)`.
pub fn line(rules: &RulesInEffect) -> String {
    match rules.source {
        RulesSource::County { fetched_at } => {
            format!("规则: 县里下发 ({} 同步)", fetched_day(fetched_at))
        }
        RulesSource::BuiltIn => {
            "规则: 内置默认（尚未从县里同步规则，运行 `qunjian sync` 获取）".to_string()
        }
    }
}

/// The rules' source as JSON, for `--json`.
pub fn to_json(rules: &RulesInEffect) -> Value {
    match rules.source {
        RulesSource::County { fetched_at } => json!({
            "source": "county",
            "fetched_at": chrono::DateTime::<chrono::Utc>::from(fetched_at).to_rfc3339(),
            "text": line(rules),
        }),
        RulesSource::BuiltIn => json!({
            "source": "built_in",
            "fetched_at": null,
            "text": line(rules),
        }),
    }
}

/// Columns on a terminal: a CJK character takes two cells.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| if u32::from(c) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// `header` and `rows` as aligned columns, two spaces apart.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(cell));
            }
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths.get(i).copied().unwrap_or(0) - width(cell) + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_columns_line_up() {
        let t = table(&["单位", "n"], &[vec!["城关村".into(), "1".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines, ["单位    n", "城关村  1"]);
    }

    #[test]
    fn a_bad_date_says_what_to_write() {
        let e = as_of(Some("6月30日")).expect_err("not a date");
        assert!(e.to_string().contains("YYYY-MM-DD"), "{e}");
        assert_eq!(
            as_of(Some("2026-06-30")).expect("date").to_string(),
            "2026-06-30"
        );
    }
}
