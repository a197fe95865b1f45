//! Every way a request or connection is refused, each with a message a
//! cadre (Chinese first) or a developer (English after) can act on.
//! `http::Failure` gives each its HTTP status.

use std::time::Duration;

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
