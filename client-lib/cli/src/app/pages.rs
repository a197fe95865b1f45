//! The pages: plain HTML, CSS and JavaScript modules compiled into the
//! binary (as the county dashboard is), so the app is one file to install
//! and needs no network, no CDN and no Node at run time.

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::App;

/// Every asset: its path, its type, its text. A page's module is named
/// for the page (`#/people` → `/people.js`).
const ASSETS: &[(&str, &str, &str)] = &[
    ("/", HTML, include_str!("pages/index.html")),
    ("/app.css", CSS, include_str!("pages/app.css")),
    ("/app.js", JS, include_str!("pages/app.js")),
    ("/common.js", JS, include_str!("pages/common.js")),
    ("/overview.js", JS, include_str!("pages/overview.js")),
    ("/units.js", JS, include_str!("pages/units.js")),
    ("/records.js", JS, include_str!("pages/records.js")),
    ("/people.js", JS, include_str!("pages/people.js")),
    ("/nominations.js", JS, include_str!("pages/nominations.js")),
    ("/activities.js", JS, include_str!("pages/activities.js")),
    ("/honors.js", JS, include_str!("pages/honors.js")),
    ("/visits.js", JS, include_str!("pages/visits.js")),
    ("/exec_links.js", JS, include_str!("pages/exec_links.js")),
    ("/check.js", JS, include_str!("pages/check.js")),
    ("/import.js", JS, include_str!("pages/import.js")),
    ("/sync.js", JS, include_str!("pages/sync.js")),
];

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The static routes.
pub fn routes() -> Router<Arc<App>> {
    ASSETS
        .iter()
        .fold(Router::new(), |router, &(path, content_type, body)| {
            router.route(path, get(move || async move { asset(content_type, body) }))
        })
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
