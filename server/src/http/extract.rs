//! axum's `Query`, `Path` and `Json`, with their rejections sent as a
//! [`Failure`] (`{"error": "…"}`, Chinese first, the input cut short) like
//! every other error, instead of axum's plain text.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::Failure;
use crate::text::clip;

/// The query string, deserialized; refused as JSON.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

/// The path parameters, deserialized; refused as JSON.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

/// A JSON body (refused as JSON), or a JSON answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Failure> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(Failure::from)
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Failure> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(Failure::from)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Failure> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| Json(j.0))
            .map_err(Failure::from)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// axum's own explanation, cut short (it may quote the input).
fn why(text: &str) -> String {
    clip(text)
}

impl From<QueryRejection> for Failure {
    fn from(r: QueryRejection) -> Self {
        Failure::new(
            r.status(),
            format!("查询参数有误：{} (bad query string)", why(&r.body_text())),
        )
    }
}

impl From<PathRejection> for Failure {
    fn from(r: PathRejection) -> Self {
        Failure::new(
            r.status(),
            format!("路径参数有误：{} (bad path)", why(&r.body_text())),
        )
    }
}

impl From<JsonRejection> for Failure {
    fn from(r: JsonRejection) -> Self {
        let zh = match &r {
            JsonRejection::JsonDataError(_) => "请求体的字段不对",
            JsonRejection::JsonSyntaxError(_) => "请求体不是有效的 JSON",
            JsonRejection::MissingJsonContentType(_) => {
                "请求体须为 JSON，并带 Content-Type: application/json 头"
            }
            _ => "无法读取请求体",
        };
        Failure::new(r.status(), format!("{zh}：{}", why(&r.body_text())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn rejections_keep_their_status_and_cut_the_input() {
        let uri: axum::http::Uri = format!("/x?limit={}", "9".repeat(10_000))
            .parse()
            .expect("uri");
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Q {
            limit: u32,
        }
        let rejection = axum::extract::Query::<Q>::try_from_uri(&uri).expect_err("too big");
        let failure = Failure::from(rejection);
        assert_eq!(failure.status(), StatusCode::BAD_REQUEST);
        assert!(failure.message().starts_with("查询参数有误"));
        assert!(failure.message().chars().count() < 120, "{failure:?}");
    }
}
