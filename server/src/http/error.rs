//! The one error an HTTP answer carries: a status and a message, sent as
//! `{"error": "…"}` like every other answer, so a client reads every
//! failure the same way. Refusals of the token (`auth::Refusal`) become one
//! of these, with the headers their status calls for.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qunjian_shared::api::ApiError;

use crate::auth::Refusal;
use crate::db::DbError;

/// The longest message an answer carries (each echo of the client's input
/// is cut to `text::ECHO_CHARS` before this).
const MAX_MESSAGE_CHARS: usize = 400;

/// An error as the API sends it.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    message: String,
    /// For a 429: when to come back.
    retry_after: Option<Duration>,
}

impl Failure {
    /// A failure with `status` and a message for the user.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        // A last guard: an input echoed whole must not make a long answer.
        if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
            message.truncate(cut);
            message.push('…');
        }
        Failure {
            status,
            message,
            retry_after: None,
        }
    }

    /// What it says.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The status it is sent with.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = %self.status, "{}", crate::text::escape(&self.message));
        }
        let mut response = (
            self.status,
            Json(ApiError {
                error: self.message,
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"qunjian\""),
            );
        }
        if let Some(wait) = self.retry_after {
            let secs = wait.as_secs().max(1);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                headers.insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

impl From<Refusal> for Failure {
    fn from(r: Refusal) -> Self {
        let status = match &r {
            Refusal::MissingToken | Refusal::MalformedToken(_) | Refusal::UnknownToken => {
                StatusCode::UNAUTHORIZED
            }
            Refusal::Forbidden(_) => StatusCode::FORBIDDEN,
            Refusal::RateLimited(_) | Refusal::TooManyConnections(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Refusal::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let retry_after = match &r {
            Refusal::RateLimited(wait) => Some(*wait),
            _ => None,
        };
        Failure {
            status,
            message: r.to_string(),
            retry_after,
        }
    }
}

/// The answer for a path no route has (router fallback).
pub async fn not_found(uri: axum::http::Uri) -> Failure {
    Failure::new(
        StatusCode::NOT_FOUND,
        format!(
            "没有这个地址：{} (no such path; the API is under /api)",
            crate::text::clip(uri.path())
        ),
    )
}

/// The answer for a method a route does not take.
pub async fn method_not_allowed(method: axum::http::Method) -> Failure {
    Failure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "此地址不接受 {} 请求 (method not allowed)",
            crate::text::clip(method.as_str())
        ),
    )
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        Failure::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}
