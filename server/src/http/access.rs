//! `/api/me`, `/api/audit` and `/api/tokens`: a token asking who it is,
//! and a county admin managing tokens and reading the audit over HTTP
//! (the same operations as `qunjian-server token …`).

use axum::extract::State;
use axum::http::StatusCode;
use qunjian_shared::api::{AuditEntry, CreateToken, Me, NewToken, TokenInfo};

use super::extract::{Json, Path, Query};
use super::{Caller, Failure};
use crate::audit::{self, AuditQuery};
use crate::auth::Role;
use crate::auth::tokens::{self, ActedBy, TokenError};
use crate::state::AppState;
use crate::townships;

/// `GET /api/me`: role, township and document URL, so a device needs only
/// the server's address and its token; and the county, for every page's
/// heading.
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>, Failure> {
    let row = caller.0;
    let township = match row.role.township() {
        Some(code) => {
            let code = code.to_string();
            state
                .db
                .call(move |conn| townships::get(conn, &code))
                .await?
        }
        None => None,
    };
    let county = state.county().await?;
    Ok(Json(Me {
        token_id: row.id.clone(),
        label: row.label.clone(),
        role: row.role.name().to_string(),
        peer_id: row.peer_id(),
        document_url: township.as_ref().map(|t| t.url().to_string()),
        township: township.map(|t| t.info()),
        county,
    }))
}

/// `GET /api/audit?township=&since=&until=&event=&limit=` (county admin).
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, Failure> {
    caller.require_admin(&state, "审计日志")?;
    let rows = state
        .db
        .call(move |conn| Ok(audit::query(conn, &query)))
        .await?
        .map_err(|e| match e {
            audit::QueryError::Time(t) => Failure::new(StatusCode::BAD_REQUEST, t.to_string()),
            audit::QueryError::Db(d) => Failure::from(d),
        })?;
    Ok(Json(rows))
}

/// `GET /api/tokens` (county admin).
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TokenInfo>>, Failure> {
    caller.require_admin(&state, "令牌管理")?;
    let rows = state.db.call(tokens::list).await?;
    Ok(Json(rows.iter().map(tokens::TokenRow::info).collect()))
}

/// `POST /api/tokens` (county admin): the token is in the answer, once.
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateToken>,
) -> Result<(StatusCode, Json<NewToken>), Failure> {
    caller.require_admin(&state, "令牌管理")?;
    let role = Role::parse(&body.role, body.township.as_deref())
        .map_err(|e| Failure::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let label = body.label.clone();
    let created = state
        .db
        .call(move |conn| {
            Ok(tokens::create(
                conn,
                role,
                label.as_deref(),
                ActedBy::Token(&caller.0),
            ))
        })
        .await?
        .map_err(token_failure)?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `DELETE /api/tokens/{id-or-label}` (county admin): revoke, and close
/// the token's connections now.
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(which): Path<String>,
) -> Result<Json<TokenInfo>, Failure> {
    caller.require_admin(&state, "令牌管理")?;
    let revoked = state
        .db
        .call(move |conn| Ok(tokens::revoke(conn, &which, ActedBy::Token(&caller.0))))
        .await?
        .map_err(token_failure)?;
    state.gate.revoked(&revoked.id);
    Ok(Json(revoked.info()))
}

fn token_failure(e: TokenError) -> Failure {
    let status = match &e {
        TokenError::Role(_) | TokenError::BadLabel | TokenError::LabelCharacters => {
            StatusCode::BAD_REQUEST
        }
        TokenError::NoSuchTownship(_) | TokenError::NotFound(_) => StatusCode::NOT_FOUND,
        TokenError::LabelInUse(_) => StatusCode::CONFLICT,
        TokenError::Random(_) | TokenError::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    Failure::new(status, e.to_string())
}
