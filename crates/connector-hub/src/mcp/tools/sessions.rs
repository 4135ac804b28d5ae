//! `create_connect_session`: a connect link for a person to open, never a key typed by a model.

use crate::clock::rfc3339;
use crate::http::api::sessions::SessionCreated;
use crate::http::extract::Caller;
use crate::service::Hub;
use schemars::JsonSchema;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{to_value, CallContext, ToolError};

/// A connect link for one customer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConnectSession {
    /// Your identifier for the customer (e.g. `customer-42`); the linked account is filed under
    /// it.
    pub owner: String,
    /// The connector ids the person may choose from (see `list_connectors`); every connector
    /// when absent or empty. With one, the link opens its form directly.
    #[serde(default)]
    pub connectors: Option<Vec<String>>,
    /// How long the link works, in seconds: 60 to 604800; 1800 when absent.
    #[serde(default)]
    #[schemars(range(min = 60, max = 604800))]
    pub expires_in: Option<i64>,
}

pub(super) async fn create_connect_session(
    hub: &Hub,
    caller: &Caller,
    args: CreateConnectSession,
    context: &CallContext,
) -> Result<Value, ToolError> {
    let connectors = args.connectors.unwrap_or_default();
    let new = hub
        .create_session(
            &args.owner,
            &connectors,
            args.expires_in,
            &format!("{} over MCP", caller.actor()),
        )
        .await?;
    let path = format!("/connect/{}", new.token.expose_secret());
    let created = SessionCreated {
        id: new.session.id.clone(),
        url: format!("{}{path}", context.base_url),
        expires_at: rfc3339(new.session.expires_at),
        owner: new.session.owner.clone(),
        connectors: new.session.connectors.clone(),
        return_url: None,
        origin: None,
        relink_account_id: None,
    };
    let mut answer = to_value(&created);
    answer["path"] = json!(path);
    answer["next_step"] = json!(
        "Send `url` to the person who holds the provider account (only to them: it works once \
         and holds a secret token). They open it, choose the provider and enter their key in the \
         hub, which verifies it. Never ask them for the key. `list_accounts` with this owner then \
         shows the linked account."
    );
    if let Some(why) = &context.base_url_guessed {
        answer["url_note"] = json!(why);
    }
    Ok(answer)
}
