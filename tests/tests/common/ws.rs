//! A raw WebSocket to the server's `/sync`, for the tests that speak the
//! protocol (or break it) by hand instead of through a replica.

use std::time::Duration;

use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;

/// A client WebSocket as `tokio_tungstenite::connect_async` gives it.
pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Read until the server closes; the close code, or `None` when the
/// stream ended without a close frame.
pub async fn close_code(ws: &mut Ws, within: Duration) -> Option<u16> {
    tokio::time::timeout(within, async {
        while let Some(message) = ws.next().await {
            match message {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .unwrap_or_else(|_| panic!("the server kept the connection open past {within:?}"))
}
