//! Dialing the county server over WebSocket.
//!
//! samod has a tungstenite dialer of its own, but it pulls in native-tls
//! (OpenSSL) and cannot add headers to the upgrade request; ours is the
//! place where the device's token will go, and it builds without system
//! libraries.

use std::time::Duration;

use futures::{SinkExt, StreamExt, TryStreamExt, future::BoxFuture};
use samod::{DialError, Dialer, Transport};
use tokio_tungstenite::tungstenite::Message;
use url::Url;

/// How quickly to retry after the server could not be reached.
///
/// A township device may be offline for days; capping the delay keeps it
/// from waiting long once the link is back, and the first retries are
/// quick because short drops are the common case.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Delay before the first retry.
    pub initial: Duration,
    /// Longest delay between retries.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(15),
        }
    }
}

impl From<Backoff> for samod::BackoffConfig {
    fn from(b: Backoff) -> Self {
        samod::BackoffConfig {
            initial_delay: b.initial,
            max_delay: b.max,
            // A device keeps trying for as long as the app runs.
            max_retries: None,
        }
    }
}

/// A samod [`Dialer`] for the county server's `/sync` endpoint.
pub struct WsDialer {
    url: Url,
}

impl WsDialer {
    /// A dialer for a ws:// or wss:// URL.
    pub fn new(url: Url) -> Self {
        WsDialer { url }
    }
}

/// A WebSocket failure, as the transport reports it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WsError(String);

impl Dialer for WsDialer {
    type Error = std::convert::Infallible;

    fn url(&self) -> Url {
        self.url.clone()
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Self::Error>>> {
        let url = self.url.clone();
        Box::pin(async move {
            let (ws, _response) = tokio_tungstenite::connect_async(url.as_str())
                .await
                .map_err(DialError::transient)?;
            Ok(ws_transport(ws))
        })
    }
}

/// A samod transport over an open WebSocket, whatever carries it (a plain
/// TCP stream here; a byte-counting one in the benchmarks).
pub fn ws_transport<S>(ws: tokio_tungstenite::WebSocketStream<S>) -> Transport
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (sink, stream) = ws.split();
    // automerge-repo speaks binary frames only; control frames are
    // handled by tungstenite, text frames are a protocol error.
    let stream = stream
        .map_err(|e| WsError(format!("receive: {e}")))
        .try_filter_map(|msg| async move {
            match msg {
                Message::Binary(bytes) => Ok(Some(bytes.to_vec())),
                Message::Text(_) => Err(WsError("text frame on a sync connection".into())),
                _ => Ok(None),
            }
        })
        .boxed();
    let sink = sink
        .sink_map_err(|e| WsError(format!("send: {e}")))
        .with(|bytes: Vec<u8>| async move { Ok::<_, WsError>(Message::Binary(bytes.into())) });
    Transport::new(stream, Box::pin(sink))
}
