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
        Failure {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The status it is sent with.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = %self.status, "{}", self.message);
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

impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        Failure::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}
