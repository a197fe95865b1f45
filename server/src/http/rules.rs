//! `GET /api/rules`: the county's rules in effect, so a township device can
//! compute its own 应建未建 and rates offline with the very thresholds and
//! targets the county's reports use.

use axum::extract::State;
use qunjian_shared::rules::Rules;

use super::extract::Json;
use super::{Caller, Failure};
use crate::state::AppState;

/// `GET /api/rules`, for any valid token: the rules are the same for every
/// township and hold nothing a township may not see. Their `county_name`
/// and `county_code` are the county in effect (`county set` wins over the
/// file), so a device's offline reports name the county as the server's do.
pub async fn rules(State(state): State<AppState>, _caller: Caller) -> Result<Json<Rules>, Failure> {
    let county = state.county().await?;
    Ok(Json(crate::county::apply(&state.rules, &county)))
}
