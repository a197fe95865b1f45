//! Request bodies are read whole, bounded in size and in time, before any
//! handler sees them: the /api bodies are small JSON, and a client that
//! announces a body and never sends it (a false `Content-Length`) would
//! otherwise hold its connection and a task forever. Too large is a 413,
//! too slow a 408, both as `{"error": …}`.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use super::error::Failure;
use crate::limits::MAX_BODY_BYTES;
use crate::state::AppState;

/// Buffer the request's body (at most [`MAX_BODY_BYTES`], within
/// `--body-timeout`), then run the handler on it.
pub async fn bounded(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let timeout = state.gate.limits().body_timeout;
    let (parts, body) = request.into_parts();
    let announced = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large().into_response();
    }
    let bytes = match tokio::time::timeout(timeout, read(body)).await {
        Err(_) => {
            tracing::warn!(
                path = %parts.uri.path(),
                "request body not sent within --body-timeout ({}s): answered 408",
                timeout.as_secs()
            );
            return too_slow(timeout).into_response();
        }
        Ok(Err(failure)) => return failure.into_response(),
        Ok(Ok(bytes)) => bytes,
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

async fn read(body: Body) -> Result<Vec<u8>, Failure> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                format!("请求体读取失败 (cannot read the request body): {e}"),
            )
        })?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn too_large() -> Failure {
    Failure::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "请求体过大 (request body over {} KiB)",
            MAX_BODY_BYTES / 1024
        ),
    )
}

fn too_slow(timeout: Duration) -> Failure {
    Failure::new(
        StatusCode::REQUEST_TIMEOUT,
        format!(
            "请求体未在 {} 秒内发完 (request body not sent within {} s)",
            timeout.as_secs(),
            timeout.as_secs()
        ),
    )
}
