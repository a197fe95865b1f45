//! What a dashboard endpoint is drawn for: the filters of its query,
//! checked, with the township narrowed to the caller's own for a township
//! token (which never sees the county's figures) and required to exist.

use axum::http::StatusCode;
use qunjian_shared::schema::Date;

use super::{Caller, Failure};
use crate::reports::{FilterQuery, Filters};
use crate::state::AppState;
use crate::townships;

/// The filters `query` asks for, as `caller` may see them.
pub async fn filters(
    state: &AppState,
    caller: &Caller,
    mut query: FilterQuery,
) -> Result<Filters, Failure> {
    query.township = caller.report_scope(state, query.township.as_deref())?;
    let today = Date(chrono::Local::now().date_naive());
    let filters = Filters::parse(&query, today)
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    if let Some(code) = &filters.township {
        township(state, code).await?;
    }
    Ok(filters)
}

/// Township `code`, or a 404 that says there is none.
pub async fn township(state: &AppState, code: &str) -> Result<townships::Township, Failure> {
    let wanted = code.to_string();
    state
        .db
        .call(move |conn| townships::get(conn, &wanted))
        .await?
        .ok_or_else(|| {
            Failure::new(
                StatusCode::NOT_FOUND,
                format!(
                    "没有乡镇代码 {code} (no township with code {code})",
                    code = crate::text::clip(code)
                ),
            )
        })
}
