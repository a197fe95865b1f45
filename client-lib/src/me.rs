//! `GET /api/me`: what a device learns from the server with nothing but
//! its token — its role, township and document URL.

use qunjian_shared::api::{ApiError, Me};
use url::Url;

use crate::{ClientError, Tls};

/// Ask the county server who `token` is. `server` is the server's address
/// in any form a user has at hand: `http://host:8080`, or the sync URL
/// `ws://host:8080/sync`.
pub async fn me(server: &str, token: &str) -> Result<Me, ClientError> {
    me_trusting(server, token, &Tls::system()?).await
}

/// [`me`] over https trusting `tls`'s roots (a county's own CA).
pub async fn me_trusting(server: &str, token: &str, tls: &Tls) -> Result<Me, ClientError> {
    get_api(server, "api/me", token, tls, None).await
}

/// `GET <server>/<path>` with `token`, its JSON answer parsed; the server's
/// own error message when it refuses. `timeout` bounds the whole request.
pub(crate) async fn get_api<T: serde::de::DeserializeOwned>(
    server: &str,
    path: &str,
    token: &str,
    tls: &Tls,
    timeout: Option<std::time::Duration>,
) -> Result<T, ClientError> {
    let base = http_base(server)?;
    let url = base
        .join(path)
        .map_err(|_| ClientError::BadServerUrl(server.to_string()))?;
    let mut client = reqwest::Client::builder().use_preconfigured_tls((*tls.config()).clone());
    if let Some(timeout) = timeout {
        client = client.timeout(timeout);
    }
    let client = client
        .build()
        .map_err(|e| ClientError::Tls(e.to_string()))?;
    let response = client
        .get(url.clone())
        .bearer_auth(token.trim())
        .send()
        .await
        .map_err(|e| ClientError::Http(format!("无法连接服务器 {url}: {e}")))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| ClientError::Http(format!("{url}: {e}")))?;
    if status.is_success() {
        return serde_json::from_slice(&body)
            .map_err(|e| ClientError::Http(format!("{url}: unexpected answer: {e}")));
    }
    let message = serde_json::from_slice::<ApiError>(&body)
        .map(|e| e.error)
        .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned());
    if matches!(status.as_u16(), 401 | 403) {
        return Err(ClientError::Refused(crate::Refused {
            status: status.as_u16(),
            message,
        }));
    }
    Err(ClientError::Http(format!(
        "{url}: HTTP {status}: {message}"
    )))
}

/// `http://host:port/` from an http(s) or ws(s) URL, path dropped.
pub(crate) fn http_base(server: &str) -> Result<Url, ClientError> {
    let bad = || ClientError::BadServerUrl(server.to_string());
    let mut url = Url::parse(server.trim()).map_err(|_| bad())?;
    let scheme = match url.scheme() {
        "http" | "ws" => "http",
        "https" | "wss" => "https",
        _ => return Err(bad()),
    };
    url.set_scheme(scheme).map_err(|_| bad())?;
    url.set_path("/");
    url.set_query(None);
    if url.host_str().is_none() {
        return Err(bad());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_server_address_gives_the_http_base() {
        for (given, want) in [
            ("ws://127.0.0.1:8080/sync", "http://127.0.0.1:8080/"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),
            ("wss://county.example/sync?x=1", "https://county.example/"),
        ] {
            assert_eq!(http_base(given).expect(given).as_str(), want);
        }
        assert!(http_base("ftp://x").is_err());
        assert!(http_base("not a url").is_err());
    }
}
