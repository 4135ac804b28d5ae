//! `/api/v1/webhooks…`: endpoints that receive signed events about accounts (the types each
//! subscribed to), and their deliveries.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema;
use crate::http::error::{ErrorBody, HttpError};
use crate::http::extract::{Body, Caller};
use crate::hubkey::Scope;
use crate::service::{Delivery, Hub, Webhook};

/// A new webhook endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    #[schema(schema_with = schema::webhook_url)]
    pub url: String,
    #[serde(default)]
    #[schema(schema_with = schema::description)]
    pub description: String,
    #[serde(default)]
    #[schema(schema_with = schema::event_types)]
    pub events: Vec<String>,
}

/// A change to an endpoint: the event types it receives.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[schema(schema_with = schema::event_types)]
    pub events: Vec<String>,
}

/// A created endpoint: `secret` signs its deliveries and is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub secret: String,
}

/// Every endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<Webhook>,
}

/// An endpoint's recent deliveries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub deliveries: Vec<Delivery>,
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhookList)), security(("hub_key" = ["keys:admin"])))]
pub async fn list_webhooks(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
) -> Result<Json<WebhookList>, HttpError> {
    caller.require(Scope::KeysAdmin)?;
    let webhooks = hub.webhooks().await?;
    Ok(Json(WebhookList { webhooks }))
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = CreateWebhook,
    responses((status = 201, body = WebhookCreated),
        (status = 400, body = ErrorBody, description = "The body is not well-formed JSON \
            (`invalid_body`), or `events` names an unknown event type (`unknown_event_type`, the \
            message naming the known ones)."),
        (status = 422, body = ErrorBody, description = "The body is refused: a member is missing, \
            unknown or of the wrong type (`invalid_body`), or the URL is not an absolute http(s) \
            URL, carries credentials, is too long, or is one the hub refuses to call (not \
            `https://`, or an internal address) (`invalid_request`).")),
    security(("hub_key" = ["keys:admin"])))]
pub async fn create_webhook(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Body(body): Body<CreateWebhook>,
) -> Result<(StatusCode, Json<WebhookCreated>), HttpError> {
    caller.require(Scope::KeysAdmin)?;
    let (webhook, secret) = hub
        .add_webhook(&body.url, &body.description, &body.events, &caller.actor())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookCreated {
            webhook,
            secret: secret.expose_secret().to_owned(),
        }),
    ))
}

#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    request_body = UpdateWebhook,
    responses((status = 200, body = Webhook, description = "The endpoint, now receiving these types"),
        (status = 400, body = ErrorBody, description = "The body is not well-formed JSON \
            (`invalid_body`), or `events` names an unknown event type (`unknown_event_type`, the \
            message naming the known ones).")),
    security(("hub_key" = ["keys:admin"])))]
pub async fn update_webhook(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<UpdateWebhook>,
) -> Result<Json<Webhook>, HttpError> {
    caller.require(Scope::KeysAdmin)?;
    let webhook = hub
        .set_webhook_events(&id, &body.events, &caller.actor())
        .await?;
    Ok(Json(webhook))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted; its pending deliveries fail")),
    security(("hub_key" = ["keys:admin"])))]
pub async fn delete_webhook(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, HttpError> {
    caller.require(Scope::KeysAdmin)?;
    hub.delete_webhook(&id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = DeliveryList)), security(("hub_key" = ["keys:admin"])))]
pub async fn list_deliveries(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeliveryList>, HttpError> {
    caller.require(Scope::KeysAdmin)?;
    // An unknown or deleted endpoint answers 404, as its document says, not an empty list.
    if !hub.webhooks().await?.iter().any(|w| w.id == id) {
        return Err(HttpError::not_found("no webhook endpoint has this id"));
    }
    let deliveries = hub.deliveries(&id, 200).await?;
    Ok(Json(DeliveryList { deliveries }))
}
