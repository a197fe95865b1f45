//! `/api/townships…`: the townships a token may see, and a township's
//! document as the server holds it. Bodies are the types of
//! `qunjian_shared::api`, so server and clients share one definition.

use axum::Json;
use axum::extract::State;

use super::extract::Path;
use axum::http::StatusCode;
use qunjian_shared::api::{DocumentSnapshot, TownshipInfo};
use qunjian_shared::doc_json;

use super::{Caller, Failure};
use crate::state::AppState;
use crate::townships;

/// `GET /api/townships`: every township a county token sees; a township
/// token sees its own.
pub async fn list(
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
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<TownshipInfo>, Failure> {
    caller.require_township(&state, &code)?;
    Ok(Json(find(&state, code).await?.info()))
}

/// `GET /api/townships/{code}/document`: the server's copy, materialized.
pub async fn document(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<DocumentSnapshot>, Failure> {
    caller.require_township(&state, &code)?;
    let township = find(&state, code).await?;
    let stopping = || Failure::new(StatusCode::SERVICE_UNAVAILABLE, "server is stopping");
    let handle = state
        .repo
        .find(township.document_id.clone())
        .await
        .map_err(|_| stopping())?
        .ok_or_else(|| {
            Failure::new(
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
            Failure::new(
                StatusCode::NOT_FOUND,
                format!(
                    "没有乡镇代码 {code} (no township with code {code})",
                    code = crate::text::clip(&code)
                ),
            )
        })
}
