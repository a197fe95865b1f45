//! The JSON API under `/api`. Bodies are the types of `qunjian_shared::api`,
//! so server and clients share one definition.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qunjian_shared::api::{ApiError, DocumentSnapshot, TownshipInfo};
use qunjian_shared::doc_json;

use crate::auth::Caller;
use crate::serve::AppState;
use crate::townships;

/// An error as the API sends it: a status and a message.
pub struct Failure(StatusCode, String);

impl Failure {
    /// A failure with `status` and a message for the user.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Failure(status, message.into())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        if self.0.is_server_error() {
            tracing::error!(status = %self.0, "{}", self.1);
        }
        (self.0, Json(ApiError { error: self.1 })).into_response()
    }
}

impl From<crate::auth::Refusal> for Failure {
    fn from(r: crate::auth::Refusal) -> Self {
        Failure(r.status(), r.to_string())
    }
}

impl From<crate::db::DbError> for Failure {
    fn from(e: crate::db::DbError) -> Self {
        Failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

/// `GET /api/townships`: every township a county token sees; a township
/// token sees its own.
pub async fn list_townships(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TownshipInfo>>, Failure> {
    let rows = state.db.call(townships::list).await?;
    Ok(Json(
        rows.iter()
            .filter(|t| caller.0.role.may_see(&t.code))
            .map(townships::Township::info)
            .collect(),
    ))
}

/// `GET /api/townships/{code}`.
pub async fn get_township(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<TownshipInfo>, Failure> {
    caller.require_township(&state, &code)?;
    Ok(Json(find(&state, code).await?.info()))
}

/// `GET /api/townships/{code}/document`: the server's copy, materialized.
pub async fn get_document(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<DocumentSnapshot>, Failure> {
    caller.require_township(&state, &code)?;
    let township = find(&state, code).await?;
    let stopping = || Failure(StatusCode::SERVICE_UNAVAILABLE, "server is stopping".into());
    let handle = state
        .repo
        .find(township.document_id.clone())
        .await
        .map_err(|_| stopping())?
        .ok_or_else(|| {
            Failure(
                StatusCode::NOT_FOUND,
                format!(
                    "township {} is registered but its document is not in storage",
                    township.code
                ),
            )
        })?;
    let (heads, document) = handle
        .with_document_async(|doc| {
            (
                doc_json::heads_hex(&doc.get_heads()),
                doc_json::to_json(doc),
            )
        })
        .await
        .map_err(|_| stopping())?;
    Ok(Json(DocumentSnapshot {
        code: township.code,
        heads,
        document,
    }))
}

async fn find(state: &AppState, code: String) -> Result<townships::Township, Failure> {
    let wanted = code.clone();
    state
        .db
        .call(move |conn| townships::get(conn, &wanted))
        .await?
        .ok_or_else(|| {
            Failure(
                StatusCode::NOT_FOUND,
                format!("没有乡镇代码 {code} (no township with code {code})"),
            )
        })
}
