//! The header's figures, the first start and "sync now": what every page
//! needs whichever record it shows.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, ApiResult, rfc3339};
use crate::app::App;
use crate::app::background;
use crate::app::session::SetupError;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/status", get(status))
        .route("/api/setup", post(setup))
        .route("/api/sync", post(sync))
}

/// The header's figures: online or not, the last sync, changes not yet on
/// the server.
pub async fn status_json(app: &App) -> Result<Value, ApiError> {
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

/// Sync now; the header's figures afterwards.
async fn sync(State(app): State<Arc<App>>) -> ApiResult {
    app.sessions.township().await?;
    background::sync_now(&app).await;
    Ok(Json(status_json(&app).await?).into_response())
}
