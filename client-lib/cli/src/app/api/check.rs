//! 数据检查: what `qunjian check` lists — the validation findings and the
//! fields two devices wrote differently — each naming its record as the
//! ledger does, and settling a conflict by keeping one of its values
//! (`qunjian resolve`'s library call).

use std::sync::Arc;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use qunjian_client::schema::TownshipDocument;
use qunjian_client::{Conflict, Finding, Writer};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, ApiResult, today};
use crate::app::App;

mod fields;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/check", get(check))
        .route("/api/check/resolve", post(resolve))
}

/// How a record is named on this page: its kind, its name as the ledger
/// shows it, whether archived, and the page that shows it (`None` when
/// there is no such page or the record cannot be read).
struct Named {
    kind: &'static str,
    name: String,
    archived: bool,
    link: Option<String>,
}

/// Text, or `fallback` when it is blank.
fn or(text: &str, fallback: impl FnOnce() -> String) -> String {
    match text.trim() {
        "" => fallback(),
        t => t.to_string(),
    }
}

fn unit_name(doc: &TownshipDocument, id: &str) -> Option<String> {
    doc.units
        .get(id)
        .map(|u| or(&u.name, || format!("编号 {id}")))
}

fn person_name(doc: &TownshipDocument, id: &str) -> Option<String> {
    doc.people
        .get(id)
        .map(|p| or(&p.name, || format!("编号 {id}")))
}

/// `map`/`id` named: units and people by name, the others by what
/// identifies them in the ledger (an activity by title and date, a 推优 by
/// nominee and year ...).
fn named(doc: &TownshipDocument, map: &str, id: &str) -> Named {
    let link = |exists: bool| exists.then(|| format!("#/{map}/{id}"));
    let (kind, found): (&'static str, Option<(String, bool)>) = match map {
        "meta" => ("乡镇", Some((doc.meta.township_name.clone(), false))),
        "units" => (
            "单位",
            doc.units
                .get(id)
                .map(|u| (or(&u.name, || format!("编号 {id}")), u.archived)),
        ),
        "people" => (
            "人员",
            doc.people
                .get(id)
                .map(|p| (or(&p.name, || format!("编号 {id}")), p.archived)),
        ),
        "activities" => (
            "活动",
            doc.activities.get(id).map(|a| {
                (
                    format!("{}（{}）", or(&a.title, || format!("编号 {id}")), a.date),
                    a.archived,
                )
            }),
        ),
        "honors" => (
            "荣誉",
            doc.honors.get(id).map(|h| {
                let to = h
                    .recipient_person
                    .as_deref()
                    .and_then(|p| person_name(doc, p))
                    .or_else(|| h.recipient_unit.as_deref().and_then(|u| unit_name(doc, u)));
                let to = to.map(|t| format!("{t} ")).unwrap_or_default();
                (
                    format!(
                        "{to}{}（{} 年，{}）",
                        h.title.label(),
                        h.year,
                        h.level.label()
                    ),
                    h.archived,
                )
            }),
        ),
        "visits" => (
            "走访",
            doc.visits.get(id).map(|v| {
                let unit = unit_name(doc, &v.unit).unwrap_or_else(|| "未填单位".to_string());
                (
                    format!(
                        "{} → {unit}（{}）",
                        or(&v.cadre, || "未填干部".into()),
                        v.date
                    ),
                    v.archived,
                )
            }),
        ),
        "exec_links" => (
            "执委挂钩",
            doc.exec_links.get(id).map(|l| {
                let unit = unit_name(doc, &l.unit).unwrap_or_else(|| "未填单位".to_string());
                (
                    format!("{} → {unit}", or(&l.executive, || "未填执委".into())),
                    l.archived,
                )
            }),
        ),
        "nominations" => (
            "推优",
            doc.nominations.get(id).map(|n| {
                let who = person_name(doc, &n.person).unwrap_or_else(|| "未填被推荐人".into());
                (
                    format!("{who}（{} 年，{}）", n.year, n.organization.label()),
                    n.archived,
                )
            }),
        ),
        _ => ("记录", None),
    };
    match found {
        Some((name, archived)) => Named {
            kind,
            name,
            archived,
            link: if map == "meta" { None } else { link(true) },
        },
        // Not readable as its type (an `unreadable` finding): by id.
        None => Named {
            kind,
            name: format!("编号 {id}"),
            archived: false,
            link: None,
        },
    }
}

fn record_json(n: &Named, map: &str, id: &str) -> Value {
    json!({
        "map": map,
        "id": id,
        "kind": n.kind,
        "name": n.name,
        "archived": n.archived,
        "link": n.link,
    })
}

fn finding_json(doc: &TownshipDocument, f: &Finding) -> Value {
    let n = named(doc, f.record.map, &f.record.id);
    json!({
        "record": record_json(&n, f.record.map, &f.record.id),
        "field": f.field,
        "rule": f.rule.as_str(),
        "rule_label": f.rule.label(),
        "message": f.message_zh,
    })
}

/// Who wrote a value, as the page says it: the writer's number (short),
/// when, and what it was doing, without the record's id the commit
/// message carries (the card already names the record).
fn writer_json(author: &str, writer: Option<&Writer>, id: &str) -> Value {
    let device = author.get(..6).unwrap_or(author);
    let time = writer
        .and_then(|w| w.time)
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| t.to_rfc3339());
    let change = writer
        .and_then(|w| w.message.as_deref())
        .map(|m| {
            if id.is_empty() {
                m.to_string()
            } else {
                m.replace(id, "")
            }
        })
        .map(|m| m.trim().to_string());
    json!({ "device": device, "time": time, "change": change })
}

fn conflict_json(doc: &TownshipDocument, c: &Conflict, writers: &[Option<Writer>]) -> Value {
    let n = named(doc, &c.map, &c.id);
    let name_of = |map: &str, id: &str| match map {
        "units" => unit_name(doc, id),
        "people" => person_name(doc, id),
        _ => None,
    };
    let values: Vec<Value> = c
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            json!({
                "value": v.value,
                "shown": fields::shown(&name_of, &c.map, &c.field, &v.value),
                "keepable": fields::keepable(&v.value),
                // The one the record's page shows until it is settled:
                // Automerge's `get` gives the last of `get_all`'s values.
                "current": i + 1 == c.values.len(),
                "writer": writer_json(&v.author, writers.get(i).and_then(Option::as_ref), &c.id),
            })
        })
        .collect();
    json!({
        "record": record_json(&n, &c.map, &c.id),
        "field": c.field,
        "field_label": fields::label(&c.map, &c.field),
        "values": values,
    })
}

/// `GET /api/check`: `{findings: [...], conflicts: [...]}`.
async fn check(State(app): State<Arc<App>>) -> ApiResult {
    let (_, township) = app.sessions.township().await?;
    let (doc, _) = township.document()?;
    let findings: Vec<Value> = township
        .validate(today())?
        .iter()
        .map(|f| finding_json(&doc, f))
        .collect();
    let conflicts: Vec<Value> = township
        .conflicts_with_writers()
        .iter()
        .map(|(c, w)| conflict_json(&doc, c, w))
        .collect();
    Ok(Json(json!({ "findings": findings, "conflicts": conflicts })).into_response())
}

#[derive(Deserialize)]
struct Keep {
    map: String,
    #[serde(default)]
    id: String,
    field: String,
    value: Value,
}

/// `POST /api/check/resolve` `{map, id, field, value}`: keep `value` (one
/// of the values `GET /api/check` listed) as the field's only value. A
/// field no longer in conflict (settled on another device meanwhile) or a
/// value that does not fit is refused with the library's message (422).
async fn resolve(State(app): State<Arc<App>>, body: Json<Value>) -> ApiResult {
    let keep: Keep = serde_json::from_value(body.0).map_err(ApiError::bad_input)?;
    let (_, township) = app.sessions.township().await?;
    township.resolve(&keep.map, &keep.id, &keep.field, &keep.value)?;
    app.sessions.kick.notify_one();
    Ok(Json(json!({ "kept": keep.value })).into_response())
}
