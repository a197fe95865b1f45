//! The server's HTTP wing: the router, one error type, the `Caller`
//! extractor, and a file per group of endpoints. Handlers are thin: they
//! check the caller, call into the modules below (townships, reports,
//! auth, audit) and turn the answer into JSON, CSV or Excel.

pub mod access;
pub mod body;
pub mod caller;
pub mod cors;
pub mod error;
pub mod extract;
pub mod funnel;
pub mod health;
pub mod metrics;
pub mod overview;
pub mod reports;
pub mod rules;
pub mod scope;
pub mod sync;
pub mod townships;
pub mod units;
pub mod web;

use axum::Router;
use axum::routing::{delete, get};

pub use caller::{Caller, Source, presented_token};
pub use cors::AllowedOrigins;
pub use error::Failure;

use crate::state::AppState;

/// The routes of `serve --metrics-listen`: `/metrics` without a token,
/// and nothing else.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::open))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state)
}

/// Every route the server answers.
pub fn router(state: AppState, origins: &AllowedOrigins) -> Router {
    let router = Router::new()
        .merge(web::routes())
        .route("/sync", get(sync::upgrade))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::with_token))
        .route("/api/townships", get(townships::list))
        .route("/api/townships/{code}", get(townships::get))
        .route("/api/townships/{code}/document", get(townships::document))
        .route("/api/townships/{code}/units", get(units::list))
        .route("/api/townships/{code}/units/{id}", get(units::unit))
        .route("/api/overview", get(overview::overview))
        .route("/api/funnel", get(funnel::funnel))
        .route("/api/reports", get(reports::list))
        .route("/api/reports/{name}", get(reports::report))
        .route("/api/export/{file}", get(reports::export))
        .route("/api/me", get(access::me))
        .route("/api/rules", get(rules::rules))
        .route("/api/audit", get(access::audit))
        .route(
            "/api/tokens",
            get(access::list_tokens).post(access::create_token),
        )
        .route("/api/tokens/{id}", delete(access::revoke_token))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            body::bounded,
        ))
        .with_state(state);
    // Outermost, so a preflight is answered before any route or limit
    // sees it; without allowed origins, no CORS header at all.
    if origins.is_empty() {
        router
    } else {
        router.layer(origins.layer())
    }
}
