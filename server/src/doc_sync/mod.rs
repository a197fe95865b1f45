//! `GET /sync`: the automerge-repo WebSocket endpoint. The token is checked
//! before the upgrade — without a valid one the answer is a 401 and no
//! WebSocket exists — then `session` runs the socket for samod, bound to
//! the token's peer id. While the server's storage is failing, a new
//! connection is refused with a 503 that says so (`api::STORAGE_FAILING`).

pub mod frame;
pub mod session;

use axum::Json;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use qunjian_shared::api::{ApiError, STORAGE_FAILING};

use crate::audit::{Entry, Event};
use crate::auth::presented_token;
use crate::serve::AppState;

/// Check the token and the storage, take a connection slot, upgrade.
pub async fn sync(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let presented = presented_token(&headers, query.as_deref());
    let row = match state.gate.authenticate(presented.as_deref()).await {
        Ok(row) => row,
        Err(refusal) => {
            state.refused_anonymously(&refusal, "/sync");
            return refusal.into_response();
        }
    };
    if !state.storage.health().ok {
        tracing::debug!(peer = %row.peer_id(), "sync refused: storage is failing");
        let body = Json(ApiError {
            error: STORAGE_FAILING.to_string(),
        });
        return (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
    }
    let guard = match state.gate.open_session(&row) {
        Ok(guard) => guard,
        Err(refusal) => {
            tracing::warn!(peer = %row.peer_id(), label = %row.label, "sync refused: {refusal}");
            state.audit.record(
                Entry::new(Event::Refused)
                    .token(&row)
                    .detail(format!("sync: {}", refusal.kind())),
            );
            return refusal.into_response();
        }
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return rejection.into_response(),
    };
    let max = state.gate.limits().max_message_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| session::run(socket, state, row, guard))
        .into_response()
}
