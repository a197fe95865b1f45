//! Every way a request or connection is refused, each with its HTTP status
//! and a message a cadre (Chinese first) or a developer (English after)
//! can act on.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qunjian_shared::api::ApiError;
use qunjian_shared::token::TokenFormatError;

/// Why the server said no.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Refusal {
    /// No token in `Authorization: Bearer` or `?token=`.
    #[error(
        "需要令牌：在 Authorization: Bearer <令牌> 头或 ?token= 参数中提供 (a token is required)"
    )]
    MissingToken,
    /// Not shaped like a token.
    #[error("{0}")]
    MalformedToken(TokenFormatError),
    /// Well formed, but unknown or revoked.
    #[error("令牌无效或已被吊销 (unknown or revoked token)")]
    UnknownToken,
    /// The token may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// Too many `/api` requests.
    #[error("请求过于频繁，请稍后再试 (too many requests for this token)")]
    RateLimited(Duration),
    /// All of the token's connection slots are in use.
    #[error(
        "此令牌已有 {0} 个同步连接，不能再开 (this token already has {0} sync connections open)"
    )]
    TooManyConnections(usize),
    /// The server could not check.
    #[error("server error while checking the token: {0}")]
    Internal(String),
}

impl Refusal {
    /// The HTTP status this refusal is sent with.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::MissingToken | Refusal::MalformedToken(_) | Refusal::UnknownToken => {
                StatusCode::UNAUTHORIZED
            }
            Refusal::Forbidden(_) => StatusCode::FORBIDDEN,
            Refusal::RateLimited(_) | Refusal::TooManyConnections(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Refusal::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A 403 with this message.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Refusal::Forbidden(message.into())
    }

    /// A short word for the audit table.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::MissingToken => "no token",
            Refusal::MalformedToken(_) => "malformed token",
            Refusal::UnknownToken => "unknown or revoked token",
            Refusal::Forbidden(_) => "forbidden",
            Refusal::RateLimited(_) => "rate limited",
            Refusal::TooManyConnections(_) => "too many connections",
            Refusal::Internal(_) => "internal error",
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!("{self}");
        }
        let mut response = (
            status,
            Json(ApiError {
                error: self.to_string(),
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"qunjian\""),
            );
        }
        if let Refusal::RateLimited(wait) = &self {
            let secs = wait.as_secs().max(1);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                headers.insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}
