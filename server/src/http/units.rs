//! `GET /api/townships/{code}/units` and `…/units/{id}`: the dashboard's
//! drill-down below a township — its live units with what each lacks, and
//! one unit's page (its organizations, the rules that require each, its
//! records). `as_of` judges the requirements, as in the reports.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::extract::{Path, Query};
use super::{Caller, Failure, scope};
use crate::reports::source::{self, TownshipRef};
use crate::reports::units::{self, UnitLine, UnitPage};
use crate::reports::{FilterQuery, Filters};
use crate::state::AppState;

/// A township's units.
#[derive(Debug, Serialize)]
pub struct UnitList {
    /// The township's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The date the requirements are judged on.
    pub as_of: String,
    /// Its live units, by name.
    pub units: Vec<UnitLine>,
}

/// `GET /api/townships/{code}/units`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Query(query): Query<FilterQuery>,
) -> Result<Json<UnitList>, Failure> {
    let (township, filters) = scoped(&state, &caller, code, query).await?;
    let rules = state.rules.clone();
    let as_of = filters.as_of;
    let rows = state
        .db
        .read(move |conn| source::units(conn, &filters))
        .await?;
    Ok(Json(UnitList {
        units: units::list(&rows, &township.code, &rules, as_of),
        code: township.code,
        name: township.name,
        as_of: as_of.to_string(),
    }))
}

/// `GET /api/townships/{code}/units/{id}`.
pub async fn unit(
    State(state): State<AppState>,
    caller: Caller,
    Path((code, id)): Path<(String, String)>,
    Query(query): Query<FilterQuery>,
) -> Result<Json<UnitPage>, Failure> {
    let (township, filters) = scoped(&state, &caller, code, query).await?;
    let rules = state.rules.clone();
    let wanted = id.clone();
    let (code, name) = (township.code.clone(), township.name.clone());
    state
        .db
        .read(move |conn| units::page(conn, &township, &wanted, &rules, filters.as_of))
        .await?
        .map(Json)
        .ok_or_else(|| {
            Failure::new(
                StatusCode::NOT_FOUND,
                format!(
                    "乡镇 {name} ({code}) 没有编号为 {} 的单位 (no such unit)",
                    crate::text::clip(&id)
                ),
            )
        })
}

/// The township of the path, which the caller must be allowed to see, and
/// the filters of the query for it.
async fn scoped(
    state: &AppState,
    caller: &Caller,
    code: String,
    mut query: FilterQuery,
) -> Result<(TownshipRef, Filters), Failure> {
    caller.require_township(state, &code)?;
    query.township = Some(code);
    let filters = scope::filters(state, caller, query).await?;
    let code = filters.township.clone().unwrap_or_default();
    let found = scope::township(state, &code).await?;
    Ok((
        TownshipRef {
            code: found.code,
            name: found.name,
        },
        filters,
    ))
}
