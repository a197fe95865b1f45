//! Who is calling `/api`: the token from `Authorization: Bearer` or, for
//! a browser following a download link, `?token=`; checked, counted
//! against the token's request budget, and asked what it may see.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use super::error::Failure;
use crate::audit::{Entry, Event};
use crate::auth::{Refusal, TokenRow};
use crate::metrics::Reason;
use crate::state::AppState;

/// The token a request presents, if any: the header wins over the query.
pub fn presented_token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| rest.trim().to_string())
        });
    bearer.or_else(|| {
        url::form_urlencoded::parse(query?.as_bytes())
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    })
}

/// The address a request came from, when the server was started with
/// connect info (`serve` does); `None` otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Source(pub Option<std::net::IpAddr>);

impl Source {
    /// From a request's extensions.
    pub fn of(parts: &Parts) -> Source {
        Source(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Source::of(parts))
    }
}

/// An authenticated `/api` caller.
#[derive(Debug, Clone)]
pub struct Caller(pub TokenRow);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let presented = presented_token(&parts.headers, parts.uri.query());
        let row = match state.gate.authenticate(presented.as_deref()).await {
            Ok(row) => row,
            Err(refusal) => {
                state.refused_anonymously(Source::of(parts).0, &refusal, parts.uri.path());
                return Err(refusal.into());
            }
        };
        if let Err(refusal) = state.gate.take_request(&row.id) {
            state
                .metrics
                .connections()
                .refused(crate::state::reason_of(&refusal));
            return Err(refusal.into());
        }
        Ok(Caller(row))
    }
}

impl Caller {
    /// Refuse unless the token is a county admin's.
    pub fn require_admin(&self, state: &AppState, what: &str) -> Result<(), Refusal> {
        if self.0.role.is_admin() {
            return Ok(());
        }
        Err(self.refuse(
            state,
            format!("{what} 仅限县级管理员令牌 (county-admin only)"),
        ))
    }

    /// Refuse unless the token may see `township`.
    pub fn require_township(&self, state: &AppState, township: &str) -> Result<(), Refusal> {
        if self.0.role.may_see(township) {
            return Ok(());
        }
        Err(self.refuse(
            state,
            format!(
                "此令牌只能查看本乡镇，不能查看乡镇 {} (this token is for another township)",
                crate::text::clip(township)
            ),
        ))
    }

    /// The township a report is drawn for: what was asked, checked; a
    /// township token that asks for none gets its own.
    pub fn report_scope(
        &self,
        state: &AppState,
        requested: Option<&str>,
    ) -> Result<Option<String>, Refusal> {
        match (self.0.role.township(), requested) {
            (_, Some(code)) => {
                self.require_township(state, code)?;
                Ok(Some(code.to_string()))
            }
            (Some(own), None) => Ok(Some(own.to_string())),
            (None, None) => Ok(None),
        }
    }

    fn refuse(&self, state: &AppState, message: String) -> Refusal {
        state.metrics.connections().refused(Reason::Forbidden);
        state.audit.record(
            Entry::new(Event::Refused)
                .by(self.0.actor())
                .detail(format!("api: {message}")),
        );
        Refusal::forbidden(message)
    }
}
