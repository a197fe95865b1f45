//! `GET /api/reports/{name}` (JSON) and `GET /api/export/{name}.csv|.xlsx`:
//! the reports over HTTP. Reports are computed on the blocking pool from the
//! projection tables, so a slow one never holds up sync.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qunjian_shared::api::{ReportBody, ReportLink};
use qunjian_shared::schema::Date;

use super::extract::{Path, Query};
use super::{Caller, Failure};
use crate::export::{ExportContext, Place, content_disposition, to_csv, to_xlsx};
use crate::report_table::ReportTable;
use crate::reports::{self, FilterQuery, Filters, ReportName};
use crate::state::AppState;
use crate::townships;

/// `GET /api/reports`: the reports there are.
pub async fn list(_caller: Caller) -> Json<Vec<ReportLink>> {
    Json(
        ReportName::ALL
            .iter()
            .map(|r| ReportLink {
                name: r.as_str().to_string(),
                json: format!("/api/reports/{r}"),
                csv: format!("/api/export/{r}.csv"),
                xlsx: format!("/api/export/{r}.xlsx"),
            })
            .collect(),
    )
}

/// `GET /api/reports/{name}`.
pub async fn report(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Query(mut query): Query<FilterQuery>,
) -> Result<Json<ReportBody<ReportTable>>, Failure> {
    let name = parse_name(&name)?;
    query.township = caller.report_scope(&state, query.township.as_deref())?;
    let (filters, ctx) = prepare(&state, &query).await?;
    let table = compute(&state, vec![name], filters.clone())
        .await?
        .pop()
        .ok_or_else(|| {
            Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "report produced nothing")
        })?;
    Ok(Json(ReportBody {
        county: ctx.county.name,
        as_of: filters.as_of.to_string(),
        filters: ctx.filters,
        table,
    }))
}

/// `GET /api/export/{file}`: `coverage.csv`, `gaps.xlsx`, … and `all.xlsx`
/// (every report, one sheet each).
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(file): Path<String>,
    Query(mut query): Query<FilterQuery>,
) -> Result<Response, Failure> {
    query.township = caller.report_scope(&state, query.township.as_deref())?;
    let (stem, ext) = file.rsplit_once('.').ok_or_else(|| {
        Failure::new(
            StatusCode::NOT_FOUND,
            format!(
                "导出文件名应为 <报表>.csv 或 <报表>.xlsx，如 coverage.xlsx，实为“{}”",
                crate::text::clip(&file)
            ),
        )
    })?;
    let names = if stem == "all" && ext == "xlsx" {
        ReportName::ALL.to_vec()
    } else {
        vec![parse_name(stem)?]
    };
    let (filters, ctx) = prepare(&state, &query).await?;
    let tables = compute(&state, names.clone(), filters).await?;
    let zh_stem = if stem == "all" {
        "群团组织统计报表".to_string()
    } else {
        tables
            .first()
            .map_or(stem.to_string(), |t| t.title_zh.clone())
    };
    let (body, content_type) = match ext {
        "csv" => {
            let table = tables.first().ok_or_else(|| {
                Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "report produced nothing")
            })?;
            (to_csv(table, &ctx), "text/csv; charset=utf-8")
        }
        "xlsx" => (
            to_xlsx(&tables, &ctx)
                .map_err(|e| Failure::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        other => {
            return Err(Failure::new(
                StatusCode::NOT_FOUND,
                format!(
                    "不支持的导出格式 “{}”：请用 .csv 或 .xlsx (use .csv or .xlsx)",
                    crate::text::clip(other)
                ),
            ));
        }
    };
    let (ascii, utf8) = ctx.file_names(stem, &zh_stem, ext);
    let disposition = HeaderValue::from_str(&content_disposition(&ascii, &utf8))
        .map_err(|e| Failure::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

fn parse_name(name: &str) -> Result<ReportName, Failure> {
    ReportName::parse(name).ok_or_else(|| {
        Failure::new(
            StatusCode::NOT_FOUND,
            format!(
                "没有名为“{}”的报表，可用: {} (no such report)",
                crate::text::clip(name),
                ReportName::names()
            ),
        )
    })
}

/// Check the filters (a township must exist) and say what the title rows
/// and the file name will show: the county in effect (read now, so a
/// `county set` shows at once) and the township asked for.
async fn prepare(
    state: &AppState,
    query: &FilterQuery,
) -> Result<(Filters, ExportContext), Failure> {
    let today = chrono::Local::now().date_naive();
    let filters = Filters::parse(query, Date(today))
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let county = state.county().await?;
    let township = match &filters.township {
        None => None,
        Some(code) => {
            let wanted = code.clone();
            let found = state
                .db
                .call(move |conn| townships::get(conn, &wanted))
                .await?;
            match found {
                Some(t) => Some(Place {
                    code: Some(t.code),
                    name: t.name,
                }),
                None => {
                    return Err(Failure::new(
                        StatusCode::NOT_FOUND,
                        format!(
                            "没有乡镇代码 {code} (no township with code {code})",
                            code = crate::text::clip(code)
                        ),
                    ));
                }
            }
        }
    };
    let ctx = ExportContext {
        county: Place {
            code: county.code,
            name: county.name,
        },
        generated: today,
        as_of: filters.as_of.0,
        narrowed: filters.narrowed(),
        filters: filters.describe(township.as_ref().map(|t| t.name.as_str())),
        township,
    };
    Ok((filters, ctx))
}

async fn compute(
    state: &AppState,
    names: Vec<ReportName>,
    filters: Filters,
) -> Result<Vec<ReportTable>, Failure> {
    let rules = state.rules.clone();
    let connected = state.live.snapshot();
    let timed = state.metrics.reports().clone();
    Ok(state
        .db
        .read(move |conn| {
            names
                .into_iter()
                .map(|name| {
                    let started = std::time::Instant::now();
                    let table = reports::build(name, conn, &filters, &rules, &connected);
                    timed.computed(name.as_str(), started.elapsed());
                    table
                })
                .collect()
        })
        .await?)
}
