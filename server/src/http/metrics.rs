//! `GET /metrics`: the server's figures in the Prometheus text format, for
//! a county-admin token on the server's port (a scraper keeps one, in a
//! file), and on `serve --metrics-listen` with no token at all (that
//! listener answers nothing else). The figures read at scrape time are
//! gathered here: the storage's health, the sync connections, the
//! projection's lag from the tables, the process from `/proc`, and the
//! data directory's free space.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::{Caller, Failure};
use crate::metrics::{self, DiskStats, ProcessStats, Scrape};
use crate::projection;
use crate::state::AppState;

/// `GET /metrics` on the server's port (county admin).
pub async fn with_token(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, Failure> {
    caller.require_admin(&state, "监控指标 /metrics")?;
    Ok(scrape(&state).await)
}

/// `GET /metrics` on `--metrics-listen`.
pub async fn open(State(state): State<AppState>) -> Response {
    scrape(&state).await
}

async fn scrape(state: &AppState) -> Response {
    let projection_lag = state
        .db
        .read(|conn| projection::lag::lags(conn, chrono::Utc::now()))
        .await
        .unwrap_or_else(|e| {
            tracing::warn!("metrics: cannot read the projection's lag: {e}");
            Vec::new()
        });
    let db_path = state.storage.path().to_path_buf();
    let (process, disk) =
        tokio::task::spawn_blocking(move || (ProcessStats::read(), DiskStats::read(&db_path)))
            .await
            .unwrap_or((None, None));
    let body = state.metrics.encode(&Scrape {
        storage: state.storage.health(),
        sync_connections: state.acceptor.connection_count(),
        projection_lag,
        process,
        disk,
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(metrics::CONTENT_TYPE),
        )],
        body,
    )
        .into_response()
}
