//! `GET /`: the dashboard, one page in Chinese for county cadres. It is a
//! static page that reads the same JSON reports as any other client, so the
//! dashboard can never show a figure the API and the exports do not.

use axum::http::header;
use axum::response::IntoResponse;

/// The page, compiled into the binary so the server stays one file to deploy.
const INDEX: &str = include_str!("index.html");

/// The handler.
pub async fn index() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        INDEX,
    )
}
