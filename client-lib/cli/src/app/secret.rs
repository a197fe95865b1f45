//! The app's secret: drawn at each start and known only to whoever reads
//! the address the app prints. The first request that brings it gets an
//! HttpOnly, SameSite=Strict cookie; every other request needs that
//! cookie. A listener on loopback is reachable from any web page the
//! browser opens, so without this another site could post to the ledger.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

use super::App;

/// The cookie's name.
const COOKIE: &str = "qunjian_app";

/// A random secret, as hex.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// 32 bytes from the OS's random source.
    pub fn generate() -> anyhow::Result<Secret> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| anyhow::anyhow!("无法生成随机密钥 (no random source): {e}"))?;
        Ok(Secret(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// The secret itself, for the address to open.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is the secret, in time that does not depend on
    /// where they differ.
    fn matches(&self, given: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    fn in_cookie(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .any(|(name, value)| name == COOKIE && self.matches(value))
    }
}

/// Let through requests with the cookie; turn the secret in the query into
/// the cookie; refuse everything else with 403.
pub async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let given = request.uri().query().and_then(|q| {
        q.split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == "secret")
            .map(|(_, value)| value.to_string())
    });
    if let Some(given) = given
        && app.secret.matches(&given)
    {
        let cookie = format!(
            "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
            app.secret.as_str()
        );
        // The secret leaves the address bar (and the history) at once.
        let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
        return response;
    }
    if app.secret.in_cookie(request.headers()) {
        return next.run(request).await;
    }
    (
        StatusCode::FORBIDDEN,
        Json(json!({
            "error": "请从 qunjian app 打印的地址打开本应用 (open the app from the address `qunjian app` printed)"
        })),
    )
        .into_response()
}
