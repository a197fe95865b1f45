//! 执委挂钩's summary for the township: which of its links have had enough
//! visits this year, which 两新 women's committees have no executive, and
//! the executives the county lists (offered when a link is entered). The
//! links themselves are records (`records.rs`).
//!
//! Counted by the library's rule over this township's records only; an
//! executive's links in other townships are the county's to add up, so the
//! page shows no "1–3 links" verdict.

use std::sync::Arc;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use qunjian_client::rules::{LinkIn, UnitIn, VisitIn, exec_link_figures};
use qunjian_client::schema::{ExecLink, Unit, Visit};
use serde_json::json;

use super::{ApiResult, today};
use crate::app::App;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/api/exec_links_summary", get(summary))
}

async fn summary(State(app): State<Arc<App>>) -> ApiResult {
    let (session, township) = app.sessions.township().await?;
    let rules = session.replica.rules().rules;
    let links = township.list::<ExecLink>();
    let visits = township.list::<Visit>();
    let units = township.list::<Unit>();
    // One township: its code does not matter, only that all are equal.
    let here = "";
    let figures = exec_link_figures(
        &links
            .iter()
            .map(|(id, link)| LinkIn {
                township: here,
                id,
                link,
            })
            .collect::<Vec<_>>(),
        &visits
            .iter()
            .map(|(_, v)| VisitIn {
                township: here,
                unit: &v.unit,
                cadre: &v.cadre,
                date: v.date,
            })
            .collect::<Vec<_>>(),
        &units
            .iter()
            .map(|(id, unit)| UnitIn {
                township: here,
                id,
                unit,
            })
            .collect::<Vec<_>>(),
        &rules.visits,
        today(),
    );
    let name = |id: &str| {
        units
            .iter()
            .find(|(u, _)| u == id)
            .map_or_else(|| id.to_string(), |(_, u)| u.name.clone())
    };
    Ok(Json(json!({
        "as_of": today().to_string(),
        "visits_per_year": rules.visits.visits_per_year,
        "linked_min": rules.visits.linked_min,
        "linked_max": rules.visits.linked_max,
        "listed": rules.visits.executives,
        "links": figures.links.iter().map(|l| json!({
            "id": l.id, "executive": l.executive, "unit": l.unit, "unit_name": name(&l.unit),
            "since": l.since.to_string(), "visits": l.visits, "met": l.met,
        })).collect::<Vec<_>>(),
        "unlinked": figures.unlinked.iter().map(|u| json!({
            "unit": u.unit, "unit_name": name(&u.unit),
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}
