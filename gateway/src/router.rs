//! The URL table: every path the gateway answers, HTTP and WebSocket alike, the handler behind
//! it, and the layers around them (body limit, request tracing).
//!
//! It stands above `http` and `ws` and names both, so that neither has to name the other: the
//! WebSocket endpoint is one row here, not a route the HTTP module adds on the side.

use crate::edge::AppState;
use crate::http::{desk, routes, web, widget};
use crate::ws;
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
        .route(
            "/bots/{id}",
            patch(routes::patch_bot).delete(routes::delete_bot),
        )
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
        .route("/ws", get(ws::upgrade))
        .merge(desk::routes());
    Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/metrics", get(routes::metrics))
        .route("/widget/frame", get(widget::frame))
        .nest("/v1", api)
        .fallback(web::fallback)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
