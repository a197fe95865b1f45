//! Which other web origins may call the API from a browser.
//!
//! A township or county app served from its own site (say
//! `https://app.county.example.cn`) calls `/api/me` and the reports with a
//! Bearer token. Browsers send such a cross-origin request only after a
//! preflight (`OPTIONS` with `Access-Control-Request-*`), and hand the
//! answer to the page only if the server names its origin. None is allowed
//! by default: the county lists its apps with `serve --allow-origin`.
//! Tokens travel in the Authorization header, never in cookies, so no
//! credentials mode is needed, and a page of an origin not listed learns
//! nothing (the browser withholds the answer).
//!
//! `/sync` is a WebSocket, which browsers open across origins without
//! CORS; the token on it is what guards it.

use std::time::Duration;

use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The origins allowed, each as `scheme://host[:port]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<HeaderValue>);

/// An `--allow-origin` that is not an origin.
#[derive(Debug, thiserror::Error)]
#[error(
    "--allow-origin {given}: 不是网页来源，应写成 scheme://主机[:端口]，不带路径，如 https://app.example.cn (not an origin: {why})"
)]
pub struct BadOrigin {
    /// What was given.
    pub given: String,
    /// What is wrong with it.
    pub why: &'static str,
}

/// Parse one origin as a browser writes it in its `Origin` header: an
/// http(s) scheme, a host, maybe a port, and nothing after.
pub fn parse_origin(given: &str) -> Result<HeaderValue, BadOrigin> {
    let bad = |why| BadOrigin {
        given: given.to_string(),
        why,
    };
    let url = url::Url::parse(given).map_err(|_| bad("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none() {
        return Err(bad("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("no user or password belongs in an origin"));
    }
    // `Url` adds the root path itself; anything more is not an origin.
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("an origin has no path, query or fragment"));
    }
    let origin = url.origin().ascii_serialization();
    HeaderValue::from_str(&origin).map_err(|_| bad("not ASCII"))
}

impl AllowedOrigins {
    /// From the `--allow-origin` values, each checked.
    pub fn parse<S: AsRef<str>>(given: &[S]) -> Result<AllowedOrigins, BadOrigin> {
        given
            .iter()
            .map(|s| parse_origin(s.as_ref()))
            .collect::<Result<_, _>>()
            .map(AllowedOrigins)
    }

    /// Whether none is allowed (then no CORS header is ever sent).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The layer answering preflights and marking answers for these
    /// origins.
    pub fn layer(&self) -> CorsLayer {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(self.0.clone()))
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            // An export's file name, and how long to wait after a 429.
            .expose_headers([header::CONTENT_DISPOSITION, header::RETRY_AFTER])
            .max_age(Duration::from_secs(3600))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_what_a_browser_sends_and_nothing_else() {
        for (given, want) in [
            (
                "https://app.county.example.cn",
                "https://app.county.example.cn",
            ),
            ("http://127.0.0.1:5173", "http://127.0.0.1:5173"),
            ("http://127.0.0.1:5173/", "http://127.0.0.1:5173"),
            ("https://APP.example.cn:443", "https://app.example.cn"),
        ] {
            assert_eq!(
                parse_origin(given).map_err(|e| e.to_string()),
                Ok(HeaderValue::from_static(want)),
                "{given}"
            );
        }
        for bad in [
            "app.example.cn",
            "ftp://app.example.cn",
            "https://app.example.cn/app",
            "https://app.example.cn/?x=1",
            "https://user:pw@app.example.cn",
            "*",
            "",
        ] {
            let e = parse_origin(bad).expect_err(bad);
            assert!(e.to_string().contains("--allow-origin"), "{e}");
        }
    }
}
