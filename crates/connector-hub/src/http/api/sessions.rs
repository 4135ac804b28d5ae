//! `/api/v1/connect-sessions…`: a connect link for one of your customers (optionally returning
//! the browser to your app, posting events to the page that embeds it, or re-linking an
//! account), and where a session stands.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schema;
use crate::clock::{now, rfc3339};
use crate::http::error::{ErrorBody, HttpError};
use crate::http::extract::{Body, Caller};
use crate::hubkey::Scope;
use crate::service::{Hub, SessionRequest, SessionRow, SessionStatus};

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
    #[serde(default)]
    #[schema(schema_with = schema::return_url)]
    pub return_url: Option<String>,
    #[serde(default)]
    #[schema(schema_with = schema::origin)]
    pub origin: Option<String>,
    #[serde(default)]
    #[schema(schema_with = schema::relink_account)]
    pub account_id: Option<String>,
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
    /// Where the browser goes back to, as the hub will use it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Where the connect pages post their events, serialized as browsers serialize origins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The account whose credentials this session replaces (a re-link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relink_account_id: Option<String>,
}

/// Where a connect session stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SessionState {
    /// Not used, cancelled or expired: the link works.
    Pending,
    /// An account was linked (or re-linked) through it: see `account_id`.
    Linked,
    /// The person pressed Cancel.
    Cancelled,
    /// Its lifetime passed before it was used.
    Expired,
}

impl From<SessionStatus> for SessionState {
    fn from(status: SessionStatus) -> Self {
        match status {
            SessionStatus::Pending => SessionState::Pending,
            SessionStatus::Linked => SessionState::Linked,
            SessionStatus::Cancelled => SessionState::Cancelled,
            SessionStatus::Expired => SessionState::Expired,
        }
    }
}

/// A connect session, without its token (the hub does not keep it).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    pub status: SessionState,
    pub owner: String,
    /// Connector ids offered; every connector when empty.
    pub connectors: Vec<String>,
    pub created_at: String,
    pub expires_at: String,
    /// The account linked (or re-linked) through the session, once it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<String>,
    /// The account whose credentials the session replaces (a re-link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relink_account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl From<&SessionRow> for SessionView {
    fn from(s: &SessionRow) -> Self {
        Self {
            id: s.id.clone(),
            status: SessionStatus::of(s, now()).into(),
            owner: s.owner.clone(),
            connectors: s.connectors.clone(),
            created_at: rfc3339(s.created_at),
            expires_at: rfc3339(s.expires_at),
            account_id: s.account_id.clone(),
            linked_at: s.used_at.map(rfc3339),
            cancelled_at: s.cancelled_at.map(rfc3339),
            relink_account_id: s.relink_account_id.clone(),
            return_url: s.return_url.clone(),
            origin: s.origin.clone(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/connect-sessions", tag = "connect sessions",
    request_body = CreateSession,
    responses((status = 201, body = SessionCreated),
        (status = 400, body = ErrorBody, description = "The body is not well-formed JSON \
            (`invalid_body`); or `return_url` is not `https://` (or `http://` on a loopback host), \
            carries a user name or password, or is on an origin the hub's \
            `allowed_return_origins` setting does not list (`invalid_return_url`); or `origin` is \
            not such an origin or not one the hub's `frame_ancestors` setting lists \
            (`invalid_origin`). The message names the setting."),
        (status = 404, body = ErrorBody, description = "`account_id` names no account (`not_found`)."),
        (status = 409, body = ErrorBody, description = "`account_id` names an account filed under \
            another owner than `owner` (`owner_mismatch`).")),
    security(("hub_key" = ["connect_sessions:write"])))]
pub async fn create_session(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Body(body): Body<CreateSession>,
) -> Result<(StatusCode, Json<SessionCreated>), HttpError> {
    caller.require(Scope::ConnectSessionsWrite)?;
    let request = SessionRequest {
        owner: body.owner,
        connectors: body.connectors,
        expires_in: body.expires_in,
        return_url: body.return_url,
        origin: body.origin,
        account_id: body.account_id,
    };
    let new = hub.create_session_with(&request, &caller.actor()).await?;
    let session = new.session;
    Ok((
        StatusCode::CREATED,
        Json(SessionCreated {
            id: session.id,
            url: format!("/connect/{}", new.token.expose_secret()),
            expires_at: rfc3339(session.expires_at),
            owner: session.owner,
            connectors: session.connectors,
            return_url: session.return_url,
            origin: session.origin,
            relink_account_id: session.relink_account_id,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/connect-sessions/{id}", tag = "connect sessions",
    params(("id" = String, Path)),
    responses((status = 200, body = SessionView)),
    security(("hub_key" = ["connect_sessions:write"])))]
pub async fn get_session(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SessionView>, HttpError> {
    caller.require(Scope::ConnectSessionsWrite)?;
    Ok(Json(SessionView::from(&hub.session(&id).await?)))
}
