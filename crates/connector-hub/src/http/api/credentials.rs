//! `GET /api/v1/accounts/{id}/credentials`: an account's stored credentials in clear, with the
//! base URLs its provider's requests go to, for a caller that calls the provider directly. It
//! needs `credentials:read`, which no other scope implies. The one answer of the hub made of
//! stored secrets: sent `Cache-Control: no-store`, never logged, and every read is audited.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrecy::{ExposeSecret, SecretString};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

use crate::http::error::{ErrorBody, HttpError};
use crate::http::extract::Caller;
use crate::hubkey::Scope;
use crate::service::credentials::StoredCredentials;
use crate::service::Hub;

/// An account's stored credentials in clear, and where its provider's API is. Debug shows no
/// value.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountCredentials {
    pub account_id: String,
    pub connector: String,
    pub variant: String,
    /// Every stored field by key, secret or not, in clear.
    #[serde(serialize_with = "in_clear")]
    #[schema(value_type = BTreeMap<String, String>)]
    pub credentials: BTreeMap<String, SecretString>,
    /// Base URLs without a trailing `/`: `api` for the provider's API, and one per named origin
    /// the connector declares (e.g. `auth`), placeholders filled from the credentials and the
    /// hub's `[base_urls]` overrides applied. A URL the stored values cannot fill is left out.
    pub base_urls: BTreeMap<String, String>,
}

impl From<StoredCredentials> for AccountCredentials {
    fn from(read: StoredCredentials) -> Self {
        Self {
            account_id: read.account.id,
            connector: read.account.connector,
            variant: read.account.variant,
            credentials: read.values,
            base_urls: read.base_urls,
        }
    }
}

/// Writes secrets in clear: for the answers whose point is to hand one over.
pub(crate) fn in_clear<S: Serializer>(
    values: &BTreeMap<String, SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(values.iter().map(|(k, v)| (k, v.expose_secret())))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/credentials", tag = "accounts",
    params(("id" = String, Path)),
    responses((status = 200, body = AccountCredentials,
            description = "The stored credentials in clear, and the provider's base URLs; an audit record `credentials.read` names the hub key",
            headers(("Cache-Control" = String, description = "`no-store`: the answer holds secrets"))),
        (status = 403, body = ErrorBody, description = "The hub key lacks `credentials:read`, which no other scope implies (`insufficient_scope`)"),
        (status = 404, body = ErrorBody, description = "No account has this id (`not_found`)")),
    security(("hub_key" = ["credentials:read"])))]
pub async fn read_credentials(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    caller.require(Scope::CredentialsRead)?;
    let read = hub.read_credentials(&id, &caller.actor()).await?;
    let mut response = Json(AccountCredentials::from(read)).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
