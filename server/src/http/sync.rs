//! `GET /sync`: the automerge-repo WebSocket endpoint. The token is checked
//! before the upgrade (without a valid one the answer is a 401 and no
//! WebSocket exists); then `doc_sync::session` runs the socket for samod,
//! bound to the token's peer id.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use qunjian_shared::api::STORAGE_FAILING;

use super::caller::{Source, presented_token};
use super::error::Failure;
use crate::audit::{Entry, Event};
use crate::doc_sync::session;
use crate::state::AppState;

/// Check the token and the storage, take a connection slot, upgrade.
pub async fn upgrade(
    State(state): State<AppState>,
    Source(source): Source,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let presented = presented_token(&headers, query.as_deref());
    let row = match state.gate.authenticate(presented.as_deref()).await {
        Ok(row) => row,
        Err(refusal) => {
            state.refused_anonymously(source, &refusal, "/sync");
            return Failure::from(refusal).into_response();
        }
    };
    // While writes fail, nothing a device sends can be made durable here:
    // say so now rather than take changes that would never be
    // acknowledged (the device keeps them and retries).
    if !state.storage.health().ok {
        tracing::debug!(peer = %row.peer_id(), "sync refused: storage is failing");
        state
            .metrics
            .connections()
            .refused(crate::metrics::Reason::StorageFailing);
        return Failure::new(StatusCode::SERVICE_UNAVAILABLE, STORAGE_FAILING).into_response();
    }
    let guard = match state.gate.open_session(&row) {
        Ok(guard) => guard,
        Err(refusal) => {
            state.log_refusal(source, &refusal, &format!("/sync (token {})", row.id));
            state.audit.record(
                Entry::new(Event::Refused)
                    .by(row.actor())
                    .detail(format!("sync: {}", refusal.kind())),
            );
            return Failure::from(refusal).into_response();
        }
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => {
            return Failure::new(
                rejection.status(),
                format!(
                    "/sync 只接受 WebSocket 连接：{} (a WebSocket upgrade is required)",
                    crate::text::clip(&rejection.body_text())
                ),
            )
            .into_response();
        }
    };
    let max = state.gate.limits().max_message_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| session::run(socket, state, row, guard))
        .into_response()
}
