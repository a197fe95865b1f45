//! `GET /healthz`: whether this server can be trusted with writes right now.
//! A monitoring system polls it; 503 means SQLite writes are failing and
//! being retried, so devices' changes are not yet durable here.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qunjian_shared::api::Health;

use crate::state::AppState;

/// The handler.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let storage = state.storage.health();
    let body = Health {
        status: if storage.ok { "ok" } else { "degraded" }.to_string(),
        storage_ok: storage.ok,
        pending_writes: storage.pending_writes,
        // The last error stays recorded after recovery; show it only while
        // it is the live state.
        storage_error: if storage.ok {
            None
        } else {
            storage.last_error.clone()
        },
        connections: state.acceptor.connection_count(),
    };
    let status = if storage.ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
