//! `GET /api/rules`: the county's rules in effect, so a township device can
//! compute its own 应建未建 and rates offline with the very thresholds and
//! targets the county's reports use.

use axum::extract::State;
use qunjian_shared::rules::Rules;

use super::Caller;
use super::extract::Json;
use crate::state::AppState;

/// `GET /api/rules`, for any valid token: the rules are the same for every
/// township and hold nothing a township may not see.
pub async fn rules(State(state): State<AppState>, _caller: Caller) -> Json<Rules> {
    Json((*state.rules).clone())
}
