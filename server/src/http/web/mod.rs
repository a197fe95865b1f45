//! `GET /` and the dashboard's other assets: an HTML shell, one stylesheet,
//! one JavaScript module per page (`#/overview` → `/overview.js`) plus the
//! shared ones, and the vendored Apache ECharts that draws the charts.
//! Every file is compiled into the binary so the server stays one file to
//! deploy and needs no network, no CDN and no Node at run time. The pages
//! read the same JSON as any other client, so the dashboard can never show
//! a figure the API and the exports do not.

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

/// Every page asset: its path, its type, its text.
const ASSETS: &[(&str, &str, &str)] = &[
    ("/", HTML, include_str!("index.html")),
    ("/app.css", CSS, include_str!("app.css")),
    ("/app.js", JS, include_str!("app.js")),
    ("/common.js", JS, include_str!("common.js")),
    ("/charts.js", JS, include_str!("charts.js")),
    ("/table.js", JS, include_str!("table.js")),
    ("/overview.js", JS, include_str!("overview.js")),
    ("/township.js", JS, include_str!("township.js")),
    ("/unit.js", JS, include_str!("unit.js")),
    ("/nominations.js", JS, include_str!("nominations.js")),
    ("/sync.js", JS, include_str!("sync.js")),
    ("/reports.js", JS, include_str!("reports.js")),
];

/// Where ECharts is served: the version is in the address, so it can be
/// cached for a year and an upgrade is fetched at once.
pub const ECHARTS_PATH: &str = "/vendor/echarts-5.6.0.min.js";

/// Apache ECharts 5.6.0, `dist/echarts.common.min.js` (vendor/echarts/README.md).
const ECHARTS: &[u8] = include_bytes!("vendor/echarts/echarts.common.min.js");

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The dashboard's routes.
pub fn routes() -> Router<AppState> {
    ASSETS
        .iter()
        .fold(Router::new(), |router, &(path, content_type, body)| {
            router.route(path, get(move || async move { asset(content_type, body) }))
        })
        .route(ECHARTS_PATH, get(echarts))
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // A new binary's pages are used at once.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// ECharts, gzipped for a browser that takes gzip (664 KB → 219 KB; every
/// browser does), compressed once on first use.
async fn echarts(headers: HeaderMap) -> Response {
    static GZIPPED: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    let takes_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let gzipped = if takes_gzip {
        GZIPPED.get_or_init(|| gzip(ECHARTS)).as_deref()
    } else {
        None
    };
    let mut response = match gzipped {
        Some(body) => (
            [(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))],
            body,
        )
            .into_response(),
        None => ECHARTS.into_response(),
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(JS));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// `data` gzipped, or `None` if compressing failed (then it goes plain).
fn gzip(data: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).ok()?;
    encoder.finish().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn echarts_gzips_to_itself() {
        let packed = gzip(ECHARTS).expect("gzip");
        assert!(packed.len() < ECHARTS.len() / 2, "{} bytes", packed.len());
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut back)
            .expect("gunzip");
        assert_eq!(back, ECHARTS);
    }
}
