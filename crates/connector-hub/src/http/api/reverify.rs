//! `/api/v1/reverify`: make accounts due for re-verification now, and read the queue.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::HttpError;
use crate::http::extract::{Body, Caller, Params};
use crate::hubkey::Scope;
use crate::service::Hub;

/// Which accounts to re-verify; all when empty.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverifyRequest {
    pub connector: Option<String>,
    pub status: Option<String>,
    pub owner: Option<String>,
}

/// What the queue answer includes.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Also count accounts per status.
    pub by_status: Option<bool>,
}

/// How many accounts were made due.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReverifyQueued {
    pub queued: u64,
}

/// The re-verification queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Queue {
    /// Accounts due now (being checked included).
    pub due: i64,
    /// Accounts a hub process is checking.
    pub in_progress: i64,
    pub accounts: i64,
    /// Accounts per status, with `?by_status=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_status: Option<BTreeMap<String, i64>>,
}

#[utoipa::path(post, path = "/api/v1/reverify", tag = "accounts", request_body = ReverifyRequest,
    responses((status = 202, body = ReverifyQueued)),
    security(("hub_key" = ["accounts:write"])))]
pub async fn reverify_now(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Body(body): Body<ReverifyRequest>,
) -> Result<(StatusCode, Json<ReverifyQueued>), HttpError> {
    caller.require(Scope::AccountsWrite)?;
    let queued = hub
        .reverify_due(&body.connector, &body.status, &body.owner)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(ReverifyQueued { queued })))
}

#[utoipa::path(get, path = "/api/v1/reverify", tag = "accounts",
    params(QueueQuery),
    responses((status = 200, body = Queue)), security(("hub_key" = ["accounts:read"])))]
pub async fn reverify_queue(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Params(query): Params<QueueQuery>,
) -> Result<Json<Queue>, HttpError> {
    caller.require(Scope::AccountsRead)?;
    let queue = hub.queue(query.by_status.unwrap_or(false)).await?;
    Ok(Json(Queue {
        due: queue.due,
        in_progress: queue.in_progress,
        accounts: queue.accounts,
        by_status: queue.by_status,
    }))
}
