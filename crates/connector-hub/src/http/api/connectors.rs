//! `/api/v1/connectors`: the connector catalog (the same entries as docs/catalog.json, plus
//! `custom`), and the registry of custom connectors: `PUT /api/v1/connectors/{id}` with a
//! definition file (TOML, or the same as JSON) adds or replaces one, `GET …/{id}/definition`
//! downloads any connector's definition, `DELETE /api/v1/connectors/{id}` removes a custom one.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::http::error::{ErrorBody, HttpError};
use crate::http::extract::{Caller, Params};
use crate::hubkey::Scope;
use crate::service::{ConnectorRef, DefinitionFormat, Hub};
use crate::store::Stored;

/// The connector catalog (the same entries as docs/catalog.json).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectorList {
    /// Catalog entries; each also says whether it is `custom` (added through this API).
    #[schema(value_type = Vec<Object>)]
    pub connectors: Vec<Value>,
}

/// A connector's catalog entry, with `custom`.
fn entry(hub: &Hub, connector: &ConnectorRef) -> Value {
    let mut entry = connector_docs::catalog_entry(connector.as_ref());
    if let Value::Object(map) = &mut entry {
        map.insert(
            "custom".to_owned(),
            Value::Bool(hub.is_custom_connector(connector.spec().id)),
        );
    }
    entry
}

#[utoipa::path(get, path = "/api/v1/connectors", tag = "connectors",
    responses((status = 200, body = ConnectorList), (status = 401, body = ErrorBody)),
    security(("hub_key" = [])))]
pub async fn list_connectors(State(hub): State<Arc<Hub>>, _caller: Caller) -> Json<ConnectorList> {
    Json(ConnectorList {
        connectors: hub
            .all_connectors()
            .iter()
            .map(|c| entry(&hub, c))
            .collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/connectors/{id}", tag = "connectors",
    params(("id" = String, Path, description = "Connector id, e.g. `greenhouse`")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)),
    security(("hub_key" = [])))]
pub async fn get_connector(
    State(hub): State<Arc<Hub>>,
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, HttpError> {
    let connector = hub.connector_or_404(&id)?;
    Ok(Json(entry(&hub, &connector)))
}

/// The body's format: JSON when it says so (`Content-Type: application/json`), else TOML.
fn body_format(headers: &HeaderMap) -> DefinitionFormat {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if json {
        DefinitionFormat::Json
    } else {
        DefinitionFormat::Toml
    }
}

#[utoipa::path(put, path = "/api/v1/connectors/{id}", tag = "connectors",
    params(("id" = String, Path, description = "The custom connector's id; the definition's `id` must be the same")),
    request_body(description = "A connector definition file (docs/definition.schema.json): TOML (`application/toml`, the default), or the same as JSON (`application/json`). At most 256 KiB.",
        content((String = "application/toml"), (Object = "application/json"))),
    responses(
        (status = 201, body = Object, description = "Added: the connector's catalog entry"),
        (status = 200, body = Object, description = "Replaced: the connector's catalog entry"),
        (status = 403, body = ErrorBody, description = "The key lacks `connectors:write` (`insufficient_scope`)"),
        (status = 409, body = ErrorBody, description = "The id is a compiled connector's (`compiled_connector`)"),
        (status = 413, body = ErrorBody, description = "The body is larger than a definition may be"),
        (status = 422, body = ErrorBody, description = "The definition is refused: every problem with its line and key")),
    security(("hub_key" = [])))]
pub async fn put_connector(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    caller.require(Scope::ConnectorsWrite)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| HttpError::invalid("the definition is not UTF-8 text; send it as UTF-8"))?;
    let (stored, connector) = hub
        .put_connector(&id, text, body_format(&headers), &caller.actor())
        .await?;
    let status = match stored {
        Stored::Created => StatusCode::CREATED,
        Stored::Replaced => StatusCode::OK,
    };
    Ok((status, Json(entry(&hub, &connector))).into_response())
}

/// How a definition is downloaded.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DefinitionQuery {
    /// `toml` (the default, unless the request accepts only JSON) or `json`.
    #[param(pattern = "^(toml|json)$")]
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/connectors/{id}/definition", tag = "connectors",
    params(("id" = String, Path, description = "Connector id, compiled or custom"), DefinitionQuery),
    responses(
        (status = 200, description = "The connector as a definition file: canonical TOML, or JSON with `?format=json` (or `Accept: application/json`)",
            content((String = "application/toml"), (Object = "application/json"))),
        (status = 403, body = ErrorBody, description = "The key lacks `connectors:read` (`insufficient_scope`)"),
        (status = 404, body = ErrorBody, description = "No connector has this id"),
        (status = 422, body = ErrorBody, description = "An unknown format")),
    security(("hub_key" = [])))]
pub async fn get_definition(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Params(query): Params<DefinitionQuery>,
) -> Result<Response, HttpError> {
    caller.require(Scope::ConnectorsRead)?;
    let accept = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = match query.format.as_deref() {
        Some("json") => DefinitionFormat::Json,
        Some("toml") => DefinitionFormat::Toml,
        Some(_) => {
            return Err(HttpError::invalid(
                "`format` is `toml` or `json`; leave it out for TOML",
            ))
        }
        None if accept.contains("application/json") && !accept.contains("toml") => {
            DefinitionFormat::Json
        }
        None => DefinitionFormat::Toml,
    };
    let text = hub.connector_definition(&id, format)?;
    let content_type = match format {
        DefinitionFormat::Toml => "application/toml; charset=utf-8",
        DefinitionFormat::Json => "application/json",
    };
    Ok((
        [(CONTENT_TYPE, HeaderValue::from_static(content_type))],
        text,
    )
        .into_response())
}

#[utoipa::path(delete, path = "/api/v1/connectors/{id}", tag = "connectors",
    params(("id" = String, Path, description = "A custom connector's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, body = ErrorBody, description = "The key lacks `connectors:write` (`insufficient_scope`)"),
        (status = 404, body = ErrorBody, description = "No custom connector has this id"),
        (status = 409, body = ErrorBody, description = "Accounts use it (`connector_in_use`), or it is compiled (`compiled_connector`)")),
    security(("hub_key" = [])))]
pub async fn delete_connector(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, HttpError> {
    caller.require(Scope::ConnectorsWrite)?;
    hub.delete_connector(&id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}
