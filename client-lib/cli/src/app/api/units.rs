//! 单位: the list (with each organization formed or not and what the rules
//! still require), a unit's page, and its edits. Units travel like every
//! record (see `records`), with the figures a unit's page shows added.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use qunjian_client::schema::{OrgKind, Unit};
use qunjian_client::{Gap, Township};
use serde_json::{Value, json};

use super::overview::gap_json;
use super::records::{self, ListQuery};
use super::{ApiError, ApiResult, today};
use crate::app::App;
use crate::app::session::Session;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/units", get(units).post(add_unit))
        .route("/api/units/{id}", get(unit).patch(update_unit))
        .route("/api/units/{id}/archive", post(archive))
        .route("/api/units/{id}/restore", post(restore))
}

/// A unit with each organization formed or not and what it lacks.
fn unit_json(id: &str, unit: &Unit, gaps: &[Gap]) -> Value {
    let orgs: Vec<Value> = OrgKind::ALL
        .iter()
        .map(|&k| json!({ "org": k.as_str(), "label": k.label(), "formed": unit.has(k) }))
        .collect();
    let missing: Vec<Value> = gaps
        .iter()
        .filter(|g| g.unit_id == id)
        .map(gap_json)
        .collect();
    json!({
        "id": id,
        "name": unit.name,
        "kind": unit.kind.as_str(),
        "kind_label": unit.kind.label(),
        "archived": unit.archived,
        "orgs": orgs,
        "missing": missing,
        "fields": unit,
    })
}

fn township_gaps(session: &Session, township: &Township) -> Result<Vec<Gap>, ApiError> {
    Ok(township.gaps(&session.replica.rules().rules, today())?)
}

async fn units(State(app): State<Arc<App>>, Query(query): Query<ListQuery>) -> ApiResult {
    let (session, township) = app.sessions.township().await?;
    let gaps = township_gaps(&session, &township)?;
    let mut list = records::listed::<Unit>(&township, query.all());
    list.sort_by(|(a_id, a), (b_id, b)| (&a.name, a_id).cmp(&(&b.name, b_id)));
    let rows: Vec<Value> = list
        .iter()
        .map(|(id, unit)| unit_json(id, unit, &gaps))
        .collect();
    Ok(Json(json!({ "units": rows })).into_response())
}

async fn unit(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    let (session, township) = app.sessions.township().await?;
    let unit = records::get_record::<Unit>(&township, &id)?;
    let gaps = township_gaps(&session, &township)?;
    Ok(Json(unit_json(&id, &unit, &gaps)).into_response())
}

/// Add a unit from its fields as JSON (the document's own field names).
async fn add_unit(State(app): State<Arc<App>>, Json(body): Json<Value>) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    let id = records::add_from::<Unit>(&township, body)?;
    app.sessions.kick.notify_one();
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

/// Change the fields in the body (a JSON merge patch of the unit).
async fn update_unit(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Json(patch): Json<Value>,
) -> ApiResult {
    let (session, township) = app.sessions.township().await?;
    let updated = records::patch::<Unit>(&township, &id, patch)?;
    app.sessions.kick.notify_one();
    let gaps = township_gaps(&session, &township)?;
    Ok(Json(unit_json(&id, &updated, &gaps)).into_response())
}

async fn archive(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    archived_to(&app, &id, true).await
}

async fn restore(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    archived_to(&app, &id, false).await
}

async fn archived_to(app: &App, id: &str, archived: bool) -> ApiResult {
    let (session, township) = app.sessions.township().await?;
    records::set_archived::<Unit>(&township, id, archived)?;
    app.sessions.kick.notify_one();
    let unit = records::get_record::<Unit>(&township, id)?;
    let gaps = township_gaps(&session, &township)?;
    Ok(Json(unit_json(id, &unit, &gaps)).into_response())
}
