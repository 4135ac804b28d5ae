//! `list_accounts`, `get_account` and `verify_account`: their inputs and the listing.

use crate::http::api::accounts::{AccountPage, AccountView};
use crate::service::accounts::filter;
use crate::service::Hub;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::{to_value, HasAccount, ToolError, DEFAULT_PAGE, MAX_PAGE};

/// Filters and paging of the linked accounts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListAccounts {
    /// Only the accounts of this owner: your identifier for the customer, as given when the
    /// connect link was created.
    #[serde(default)]
    pub owner: Option<String>,
    /// Only the accounts of this connector id, e.g. `lever` (see `list_connectors`).
    #[serde(default)]
    pub connector: Option<String>,
    /// Only the accounts with this status: `verified`, `rejected`, `forbidden`, `rate_limited`,
    /// `unavailable`, `unexpected`, `unchecked` (not checked yet) or `sealed` (its credentials
    /// do not open).
    #[serde(default)]
    pub status: Option<String>,
    /// Accounts per page, 1 to 500; 50 when absent.
    #[serde(default)]
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    #[serde(default)]
    pub cursor: Option<String>,
}

pub(super) async fn list_accounts(hub: &Hub, args: ListAccounts) -> Result<Value, ToolError> {
    let limit = args.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ToolError::new(
            "invalid_arguments",
            format!("`limit` must be between 1 and {MAX_PAGE}"),
        ));
    }
    let (accounts, next_cursor) = hub
        .list_accounts(
            &filter(&args.connector, &args.status, &args.owner),
            args.cursor.as_deref(),
            i64::from(limit),
        )
        .await?;
    Ok(to_value(&AccountPage {
        accounts: accounts.iter().map(AccountView::from).collect(),
        next_cursor,
    }))
}

/// One linked account.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountId {
    /// The account's id (`acc_…`), as `list_accounts` gives it.
    pub account_id: String,
}

impl HasAccount for AccountId {
    fn account_id(&self) -> &str {
        &self.account_id
    }
}
