//! 概览: 应建未建, the rates and this year's 推优 by step, computed by the library over the local
//! replica with the county's rules as last fetched.

use std::sync::Arc;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use qunjian_client::Gap;
use serde_json::{Value, json};

use super::status::status_json;
use super::{ApiResult, rfc3339, today};
use crate::app::App;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/api/overview", get(overview))
}

pub fn gap_json(g: &Gap) -> Value {
    json!({
        "unit_id": g.unit_id,
        "unit": g.unit_name,
        "unit_kind": g.unit_kind.label(),
        "missing": g.missing.as_str(),
        "missing_label": g.missing.label(),
        // The organization card of the unit's page that meets it.
        "org": g.missing.org_kind().as_str(),
        "rule": g.rule_zh,
        "due": g.due.map(|d| d.to_string()),
        "overdue": g.overdue,
    })
}

/// 应建未建 and the rates, as the county sees them, with the sync state.
async fn overview(State(app): State<Arc<App>>) -> ApiResult {
    let (session, township) = app.sessions.township().await?;
    let in_effect = session.replica.rules();
    let as_of = today();
    let gaps = township.gaps(&in_effect.rules, as_of)?;
    let rates = township.coverage(&in_effect.rules, as_of)?;
    let rules = match in_effect.source {
        qunjian_client::RulesSource::County { fetched_at } => json!({
            "source": "county", "fetched_at": rfc3339(fetched_at),
        }),
        qunjian_client::RulesSource::BuiltIn => json!({ "source": "built_in" }),
    };
    Ok(Json(json!({
        "as_of": as_of.to_string(),
        "gaps": gaps.iter().map(gap_json).collect::<Vec<_>>(),
        "overdue": gaps.iter().filter(|g| g.overdue).count(),
        "coverage": rates,
        "nominations": super::nominations::overview_json(&township),
        "rules": rules,
        "sync": status_json(&app).await?,
    }))
    .into_response())
}
