//! `GET /api/overview?township=&year=&as_of=`: what the dashboard's 总览
//! draws (rates against targets, 应建未建 by organization, the year's 推优
//! funnel, activities by month, each township's last contact), for the
//! county or, for a township token, its own township only.

use axum::Json;
use axum::extract::State;

use super::extract::Query;
use super::{Caller, Failure, scope};
use crate::reports::FilterQuery;
use crate::reports::overview::{self, Overview};
use crate::state::AppState;

/// The handler.
pub async fn overview(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<FilterQuery>,
) -> Result<Json<Overview>, Failure> {
    let filters = scope::filters(&state, &caller, query).await?;
    let rules = state.rules.clone();
    let connected = state.live.snapshot();
    let now = chrono::Utc::now();
    Ok(Json(
        state
            .db
            .read(move |conn| overview::build(conn, &filters, &rules, &connected, now))
            .await?,
    ))
}
