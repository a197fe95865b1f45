//! `GET /api/funnel?township=&year=&as_of=`: the year's 推优 by step for
//! each recommending organization and the plan's groups, with the quota
//! lines (county-wide only) and the ranges of the under-35 and women
//! shares, as the dashboard's 推优 page draws them.

use axum::Json;
use axum::extract::State;

use super::extract::Query;
use super::{Caller, Failure, scope};
use crate::reports::funnel::{self, Funnel};
use crate::reports::{FilterQuery, Filters, source};
use crate::state::AppState;

/// The handler. Without a `year`, the year of `as_of` (this year).
pub async fn funnel(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<FilterQuery>,
) -> Result<Json<Funnel>, Failure> {
    let filters = scope::filters(&state, &caller, query).await?;
    let year = filters.year.unwrap_or(filters.as_of.year());
    let of_year = Filters {
        year: Some(year),
        organization: None,
        ..filters
    };
    let rules = state.rules.clone();
    Ok(Json(
        state
            .db
            .read(move |conn| {
                let rows = source::nominations(conn, &of_year)?;
                Ok(funnel::build(
                    &rows,
                    year,
                    of_year.township.is_none(),
                    &rules,
                ))
            })
            .await?,
    ))
}
