//! `GET /api/v1/connectors` and `/api/v1/connectors/{id}`: the connector catalog (the same
//! entries as docs/catalog.json).

use axum::extract::Path;
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::http::error::{ErrorBody, HttpError};
use crate::http::extract::Caller;
use crate::service::unknown_connector;

/// The connector catalog (the same entries as docs/catalog.json).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectorList {
    #[schema(value_type = Vec<Object>)]
    pub connectors: Vec<Value>,
}

#[utoipa::path(get, path = "/api/v1/connectors", tag = "connectors",
    responses((status = 200, body = ConnectorList), (status = 401, body = ErrorBody)),
    security(("hub_key" = [])))]
pub async fn list_connectors(_caller: Caller) -> Json<ConnectorList> {
    Json(ConnectorList {
        connectors: connector_registry::all()
            .iter()
            .map(|c| connector_docs::catalog_entry(*c))
            .collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/connectors/{id}", tag = "connectors",
    params(("id" = String, Path, description = "Connector id, e.g. `greenhouse`")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)),
    security(("hub_key" = [])))]
pub async fn get_connector(
    _caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, HttpError> {
    let connector =
        connector_registry::lookup(&id).map_err(|e| HttpError::not_found(unknown_connector(&e)))?;
    Ok(Json(connector_docs::catalog_entry(connector)))
}
