//! The REST API under `/api/v1`: connectors, connect sessions, accounts and hub keys. Every route
//! takes `Authorization: Bearer <hub key>` and answers errors as `{"error": {"code", "message"}}`.
//! The OpenAPI document is generated from these handlers and types.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::hubkey::{KeyState, Scope};
use crate::service::{AuthFailure, Hub};
use crate::store::{AccountFilter, AccountRow, AuditRow, KeyRow};
use crate::web::{client_ip, rfc3339, ApiError, ErrorBody};

/// Accounts per page when the request does not say.
const DEFAULT_PAGE: i64 = 50;
/// Most accounts one page may hold.
const MAX_PAGE: i64 = 500;

/// The hub key that made a request.
#[derive(Debug, Clone)]
pub struct Caller(pub KeyRow);

impl Caller {
    /// Refuses the request unless the key has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.0.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!(
                    "this hub key lacks the `{}` scope; create a key that has it on the Keys page",
                    scope.as_str()
                ),
            ))
        }
    }

    pub fn actor(&self) -> String {
        format!("hub key {} ({})", self.0.name, self.0.id)
    }
}

/// Authenticates `presented` for `addr`, counting failures toward the rate limit.
pub async fn authenticate(
    hub: &Hub,
    addr: std::net::IpAddr,
    presented: &str,
) -> Result<KeyRow, ApiError> {
    if let Some(wait) = hub.limiter.blocked(addr) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_failures",
            "too many failed authentications from this address; wait a minute, then retry with a \
             valid hub key",
        );
        e.retry_after = Some(wait.as_secs());
        return Err(e);
    }
    match hub.authenticate(presented).await? {
        Ok(key) => Ok(key),
        Err(failure) => {
            hub.limiter.failed(addr);
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                failure.code(),
                failure.message(),
            ))
        }
    }
}

impl FromRequestParts<Arc<Hub>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, hub: &Arc<Hub>) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let presented = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .unwrap_or(if header.is_empty() { "" } else { "\u{0}" });
        if presented.is_empty() {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                AuthFailure::Missing.code(),
                AuthFailure::Missing.message(),
            ));
        }
        authenticate(hub, client_ip(&parts.extensions), presented)
            .await
            .map(Caller)
    }
}

/// A JSON body whose rejection is a JSON error naming what is wrong.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(ApiError::new(
                rejection.status(),
                "invalid_body",
                format!("the request body was refused: {}", rejection.body_text()),
            )),
        }
    }
}

/// Query parameters whose rejection is a JSON error.
#[derive(Debug)]
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Params(value)),
            Err(rejection) => Err(ApiError::invalid(format!(
                "the query string was refused: {}",
                rejection.body_text()
            ))),
        }
    }
}

// --- views ----------------------------------------------------------------------------------

/// A linked account, as the API shows it: never a secret, the key masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    pub connector: String,
    pub variant: String,
    pub owner: String,
    pub label: String,
    /// The key masked to its last four characters, e.g. `••••860c`.
    pub key: String,
    /// Non-secret field values (subdomain, region, user id…).
    #[schema(value_type = Object)]
    pub fields: Value,
    /// `verified`, `rejected`, `forbidden`, `rate_limited`, `unavailable`, `unexpected`.
    pub status: String,
    pub message: String,
    /// What the key proved at its last successful verification.
    #[schema(value_type = Object)]
    pub proves: Value,
    pub http_status: Option<i64>,
    pub last_verified_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&AccountRow> for AccountView {
    fn from(a: &AccountRow) -> Self {
        Self {
            id: a.id.clone(),
            connector: a.connector.clone(),
            variant: a.variant.clone(),
            owner: a.owner.clone(),
            label: a.label.clone(),
            key: a.masked_key.clone(),
            fields: a.public_fields.clone(),
            status: a.status.clone(),
            message: a.message.clone(),
            proves: a.proves.clone(),
            http_status: a.http_status,
            last_verified_at: a.last_verified_at.map(rfc3339),
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
        }
    }
}

/// One page of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    pub accounts: Vec<AccountView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging of the accounts list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    pub connector: Option<String>,
    pub status: Option<String>,
    pub owner: Option<String>,
    /// 1 to 500; 50 when absent.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A check's outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckView {
    pub status: String,
    pub message: String,
    pub http_status: Option<u16>,
    /// What to do next, when the check failed.
    pub advice: Option<String>,
}

impl CheckView {
    fn from_report(connector: &str, report: &connector_core::CheckReport) -> Self {
        Self {
            status: report.status.as_str().to_owned(),
            message: report.message.clone(),
            http_status: report.http_status,
            advice: crate::pages::advice(connector, report.status, &report.message),
        }
    }
}

/// An account after a verification or an edit.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountChecked {
    pub account: AccountView,
    pub check: CheckView,
}

/// Changes to an account. A secret field sent empty or as its masked value keeps the stored one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditAccount {
    pub label: Option<String>,
    #[serde(default)]
    pub credentials: BTreeMap<String, String>,
}

/// A new connect session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// Your identifier for the customer the account belongs to.
    pub owner: String,
    /// Connector ids offered; all when absent or empty.
    #[serde(default)]
    pub connectors: Vec<String>,
    /// Lifetime in seconds (60 to 604800); 1800 when absent.
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
    /// A label; it cannot be changed later.
    pub name: String,
    pub scopes: Vec<Scope>,
}

/// Every hub key.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub keys: Vec<KeyView>,
}

/// The connector catalog (the same entries as docs/catalog.json).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectorList {
    #[schema(value_type = Vec<Object>)]
    pub connectors: Vec<Value>,
}

/// Audit records, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub records: Vec<AuditRow>,
}

// --- handlers -------------------------------------------------------------------------------

#[utoipa::path(get, path = "/api/v1/connectors", tag = "connectors",
    responses((status = 200, body = ConnectorList), (status = 401, body = ErrorBody)),
    security(("hub_key" = [])))]
async fn list_connectors(_caller: Caller) -> Json<ConnectorList> {
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
async fn get_connector(_caller: Caller, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let connector = connector_registry::lookup(&id)
        .map_err(|e| ApiError::not_found(crate::service::unknown_connector(&e)))?;
    Ok(Json(connector_docs::catalog_entry(connector)))
}

#[utoipa::path(post, path = "/api/v1/connect-sessions", tag = "connect sessions",
    request_body = CreateSession,
    responses((status = 201, body = SessionCreated), (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("hub_key" = ["connect_sessions:write"])))]
async fn create_session(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Body(body): Body<CreateSession>,
) -> Result<(StatusCode, Json<SessionCreated>), ApiError> {
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

#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", params(AccountQuery),
    responses((status = 200, body = AccountPage), (status = 403, body = ErrorBody)),
    security(("hub_key" = ["accounts:read"])))]
async fn list_accounts(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Params(query): Params<AccountQuery>,
) -> Result<Json<AccountPage>, ApiError> {
    caller.require(Scope::AccountsRead)?;
    let limit = page_limit(query.limit)?;
    let (accounts, next_cursor) = account_page(
        &hub,
        &filter(&query.connector, &query.status, &query.owner),
        query.cursor.as_deref(),
        limit,
    )
    .await?;
    Ok(Json(AccountPage {
        accounts: accounts.iter().map(AccountView::from).collect(),
        next_cursor,
    }))
}

/// Builds a filter, treating empty values as absent.
pub fn filter(
    connector: &Option<String>,
    status: &Option<String>,
    owner: &Option<String>,
) -> AccountFilter {
    let given = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    AccountFilter {
        connector: given(connector),
        status: given(status),
        owner: given(owner),
    }
}

/// One page and the cursor of the next, if there is one.
pub async fn account_page(
    hub: &Hub,
    filter: &AccountFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(Vec<AccountRow>, Option<String>), ApiError> {
    let cursor = cursor.filter(|c| !c.is_empty());
    if cursor.is_some_and(|c| c.len() > 64 || !c.starts_with("acc_")) {
        return Err(ApiError::invalid(
            "`cursor` must be the `next_cursor` of a previous page",
        ));
    }
    let mut accounts = hub
        .store
        .list_accounts(filter, cursor, limit + 1)
        .await
        .map_err(crate::service::HubError::from)?;
    let next = if accounts.len() as i64 > limit {
        accounts.truncate(limit as usize);
        accounts.last().map(|a| a.id.clone())
    } else {
        None
    };
    Ok((accounts, next))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path)),
    responses((status = 200, body = AccountView), (status = 404, body = ErrorBody)),
    security(("hub_key" = ["accounts:read"])))]
async fn get_account(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AccountView>, ApiError> {
    caller.require(Scope::AccountsRead)?;
    Ok(Json(AccountView::from(&hub.account(&id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path)), request_body = EditAccount,
    responses((status = 200, body = AccountChecked), (status = 422, body = ErrorBody)),
    security(("hub_key" = ["accounts:write"])))]
async fn edit_account(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<EditAccount>,
) -> Result<Json<AccountChecked>, ApiError> {
    caller.require(Scope::AccountsWrite)?;
    let (account, report) = hub
        .edit(
            &id,
            body.label.as_deref(),
            body.credentials,
            &caller.actor(),
        )
        .await?;
    if report.status == connector_core::Status::InvalidInput {
        return Err(ApiError::invalid(report.message));
    }
    Ok(Json(AccountChecked {
        check: CheckView::from_report(&account.connector, &report),
        account: AccountView::from(&account),
    }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/verify", tag = "accounts",
    params(("id" = String, Path)),
    responses((status = 200, body = AccountChecked), (status = 404, body = ErrorBody)),
    security(("hub_key" = ["accounts:write"])))]
async fn verify_account(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AccountChecked>, ApiError> {
    caller.require(Scope::AccountsWrite)?;
    let (account, report, _) = hub.reverify(&id).await?;
    Ok(Json(AccountChecked {
        check: CheckView::from_report(&account.connector, &report),
        account: AccountView::from(&account),
    }))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path)),
    responses((status = 204, description = "Unlinked: credentials deleted, audit record kept"),
        (status = 404, body = ErrorBody)),
    security(("hub_key" = ["accounts:write"])))]
async fn unlink_account(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Scope::AccountsWrite)?;
    hub.unlink(&id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "accounts",
    params(("account_id" = Option<String>, Query)),
    responses((status = 200, body = AuditList)),
    security(("hub_key" = ["accounts:read"])))]
async fn list_audit(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Params(query): Params<BTreeMap<String, String>>,
) -> Result<Json<AuditList>, ApiError> {
    caller.require(Scope::AccountsRead)?;
    let records = hub
        .store
        .audit(query.get("account_id").map(String::as_str), 200)
        .await
        .map_err(crate::service::HubError::from)?;
    Ok(Json(AuditList { records }))
}

#[utoipa::path(get, path = "/api/v1/keys", tag = "keys",
    responses((status = 200, body = KeyList), (status = 403, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
async fn list_keys(State(hub): State<Arc<Hub>>, caller: Caller) -> Result<Json<KeyList>, ApiError> {
    caller.require(Scope::KeysAdmin)?;
    let keys = hub
        .store
        .list_keys()
        .await
        .map_err(crate::service::HubError::from)?;
    Ok(Json(KeyList {
        keys: keys.iter().map(KeyView::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/keys", tag = "keys", request_body = CreateKey,
    responses((status = 201, body = KeyIssued), (status = 422, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
async fn create_key(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Body(body): Body<CreateKey>,
) -> Result<(StatusCode, Json<KeyIssued>), ApiError> {
    caller.require(Scope::KeysAdmin)?;
    let (row, new) = issue_key(&hub, &body.name, &body.scopes, &caller.actor()).await?;
    Ok((
        StatusCode::CREATED,
        Json(KeyIssued {
            view: KeyView::from(&row),
            key: new.text.expose_secret().to_owned(),
        }),
    ))
}

async fn key_row(hub: &Hub, id: &str) -> Result<KeyRow, ApiError> {
    hub.store
        .key(id)
        .await
        .map_err(crate::service::HubError::from)?
        .ok_or_else(|| ApiError::not_found("no hub key has this id"))
}

/// Records a change to a hub key in the audit log.
async fn audit_key(hub: &Hub, actor: &str, action: &str, key: &KeyRow) -> Result<(), ApiError> {
    hub.store
        .audit_event(
            actor,
            action,
            &format!("hub key {} ({}, ••••{})", key.name, key.id, key.tail),
        )
        .await
        .map_err(|e| ApiError::from(crate::service::HubError::from(e)))
}

/// Creates a hub key and records it in the audit log.
pub async fn issue_key(
    hub: &Hub,
    name: &str,
    scopes: &[Scope],
    actor: &str,
) -> Result<(KeyRow, crate::hubkey::NewKey), ApiError> {
    let (row, new) = hub.create_key(name, scopes).await?;
    audit_key(hub, actor, "key.created", &row).await?;
    Ok((row, new))
}

/// Revokes a key for good (again is harmless).
pub async fn revoke(hub: &Hub, id: &str, actor: &str) -> Result<KeyRow, ApiError> {
    let row = key_row(hub, id).await?;
    if row.state != KeyState::Revoked {
        hub.store
            .set_key_state(id, KeyState::Revoked)
            .await
            .map_err(crate::service::HubError::from)?;
        audit_key(hub, actor, "key.revoked", &row).await?;
    }
    key_row(hub, id).await
}

/// Sets a key's state; refuses to change a revoked key.
pub async fn change_key_state(
    hub: &Hub,
    id: &str,
    state: KeyState,
    actor: &str,
) -> Result<KeyRow, ApiError> {
    let row = key_row(hub, id).await?;
    if row.state == KeyState::Revoked {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "key_revoked",
            "this hub key is revoked and cannot be changed; create a new key",
        ));
    }
    hub.store
        .set_key_state(id, state)
        .await
        .map_err(crate::service::HubError::from)?;
    let row = key_row(hub, id).await?;
    audit_key(hub, actor, &format!("key.{}", state.as_str()), &row).await?;
    Ok(row)
}

/// Gives a key a new value; the old value is refused from now on.
pub async fn regenerate(
    hub: &Hub,
    id: &str,
    actor: &str,
) -> Result<(KeyRow, crate::hubkey::NewKey), ApiError> {
    let new = crate::hubkey::generate();
    if !hub
        .store
        .regenerate_key(id, &new.hash, &new.tail)
        .await
        .map_err(crate::service::HubError::from)?
    {
        return Err(match key_row(hub, id).await {
            Ok(_) => ApiError::new(
                StatusCode::CONFLICT,
                "key_revoked",
                "this hub key is revoked and cannot be regenerated; create a new key",
            ),
            Err(e) => e,
        });
    }
    let row = key_row(hub, id).await?;
    audit_key(hub, actor, "key.regenerated", &row).await?;
    Ok((row, new))
}

#[utoipa::path(post, path = "/api/v1/keys/{id}/disable", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
async fn disable_key(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<KeyView>, ApiError> {
    caller.require(Scope::KeysAdmin)?;
    Ok(Json(KeyView::from(
        &change_key_state(&hub, &id, KeyState::Disabled, &caller.actor()).await?,
    )))
}

#[utoipa::path(post, path = "/api/v1/keys/{id}/enable", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
async fn enable_key(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<KeyView>, ApiError> {
    caller.require(Scope::KeysAdmin)?;
    Ok(Json(KeyView::from(
        &change_key_state(&hub, &id, KeyState::Enabled, &caller.actor()).await?,
    )))
}

#[utoipa::path(post, path = "/api/v1/keys/{id}/revoke", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyView), (status = 404, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
async fn revoke_key(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<KeyView>, ApiError> {
    caller.require(Scope::KeysAdmin)?;
    Ok(Json(KeyView::from(
        &revoke(&hub, &id, &caller.actor()).await?,
    )))
}

#[utoipa::path(delete, path = "/api/v1/keys/{id}", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyView, description = "Revoked; the record stays for the audit"),
        (status = 404, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
async fn delete_key(
    state: State<Arc<Hub>>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<KeyView>, ApiError> {
    revoke_key(state, caller, id).await
}

#[utoipa::path(post, path = "/api/v1/keys/{id}/regenerate", tag = "keys", params(("id" = String, Path)),
    responses((status = 200, body = KeyIssued), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
async fn regenerate_key(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<KeyIssued>, ApiError> {
    caller.require(Scope::KeysAdmin)?;
    let (row, new) = regenerate(&hub, &id, &caller.actor()).await?;
    Ok(Json(KeyIssued {
        view: KeyView::from(&row),
        key: new.text.expose_secret().to_owned(),
    }))
}

/// One page of an account's status history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    pub changes: Vec<ChangeView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// A change of status.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    pub id: String,
    pub account_id: String,
    pub old_status: String,
    pub new_status: String,
    pub message: String,
    pub at: String,
}

impl From<&crate::events::StatusChange> for ChangeView {
    fn from(c: &crate::events::StatusChange) -> Self {
        Self {
            id: c.id.clone(),
            account_id: c.account_id.clone(),
            old_status: c.old_status.clone(),
            new_status: c.new_status.clone(),
            message: c.message.clone(),
            at: rfc3339(c.at),
        }
    }
}

/// Paging of a history.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// 1 to 500; 50 when absent.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/history", tag = "accounts",
    params(("id" = String, Path), HistoryQuery),
    responses((status = 200, body = HistoryPage), (status = 404, body = ErrorBody)),
    security(("hub_key" = ["accounts:read"])))]
async fn account_history(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
    Params(query): Params<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    caller.require(Scope::AccountsRead)?;
    let limit = page_limit(query.limit)?;
    let cursor = query.cursor.filter(|c| !c.is_empty());
    if cursor
        .as_deref()
        .is_some_and(|c| c.len() > 64 || !c.starts_with("evt_"))
    {
        return Err(ApiError::invalid(
            "`cursor` must be the `next_cursor` of a previous page",
        ));
    }
    let mut changes = hub
        .store
        .history(&id, cursor.as_deref(), limit + 1)
        .await
        .map_err(crate::service::HubError::from)?;
    if changes.is_empty() && cursor.is_none() {
        hub.account(&id).await?;
    }
    let next_cursor = if changes.len() as i64 > limit {
        changes.truncate(limit as usize);
        changes.last().map(|c| c.id.clone())
    } else {
        None
    };
    Ok(Json(HistoryPage {
        changes: changes.iter().map(ChangeView::from).collect(),
        next_cursor,
    }))
}

fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::invalid(format!(
            "`limit` must be between 1 and {MAX_PAGE}"
        )))
    }
}

/// Which accounts to re-verify; all when empty.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverifyRequest {
    pub connector: Option<String>,
    pub status: Option<String>,
    pub owner: Option<String>,
}

/// How many accounts were made due.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReverifyQueued {
    pub queued: u64,
}

#[utoipa::path(post, path = "/api/v1/reverify", tag = "accounts", request_body = ReverifyRequest,
    responses((status = 202, body = ReverifyQueued)),
    security(("hub_key" = ["accounts:write"])))]
async fn reverify_now(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Body(body): Body<ReverifyRequest>,
) -> Result<(StatusCode, Json<ReverifyQueued>), ApiError> {
    caller.require(Scope::AccountsWrite)?;
    let queued = hub
        .store
        .mark_due(
            &filter(&body.connector, &body.status, &body.owner),
            crate::store::now(),
        )
        .await
        .map_err(crate::service::HubError::from)?;
    Ok((StatusCode::ACCEPTED, Json(ReverifyQueued { queued })))
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

#[utoipa::path(get, path = "/api/v1/reverify", tag = "accounts",
    params(("by_status" = Option<bool>, Query, description = "Also count accounts per status")),
    responses((status = 200, body = Queue)), security(("hub_key" = ["accounts:read"])))]
async fn reverify_queue(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Params(query): Params<BTreeMap<String, String>>,
) -> Result<Json<Queue>, ApiError> {
    caller.require(Scope::AccountsRead)?;
    let (due, in_progress, accounts) = hub
        .store
        .queue(crate::store::now())
        .await
        .map_err(crate::service::HubError::from)?;
    let by_status = match query.get("by_status").map(String::as_str) {
        Some("true" | "1") => Some(
            hub.store
                .count_by_status()
                .await
                .map_err(crate::service::HubError::from)?,
        ),
        _ => None,
    };
    Ok(Json(Queue {
        due,
        in_progress,
        accounts,
        by_status,
    }))
}

/// A new webhook endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    pub url: String,
    #[serde(default)]
    pub description: String,
}

/// A created endpoint: `secret` signs its deliveries and is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: crate::webhooks::Webhook,
    pub secret: String,
}

/// Every endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<crate::webhooks::Webhook>,
}

/// An endpoint's recent deliveries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub deliveries: Vec<crate::webhooks::Delivery>,
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhookList)), security(("hub_key" = ["keys:admin"])))]
async fn list_webhooks(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
) -> Result<Json<WebhookList>, ApiError> {
    caller.require(Scope::KeysAdmin)?;
    let webhooks = hub
        .store
        .webhooks()
        .await
        .map_err(crate::service::HubError::from)?;
    Ok(Json(WebhookList { webhooks }))
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = CreateWebhook,
    responses((status = 201, body = WebhookCreated), (status = 422, body = ErrorBody)),
    security(("hub_key" = ["keys:admin"])))]
async fn create_webhook(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Body(body): Body<CreateWebhook>,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    caller.require(Scope::KeysAdmin)?;
    let (webhook, secret) = hub.create_webhook(&body.url, &body.description).await?;
    hub.store
        .audit_event(
            &caller.actor(),
            "webhook.created",
            &format!("endpoint {}", webhook.id),
        )
        .await
        .map_err(crate::service::HubError::from)?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookCreated {
            webhook,
            secret: secret.expose_secret().to_owned(),
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("hub_key" = ["keys:admin"])))]
async fn delete_webhook(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Scope::KeysAdmin)?;
    if !hub
        .store
        .delete_webhook(&id)
        .await
        .map_err(crate::service::HubError::from)?
    {
        return Err(ApiError::not_found("no webhook endpoint has this id"));
    }
    hub.store
        .audit_event(
            &caller.actor(),
            "webhook.deleted",
            &format!("endpoint {id}"),
        )
        .await
        .map_err(crate::service::HubError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = DeliveryList)), security(("hub_key" = ["keys:admin"])))]
async fn list_deliveries(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeliveryList>, ApiError> {
    caller.require(Scope::KeysAdmin)?;
    let deliveries = hub
        .store
        .deliveries(&id, 200)
        .await
        .map_err(crate::service::HubError::from)?;
    Ok(Json(DeliveryList { deliveries }))
}

async fn openapi_json() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take this method; GET /api/v1/openapi.json lists each route's methods",
    )
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("no such API route; GET /api/v1/openapi.json lists them all")
}

/// The OpenAPI document, generated from the handlers above.
#[derive(OpenApi)]
#[openapi(
    info(title = "connector-hub", description = "Link API-key accounts, verify them, and manage the hub's own keys."),
    paths(list_connectors, get_connector, create_session, list_accounts, get_account,
        edit_account, verify_account, unlink_account, list_audit, list_keys, create_key,
        disable_key, enable_key, revoke_key, delete_key, regenerate_key, account_history,
        reverify_now, reverify_queue, list_webhooks, create_webhook, delete_webhook, list_deliveries),
    components(schemas(ErrorBody, crate::web::ErrorDetail, AccountView, AccountPage, CheckView,
        AccountChecked, EditAccount, CreateSession, SessionCreated, KeyView, KeyIssued, CreateKey,
        KeyList, ConnectorList, AuditList, AuditRow, Scope, KeyState, HistoryPage, ChangeView,
        ReverifyRequest, ReverifyQueued, Queue, CreateWebhook, WebhookCreated, WebhookList, DeliveryList,
        crate::webhooks::Webhook, crate::webhooks::Delivery)),
    modifiers(&BearerAuth)
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

/// The `/api/v1` routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/connectors", get(list_connectors))
        .route("/api/v1/connectors/{id}", get(get_connector))
        .route("/api/v1/connect-sessions", post(create_session))
        .route("/api/v1/accounts", get(list_accounts))
        .route(
            "/api/v1/accounts/{id}",
            get(get_account).patch(edit_account).delete(unlink_account),
        )
        .route("/api/v1/accounts/{id}/verify", post(verify_account))
        .route("/api/v1/accounts/{id}/history", get(account_history))
        .route("/api/v1/reverify", post(reverify_now).get(reverify_queue))
        .route("/api/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route(
            "/api/v1/webhooks/{id}",
            axum::routing::delete(delete_webhook),
        )
        .route("/api/v1/webhooks/{id}/deliveries", get(list_deliveries))
        .route("/api/v1/audit", get(list_audit))
        .route("/api/v1/keys", get(list_keys).post(create_key))
        .route("/api/v1/keys/{id}", axum::routing::delete(delete_key))
        .route("/api/v1/keys/{id}/disable", post(disable_key))
        .route("/api/v1/keys/{id}/enable", post(enable_key))
        .route("/api/v1/keys/{id}/revoke", post(revoke_key))
        .route("/api/v1/keys/{id}/regenerate", post(regenerate_key))
        .route("/api/v1/{*rest}", axum::routing::any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
}
