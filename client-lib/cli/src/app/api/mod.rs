//! The app's local JSON API: the pages' only way to the ledger, and
//! usable from a script with the cookie (docs/APP.md). Every handler is a
//! call into `qunjian-client`; edits go through the same entry checks as
//! `qunjian unit add/update` without --force, so a refused entry saves
//! nothing and says what to fix at which field. Errors are an HTTP status
//! and `{"error": "…"}` in Chinese with English in parentheses, as the
//! county server's are.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qunjian_client::schema::{Activity, Date, ExecLink, Honor, Person, Visit};
use qunjian_client::{ClientError, EditError};
use serde_json::{Value, json};

use super::App;
use super::session::SetupNeeded;

mod check;
mod enums;
mod exec_links;
mod import;
mod nominations;
mod overview;
mod records;
mod status;
mod transfer;
mod units;

/// The API's routes: one module per page's nouns.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .merge(status::routes())
        .merge(overview::routes())
        .merge(enums::routes())
        .merge(units::routes())
        .merge(records::routes::<Person>("people"))
        .merge(records::routes::<Activity>("activities"))
        .merge(records::routes::<Honor>("honors"))
        .merge(records::routes::<Visit>("visits"))
        .merge(records::routes::<ExecLink>("exec_links"))
        .merge(exec_links::routes())
        .merge(nominations::routes())
        .merge(check::routes())
        .merge(import::routes())
        .merge(transfer::routes())
}

/// An API error: a status and a message.
pub struct ApiError(StatusCode, Value);

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError(status, json!({ "error": message.into() }))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<SetupNeeded> for ApiError {
    fn from(_: SetupNeeded) -> ApiError {
        ApiError::new(
            StatusCode::CONFLICT,
            "本设备还没有乡镇文档，请先填写县级服务器地址和令牌 (set up first)",
        )
    }
}

impl From<ClientError> for ApiError {
    fn from(e: ClientError) -> ApiError {
        match e {
            // Each problem with the field it is about, for the form.
            ClientError::EntryRefused(problems) => {
                let list: Vec<Value> = problems
                    .0
                    .iter()
                    .map(|f| {
                        json!({
                            "field": f.field,
                            "message": f.message_zh,
                            "message_en": f.message_en,
                        })
                    })
                    .collect();
                ApiError(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({
                        "error": "输入有误，未保存 (refused: nothing was saved)",
                        "problems": list,
                    }),
                )
            }
            ClientError::Edit(EditError::NoSuchRecord { .. }) => {
                ApiError::new(StatusCode::NOT_FOUND, e.to_string())
            }
            // What the person asked for cannot be done as asked; the
            // message says what to do instead.
            ClientError::Edit(
                EditError::DanglingReference { .. }
                | EditError::StepOutOfOrder { .. }
                | EditError::DoesNotFit { .. }
                | EditError::BadPath { .. }
                | EditError::NoSuchField { .. }
                | EditError::NotInConflict { .. },
            ) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            _ => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("操作失败 (failed): {e}"),
            ),
        }
    }
}

impl ApiError {
    /// A body that is not what the endpoint takes.
    pub fn bad_input(e: serde_json::Error) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("填写的内容格式不对 (bad input): {e}"),
        )
    }

    /// No record under this id.
    pub fn not_found(kind: &str, id: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("没有这条{kind}记录: {id} (no such record)"),
        )
    }
}

/// What every handler returns.
pub type ApiResult = Result<Response, ApiError>;

/// Today on this PC's clock: entries dated after it are refused.
pub fn today() -> Date {
    Date(chrono::Local::now().date_naive())
}

/// A time for the page, which shows it in local time.
pub fn rfc3339(at: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at).to_rfc3339()
}

/// Merge `patch` into `target` (RFC 7396: null removes, objects merge).
pub fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.insert(key, Value::Null);
                } else {
                    merge(target.entry(key).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch,
    }
}
