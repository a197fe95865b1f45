//! The pages: plain HTML, CSS and JavaScript modules compiled into the
//! binary (as the county dashboard is), so the app is one file to install
//! and needs no network, no CDN and no Node at run time.

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::App;

const INDEX: &str = include_str!("pages/index.html");
const STYLE: &str = include_str!("pages/app.css");
const SCRIPT: &str = include_str!("pages/app.js");

/// The static routes.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX) }),
        )
        .route(
            "/app.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
        .route(
            "/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
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
