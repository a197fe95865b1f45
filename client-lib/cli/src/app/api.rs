//! The app's local JSON API: the pages' only way to the ledger, and
//! usable from a script with the cookie (docs/APP.md). Every handler is a
//! call into `qunjian-client`; edits go through the same entry checks as
//! `qunjian unit add/update` without --force, so a refused entry saves
//! nothing and says what to fix at which field. Errors are an HTTP status
//! and `{"error": "…"}` in Chinese with English in parentheses, as the
//! county server's are.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use qunjian_client::schema::{Date, OrgKind, Unit};
use qunjian_client::{ClientError, Force, Gap, Township};
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use super::background;
use super::session::{Session, SetupError, SetupNeeded};

/// The API's routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/status", get(status))
        .route("/api/setup", post(setup))
        .route("/api/overview", get(overview))
        .route("/api/units", get(units).post(add_unit))
        .route("/api/units/{id}", get(unit).patch(update_unit))
        .route("/api/sync", post(sync))
}

/// An API error: a status and a message.
pub struct ApiError(StatusCode, Value);

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError(status, json!({ "error": message.into() }))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<SetupNeeded> for ApiError {
    fn from(_: SetupNeeded) -> ApiError {
        ApiError::new(
            StatusCode::CONFLICT,
            "本设备还没有乡镇文档，请先填写县级服务器地址和令牌 (set up first)",
        )
    }
}

impl From<ClientError> for ApiError {
    fn from(e: ClientError) -> ApiError {
        match e {
            // Each problem with the field it is about, for the form.
            ClientError::EntryRefused(problems) => {
                let list: Vec<Value> = problems
                    .0
                    .iter()
                    .map(|f| {
                        json!({
                            "field": f.field,
                            "message": f.message_zh,
                            "message_en": f.message_en,
                        })
                    })
                    .collect();
                ApiError(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({
                        "error": "输入有误，未保存 (refused: nothing was saved)",
                        "problems": list,
                    }),
                )
            }
            ClientError::Edit(qunjian_client::EditError::NoSuchRecord { .. }) => ApiError::new(
                StatusCode::NOT_FOUND,
                format!("没有这个单位 (no such unit): {e}"),
            ),
            _ => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("操作失败 (failed): {e}"),
            ),
        }
    }
}

type ApiResult = Result<Response, ApiError>;

fn today() -> Date {
    Date(chrono::Local::now().date_naive())
}

fn rfc3339(at: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at).to_rfc3339()
}

/// The header's figures: online or not, the last sync, changes not yet on
/// the server.
async fn status_json(app: &App) -> Result<Value, ApiError> {
    let last = app.sessions.last();
    let Ok((session, township)) = app.sessions.township().await else {
        return Ok(json!({ "setup_needed": true }));
    };
    // No probe: the dialer's connection says whether the server is there,
    // and the header must not wait on a server that is not.
    let status = session
        .replica
        .status_with(&session.doc, None, Duration::ZERO)
        .await?;
    let (doc, _) = township.document()?;
    Ok(json!({
        "setup_needed": false,
        "township": doc.meta.township_name,
        "township_code": doc.meta.township_code,
        "document": session.doc,
        "server": session.server,
        "online": session.replica.is_connected(),
        "last_sync": status.last_sync.map(rfc3339),
        "unsent_changes": status.unsent_changes,
        "all_sent": status.all_sent(),
        "syncing": last.running,
        "sync_error": last.error,
    }))
}

async fn status(State(app): State<Arc<App>>) -> ApiResult {
    Ok(Json(status_json(&app).await?).into_response())
}

#[derive(Deserialize)]
struct SetupBody {
    server: String,
    token: String,
}

/// What a person types for the server — `county.example.cn:8080`,
/// `http://…`, `ws://…/sync` — as the sync address.
fn sync_address(typed: &str) -> String {
    let typed = typed.trim().trim_end_matches('/');
    let (scheme, rest) = match typed.split_once("://") {
        Some(("http" | "ws", rest)) => ("ws", rest),
        Some(("https" | "wss", rest)) => ("wss", rest),
        Some((other, rest)) => (other, rest),
        None => ("ws", typed),
    };
    if rest.contains('/') {
        format!("{scheme}://{rest}")
    } else {
        format!("{scheme}://{rest}/sync")
    }
}

async fn setup(State(app): State<Arc<App>>, Json(body): Json<SetupBody>) -> ApiResult {
    let server = sync_address(&body.server);
    let token = body.token.trim();
    if body.server.trim().is_empty() || token.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "请填写县级服务器地址和本设备的令牌 (server and token are required)",
        ));
    }
    match app.sessions.set_up(&server, token).await {
        Ok(doc) => Ok(Json(json!({ "document": doc, "server": server })).into_response()),
        Err(SetupError::AlreadySetUp) => Err(ApiError::new(
            StatusCode::CONFLICT,
            SetupError::AlreadySetUp.to_string(),
        )),
        Err(e) => Err(ApiError::new(StatusCode::BAD_GATEWAY, e.to_string())),
    }
}

fn gap_json(g: &Gap) -> Value {
    json!({
        "unit_id": g.unit_id,
        "unit": g.unit_name,
        "unit_kind": g.unit_kind.label(),
        "missing": g.missing.as_str(),
        "missing_label": g.missing.label(),
        "rule": g.rule_zh,
        "due": g.due.map(|d| d.to_string()),
        "overdue": g.overdue,
    })
}

/// 应建未建 and the rates, as the county sees them, with the sync state.
async fn overview(State(app): State<Arc<App>>) -> ApiResult {
    let (session, township) = app.sessions.township().await?;
    let in_effect = session.replica.rules();
    let as_of = today();
    let gaps = township.gaps(&in_effect.rules, as_of)?;
    let rates = township.coverage(&in_effect.rules, as_of)?;
    let rules = match in_effect.source {
        qunjian_client::RulesSource::County { fetched_at } => json!({
            "source": "county", "fetched_at": rfc3339(fetched_at),
        }),
        qunjian_client::RulesSource::BuiltIn => json!({ "source": "built_in" }),
    };
    Ok(Json(json!({
        "as_of": as_of.to_string(),
        "gaps": gaps.iter().map(gap_json).collect::<Vec<_>>(),
        "overdue": gaps.iter().filter(|g| g.overdue).count(),
        "coverage": rates,
        "rules": rules,
        "sync": status_json(&app).await?,
    }))
    .into_response())
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

async fn units(State(app): State<Arc<App>>) -> ApiResult {
    let (session, township) = app.sessions.township().await?;
    let gaps = township_gaps(&session, &township)?;
    let mut list = township.list::<Unit>();
    list.sort_by(|(a_id, a), (b_id, b)| (&a.name, a_id).cmp(&(&b.name, b_id)));
    let rows: Vec<Value> = list
        .iter()
        .map(|(id, unit)| unit_json(id, unit, &gaps))
        .collect();
    Ok(Json(json!({ "units": rows })).into_response())
}

async fn unit(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    let (session, township) = app.sessions.township().await?;
    let Some(unit) = township.get::<Unit>(&id)? else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("没有这个单位 (no such unit): {id}"),
        ));
    };
    let gaps = township_gaps(&session, &township)?;
    Ok(Json(unit_json(&id, &unit, &gaps)).into_response())
}

fn bad_input(e: serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        format!("填写的内容格式不对 (bad input): {e}"),
    )
}

/// Add a unit from its fields as JSON (the document's own field names).
async fn add_unit(State(app): State<Arc<App>>, Json(body): Json<Value>) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    let unit: Unit = serde_json::from_value(body).map_err(bad_input)?;
    let id = township.add_checked(&unit, today(), Force::No)?;
    app.sessions.kick.notify_one();
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

/// Merge `patch` into `target` (RFC 7396: null removes, objects merge).
fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.insert(key, Value::Null);
                } else {
                    merge(target.entry(key).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch,
    }
}

/// Change the fields in the body (a JSON merge patch of the unit).
async fn update_unit(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Json(patch): Json<Value>,
) -> ApiResult {
    let (session, township) = app.sessions.township().await?;
    // Merged inside the edit's transaction, over the unit as it stands,
    // so a field a sync changed meanwhile is not written back.
    let mut bad = None;
    let updated = township.update_checked::<Unit>(&id, today(), Force::No, |unit| {
        let merged = serde_json::to_value(&*unit).and_then(|mut value| {
            merge(&mut value, patch);
            serde_json::from_value::<Unit>(value)
        });
        match merged {
            Ok(merged) => *unit = merged,
            Err(e) => bad = Some(e),
        }
    })?;
    if let Some(e) = bad {
        return Err(bad_input(e));
    }
    app.sessions.kick.notify_one();
    let gaps = township_gaps(&session, &township)?;
    Ok(Json(unit_json(&id, &updated, &gaps)).into_response())
}

/// Sync now; the header's figures afterwards.
async fn sync(State(app): State<Arc<App>>) -> ApiResult {
    app.sessions.township().await?;
    background::sync_now(&app).await;
    Ok(Json(status_json(&app).await?).into_response())
}
