//! `/api/v1/accounts…` and `/api/v1/audit`: linked accounts listed with filters and pages, one
//! account, its edit, re-verification, unlinking and status history, and the audit log.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use connector_core::{CheckReport, Status};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::schema;
use crate::clock::rfc3339;
use crate::http::error::{ErrorBody, HttpError};
use crate::http::extract::{Body, Caller, Params};
use crate::hubkey::Scope;
use crate::service::accounts::filter;
use crate::service::checks::advice;
use crate::service::{AccountRow, AuditRow, Hub, StatusChange};

/// Items per page when the request does not say.
const DEFAULT_PAGE: i64 = 50;
/// Most items one page may hold.
const MAX_PAGE: i64 = 500;

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
    /// `verified`, `rejected`, `forbidden`, `rate_limited`, `unavailable`, `unexpected`;
    /// `unchecked` (imported, not checked yet) or `sealed` (its credentials do not open).
    pub status: String,
    pub message: String,
    /// What the key proved at its last successful verification.
    #[schema(value_type = Object)]
    pub proves: Value,
    pub http_status: Option<i64>,
    pub last_verified_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Bumped by every edit; send it back with an edit to have it refused (409) if the account
    /// changed since.
    pub version: i64,
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
            version: a.version,
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
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    /// Only accounts of this connector.
    pub connector: Option<String>,
    /// Only accounts with this status (`verified`, `rejected`, …).
    pub status: Option<String>,
    /// Only accounts of this owner.
    pub owner: Option<String>,
    /// Accounts per page, 1 to 500; 50 when absent.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = r"^(?:acc_[\s\S]{0,60})?$")]
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
    fn from_report(hub: &Hub, connector: &str, report: &CheckReport) -> Self {
        Self {
            status: report.status.as_str().to_owned(),
            message: report.message.clone(),
            http_status: report.http_status,
            advice: advice(hub, connector, report.status, &report.message),
        }
    }
}

/// An account after a verification or an edit.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountChecked {
    pub account: AccountView,
    pub check: CheckView,
}

impl AccountChecked {
    pub fn new(hub: &Hub, account: &AccountRow, report: &CheckReport) -> Self {
        Self {
            check: CheckView::from_report(hub, &account.connector, report),
            account: AccountView::from(account),
        }
    }
}

/// Changes to an account. A secret field sent empty or as its masked value keeps the stored one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditAccount {
    /// The account's `version` as you read it; the edit is refused with 409 if it changed since.
    #[serde(default, deserialize_with = "schema::whole_number")]
    pub version: Option<i64>,
    #[schema(schema_with = schema::label)]
    pub label: Option<String>,
    /// New credential values by field key.
    #[serde(default)]
    pub credentials: BTreeMap<String, String>,
}

/// Audit records, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub records: Vec<AuditRow>,
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

impl From<&StatusChange> for ChangeView {
    fn from(c: &StatusChange) -> Self {
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
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Changes per page, 1 to 500; 50 when absent.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = r"^(?:evt_[\s\S]{0,60})?$")]
    pub cursor: Option<String>,
}

/// Which audit records.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only the records of this account.
    pub account_id: Option<String>,
}

fn page_limit(limit: Option<i64>) -> Result<i64, HttpError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(HttpError::invalid(format!(
            "`limit` must be between 1 and {MAX_PAGE}"
        )))
    }
}

#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", params(AccountQuery),
    responses((status = 200, body = AccountPage)),
    security(("hub_key" = ["accounts:read"])))]
pub async fn list_accounts(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Params(query): Params<AccountQuery>,
) -> Result<Json<AccountPage>, HttpError> {
    caller.require(Scope::AccountsRead)?;
    let limit = page_limit(query.limit)?;
    let (accounts, next_cursor) = hub
        .list_accounts(
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

#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path)),
    responses((status = 200, body = AccountView)),
    security(("hub_key" = ["accounts:read"])))]
pub async fn get_account(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AccountView>, HttpError> {
    caller.require(Scope::AccountsRead)?;
    Ok(Json(AccountView::from(&hub.account(&id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path)), request_body = EditAccount,
    responses((status = 200, body = AccountChecked),
        (status = 409, body = ErrorBody, description = "The account changed since `version`, or another edit overtook this one (`version_conflict`): reload it")),
    security(("hub_key" = ["accounts:write"])))]
pub async fn edit_account(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body<EditAccount>,
) -> Result<Json<AccountChecked>, HttpError> {
    caller.require(Scope::AccountsWrite)?;
    let (account, report) = hub
        .edit(
            &id,
            body.version,
            body.label.as_deref(),
            body.credentials,
            &caller.actor(),
        )
        .await?;
    if report.status == Status::InvalidInput {
        return Err(HttpError::invalid(report.message));
    }
    Ok(Json(AccountChecked::new(&hub, &account, &report)))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/verify", tag = "accounts",
    params(("id" = String, Path)),
    responses((status = 200, body = AccountChecked),
        (status = 409, body = ErrorBody, description = "The account was edited while the check ran; its result was dropped (`superseded`)")),
    security(("hub_key" = ["accounts:write"])))]
pub async fn verify_account(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AccountChecked>, HttpError> {
    caller.require(Scope::AccountsWrite)?;
    let (account, report, _) = hub.reverify(&id).await?;
    Ok(Json(AccountChecked::new(&hub, &account, &report)))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path)),
    responses((status = 204, description = "Unlinked: credentials deleted, audit record kept")),
    security(("hub_key" = ["accounts:write"])))]
pub async fn unlink_account(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, HttpError> {
    caller.require(Scope::AccountsWrite)?;
    hub.unlink(&id, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/history", tag = "accounts",
    params(("id" = String, Path), HistoryQuery),
    responses((status = 200, body = HistoryPage)),
    security(("hub_key" = ["accounts:read"])))]
pub async fn account_history(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Path(id): Path<String>,
    Params(query): Params<HistoryQuery>,
) -> Result<Json<HistoryPage>, HttpError> {
    caller.require(Scope::AccountsRead)?;
    let limit = page_limit(query.limit)?;
    let (changes, next_cursor) = hub.history(&id, query.cursor.as_deref(), limit).await?;
    Ok(Json(HistoryPage {
        changes: changes.iter().map(ChangeView::from).collect(),
        next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "accounts",
    params(AuditQuery),
    responses((status = 200, body = AuditList)),
    security(("hub_key" = ["accounts:read"])))]
pub async fn list_audit(
    State(hub): State<Arc<Hub>>,
    caller: Caller,
    Params(query): Params<AuditQuery>,
) -> Result<Json<AuditList>, HttpError> {
    caller.require(Scope::AccountsRead)?;
    let records = hub.audit(query.account_id.as_deref(), 200).await?;
    Ok(Json(AuditList { records }))
}
