//! `qunjian template` and `qunjian import`: Excel ledgers (台账) in, through
//! `qunjian_client::ledger`.

use std::path::Path;

use anyhow::bail;
use qunjian_client::Township;
use qunjian_client::ledger::{self, ImportReport, SheetKind};

/// The sheets a ledger has, as a cadre reads them: 单位、人员、….
fn sheet_names() -> String {
    let names: Vec<&str> = SheetKind::ALL.iter().map(|k| k.sheet_name()).collect();
    names.join("、")
}

/// Write the blank ledger.
pub fn template(output: &Path) -> anyhow::Result<()> {
    ledger::write_template(output)?;
    println!(
        "已写出台账模板 {}（工作表：{}；第 2 行是示例，导入时跳过）",
        output.display(),
        sheet_names()
    );
    Ok(())
}

/// Import a filled ledger; an error (exit code 1) when any row was refused.
pub fn import(township: &Township, file: &Path, dry_run: bool) -> anyhow::Result<()> {
    let read = ledger::read(file)?;
    let report = ledger::import(township, &read, dry_run)?;
    print(&report);
    let refused = report.refused_rows();
    if refused > 0 {
        if dry_run {
            bail!("{refused} 行未通过检查 (rows refused)；改正后再导入");
        }
        bail!(
            "{refused} 行被拒绝 (rows refused)；其余通过检查的行已导入，改正被拒绝的行后重新导入同一文件即可（不会重复添加）"
        );
    }
    Ok(())
}

fn print(report: &ImportReport) {
    let (add, update) = if report.dry_run {
        ("将新增", "将更新")
    } else {
        ("新增", "更新")
    };
    for o in &report.added {
        println!("{add}: {}, 第 {} 行: {}", o.sheet, o.row, o.name);
    }
    for o in &report.updated {
        println!("{update}: {}, 第 {} 行: {}", o.sheet, o.row, o.name);
    }
    for e in &report.refused {
        println!("拒绝: {e}");
    }
    for s in &report.unknown_sheets {
        println!("跳过工作表: {s}（不是{}之一）", sheet_names());
    }
    if !report.unchanged.is_empty() {
        println!("未变: {} 行与已有记录相同", report.unchanged.len());
    }
    if report.dry_run {
        println!("预览 (--dry-run)：未做任何修改");
    } else if report.refused_rows() > 0 {
        println!("通过检查的行已导入；被拒绝的行未导入");
    }
    println!("{}", report.summary());
}
