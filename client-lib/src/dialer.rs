//! Dialing the county server over WebSocket.
//!
//! samod has a tungstenite dialer of its own, but it pulls in native-tls
//! (OpenSSL) and cannot add headers to the upgrade request; ours presents
//! the device's token (`Authorization: Bearer`), treats the server's 401
//! or 403 as final (retrying a revoked token forever helps nobody), keeps
//! retrying after a 503 (the server's storage is failing) but remembers
//! it so the replica can say why it is not syncing, and builds without
//! system libraries.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt, TryStreamExt, future::BoxFuture};
use qunjian_shared::api::ApiError;
use samod::{DialError, Dialer, Transport};
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::Error as WsErrorKind;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use url::Url;

use crate::Tls;

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
    token: Option<String>,
    tls: Option<Tls>,
    trouble: ServerTrouble,
}

/// What the server said the last time a connection attempt was turned
/// away for a reason that retrying may cure: its storage is failing
/// (HTTP 503). Cleared by any other outcome of an attempt.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerTrouble(Arc<Mutex<Option<String>>>);

impl ServerTrouble {
    fn set(&self, message: Option<String>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = message;
    }

    /// The server's message, while its last answer was a 503.
    pub(crate) fn get(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl WsDialer {
    /// A dialer for a ws:// or wss:// URL, presenting no token; wss trusts
    /// the system's and Mozilla's roots.
    pub fn new(url: Url) -> Self {
        WsDialer {
            url,
            token: None,
            tls: None,
            trouble: ServerTrouble::default(),
        }
    }

    /// Record 503 answers in `trouble` (the replica reads it).
    pub(crate) fn with_trouble(mut self, trouble: ServerTrouble) -> Self {
        self.trouble = trouble;
        self
    }

    /// Trust these roots for wss:// (e.g. [`Tls::with_extra_ca_pem`]).
    pub fn with_tls(mut self, tls: Tls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Present `token` on every connection attempt.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }
}

/// The server refused the token: the dialer stops instead of retrying.
#[derive(Debug, Clone, thiserror::Error)]
#[error("服务器拒绝了令牌 (HTTP {status}): {message}")]
pub struct Refused {
    /// 401 (no such token, or revoked) or 403.
    pub status: u16,
    /// The server's message.
    pub message: String,
}

/// A WebSocket failure, as the transport reports it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WsError(String);

impl Dialer for WsDialer {
    type Error = Refused;

    fn url(&self) -> Url {
        self.url.clone()
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Self::Error>>> {
        let url = self.url.clone();
        let token = self.token.clone();
        let tls = self.tls.clone();
        let trouble = self.trouble.clone();
        Box::pin(async move {
            let mut request = url
                .as_str()
                .into_client_request()
                .map_err(DialError::transient)?;
            if let Some(token) = token {
                let value = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
                    .map_err(DialError::transient)?;
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            let connector = match (url.scheme(), tls) {
                ("wss", Some(tls)) => Some(Connector::Rustls(tls.config())),
                ("wss", None) => Some(Connector::Rustls(
                    Tls::system().map_err(DialError::transient)?.config(),
                )),
                _ => None,
            };
            // `true`: TCP_NODELAY. Sync messages are small and each waits
            // for an answer; with Nagle on, a message sent while the last
            // one is unacknowledged waits for the peer's delayed ACK (40 ms
            // on Linux): bench-soak's edit p99 sat at 47 ms for that alone.
            let dialed =
                tokio_tungstenite::connect_async_tls_with_config(request, None, true, connector)
                    .await;
            let message =
                |response: &tokio_tungstenite::tungstenite::http::Response<Option<Vec<u8>>>| {
                    response
                        .body()
                        .as_deref()
                        .and_then(|b| serde_json::from_slice::<ApiError>(b).ok())
                        .map_or_else(|| response.status().to_string(), |e| e.error)
                };
            match dialed {
                Err(WsErrorKind::Http(response)) if response.status().as_u16() == 503 => {
                    // Storage is failing there: keep the changes, retry.
                    let message = message(&response);
                    trouble.set(Some(message.clone()));
                    Err(DialError::transient(WsError(format!(
                        "HTTP 503: {message}"
                    ))))
                }
                Ok((ws, _response)) => {
                    trouble.set(None);
                    Ok(ws_transport(ws))
                }
                Err(WsErrorKind::Http(response))
                    if matches!(response.status().as_u16(), 401 | 403) =>
                {
                    trouble.set(None);
                    Err(DialError::PermanentFailure(Refused {
                        status: response.status().as_u16(),
                        message: message(&response),
                    }))
                }
                Err(e) => {
                    trouble.set(None);
                    Err(DialError::transient(e))
                }
            }
        })
    }
}

/// A samod transport over an open WebSocket, whatever carries it (a plain
/// TCP stream here; a byte-counting one in the benchmarks).
pub fn ws_transport<S>(ws: tokio_tungstenite::WebSocketStream<S>) -> Transport
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    ws_transport_tapped(ws, |_, _| {})
}

/// Which way a message went, for [`ws_transport_tapped`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From this repo to the server.
    Sent,
    /// From the server to this repo.
    Received,
}

/// [`ws_transport`], with `tap` shown every protocol message in both
/// directions (the benchmarks count bytes by message type with it).
pub fn ws_transport_tapped<S, F>(ws: tokio_tungstenite::WebSocketStream<S>, tap: F) -> Transport
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    F: Fn(Direction, &[u8]) + Clone + Send + Sync + 'static,
{
    let (sink, stream) = ws.split();
    let tap_in = tap.clone();
    // automerge-repo speaks binary frames only; control frames are
    // handled by tungstenite, text frames are a protocol error.
    let stream = stream
        .map_err(|e| WsError(format!("receive: {e}")))
        .try_filter_map(move |msg| {
            let tap = tap_in.clone();
            async move {
                match msg {
                    Message::Binary(bytes) => {
                        tap(Direction::Received, &bytes);
                        Ok(Some(bytes.to_vec()))
                    }
                    Message::Text(_) => Err(WsError("text frame on a sync connection".into())),
                    _ => Ok(None),
                }
            }
        })
        .boxed();
    let sink = sink
        .sink_map_err(|e| WsError(format!("send: {e}")))
        .with(move |bytes: Vec<u8>| {
            tap(Direction::Sent, &bytes);
            async move { Ok::<_, WsError>(Message::Binary(bytes.into())) }
        });
    Transport::new(stream, Box::pin(sink))
}
