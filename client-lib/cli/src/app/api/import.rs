//! 导入: an Excel ledger (台账) uploaded from the page, checked first (a dry
//! run that changes nothing) and imported on confirmation, through
//! `qunjian_client::ledger` as `qunjian import [--dry-run]` does; and the
//! blank template to fill in.
//!
//! The page sends the same file again to confirm rather than the server
//! keeping it under an id: nothing to expire or clean up, and the import
//! matches rows against the records as they are at that moment (importing
//! twice adds nothing), so a confirm after someone else's edit is still
//! right.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use qunjian_client::ledger::{self, ImportReport, LedgerError, RowOutcome, SheetKind};
use serde_json::{Value, json};

use super::{ApiError, ApiResult};
use crate::app::App;

/// The largest file the page may send: a ledger of tens of thousands of
/// rows, or a bundle of a township's whole history, is far below it.
pub const UPLOAD_LIMIT: usize = 50 * 1024 * 1024;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/ledger/template", get(template))
        .route("/api/ledger/dry-run", post(dry_run))
        .route("/api/ledger/import", post(import))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
}

/// An uploaded file's bytes, or why there are none to use.
pub fn upload(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "文件太大，超过 {} MB (the file is too large)",
                    UPLOAD_LIMIT / 1024 / 1024
                ),
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("文件没有传完整，请重试 (the upload failed): {e}"),
            )
        }
    })?;
    if bytes.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "请先选择文件 (no file was sent)",
        ));
    }
    Ok(bytes)
}

/// `attachment` under `name`: a plain ASCII fallback for old browsers and
/// the Chinese name as RFC 5987 says (`filename*=UTF-8''…`).
pub fn attachment(name: &str, fallback: &str) -> String {
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The blank ledger, as `qunjian template` writes it.
async fn template() -> ApiResult {
    let bytes = ledger::template().map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("无法生成模板 (cannot write the template): {e}"),
        )
    })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                attachment("群建台账模板.xlsx", "qunjian-ledger-template.xlsx"),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn dry_run(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> ApiResult {
    run(&app, body, true).await
}

async fn import(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> ApiResult {
    run(&app, body, false).await
}

/// Check (and unless `dry_run`, import) the uploaded ledger.
async fn run(app: &App, body: Result<Bytes, BytesRejection>, dry_run: bool) -> ApiResult {
    let bytes = upload(body)?;
    let (_, township) = app.sessions.township().await?;
    let read = ledger::read_bytes(&bytes, "上传的台账").map_err(refused_file)?;
    let report = ledger::import(&township, &read, dry_run).map_err(refused_file)?;
    if !dry_run && (!report.added.is_empty() || !report.updated.is_empty()) {
        app.sessions.kick.notify_one();
    }
    Ok(Json(report_json(&report)).into_response())
}

/// A workbook that cannot be read at all is the person's to fix; a
/// document that refuses the change is not.
fn refused_file(e: LedgerError) -> ApiError {
    match e {
        LedgerError::Read { reason, .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "无法读取这个文件，请选择 Excel 台账（.xlsx、.xls 或 .ods） (not a workbook): {reason}"
            ),
        ),
        LedgerError::Client(e) => ApiError::from(*e),
        LedgerError::Write(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// The report for the page: every row by what happened to it, the counts,
/// and the counts per sheet (in the template's order).
fn report_json(report: &ImportReport) -> Value {
    let rows = |list: &[RowOutcome]| -> Vec<Value> {
        list.iter()
            .map(|o| json!({ "sheet": o.sheet, "row": o.row, "name": o.name, "id": o.id }))
            .collect()
    };
    let refused: Vec<Value> = report
        .refused
        .iter()
        .map(
            |e| json!({ "sheet": e.sheet, "row": e.row, "column": e.column, "message": e.message }),
        )
        .collect();
    let mut names: Vec<&str> = SheetKind::ALL.iter().map(|k| k.sheet_name()).collect();
    let all_rows = report
        .added
        .iter()
        .chain(&report.updated)
        .chain(&report.unchanged)
        .map(|o| o.sheet.as_str())
        .chain(report.refused.iter().map(|e| e.sheet.as_str()));
    for sheet in all_rows {
        if !names.contains(&sheet) {
            names.push(sheet);
        }
    }
    let count = |list: &[RowOutcome], sheet: &str| list.iter().filter(|o| o.sheet == sheet).count();
    // Only the sheets the file had rows in.
    let sheets: Vec<Value> = names
        .into_iter()
        .filter_map(|sheet| {
            let mut refused: Vec<u32> = report
                .refused
                .iter()
                .filter(|e| e.sheet == sheet)
                .map(|e| e.row)
                .collect();
            refused.sort_unstable();
            refused.dedup();
            let counts = [
                count(&report.added, sheet),
                count(&report.updated, sheet),
                count(&report.unchanged, sheet),
                refused.len(),
            ];
            (counts != [0; 4]).then(|| {
                json!({
                    "sheet": sheet,
                    "added": counts[0],
                    "updated": counts[1],
                    "unchanged": counts[2],
                    "refused": counts[3],
                })
            })
        })
        .collect();
    json!({
        "dry_run": report.dry_run,
        "summary": report.summary(),
        "counts": {
            "added": report.added.len(),
            "updated": report.updated.len(),
            "unchanged": report.unchanged.len(),
            "refused": report.refused_rows(),
        },
        "sheets": sheets,
        "added": rows(&report.added),
        "updated": rows(&report.updated),
        "refused": refused,
        "unknown_sheets": report.unknown_sheets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachment_names_the_file_in_chinese_and_in_ascii() {
        assert_eq!(
            attachment("台账 1.xlsx", "ledger.xlsx"),
            "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6%201.xlsx"
        );
    }
}
