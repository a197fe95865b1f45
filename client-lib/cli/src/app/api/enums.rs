//! The words for every stored value (`village` → 行政村): the pages show
//! and offer these rather than keeping their own copy, so a value added to
//! the schema reaches every select and list at once.

use std::sync::Arc;

use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use qunjian_client::schema::{
    ActivityKind, EnumValues, Gender, HonorLevel, HonorTitle, OrgKind, PartyDecision, PartyOrgForm,
    PartyRating, PartyStage, RecommendingOrg, ReviewDecision, Role, StepName, UnitKind,
    WomenOrgForm,
};
use serde_json::{Map, Value, json};

use crate::app::App;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route(
        "/api/enums",
        get(|| async { Json(enums()).into_response() }),
    )
}

fn values<E: EnumValues>() -> Value {
    E::values()
        .into_iter()
        .map(|(value, label)| json!({ "value": value, "label": label }))
        .collect()
}

/// `{enum name: [{value, label}]}` for every enum of the schema.
pub fn enums() -> Value {
    let mut all = Map::new();
    for (name, list) in [
        ("unit_kind", values::<UnitKind>()),
        ("org_kind", values::<OrgKind>()),
        ("party_org_form", values::<PartyOrgForm>()),
        ("party_rating", values::<PartyRating>()),
        ("women_org_form", values::<WomenOrgForm>()),
        ("gender", values::<Gender>()),
        ("party_stage", values::<PartyStage>()),
        ("role", values::<Role>()),
        ("recommending_org", values::<RecommendingOrg>()),
        ("step_name", values::<StepName>()),
        ("review_decision", values::<ReviewDecision>()),
        ("party_decision", values::<PartyDecision>()),
        ("activity_kind", values::<ActivityKind>()),
        ("honor_title", values::<HonorTitle>()),
        ("honor_level", values::<HonorLevel>()),
    ] {
        all.insert(name.to_string(), list);
    }
    Value::Object(all)
}
