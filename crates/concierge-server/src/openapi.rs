//! The OpenAPI 3 document, generated from the handlers' annotations, served at
//! `/openapi.json`, and a self-contained browsable reference at `/api/docs`
//! (no CDN: it works offline and under our content security policy).

use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;
use crate::state::AppState;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT access token, visitor token, or API key (ck_…)")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Concierge API",
        description = "AI customer service for Salesforce teams. Errors always use the body \
            `{\"error\": {\"code\", \"name\", \"message\", \"details\", \"request_id\"}}`; every response \
            carries `X-Request-ID`.",
        license(name = "Apache-2.0"),
    ),
    paths(
        routes::health::live, routes::health::ready, routes::health::health, routes::health::metrics,
        routes::auth::token, routes::auth::refresh, routes::auth::logout, routes::auth::visitor, routes::auth::me,
        routes::conversations::create, routes::conversations::list, routes::conversations::read,
        routes::conversations::post_message,
        routes::api_keys::create, routes::api_keys::list, routes::api_keys::revoke,
        routes::agents::queues, routes::agents::escalations, routes::agents::escalation, routes::agents::claim,
        routes::agents::transfer, routes::agents::resolve, routes::agents::csat, routes::agents::suggestions,
        routes::engine_admin::get_rules, routes::engine_admin::put_rules, routes::engine_admin::validate_rules,
        routes::engine_admin::workflows, routes::engine_admin::run_job, routes::engine_admin::flags,
        routes::engine_admin::review,
        routes::salesforce::get_settings, routes::salesforce::put_settings, routes::salesforce::test_connection,
        routes::salesforce::import_knowledge, routes::salesforce::list_outbox, routes::salesforce::retry_outbox,
        routes::analytics::overview, routes::analytics::csv, routes::analytics::series,
        routes::help::article_page,
        crate::ws::upgrade,
        routes::knowledge::list, routes::knowledge::read, routes::knowledge::create, routes::knowledge::update,
        routes::knowledge::retire, routes::knowledge::import,
        routes::users::list, routes::users::create, routes::users::update, routes::users::roles,
        crate::ui::widget, crate::ui::app_index, crate::ui::app_path, crate::ui::demo,
    ),
    components(schemas(crate::ws::ClientEvent, crate::ws::ServerEvent)),
    modifiers(&BearerAuth),
    tags(
        (name = "conversations", description = "Conversations and messages"),
        (name = "auth", description = "Sign-in, tokens and widget visitors"),
        (name = "api keys", description = "Keys for integrations"),
        (name = "agents", description = "Queues, claiming, transfer, resolution, escalations and suggested replies"),
        (name = "admin", description = "Rules, workflows, background jobs and moderation review"),
        (name = "knowledge", description = "Knowledge articles: search, versions, usage, import (admins write, agents read)"),
        (name = "users", description = "Staff accounts and roles (admins only)"),
        (name = "analytics", description = "Service figures over time"),
        (name = "realtime", description = "WebSocket events"),
        (name = "health", description = "Health, readiness and metrics"),
        (name = "web", description = "The chat widget, the agent console and admin app, and the demo page"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route(
            "/api/docs",
            get(|| async { Html(include_str!("../assets/docs.html")) }),
        )
        .route(
            "/api/docs/docs.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    include_str!("../assets/docs.js"),
                )
                    .into_response()
            }),
        )
        .route(
            "/api/docs/docs.css",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
                    include_str!("../assets/docs.css"),
                )
            }),
        )
}
