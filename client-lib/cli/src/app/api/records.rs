//! List, show, add, edit, archive and restore any kind of record, the same
//! way for every kind: the pages of 人员, 活动, 荣誉 and 走访 (and the unit
//! and 推优 pages for what they share) are views over these.
//!
//! A record travels as the document's own field names (docs/SCHEMA.md), so
//! a script writes what a JavaScript app would read. Adds and edits go
//! through the library's entry checks without force: a refused entry is a
//! 422 with each problem and its field, and nothing is saved.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use qunjian_client::{EntryRecord, Force, Township};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, ApiResult, merge, today};
use crate::app::App;

/// `/api/{path}` and `/api/{path}/{id}[/archive|/restore]` for records of
/// kind `R`.
pub fn routes<R: EntryRecord + Send + Sync + 'static>(path: &str) -> Router<Arc<App>> {
    Router::new()
        .route(&format!("/api/{path}"), get(list::<R>).post(add::<R>))
        .route(
            &format!("/api/{path}/{{id}}"),
            get(show::<R>).patch(update::<R>),
        )
        .route(&format!("/api/{path}/{{id}}/archive"), post(archive::<R>))
        .route(&format!("/api/{path}/{{id}}/restore"), post(restore::<R>))
}

/// A record as the API gives it: its id, whether archived, its fields.
pub fn record_json<R: EntryRecord>(id: &str, record: &R) -> Value {
    json!({ "id": id, "archived": record.archived(), "fields": record })
}

#[derive(Deserialize)]
pub struct ListQuery {
    /// `?all=1`: archived records too.
    #[serde(default)]
    all: Option<String>,
}

impl ListQuery {
    pub fn all(&self) -> bool {
        matches!(self.all.as_deref(), Some("1" | "true" | "yes"))
    }
}

/// Every record of the kind, oldest first (ids are UUID v7, so by id is
/// by creation); archived ones only when asked for.
pub fn listed<R: EntryRecord>(township: &Township, all: bool) -> Vec<(String, R)> {
    if all {
        township.list_all::<R>()
    } else {
        township.list::<R>()
    }
}

async fn list<R: EntryRecord>(
    State(app): State<Arc<App>>,
    Query(query): Query<ListQuery>,
) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    let rows: Vec<Value> = listed::<R>(&township, query.all())
        .iter()
        .map(|(id, r)| record_json(id, r))
        .collect();
    Ok(Json(json!({ "records": rows })).into_response())
}

/// The record under `id`, or a 404 naming the kind.
pub fn get_record<R: EntryRecord>(township: &Township, id: &str) -> Result<R, ApiError> {
    township
        .get::<R>(id)?
        .ok_or_else(|| ApiError::not_found(R::NAME_ZH, id))
}

async fn show<R: EntryRecord>(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    let record = get_record::<R>(&township, &id)?;
    Ok(Json(record_json(&id, &record)).into_response())
}

/// Add a record from its fields; the new id.
pub fn add_from<R: EntryRecord>(township: &Township, body: Value) -> Result<String, ApiError> {
    let record: R = serde_json::from_value(body).map_err(ApiError::bad_input)?;
    Ok(township.add_checked(&record, today(), Force::No)?)
}

async fn add<R: EntryRecord>(State(app): State<Arc<App>>, Json(body): Json<Value>) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    let id = add_from::<R>(&township, body)?;
    app.sessions.kick.notify_one();
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

/// Apply a JSON merge patch to the record under `id`, inside the edit's
/// transaction over the record as it stands, so a field a sync changed
/// meanwhile is not written back.
pub fn patch<R: EntryRecord>(township: &Township, id: &str, patch: Value) -> Result<R, ApiError> {
    let mut bad = None;
    let updated = township.update_checked::<R>(id, today(), Force::No, |record| {
        let merged = serde_json::to_value(&*record).and_then(|mut value| {
            merge(&mut value, patch);
            serde_json::from_value::<R>(value)
        });
        match merged {
            Ok(merged) => *record = merged,
            Err(e) => bad = Some(e),
        }
    })?;
    // A patch that does not read as the record changed nothing.
    match bad {
        Some(e) => Err(ApiError::bad_input(e)),
        None => Ok(updated),
    }
}

async fn update<R: EntryRecord>(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    let updated = patch::<R>(&township, &id, body)?;
    app.sessions.kick.notify_one();
    Ok(Json(record_json(&id, &updated)).into_response())
}

/// Archive (`true`) or restore the record under `id`.
pub fn set_archived<R: EntryRecord>(
    township: &Township,
    id: &str,
    archived: bool,
) -> Result<(), ApiError> {
    get_record::<R>(township, id)?;
    if archived {
        township.archive::<R>(id)?;
    } else {
        township.restore::<R>(id)?;
    }
    Ok(())
}

async fn archive<R: EntryRecord>(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    archived_to::<R>(&app, &id, true).await
}

async fn restore<R: EntryRecord>(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    archived_to::<R>(&app, &id, false).await
}

async fn archived_to<R: EntryRecord>(app: &App, id: &str, archived: bool) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    set_archived::<R>(&township, id, archived)?;
    app.sessions.kick.notify_one();
    let record = get_record::<R>(&township, id)?;
    Ok(Json(record_json(id, &record)).into_response())
}
