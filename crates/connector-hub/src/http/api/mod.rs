//! The REST API under `/api/v1`: one file per resource. Every route takes
//! `Authorization: Bearer <hub key>` and answers errors as `{"error": {"code", "message"}}`.
//! The OpenAPI document is generated from the handlers and types.

pub mod accounts;
pub mod actions;
pub mod connectors;
pub mod credentials;
pub mod keys;
pub mod proxy;
pub mod responses;
pub mod reverify;
pub mod schema;
pub mod sessions;
pub mod webhooks;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

use super::error::{ErrorBody, ErrorDetail, HttpError};
use crate::hubkey::{KeyState, Scope};
use crate::service::{AuditRow, Delivery, EventType, Hub, Webhook};
use proxy::ProxyDoc;
use responses::SharedResponses;

/// The OpenAPI document, generated from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(title = "connector-hub", description = "Link API-key accounts, verify them, and manage the hub's own keys."),
    paths(connectors::list_connectors, connectors::get_connector, connectors::put_connector,
        connectors::get_definition, connectors::delete_connector, sessions::create_session,
        sessions::get_session,
        accounts::list_accounts, accounts::get_account, accounts::edit_account,
        accounts::verify_account, accounts::unlink_account, accounts::list_audit, keys::list_keys,
        keys::create_key, keys::disable_key, keys::enable_key, keys::revoke_key, keys::delete_key,
        keys::regenerate_key, accounts::account_history, reverify::reverify_now,
        reverify::reverify_queue, webhooks::list_webhooks, webhooks::create_webhook,
        credentials::read_credentials, actions::list_actions, actions::run_action,
        webhooks::update_webhook, webhooks::delete_webhook, webhooks::list_deliveries),
    components(schemas(ErrorBody, ErrorDetail, accounts::AccountView, accounts::AccountPage,
        accounts::CheckView, accounts::AccountChecked, accounts::EditAccount,
        sessions::CreateSession, sessions::SessionCreated, sessions::SessionView,
        sessions::SessionState, keys::KeyView, keys::KeyIssued,
        keys::CreateKey, keys::KeyList, connectors::ConnectorList, accounts::AuditList, AuditRow,
        Scope, KeyState, accounts::HistoryPage, accounts::ChangeView, reverify::ReverifyRequest,
        reverify::ReverifyQueued, reverify::Queue, webhooks::CreateWebhook,
        webhooks::WebhookCreated, webhooks::WebhookList, webhooks::DeliveryList, Webhook,
        webhooks::UpdateWebhook, EventType,
        credentials::AccountCredentials, actions::ActionList, actions::ActionView,
        actions::InputView, actions::QueryView, actions::OutputView, actions::CautionView,
        actions::RunAction, actions::ActionRunView, actions::ActionRefused,
        Delivery)),
    modifiers(&BearerAuth, &SharedResponses, &ProxyDoc)
)]
#[derive(Debug)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "hub_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A hub key (`chub_…`) from the Keys page or `connector-hub init`.",
                    ))
                    .build(),
            ),
        );
    }
}

async fn openapi_json() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

async fn method_not_allowed() -> HttpError {
    HttpError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take this method; GET /api/v1/openapi.json lists each route's methods",
    )
}

async fn api_not_found() -> HttpError {
    HttpError::not_found("no such API route; GET /api/v1/openapi.json lists them all")
}

/// The `/api/v1` routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/connectors", get(connectors::list_connectors))
        .route(
            "/api/v1/connectors/{id}",
            get(connectors::get_connector)
                .put(connectors::put_connector)
                .delete(connectors::delete_connector)
                // A definition may be larger than the hub's other bodies.
                .layer(DefaultBodyLimit::max(connector_definition::MAX_BYTES)),
        )
        .route(
            "/api/v1/connectors/{id}/definition",
            get(connectors::get_definition),
        )
        .route("/api/v1/connect-sessions", post(sessions::create_session))
        .route("/api/v1/connect-sessions/{id}", get(sessions::get_session))
        .route("/api/v1/accounts", get(accounts::list_accounts))
        .route(
            "/api/v1/accounts/{id}",
            get(accounts::get_account)
                .patch(accounts::edit_account)
                .delete(accounts::unlink_account),
        )
        .route(
            "/api/v1/accounts/{id}/verify",
            post(accounts::verify_account),
        )
        .route(
            "/api/v1/accounts/{id}/history",
            get(accounts::account_history),
        )
        .route(
            "/api/v1/reverify",
            post(reverify::reverify_now).get(reverify::reverify_queue),
        )
        .route(
            "/api/v1/webhooks",
            get(webhooks::list_webhooks).post(webhooks::create_webhook),
        )
        .route(
            "/api/v1/webhooks/{id}",
            delete(webhooks::delete_webhook).patch(webhooks::update_webhook),
        )
        .route(
            "/api/v1/webhooks/{id}/deliveries",
            get(webhooks::list_deliveries),
        )
        .route(
            "/api/v1/accounts/{id}/credentials",
            get(credentials::read_credentials),
        )
        .route(
            "/api/v1/connectors/{id}/actions",
            get(actions::list_actions),
        )
        .route(
            "/api/v1/accounts/{id}/actions/{action}",
            post(actions::run_action),
        )
        .route("/api/v1/audit", get(accounts::list_audit))
        .route("/api/v1/keys", get(keys::list_keys).post(keys::create_key))
        .route("/api/v1/keys/{id}", delete(keys::delete_key))
        .route("/api/v1/keys/{id}/disable", post(keys::disable_key))
        .route("/api/v1/keys/{id}/enable", post(keys::enable_key))
        .route("/api/v1/keys/{id}/revoke", post(keys::revoke_key))
        .route("/api/v1/keys/{id}/regenerate", post(keys::regenerate_key))
        .route("/api/v1/proxy/{account_id}", any(proxy::proxy))
        .route("/api/v1/proxy/{account_id}/{*path}", any(proxy::proxy))
        .route("/api/v1/{*rest}", any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
}
