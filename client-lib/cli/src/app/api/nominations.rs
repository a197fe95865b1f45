//! 推优: the year's nominations with the step each has reached and the step
//! it needs next, a nomination with its six steps and what `validate` finds
//! wrong with it, starting one (step by step or directly by the upper
//! organization), recording its next step, archive and restore; and the
//! year's counts by step for 概览.
//!
//! Starting and recording go through the library's checked calls without
//! force (`nominate_checked`, `record_step_checked`), the same checks as
//! `qunjian nominate` and `qunjian step`: a refused entry is a 422 with each
//! problem at its field (`steps.inspection.date`, `direct`, …), or with the
//! missing earlier step in `error`, and nothing is saved.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use qunjian_client::schema::{
    ApprovalStep, AssemblyStep, InspectionStep, Nomination, PartyDecisionStep, Person,
    RecommendedStep, RecommendingOrg, Record, Role, Step, StepName, TownshipDocument,
    UpperReviewStep,
};
use qunjian_client::{ClientError, EntryProblems, Finding, Force, Township};
use qunjian_shared::validation::FindingRule;
use qunjian_shared::validation::entry::NEW_RECORD_ID;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::records::{self, ListQuery};
use super::{ApiError, ApiResult, today};
use crate::app::App;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/nominations", get(list).post(add))
        .route("/api/nominations/choices", get(choices))
        .route("/api/nominations/{id}", get(show))
        .route("/api/nominations/{id}/steps/{step}", post(record_step))
        .route("/api/nominations/{id}/archive", post(archive))
        .route("/api/nominations/{id}/restore", post(restore))
}

/// This year on this PC's clock: the list and 概览 start at it.
fn this_year() -> u16 {
    u16::try_from(today().year()).unwrap_or(u16::MAX)
}

/// The step to record next: the first one not recorded that the
/// nomination does not skip (a direct one starts at 上级审核). A step
/// that arrived by sync before its predecessor leaves the predecessor
/// next, which is what `record_step` accepts.
fn next_step(n: &Nomination) -> Option<StepName> {
    StepName::ALL
        .iter()
        .copied()
        .filter(|s| !(n.direct && s.skipped_when_direct()))
        .find(|s| !n.steps.has(*s))
}

fn person_name(doc: &TownshipDocument, id: &str) -> String {
    doc.people
        .get(id)
        .map_or_else(|| format!("（人员 {id}）"), |p| p.name.clone())
}

fn unit_name(doc: &TownshipDocument, id: &str) -> String {
    doc.units
        .get(id)
        .map_or_else(|| format!("（单位 {id}）"), |u| u.name.clone())
}

/// What `validate` finds wrong with the township's nominations, by id.
fn findings_by_id(township: &Township) -> Result<BTreeMap<String, Vec<Finding>>, ApiError> {
    let mut out: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    for f in township.validate(today())? {
        if f.record.map == Nomination::MAP {
            out.entry(f.record.id.clone()).or_default().push(f);
        }
    }
    Ok(out)
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "field": f.field,
        "rule": f.rule.as_str(),
        "rule_label": f.rule.label(),
        "message": f.message_zh,
    })
}

/// A nomination as the list shows it: names, the step reached and the
/// next one, how many findings.
fn summary_json(doc: &TownshipDocument, id: &str, n: &Nomination, findings: &[Finding]) -> Value {
    let latest = n.steps.latest();
    let next = next_step(n);
    json!({
        "id": id,
        "archived": n.archived,
        "person": n.person,
        "person_name": person_name(doc, &n.person),
        "organization": n.organization.as_str(),
        "organization_label": n.organization.label(),
        "unit": n.unit,
        "unit_name": unit_name(doc, &n.unit),
        "year": n.year,
        "direct": n.direct,
        "way": if n.direct { "直接推荐" } else { "逐级推荐" },
        "current_step": latest.map(StepName::as_str),
        "current_step_label": latest.map_or("未开始", StepName::label),
        "next_step": next.map(StepName::as_str),
        "next_step_label": next.map_or("已完成", StepName::label),
        "findings": findings.len(),
    })
}

/// The recorded fields of `step`, as the document stores them.
fn step_fields(n: &Nomination, step: StepName) -> Value {
    let s = &n.steps;
    let value = match step {
        StepName::Assembly => serde_json::to_value(&s.assembly),
        StepName::Inspection => serde_json::to_value(&s.inspection),
        StepName::Approval => serde_json::to_value(&s.approval),
        StepName::UpperReview => serde_json::to_value(&s.upper_review),
        StepName::Recommended => serde_json::to_value(&s.recommended),
        StepName::PartyDecision => serde_json::to_value(&s.party_decision),
    };
    value.unwrap_or(Value::Null)
}

/// A nomination with its six steps in order, each done, next, later or
/// skipped (a direct nomination's first three), with its findings.
fn detail_json(doc: &TownshipDocument, id: &str, n: &Nomination, findings: &[Finding]) -> Value {
    let next = next_step(n);
    let steps: Vec<Value> = StepName::ALL
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let state = if n.steps.has(s) {
                "done"
            } else if n.direct && s.skipped_when_direct() {
                "skipped"
            } else if Some(s) == next {
                "next"
            } else {
                "later"
            };
            let key = format!("steps.{}", s.as_str());
            let about: Vec<Value> = findings
                .iter()
                .filter(|f| f.field == key || f.field.starts_with(&format!("{key}.")))
                .map(finding_json)
                .collect();
            json!({
                "step": s.as_str(),
                "number": i + 1,
                "label": s.label(),
                "state": state,
                "date": n.steps.date(s).map(|d| d.to_string()),
                "fields": step_fields(n, s),
                "findings": about,
            })
        })
        .collect();
    let mut out = summary_json(doc, id, n, findings);
    out["steps"] = Value::Array(steps);
    out["finding_list"] = findings.iter().map(finding_json).collect();
    out
}

#[derive(Deserialize)]
struct ListFilter {
    /// `?year=2026`; `all` for every year; this year when absent.
    #[serde(default)]
    year: Option<String>,
    /// `?org=women`: one recommending organization.
    #[serde(default)]
    org: Option<String>,
}

async fn list(
    State(app): State<Arc<App>>,
    Query(filter): Query<ListFilter>,
    Query(archived): Query<ListQuery>,
) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    let (doc, _) = township.document()?;
    let year = match filter.year.as_deref().map(str::trim) {
        None | Some("") => Some(this_year()),
        Some("all") => None,
        Some(y) => Some(y.parse::<u16>().map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("年度应为数字: {y} (year must be a number)"),
            )
        })?),
    };
    let org = match filter.org.as_deref().filter(|o| !o.is_empty()) {
        None => None,
        Some(o) => Some(RecommendingOrg::parse(o).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("没有这种推荐组织: {o} (no such recommending organization)"),
            )
        })?),
    };
    let findings = findings_by_id(&township)?;
    let all = records::listed::<Nomination>(&township, archived.all());
    // Every year with a nomination, and this year, for the year filter.
    let mut years: BTreeSet<u16> = all.iter().map(|(_, n)| n.year).collect();
    years.insert(this_year());
    let rows: Vec<Value> = all
        .iter()
        .filter(|(_, n)| {
            year.is_none_or(|y| n.year == y) && org.is_none_or(|o| n.organization == o)
        })
        .map(|(id, n)| {
            let found = findings.get(id).map_or(&[][..], Vec::as_slice);
            summary_json(&doc, id, n, found)
        })
        .collect();
    Ok(Json(json!({
        "this_year": this_year(),
        "year": year,
        "years": years.into_iter().rev().collect::<Vec<_>>(),
        "nominations": rows,
    }))
    .into_response())
}

/// Who can be nominated (people not archived, by name), and whether the
/// upper organization may nominate each directly.
async fn choices(State(app): State<Arc<App>>) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    let mut people = township.list::<Person>();
    people.sort_by(|(a_id, a), (b_id, b)| (&a.name, a_id).cmp(&(&b.name, b_id)));
    let people: Vec<Value> = people
        .iter()
        .map(|(id, p)| {
            json!({
                "id": id,
                "name": p.name,
                "unit": p.unit,
                "roles": p.roles.0.iter().map(|r| r.label()).collect::<Vec<_>>(),
                "allows_direct": p.roles.0.iter().any(|r| r.allows_direct_nomination()),
            })
        })
        .collect();
    let direct_roles: Vec<&str> = Role::ALL
        .iter()
        .filter(|r| r.allows_direct_nomination())
        .map(|r| r.label())
        .collect();
    Ok(Json(json!({
        "this_year": this_year(),
        "people": people,
        "direct_roles": direct_roles,
    }))
    .into_response())
}

async fn show(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    Ok(Json(detail(&township, &id)?).into_response())
}

fn detail(township: &Township, id: &str) -> Result<Value, ApiError> {
    let n = records::get_record::<Nomination>(township, id)?;
    let (doc, _) = township.document()?;
    let findings = findings_by_id(township)?;
    let found = findings.get(id).map_or(&[][..], Vec::as_slice);
    Ok(detail_json(&doc, id, &n, found))
}

/// A field left blank that the entry needs: refused at that field, as the
/// checks refuse, so the form shows it beside the field.
fn blank(id: &str, field: &str, zh: &str, en: &str) -> Finding {
    Finding::new(
        Nomination::MAP,
        id,
        field,
        FindingRule::MissingField,
        zh,
        en,
    )
}

fn refused(problems: Vec<Finding>) -> ApiError {
    ClientError::EntryRefused(EntryProblems(problems)).into()
}

/// A text field of the body, trimmed; `None` when blank or absent.
fn text(body: &Value, key: &str) -> Option<String> {
    match body.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Start a nomination: `{person, organization, unit, year, direct}`.
async fn add(State(app): State<Arc<App>>, Json(body): Json<Value>) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    let new = NEW_RECORD_ID;
    let mut problems = Vec::new();
    let person = text(&body, "person");
    if person.is_none() {
        problems.push(blank(new, "person", "请选择被推荐人", "choose the nominee"));
    }
    let organization = text(&body, "organization");
    let org = organization.as_deref().and_then(RecommendingOrg::parse);
    if org.is_none() {
        problems.push(blank(
            new,
            "organization",
            "请选择推荐组织",
            "choose the recommending organization",
        ));
    }
    let unit = text(&body, "unit");
    if unit.is_none() {
        problems.push(blank(new, "unit", "请选择推荐单位", "choose the unit"));
    }
    let year = text(&body, "year").and_then(|y| y.parse::<u16>().ok());
    if year.is_none() {
        problems.push(blank(
            new,
            "year",
            "请填写年度（如 2026）",
            "enter the year (e.g. 2026)",
        ));
    }
    let direct = body.get("direct").and_then(Value::as_bool).unwrap_or(false);
    let (Some(person), Some(org), Some(unit), Some(year)) = (person, org, unit, year) else {
        return Err(refused(problems));
    };
    let id = township.nominate_checked(&person, org, &unit, year, direct, today(), Force::No)?;
    app.sessions.kick.notify_one();
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

/// The step's fields from the form's body, as the schema types them.
fn read_step<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    serde_json::from_value(body).map_err(ApiError::bad_input)
}

/// `step` with the fields in `body`; a blank date or decision is refused
/// at its field (`steps.<step>.date`, as the date checks name it).
fn step_from(id: &str, step: StepName, mut body: Value) -> Result<Step, ApiError> {
    let field = |f: &str| format!("steps.{}.{f}", step.as_str());
    let mut problems = Vec::new();
    if text(&body, "date").is_none() {
        problems.push(blank(id, &field("date"), "请填写日期", "enter the date"));
    }
    let decided = matches!(step, StepName::UpperReview | StepName::PartyDecision);
    if decided && text(&body, "decision").is_none() {
        let (zh, en) = if step == StepName::UpperReview {
            ("请选择审核结论", "choose the review's decision")
        } else {
            ("请选择党组织的决定", "choose the party's decision")
        };
        problems.push(blank(id, &field("decision"), zh, en));
    }
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    // Blank optional fields are absent, not empty strings.
    if let Value::Object(map) = &mut body {
        map.retain(|_, v| {
            !matches!(v, Value::Null) && v.as_str().is_none_or(|s| !s.trim().is_empty())
        });
        for v in map.values_mut() {
            if let Value::String(s) = v {
                *s = s.trim().to_string();
            }
        }
    }
    Ok(match step {
        StepName::Assembly => Step::Assembly(read_step::<AssemblyStep>(body)?),
        StepName::Inspection => Step::Inspection(read_step::<InspectionStep>(body)?),
        StepName::Approval => Step::Approval(read_step::<ApprovalStep>(body)?),
        StepName::UpperReview => Step::UpperReview(read_step::<UpperReviewStep>(body)?),
        StepName::Recommended => Step::Recommended(read_step::<RecommendedStep>(body)?),
        StepName::PartyDecision => Step::PartyDecision(read_step::<PartyDecisionStep>(body)?),
    })
}

/// Record `step` of the nomination with the fields in the body; the
/// nomination as it now is.
async fn record_step(
    State(app): State<Arc<App>>,
    Path((id, step)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    let name = StepName::parse(&step).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("推优没有这一步: {step} (no such step)"),
        )
    })?;
    records::get_record::<Nomination>(&township, &id)?;
    let step = step_from(&id, name, body)?;
    township.record_step_checked(&id, step, today(), Force::No)?;
    app.sessions.kick.notify_one();
    Ok(Json(detail(&township, &id)?).into_response())
}

async fn archive(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    archived_to(&app, &id, true).await
}

async fn restore(State(app): State<Arc<App>>, Path(id): Path<String>) -> ApiResult {
    archived_to(&app, &id, false).await
}

async fn archived_to(app: &App, id: &str, archived: bool) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    records::set_archived::<Nomination>(&township, id, archived)?;
    app.sessions.kick.notify_one();
    Ok(Json(detail(&township, id)?).into_response())
}

/// 概览's 推优: this year's nominations (not archived) by the furthest step
/// each has reached, for each recommending organization and in all.
pub fn overview_json(township: &Township) -> Value {
    let year = this_year();
    let by_step = township.nominations_by_step(year);
    // Columns: not started, then the six steps.
    let columns: Vec<Option<StepName>> = std::iter::once(None)
        .chain(StepName::ALL.iter().copied().map(Some))
        .collect();
    let count = |org: Option<RecommendingOrg>, at: Option<StepName>| {
        by_step.get(&at).map_or(0, |list| {
            list.iter()
                .filter(|(_, n)| org.is_none_or(|o| n.organization == o))
                .count()
        })
    };
    let row = |org: Option<RecommendingOrg>| {
        let counts: Vec<usize> = columns.iter().map(|&at| count(org, at)).collect();
        json!({
            "org": org.map(RecommendingOrg::as_str),
            "label": org.map_or("合计", RecommendingOrg::label),
            "total": counts.iter().sum::<usize>(),
            "counts": counts,
        })
    };
    let rows: Vec<Value> = RecommendingOrg::ALL
        .iter()
        .map(|&o| row(Some(o)))
        .chain(std::iter::once(row(None)))
        .collect();
    json!({
        "year": year,
        "columns": columns.iter().map(|c| json!({
            "step": c.map(StepName::as_str),
            "label": c.map_or("未开始", StepName::label),
        })).collect::<Vec<_>>(),
        "rows": rows,
    })
}
