//! 同步: how syncing with the county stands (the header's figures with the
//! last attempt's counts and duration), and sync by file for a township
//! without network: a bundle of the changes the county lacks downloaded
//! for a USB stick, and a bundle from the county (or another device of the
//! township) uploaded, as `qunjian bundle export|import` do.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use qunjian_client::BundleFailure;
use serde::Deserialize;
use serde_json::{Value, json};

use super::import::{UPLOAD_LIMIT, attachment, upload};
use super::status::status_json;
use super::{ApiError, ApiResult, rfc3339};
use crate::app::App;
use crate::app::session::SyncResult;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/transfer", get(transfer))
        .route("/api/bundle/export", get(export))
        .route("/api/bundle/import", post(import))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
}

fn result_json(r: &SyncResult) -> Value {
    json!({
        "at": rfc3339(r.at),
        "seconds": (r.elapsed.as_secs_f64() * 10.0).round() / 10.0,
        "sent": r.sent,
        "received": r.received,
        "error": r.error,
        "rules_error": r.rules_error,
    })
}

/// The header's figures, the last attempt and the last sync that moved
/// changes.
async fn transfer(State(app): State<Arc<App>>) -> ApiResult {
    let mut status = status_json(&app).await?;
    let last = app.sessions.last();
    status["last_result"] = last.result.as_ref().map_or(Value::Null, result_json);
    status["last_moved"] = last.moved.as_ref().map_or(Value::Null, result_json);
    Ok(Json(status).into_response())
}

#[derive(Deserialize)]
struct ExportQuery {
    /// The whole document rather than what the county lacks.
    #[serde(default)]
    all: Option<String>,
}

/// A bundle to download: what the county is not known to hold, or with
/// `?all=1` the whole document.
async fn export(State(app): State<Arc<App>>, Query(q): Query<ExportQuery>) -> ApiResult {
    let (session, township) = app.sessions.township().await?;
    let all = q.all.is_some_and(|v| v != "0" && !v.is_empty());
    let exported = session
        .replica
        .export_bundle(&session.doc, all)
        .await
        .map_err(bundle_error)?;
    let (doc, _) = township.document()?;
    let stamp = chrono::DateTime::<chrono::Local>::from(SystemTime::now()).format("%Y%m%d-%H%M");
    let what = if exported.whole_document {
        "全部"
    } else {
        "修改"
    };
    let name = format!("{}-{what}-{stamp}.qjb", doc.meta.township_name);
    let fallback = format!("qunjian-{}-{stamp}.qjb", exported.township);
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, attachment(&name, &fallback)),
            // For the page, which says what it saved.
            (
                header::HeaderName::from_static("x-qunjian-whole-document"),
                exported.whole_document.to_string(),
            ),
        ],
        exported.bytes,
    )
        .into_response())
}

/// Apply an uploaded bundle to this township's document; another
/// township's, or a damaged one, is refused and changes nothing.
async fn import(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> ApiResult {
    let bytes = upload(body)?;
    let (session, township) = app.sessions.township().await?;
    let imported = session
        .replica
        .import_bundle(&bytes, Some(&session.doc))
        .await
        .map_err(bundle_error)?;
    if imported.new_changes > 0 {
        // Pass what it brought on to the county when online.
        app.sessions.kick.notify_one();
    }
    let (doc, _) = township.document()?;
    Ok(Json(json!({
        "township": imported.township,
        "township_name": doc.meta.township_name,
        "new_changes": imported.new_changes,
        "heads": imported.heads,
    }))
    .into_response())
}

fn bundle_error(e: BundleFailure) -> ApiError {
    match e {
        BundleFailure::Refused(e) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("同步包未导入，本地数据未改变: {e}"),
        ),
        BundleFailure::Client(e) => ApiError::from(*e),
        BundleFailure::Sqlite(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("无法读写本地副本文件 (replica file): {e}"),
        ),
    }
}
