//! `GET /sync`: the automerge-repo WebSocket endpoint. The upgrade is the
//! only thing done here; samod runs the protocol on the socket.

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::{IntoResponse, Response};

use crate::serve::AppState;

/// Largest sync message accepted. A township document's first sync carries
/// the whole history in one message, so this is generous.
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Upgrade and hand the socket to samod's acceptor.
pub async fn sync(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let acceptor = state.acceptor.clone();
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            // Authentication (and binding the peer id) comes with tokens;
            // until then the peer's claimed id is taken as given.
            if acceptor.accept_axum(socket, None).is_err() {
                tracing::warn!("sync connection refused: the server is stopping");
            }
        })
        .into_response()
}
