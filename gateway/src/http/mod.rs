//! The HTTP API (contract section 2): thin handlers over [`crate::domain::Desk`].

mod desk;
mod extract;
mod routes;
pub mod web;
pub mod widget;

pub use extract::{AgentAuth, AnyAuth, ApiJson};

use crate::app::AppState;
use axum::Router;
use axum::routing::{get, patch, post, put};

/// Request bodies larger than this are refused (`too_large`).
const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/login", post(routes::login))
        .route("/me", get(routes::me))
        .route(
            "/agents",
            get(routes::list_agents).post(routes::create_agent),
        )
        .route(
            "/agents/{id}",
            patch(routes::patch_agent).delete(routes::delete_agent),
        )
        .route("/invites/{token}/accept", post(routes::accept_invite))
        .route(
            "/groups",
            get(routes::list_groups).post(routes::create_group),
        )
        .route("/groups/{id}", patch(routes::patch_group))
        .route("/groups/{id}/members", put(routes::set_group_members))
        .route("/bots", get(routes::list_bots).post(routes::create_bot))
        .route("/bots/{id}", axum::routing::delete(routes::delete_bot))
        .route(
            "/settings",
            get(routes::get_settings).patch(routes::patch_settings),
        )
        .route(
            "/settings/identity-secret",
            get(widget::identity_secret).post(widget::rotate_identity_secret),
        )
        .route("/widget/config", get(widget::config))
        .route(
            "/widget/sessions",
            post(widget::session).options(widget::preflight),
        )
        .route("/widget/conversation", get(widget::conversation))
        .route("/conversations", get(routes::list_conversations))
        .route("/conversations/{id}/messages", get(routes::messages))
        .route("/ws", get(crate::ws::upgrade))
        .merge(desk::routes());
    Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/metrics", get(metrics))
        .route("/widget/frame", get(widget::frame))
        .nest("/v1", api)
        .fallback(web::fallback)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Prometheus scrape endpoint. Unauthenticated, like `/healthz`: keep it on the private network.
async fn metrics() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        crate::metrics::render(),
    )
}
