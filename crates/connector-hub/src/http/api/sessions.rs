//! `POST /api/v1/connect-sessions`: a connect link for one of your customers.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema;
use crate::clock::rfc3339;
use crate::http::error::HttpError;
use crate::http::extract::{Body, Caller};
use crate::hubkey::Scope;
use crate::service::Hub;

/// A new connect session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    #[schema(schema_with = schema::owner)]
    pub owner: String,
    #[serde(default)]
    #[schema(schema_with = schema::connector_ids)]
    pub connectors: Vec<String>,
    /// Lifetime in seconds (60 to 604800); 1800 when absent.
    #[serde(default, deserialize_with = "schema::whole_number")]
    #[schema(minimum = 60, maximum = 604800)]
    pub expires_in: Option<i64>,
}

/// A created connect session: send the person to `url`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    pub id: String,
    /// The connect page, relative to the hub; it holds the session's secret token.
    pub url: String,
    pub expires_at: String,
    pub owner: String,
    pub connectors: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/connect-sessions", tag = "connect sessions",
    request_body = CreateSession,
    responses((status = 201, body = SessionCreated)),
    security(("hub_key" = ["connect_sessions:write"])))]
pub async fn create_session(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Body(body): Body<CreateSession>,
) -> Result<(StatusCode, Json<SessionCreated>), HttpError> {
    caller.require(Scope::ConnectSessionsWrite)?;
    let new = hub
        .create_session(
            &body.owner,
            &body.connectors,
            body.expires_in,
            &caller.actor(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SessionCreated {
            id: new.session.id.clone(),
            url: format!("/connect/{}", new.token.expose_secret()),
            expires_at: rfc3339(new.session.expires_at),
            owner: new.session.owner.clone(),
            connectors: new.session.connectors.clone(),
        }),
    ))
}
