//! `/api/v1/keys…`: the hub's own keys, listed masked, created and regenerated (the key shown
//! that once), disabled, enabled and revoked.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema;
use crate::clock::rfc3339;
use crate::http::error::{ErrorBody, HttpError};
use crate::http::extract::{Body, Caller};
use crate::hubkey::{KeyState, Scope};
use crate::service::{Hub, KeyRow};

/// A hub key as listed: never the key itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// The key masked to its last four characters.
    pub masked_key: String,
    pub state: KeyState,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub regenerated_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<&KeyRow> for KeyView {
    fn from(k: &KeyRow) -> Self {
        Self {
            id: k.id.clone(),
            name: k.name.clone(),
            scopes: k.scopes.clone(),
            masked_key: format!("••••{}", k.tail),
            state: k.state,
            created_at: rfc3339(k.created_at),
            last_used_at: k.last_used_at.map(rfc3339),
            regenerated_at: k.regenerated_at.map(rfc3339),
            revoked_at: k.revoked_at.map(rfc3339),
        }
    }
}

/// A key just created or regenerated: `key` is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyIssued {
    #[serde(flatten)]
    pub view: KeyView,
    pub key: String,
}

/// A new hub key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    #[schema(schema_with = schema::key_name)]
    pub name: String,
    /// At least one.
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
}

/// Every hub key.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub keys: Vec<KeyView>,
}

#[utoipa::path(get, path = "/api/v1/keys", tag = "keys",
    responses((status = 200, body = KeyList)),
    security(("hub_key" = ["keys:admin"])))]
pub async fn list_keys(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
) -> Result<Json<KeyList>, HttpError> {
    caller.require(Scope::KeysAdmin)?;
    let keys = hub.list_keys().await?;
    Ok(Json(KeyList {
        keys: keys.iter().map(KeyView::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/keys", tag = "keys", request_body = CreateKey,
    responses((status = 201, body = KeyIssued)),
    security(("hub_key" = ["keys:admin"])))]
pub async fn create_key(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Body(body): Body<CreateKey>,
) -> Result<(StatusCode, Json<KeyIssued>), HttpError> {
    caller.require(Scope::KeysAdmin)?;
    let (row, new) = hub
        .issue_key(&body.name, &body.scopes, &caller.actor())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(KeyIssued {
            view: KeyView::from(&row),
            key: new.text.expose_secret().to_owned(),
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/keys/{id}/disable", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
pub async fn disable_key(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<KeyView>, HttpError> {
    caller.require(Scope::KeysAdmin)?;
    let row = hub
        .set_key_state(&id, KeyState::Disabled, &caller.actor())
        .await?;
    Ok(Json(KeyView::from(&row)))
}

#[utoipa::path(post, path = "/api/v1/keys/{id}/enable", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
pub async fn enable_key(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<KeyView>, HttpError> {
    caller.require(Scope::KeysAdmin)?;
    let row = hub
        .set_key_state(&id, KeyState::Enabled, &caller.actor())
        .await?;
    Ok(Json(KeyView::from(&row)))
}

#[utoipa::path(post, path = "/api/v1/keys/{id}/revoke", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyView), (status = 404, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
pub async fn revoke_key(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<KeyView>, HttpError> {
    caller.require(Scope::KeysAdmin)?;
    Ok(Json(KeyView::from(
        &hub.revoke_key(&id, &caller.actor()).await?,
    )))
}

#[utoipa::path(delete, path = "/api/v1/keys/{id}", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyView, description = "Revoked; the record stays for the audit"),
        (status = 404, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
pub async fn delete_key(
    state: State<Arc<Hub>>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<KeyView>, HttpError> {
    revoke_key(state, caller, id).await
}

#[utoipa::path(post, path = "/api/v1/keys/{id}/regenerate", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyIssued), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
pub async fn regenerate_key(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<KeyIssued>, HttpError> {
    caller.require(Scope::KeysAdmin)?;
    let (row, new) = hub.regenerate_key(&id, &caller.actor()).await?;
    Ok(Json(KeyIssued {
        view: KeyView::from(&row),
        key: new.text.expose_secret().to_owned(),
    }))
}
